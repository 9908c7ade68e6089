package com.example.orders;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

public class OrderService extends BaseService implements AutoCloseable {
//           ^ definition.class
//                                ^ reference.class
//                                                       ^ reference.implementation
    public static final int MAX_LINES = 50;
//                          ^ definition.constant
    private final Map<String, Order> orders;
//                ^ reference.type
//                                   ^ definition.field
    private int created, cancelled;
//              ^ definition.field
//                       ^ definition.field

    public OrderService(Map<String, Order> store) {
//         ^ definition.constructor
        this.orders = store;
    }

    @Override
//   ^ reference.type
    public void close() {
//              ^ definition.method
        orders.clear();
//             ^ reference.call
    }

    public Order place(String customer, List<Line> lines) throws OrderException {
//         ^ reference.type
//               ^ definition.method
//                                           ^ reference.type
//                                                               ^ reference.type
        if (lines.size() > MAX_LINES) {
            throw new OrderException("too many lines: " + lines.size());
//                    ^ reference.class
        }
        Order order = new Order(customer, new ArrayList<>(lines), Status.OPEN);
//                        ^ reference.class
//                                            ^ reference.class
        orders.put(order.id(), order);
        created++;
        lines.forEach(this::audit);
//                          ^ reference.call
        return order;
    }

    private void audit(Line line) {
//               ^ definition.method
    }

    public enum Status { OPEN, SHIPPED, CANCELLED }
//              ^ definition.enum
//                       ^ definition.constant
//                             ^ definition.constant
//                                      ^ definition.constant

    public record Line(String sku, int quantity) {
//                ^ definition.class
//                            ^ definition.field
//                                     ^ definition.field
        public Line {
//             ^ definition.constructor
            if (quantity <= 0) throw new IllegalArgumentException("quantity");
        }
    }

    public interface Listener {
//                   ^ definition.interface
        int PRIORITY = 10;
//          ^ definition.constant
        void onPlaced(Order order);
//           ^ definition.method
    }
}
