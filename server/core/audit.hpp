// The audit trail: one record per batch item (and one per undecodable message), written as JSON Lines.
// A record says who (identity, peer address, transport), what (operation, object ID) and how it ended
// (result status and reason). It never holds key material: the engine fills records from identifiers and
// enumerations only, and the sinks write nothing else.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/core/group_sync.hpp"

namespace kmipd::core {

struct audit_record {
  std::int64_t time = 0;  // seconds since the Unix epoch, from the engine's clock
  std::string identity;
  std::string peer_address;
  std::string transport;
  std::string operation;    // spec name: "Create", "Get", ...; "-" when the message did not decode
  std::string object_id;    // "" when the operation names no object
  std::string result_status;                // "Success", "Operation Failed", ...
  std::optional<std::string> result_reason;  // spec name, on failure
};

// One JSON object on one line, keys in a fixed order, time as RFC 3339 UTC:
// {"time":"2024-01-01T00:00:00Z","identity":"vcenter","peer":"10.0.0.1:5123","transport":"tls",
//  "operation":"Create","object":"…","status":"Success"}
std::string to_json_line(const audit_record& r);

// Sinks must be safe to call from several threads and must not throw.
class audit_sink {
 public:
  virtual ~audit_sink() = default;
  virtual void record(const audit_record& r) noexcept = 0;
  // Records `records` in order, then calls done() once those its fsync policy must keep are on stable storage
  // (at once, on this thread, when none need waiting; else from the sink's syncer thread). The default records
  // them one by one and then calls done().
  virtual void record_async(std::vector<audit_record> records, std::function<void()> done) noexcept;
};

class memory_audit_sink final : public audit_sink {
 public:
  void record(const audit_record& r) noexcept override;
  std::vector<audit_record> records() const;
  std::vector<std::string> lines() const;  // as the file sink would write them

 private:
  mutable std::mutex mutex_;
  std::vector<audit_record> records_;
};

// Appends to a file opened O_APPEND|O_CREAT with mode 0600. The lines of one call are formatted first, then written
// with one write(2): with O_APPEND the kernel places each write at the end of the file in one piece (on local
// file systems it holds the file's lock for the copy), so concurrent requests need no lock of ours and their
// lines never interleave. Only a failing disk (a short write) could split a line.
// fsync policy: `every_record` calls fdatasync after each line (a crash loses no acknowledged record);
// `mutations` only after records of operations that change objects (Create, Register, Re-key, Destroy,
// Revoke, Activate and the attribute changes) and after failures, which is the default: reads are frequent
// (vCenter polls), and losing the audit of a read on power loss is acceptable where losing that of a
// Destroy is not; `never` leaves it to the OS.
class file_audit_sink final : public audit_sink {
 public:
  enum class fsync_policy : std::uint8_t { never, mutations, every_record };

  // Throws std::system_error naming the file when it cannot be opened (start-up configuration error).
  explicit file_audit_sink(const std::filesystem::path& path, fsync_policy policy = fsync_policy::mutations);
  ~file_audit_sink() override;
  file_audit_sink(const file_audit_sink&) = delete;
  file_audit_sink& operator=(const file_audit_sink&) = delete;

  void record(const audit_record& r) noexcept override;
  void record_async(std::vector<audit_record> records, std::function<void()> done) noexcept override;

  // The fdatasync groups of the records that must be on disk before their response (its counters: writes,
  // syncs).
  const group_sync& syncs() const noexcept { return *syncs_; }

 private:
  bool must_sync(const audit_record& r) const noexcept;
  // Appends whole lines; announces the write to syncs_ when `sync`. False when the write failed.
  bool append(std::string_view lines, bool sync) noexcept;
  int fd_ = -1;
  fsync_policy policy_;
  std::unique_ptr<group_sync> syncs_;  // destroyed (its syncs completed) before fd_ is closed
};

}  // namespace kmipd::core
