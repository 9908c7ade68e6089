using System;

namespace Shop.Orders;
//             ^ definition.namespace

public delegate void OrderPlaced(Order order);
//                   ^ definition.type
//                               ^ reference.type

public enum OrderStatus { Pending, Shipped = 2 }
//          ^ definition.enum
//                        ^ definition.constant
//                                 ^ definition.constant

public record Order(Guid Id, decimal Total);
//            ^ definition.class
//                       ^ definition.property
//                                   ^ definition.property

public readonly record struct Money(decimal Amount, string Currency);
//                            ^ definition.struct
//                                          ^ definition.property
//                                                         ^ definition.property

public interface IOrderStore : IDisposable
//               ^ definition.interface
//                             ^ reference.implementation
{
    Order Find(Guid id);
//        ^ definition.method
//             ^ reference.type
    int Count { get; }
//      ^ definition.property
}
