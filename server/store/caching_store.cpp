// The cache of hot objects: see caching_store.hpp for the contract.
#include "server/store/caching_store.hpp"

#include <atomic>
#include <mutex>

namespace kmipd::store {

caching_store::caching_store(std::unique_ptr<core::object_store> inner, std::size_t capacity)
    : inner_(std::move(inner)), capacity_(capacity) {}

core::store_result<std::optional<core::stored_object>> caching_store::get(std::string_view id) {
  std::uint64_t generation = 0;
  {
    std::shared_lock lock(mutex_);
    if (auto it = records_.find(std::string(id)); it != records_.end()) {
      std::atomic_ref<std::uint64_t>(hits_).fetch_add(1, std::memory_order_relaxed);
      return std::optional<core::stored_object>(it->second);
    }
    generation = generation_;
  }
  auto r = inner_->get(id);
  if (!r || !*r) return r;
  std::unique_lock lock(mutex_);
  ++misses_;
  if (generation != generation_) return r;  // a commit landed meanwhile: what we read may be older than it
  if (records_.try_emplace(std::string(id), **r).second) {
    order_.emplace_back(id);
    while (records_.size() > capacity_ && !order_.empty()) {
      records_.erase(order_.front());
      order_.pop_front();
    }
    // order_ only grows past capacity by names of records a commit dropped; trim them when it doubles.
    if (order_.size() > 2 * capacity_) {
      std::deque<std::string> live;
      for (auto& name : order_)
        if (records_.count(name)) live.push_back(std::move(name));
      order_ = std::move(live);
    }
  }
  return r;
}

core::store_result<void> caching_store::commit(std::vector<core::write_op> writes) {
  std::vector<std::string> ids;
  ids.reserve(writes.size());
  for (const auto& w : writes) ids.push_back(w.object.id);
  auto r = inner_->commit(std::move(writes));
  std::unique_lock lock(mutex_);
  // Dropped even when the commit failed: the failure may have been a conflict with a newer record than ours.
  for (const auto& id : ids) records_.erase(id);
  ++generation_;
  return r;
}

core::store_result<std::vector<std::string>> caching_store::locate(const core::locate_filter& filter) {
  return inner_->locate(filter);
}

caching_store::stats caching_store::statistics() const {
  std::shared_lock lock(mutex_);
  return {std::atomic_ref<const std::uint64_t>(hits_).load(std::memory_order_relaxed), misses_, records_.size()};
}

}  // namespace kmipd::store
