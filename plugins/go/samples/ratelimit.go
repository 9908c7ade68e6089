package ratelimit

import (
	"errors"
	"sync"
	"time"
)

const (
	DefaultBurst = 10
//^ definition.constant
	maxKeys      = 1 << 16
//^ definition.constant
)

var ErrLimited = errors.New("ratelimit: limited")
//  ^ definition.variable
//                      ^ reference.call

var hits, misses uint64
//  ^ definition.variable
//        ^ definition.variable

type Clock func() time.Time
//   ^ definition.type
//                     ^ reference.type

type Limiter interface {
//   ^ definition.interface
	Allow(key string) error
//^ definition.method
}

type bucket struct {
//   ^ definition.struct
	tokens, burst int
//^ definition.field
//       ^ definition.field
	last time.Time
//^ definition.field
}

type Buckets struct {
//   ^ definition.struct
	mu    sync.Mutex
//^ definition.field
//          ^ reference.type
	byKey map[string]*bucket
//^ definition.field
//                 ^ reference.type
	now   Clock
//^ definition.field
//     ^ reference.type
}

func New(now Clock) *Buckets {
//   ^ definition.function
	return &Buckets{byKey: make(map[string]*bucket), now: now}
//       ^ reference.type
//                      ^ reference.call
}

func (b *Buckets) Allow(key string) error {
//                ^ definition.method
	b.mu.Lock()
//    ^ reference.call
	defer b.mu.Unlock()
	bk, ok := b.byKey[key]
	if !ok && len(b.byKey) < maxKeys {
		bk = &bucket{tokens: DefaultBurst, burst: DefaultBurst, last: b.now()}
		b.byKey[key] = bk
	}
	if bk == nil || bk.tokens == 0 {
		misses++
		return ErrLimited
	}
	bk.tokens--
	hits++
	return nil
}
