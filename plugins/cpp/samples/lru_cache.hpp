#pragma once

#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#define LRU_DEFAULT_CAPACITY 128
//      ^ definition.macro

namespace cache {
//        ^ definition.namespace

enum class Eviction { Oldest, Largest };
//         ^ definition.enum
//                    ^ definition.constant
//                            ^ definition.constant

using Key = std::string;
//    ^ definition.type
//               ^ reference.type

struct Stats {
//     ^ definition.struct
    std::size_t hits = 0;
//              ^ definition.field
    std::size_t misses = 0;
//              ^ definition.field
};

class Policy {
//    ^ definition.class
public:
    virtual ~Policy() = default;
//          ^ definition.method
    virtual Eviction kind() const = 0;
//          ^ reference.type
//                   ^ definition.method
};

class LruCache : public Policy {
//    ^ definition.class
//                      ^ reference.type
public:
    explicit LruCache(std::size_t capacity = LRU_DEFAULT_CAPACITY);
//           ^ definition.constructor
    ~LruCache();
//   ^ definition.method
    bool get(const Key& key, std::string* value);
//       ^ definition.method
    void put(const Key& key, std::string value);
//       ^ definition.method
    Eviction kind() const override { return Eviction::Oldest; }
//           ^ definition.method
    const Stats& stats() const { return stats_; }
//               ^ definition.method

private:
    using Entry = std::pair<Key, std::string>;
//        ^ definition.type
    std::size_t capacity_;
//              ^ definition.field
    std::list<Entry> order_;
//       ^ reference.type
//            ^ reference.type
//                   ^ definition.field
    std::unordered_map<Key, std::list<Entry>::iterator> index_;
//                                                      ^ definition.field
    std::mutex mutex_;
//             ^ definition.field
    Stats stats_;
//  ^ reference.type
//        ^ definition.field
};

extern LruCache* default_cache;
//               ^ definition.variable

}  // namespace cache
