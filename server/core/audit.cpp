// Audit sinks: JSON Lines rendering, the in-memory sink and the append-only file sink.
#include "server/core/audit.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <system_error>

namespace kmipd::core {
namespace {

void append_escaped(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

std::string rfc3339(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool is_mutation(std::string_view op) {
  for (std::string_view m : {"Create", "Register", "Re-key", "Destroy", "Revoke", "Activate", "Add Attribute",
                             "Modify Attribute", "Delete Attribute", "Set Attribute"})
    if (op == m) return true;
  return false;
}

}  // namespace

std::string to_json_line(const audit_record& r) {
  std::string out = "{\"time\":";
  append_escaped(out, rfc3339(r.time));
  auto field = [&](std::string_view k, std::string_view v) {
    out += ",\"";
    out += k;
    out += "\":";
    append_escaped(out, v);
  };
  field("identity", r.identity);
  field("peer", r.peer_address);
  field("transport", r.transport);
  field("operation", r.operation);
  field("object", r.object_id);
  field("status", r.result_status);
  if (r.result_reason) field("reason", *r.result_reason);
  out += "}\n";
  return out;
}

void memory_audit_sink::record(const audit_record& r) noexcept {
  try {
    std::lock_guard lock(mutex_);
    records_.push_back(r);
  } catch (...) {  // out of memory: the audit of a test loses a record
  }
}
std::vector<audit_record> memory_audit_sink::records() const {
  std::lock_guard lock(mutex_);
  return records_;
}
std::vector<std::string> memory_audit_sink::lines() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& r : records_) out.push_back(to_json_line(r));
  return out;
}

void audit_sink::record_async(std::vector<audit_record> records, std::function<void()> done) noexcept {
  for (const auto& r : records) record(r);
  try {
    done();
  } catch (...) {
  }
}

file_audit_sink::file_audit_sink(const std::filesystem::path& path, fsync_policy policy)
    : policy_(policy), syncs_(std::make_unique<group_sync>([this] { return ::fdatasync(fd_) == 0; })) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "audit log " + path.string());
}

file_audit_sink::~file_audit_sink() {
  syncs_.reset();
  if (fd_ >= 0) ::close(fd_);
}

bool file_audit_sink::must_sync(const audit_record& r) const noexcept {
  return policy_ == fsync_policy::every_record ||
         (policy_ == fsync_policy::mutations && (is_mutation(r.operation) || r.result_reason));
}

bool file_audit_sink::append(std::string_view lines, bool sync) noexcept {
  std::size_t done = 0;
  while (done < lines.size()) {  // bounded: each pass writes bytes or returns
    const ssize_t n = ::write(fd_, lines.data() + done, lines.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;  // nothing sensible to do from here; the server's log reports disk errors elsewhere
    }
    done += static_cast<std::size_t>(n);
  }
  // After the write returned, so that any sync the syncer starts from now on covers it.
  if (sync) syncs_->wrote();
  return true;
}

void file_audit_sink::record(const audit_record& r) noexcept {
  try {
    const bool sync = must_sync(r);
    // Records of concurrent requests share one fdatasync.
    if (append(to_json_line(r), sync) && sync) (void)syncs_->sync();
  } catch (...) {
  }
}

void file_audit_sink::record_async(std::vector<audit_record> records, std::function<void()> done) noexcept {
  bool sync = false;
  try {
    std::string lines;
    for (const auto& r : records) {
      lines += to_json_line(r);
      sync = must_sync(r) || sync;
    }
    sync = append(lines, sync) && sync;
  } catch (...) {
    sync = false;
  }
  try {
    // Records of concurrent requests share one fdatasync, and nobody's thread waits for it.
    if (sync) syncs_->sync_async([done = std::move(done)](bool) { done(); });
    else done();
  } catch (...) {
  }
}

}  // namespace kmipd::core
