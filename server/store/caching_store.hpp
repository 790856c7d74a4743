// A bounded cache of hot objects in front of any object_store (a decorator: the interface is unchanged). A KEK
// fetch storm reads the same few hundred keys again and again; served from here, a Get costs no SQLite
// statement, no AES-GCM unsealing and no attribute decoding, and readers do not queue on the store's single
// connection.
//
// Contract:
//  - get() returns what the inner store would: a hit is a copy of the record as the inner store last returned or
//    accepted it. A get() that starts after commit() returned sees that commit. A get() concurrent with a commit()
//    may see the state before it (kmipd's engine never lets the two overlap: writers run alone).
//  - commit() goes to the inner store first (durability is the inner store's: an acknowledged write is on disk
//    exactly when it would be without the cache); on success the written records are dropped from the cache,
//    on failure nothing changes. A miss that raced with a commit is not cached (a generation counter).
//  - locate() is not cached.
//  - At most `capacity` records are held; the oldest inserted is evicted first (FIFO: a hot record evicted is
//    re-read once and cached again). Records hold key material in wiping buffers, wiped on eviction.
//  - Only for a store that this process alone writes (SQLite): with several kmipd instances on one PostgreSQL
//    database another instance's writes would not invalidate this cache.
//
// Thread safety: safe for concurrent use; hits share a reader lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "server/core/object_store.hpp"

namespace kmipd::store {

class caching_store final : public core::object_store {
 public:
  // REQUIRES: inner non-null, capacity > 0.
  caching_store(std::unique_ptr<core::object_store> inner, std::size_t capacity);

  core::store_result<std::optional<core::stored_object>> get(std::string_view id) override;
  core::store_result<void> commit(std::vector<core::write_op> writes) override;
  core::store_result<std::vector<std::string>> locate(const core::locate_filter& filter) override;
  core::store_result<void> sync() override { return inner_->sync(); }
  void sync_async(std::function<void(core::store_result<void>)> done) override {
    inner_->sync_async(std::move(done));
  }

  struct stats {
    std::uint64_t hits = 0, misses = 0;
    std::size_t size = 0;
  };
  stats statistics() const;
  core::object_store& inner() noexcept { return *inner_; }

 private:
  std::unique_ptr<core::object_store> inner_;
  const std::size_t capacity_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, core::stored_object> records_;
  std::deque<std::string> order_;  // insertion order, for eviction; may name records already dropped
  std::uint64_t generation_ = 0;   // bumped by every successful commit
  alignas(8) std::uint64_t hits_ = 0;  // counted under the shared lock, through std::atomic_ref
  std::uint64_t misses_ = 0;           // under the exclusive lock
};

}  // namespace kmipd::store
