/* A fixed-size ring buffer of byte records: the header a driver would include. */
#ifndef RINGBUF_H
#define RINGBUF_H
//      ^ definition.macro

#include <stddef.h>

#define RINGBUF_MAX_SLOTS 64
//      ^ definition.macro
#define RINGBUF_FULL(rb) ((rb)->count == RINGBUF_MAX_SLOTS)
//      ^ definition.macro

struct ringbuf_ops;
//     ^ reference.type

typedef unsigned int rb_size_t;
//                   ^ definition.type

struct ringbuf {
//     ^ definition.struct
    unsigned char *slots[RINGBUF_MAX_SLOTS];
//                 ^ definition.field
    rb_size_t head, tail;
//  ^ reference.type
//            ^ definition.field
//                  ^ definition.field
    rb_size_t count;
//            ^ definition.field
    const struct ringbuf_ops *ops;
//               ^ reference.type
//                            ^ definition.field
};

extern struct ringbuf *ringbuf_default;
//                     ^ definition.variable

struct ringbuf *ringbuf_new(rb_size_t capacity);
//              ^ definition.function
//                          ^ reference.type
int ringbuf_push(struct ringbuf *rb, const void *data, size_t len);
//  ^ definition.function
//                      ^ reference.type
void ringbuf_free(struct ringbuf *rb);
//   ^ definition.function

#endif /* RINGBUF_H */
