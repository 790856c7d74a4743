// A POSIX file descriptor with the few operations the datastore needs: positioned whole reads and writes, sync,
// sparse-file hole punching and data seeking. Errors name the file. Not copyable; closes on destruction.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>

#include "esxi_sim/error.hpp"
#include "esxi_sim/fault_injector.hpp"

namespace esxi_sim {

class file {
 public:
  enum class mode { read_only, read_write, create_new };

  static result<file> open(const std::filesystem::path& p, mode m);

  file(file&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) { o.fd_ = -1; }
  file& operator=(file&& o) noexcept;
  file(const file&) = delete;
  file& operator=(const file&) = delete;
  ~file();

  const std::string& path() const noexcept { return path_; }

  // Reads exactly out.size() bytes at off; a short read is errc::corrupt ("truncated").
  result<void> read_at(std::uint64_t off, std::span<std::uint8_t> out) const;
  // Writes all of data at off. With an injector, may write part of it and fail with errc::injected_fault.
  result<void> write_at(std::uint64_t off, std::span<const std::uint8_t> data, fault_injector* faults = nullptr);
  result<void> sync();
  result<std::uint64_t> size() const;
  result<void> truncate(std::uint64_t size);
  // Deallocates [off, off+len) so it reads back as zeros (falls back to writing zeros where holes are unsupported).
  result<void> punch_hole(std::uint64_t off, std::uint64_t len);
  // The first offset >= off that holds data, or nullopt if none (SEEK_DATA). Where unsupported, returns off.
  std::optional<std::uint64_t> next_data(std::uint64_t off) const;

 private:
  file(int fd, std::string p) : fd_(fd), path_(std::move(p)) {}
  int fd_ = -1;
  std::string path_;
};

// Replaces p atomically with data: write p.tmp, fsync, rename over p, fsync the directory. Readers see the old or
// the new file, never a mixture, whatever the moment of a crash. The injector counts the data write as one write.
result<void> write_file_atomically(const std::filesystem::path& p, std::span<const std::uint8_t> data,
                                   fault_injector* faults = nullptr);

// Reads a whole (small) file. errc::not_found if absent.
result<std::string> read_small_file(const std::filesystem::path& p);

}  // namespace esxi_sim
