#include <stdlib.h>
#include <string.h>
#include "ringbuf.h"

#define SLOT_BYTES 256
//      ^ definition.macro
#define __read_mostly __attribute__((__section__(".data..read_mostly")))
//      ^ definition.macro

enum rb_state { RB_IDLE, RB_BUSY = 4 };
//   ^ definition.enum
//              ^ definition.constant
//                       ^ definition.constant

union rb_word {
//    ^ definition.struct
    unsigned int u;
//               ^ definition.field
    float f;
//        ^ definition.field
};

typedef int (*rb_visit_fn)(const unsigned char *slot, void *arg);
//            ^ definition.type

struct ringbuf_ops {
//     ^ definition.struct
    int (*on_push)(struct ringbuf *rb, size_t len);
//        ^ definition.field
};

struct ringbuf *ringbuf_default;
//              ^ definition.variable
static enum rb_state state = RB_IDLE;
//          ^ reference.type
//                   ^ definition.variable
static int rb_debug __read_mostly;
//         ^ definition.variable
#ifdef RB_TRACE
static unsigned long push_count;
//                   ^ definition.variable
#endif

static unsigned char *slot_alloc(void)
//                    ^ definition.function
{
    unsigned char *slot = malloc(SLOT_BYTES);
//                        ^ reference.call
    return slot;
}

struct ringbuf *ringbuf_new(rb_size_t capacity)
//              ^ definition.function
{
    struct ringbuf *rb = calloc(1, sizeof(struct ringbuf));
//                       ^ reference.call
//                                               ^ reference.type
    (void)capacity;
    return rb;
}

int ringbuf_push(struct ringbuf *rb, const void *data, size_t len)
//  ^ definition.function
{
    unsigned char *slot;
    if (RINGBUF_FULL(rb) || len > SLOT_BYTES)
//      ^ reference.call
        return -1;
    slot = slot_alloc();
//         ^ reference.call
    memcpy(slot, data, len);
    rb->slots[rb->head] = slot;
    rb->head = (rb->head + 1) % RINGBUF_MAX_SLOTS;
    rb->count++;
    return rb->ops ? rb->ops->on_push(rb, len) : 0;
//                            ^ reference.call
}
