package com.example.orders;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.function.Function;

@Retention(RetentionPolicy.RUNTIME)
//^ reference.type
@Target(ElementType.METHOD)
public @interface Audited {
//                ^ definition.interface
    String category() default "orders";
//         ^ definition.method
    int level() default 1;
//      ^ definition.method

    final class Recorder<T extends Comparable<T>> {
//              ^ definition.class
//                                 ^ reference.type
        private static int recorded;
//                         ^ definition.field

        static <T> T record(Function<String, T> sink, String entry) {
//                   ^ definition.method
//                          ^ reference.type
            try {
                recorded++;
                return sink.apply(entry);
//                          ^ reference.call
            } catch (IllegalStateException | java.io.UncheckedIOException e) {
//                   ^ reference.type
//                                                   ^ reference.type
                throw new AuditException(entry, e);
//                        ^ reference.class
            }
        }
    }
}
