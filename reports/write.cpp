// write_reports(): the three files, each replaced atomically (write a temporary file beside it, fsync, rename).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "reports/report.hpp"

namespace reports {

namespace {

common::expected<void, std::string> write_atomically(const std::filesystem::path& path, std::string_view data) {
  const auto tmp = path.parent_path() / ("." + path.filename().string() + ".tmp");
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return common::unexpected(tmp.string() + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string err = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return common::unexpected(tmp.string() + ": " + err);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    return common::unexpected(tmp.string() + ": " + err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    return common::unexpected(path.string() + ": " + err);
  }
  return {};
}

}  // namespace

common::expected<void, std::string> write_reports(const run& r, const std::filesystem::path& dir,
                                                  const junit_options& options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return common::unexpected(dir.string() + ": " + ec.message());
  if (auto w = write_atomically(dir / "junit.xml", render_junit(r, options)); !w) return w;
  if (auto w = write_atomically(dir / "report.json", render_json(r)); !w) return w;
  if (auto w = write_atomically(dir / "report.html", render_html(r)); !w) return w;
  // The renames are durable once the directory is.
  if (const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  return {};
}

}  // namespace reports
