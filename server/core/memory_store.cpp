// memory_store: a map from id to record plus a creation sequence for Locate's order.
#include "server/core/memory_store.hpp"

#include <algorithm>

namespace kmipd::core {

store_result<std::optional<stored_object>> memory_store::get(std::string_view id) {
  std::lock_guard lock(mutex_);
  auto it = objects_.find(id);
  if (it == objects_.end()) return std::optional<stored_object>{};
  return std::optional<stored_object>{it->second.object};
}

store_result<void> memory_store::commit(std::vector<write_op> writes) {
  std::lock_guard lock(mutex_);
  // Check everything first, so that a failed commit changes nothing.
  std::map<std::string, std::int64_t, std::less<>> planned;  // id -> version after the planned writes (0: absent)
  auto current = [&](const std::string& id) -> std::int64_t {
    if (auto p = planned.find(id); p != planned.end()) return p->second;
    auto it = objects_.find(id);
    return it == objects_.end() ? 0 : it->second.object.version;
  };
  for (const auto& w : writes) {
    const auto v = current(w.object.id);
    switch (w.op) {
      case write_op::kind::insert:
        if (v != 0) return common::unexpected(store_error{store_errc::already_exists, "object " + w.object.id + " exists"});
        planned[w.object.id] = 1;
        break;
      case write_op::kind::update:
      case write_op::kind::erase:
        if (v == 0) return common::unexpected(store_error{store_errc::not_found, "no object " + w.object.id});
        if (v != w.object.version)
          return common::unexpected(store_error{store_errc::conflict, "object " + w.object.id + " changed meanwhile"});
        planned[w.object.id] = w.op == write_op::kind::erase ? 0 : v + 1;
        break;
    }
  }
  for (auto& w : writes) {
    switch (w.op) {
      case write_op::kind::insert: {
        w.object.version = 1;
        auto id = w.object.id;
        objects_[id] = entry{next_seq_++, std::move(w.object)};
        break;
      }
      case write_op::kind::update: {
        auto& e = objects_.find(w.object.id)->second;
        w.object.version = e.object.version + 1;
        e.object = std::move(w.object);
        break;
      }
      case write_op::kind::erase: objects_.erase(objects_.find(w.object.id)); break;
    }
  }
  return {};
}

store_result<std::vector<std::string>> memory_store::locate(const locate_filter& filter) {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::uint64_t, std::string>> found;
  for (const auto& [id, e] : objects_) {
    if (filter.object_type && e.object.object_type != *filter.object_type) continue;
    if (filter.owner && e.object.owner != *filter.owner) continue;
    found.emplace_back(e.seq, id);
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> ids;
  ids.reserve(found.size());
  for (auto& f : found) ids.push_back(std::move(f.second));
  return ids;
}

}  // namespace kmipd::core
