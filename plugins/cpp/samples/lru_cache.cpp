#include "lru_cache.hpp"

#include <utility>

namespace cache {
//        ^ definition.namespace

LruCache* default_cache = nullptr;
//        ^ definition.variable

namespace {
const char* const kTag = "lru";
//                ^ definition.variable

template <typename T>
T clamp_size(T value, T limit) {
// <- reference.type
//^ definition.function
    return value < limit ? value : limit;
}
}  // namespace

LruCache::LruCache(std::size_t capacity)
//        ^ definition.constructor
    : capacity_(clamp_size<std::size_t>(capacity, 1 << 20)) {}
//              ^ reference.call

LruCache::~LruCache() { order_.clear(); }
//        ^ definition.method
//                             ^ reference.call

bool LruCache::get(const Key& key, std::string* value) {
//             ^ definition.method
//                       ^ reference.type
    std::lock_guard<std::mutex> guard(mutex_);
//       ^ reference.type
    auto it = index_.find(key);
//                   ^ reference.call
    if (it == index_.end()) {
        ++stats_.misses;
        return false;
    }
    order_.splice(order_.begin(), order_, it->second);
    *value = it->second->second;
    ++stats_.hits;
    return true;
}

void LruCache::put(const Key& key, std::string value) {
//             ^ definition.method
    if (index_.size() >= capacity_) {
        index_.erase(order_.back().first);
        order_.pop_back();
//             ^ reference.call
    }
    order_.emplace_front(key, std::move(value));
//                                 ^ reference.call
    index_[key] = order_.begin();
}

Policy* make_policy() { return new LruCache(16); }
//      ^ definition.function
//                                 ^ reference.class

}  // namespace cache
