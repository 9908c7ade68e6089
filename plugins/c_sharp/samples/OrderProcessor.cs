using System;
using System.Collections.Generic;

namespace Shop.Orders
//             ^ definition.namespace
{
    public struct LineItem
//                ^ definition.struct
    {
        public string Sku;
//                    ^ definition.field
        public int Quantity;
//                 ^ definition.field
    }

    public sealed class OrderProcessor : ProcessorBase<Order>, IAsyncDisposable
//                      ^ definition.class
//                                       ^ reference.class
//                                                             ^ reference.class
    {
        public const int MaxBatch = 100;
//                       ^ definition.constant
        private readonly IOrderStore _store;
//                       ^ reference.type
//                                   ^ definition.field
        public event OrderPlaced Placed;
//                               ^ definition.field

        public OrderProcessor(IOrderStore store) => _store = store;
//             ^ definition.constructor

        public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
//             ^ reference.type
//                      ^ definition.property
//                                                        ^ reference.call

        public IReadOnlyList<Order> Place(IEnumerable<LineItem> items)
//             ^ reference.type
//                                  ^ definition.method
//                                                    ^ reference.type
        {
            var placed = new List<Order>();
//                           ^ reference.class
            foreach (var batch in items.Chunk(MaxBatch))
//                                      ^ reference.call
            {
                var order = new Order(Guid.NewGuid(), Sum(batch));
//                              ^ reference.class
//                                         ^ reference.call
                placed.Add(order);
                Placed?.Invoke(order);
            }
            return placed;

            static decimal Sum(LineItem[] lines) => lines.Length;
//                         ^ definition.function
        }

        public ValueTask DisposeAsync() => _store.DisposeAsync();
//                       ^ definition.method
//                                                ^ reference.call
    }
}
