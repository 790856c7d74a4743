// POSIX file operations for the datastore.
#include "esxi_sim/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace esxi_sim {

namespace {

common::unexpected<error> os_fail(const std::string& p, const char* op) {
  return fail(errc::io, p, std::string(op) + ": " + std::strerror(errno));
}

}  // namespace

result<file> file::open(const std::filesystem::path& p, mode m) {
  int flags = O_CLOEXEC;
  switch (m) {
    case mode::read_only: flags |= O_RDONLY; break;
    case mode::read_write: flags |= O_RDWR; break;
    case mode::create_new: flags |= O_RDWR | O_CREAT | O_EXCL; break;
  }
  const int fd = ::open(p.c_str(), flags, 0600);
  if (fd < 0) {
    if (errno == ENOENT) return fail(errc::not_found, p.string(), "file is missing");
    return os_fail(p.string(), "open");
  }
  return file{fd, p.string()};
}

file& file::operator=(file&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    path_ = std::move(o.path_);
    o.fd_ = -1;
  }
  return *this;
}

file::~file() {
  if (fd_ >= 0) ::close(fd_);
}

result<void> file::read_at(std::uint64_t off, std::span<std::uint8_t> out) const {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(off + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return os_fail(path_, "pread");
    }
    if (n == 0) {
      return fail(errc::corrupt, path_, "truncated: expected " + std::to_string(out.size()) + " bytes at offset " +
                                            std::to_string(off) + ", file ends first");
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

result<void> file::write_at(std::uint64_t off, std::span<const std::uint8_t> data, fault_injector* faults) {
  std::size_t len = data.size();
  if (faults) len = faults->admit(data.size());
  std::size_t done = 0;
  while (done < len) {
    const ssize_t n = ::pwrite(fd_, data.data() + done, len - done, static_cast<off_t>(off + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return os_fail(path_, "pwrite");
    }
    done += static_cast<std::size_t>(n);
  }
  if (faults && faults->fired()) return fail(errc::injected_fault, path_, "write interrupted by the test hook");
  return {};
}

result<void> file::sync() {
  if (::fdatasync(fd_) != 0) return os_fail(path_, "fdatasync");
  return {};
}

result<std::uint64_t> file::size() const {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return os_fail(path_, "fstat");
  return static_cast<std::uint64_t>(st.st_size);
}

result<void> file::truncate(std::uint64_t size) {
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return os_fail(path_, "ftruncate");
  return {};
}

result<void> file::punch_hole(std::uint64_t off, std::uint64_t len) {
  if (::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(off),
                  static_cast<off_t>(len)) == 0) {
    return {};
  }
  if (errno != EOPNOTSUPP && errno != ENOSYS) return os_fail(path_, "fallocate(PUNCH_HOLE)");
  const std::vector<std::uint8_t> zeros(64 * 1024, 0);
  for (std::uint64_t done = 0; done < len;) {
    const std::uint64_t n = std::min<std::uint64_t>(zeros.size(), len - done);
    auto r = write_at(off + done, std::span(zeros).first(static_cast<std::size_t>(n)));
    if (!r) return r;
    done += n;
  }
  return {};
}

std::optional<std::uint64_t> file::next_data(std::uint64_t off) const {
  const off_t r = ::lseek(fd_, static_cast<off_t>(off), SEEK_DATA);
  if (r >= 0) return static_cast<std::uint64_t>(r);
  if (errno == ENXIO) return std::nullopt;
  return off;
}

result<void> write_file_atomically(const std::filesystem::path& p, std::span<const std::uint8_t> data,
                                   fault_injector* faults) {
  std::filesystem::path tmp = p;
  tmp += ".tmp";
  std::error_code ec;
  std::filesystem::remove(tmp, ec);
  auto f = file::open(tmp, file::mode::create_new);
  if (!f) return common::unexpected<error>{f.error()};
  if (auto r = f->write_at(0, data, faults); !r) return r;
  if (auto r = f->sync(); !r) return r;
  if (::rename(tmp.c_str(), p.c_str()) != 0) return os_fail(p.string(), "rename");
  const std::string dir = p.has_parent_path() ? p.parent_path().string() : std::string(".");
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

result<std::string> read_small_file(const std::filesystem::path& p) {
  auto f = file::open(p, file::mode::read_only);
  if (!f) return common::unexpected<error>{f.error()};
  auto size = f->size();
  if (!size) return common::unexpected<error>{size.error()};
  if (*size > (64u << 20)) return fail(errc::corrupt, p.string(), "file is implausibly large for a descriptor");
  std::string s(static_cast<std::size_t>(*size), '\0');
  if (auto r = f->read_at(0, std::span(reinterpret_cast<std::uint8_t*>(s.data()), s.size())); !r) {
    return common::unexpected<error>{r.error()};
  }
  return s;
}

}  // namespace esxi_sim
