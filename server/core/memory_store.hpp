// An object_store in memory: the reference implementation of the interface, for unit tests and for
// `scenario run` when no database is wanted. Nothing survives the process.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "server/core/object_store.hpp"

namespace kmipd::core {

class memory_store final : public object_store {
 public:
  store_result<std::optional<stored_object>> get(std::string_view id) override;
  store_result<void> commit(std::vector<write_op> writes) override;
  store_result<void> sync() override { return {}; }  // nothing to make durable
  store_result<std::vector<std::string>> locate(const locate_filter& filter) override;

 private:
  struct entry {
    std::uint64_t seq = 0;
    stored_object object;
  };
  std::mutex mutex_;
  std::map<std::string, entry, std::less<>> objects_;
  std::uint64_t next_seq_ = 1;
};

}  // namespace kmipd::core
