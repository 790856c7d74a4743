// The PyKMIP server log importer (importers.hpp).
//
// A log line is "YYYY-MM-DD HH:MM:SS,mmm - LOGGER - LEVEL - MESSAGE"; tracebacks add lines without that prefix,
// which are ignored. What is used:
//   kmip.server            "Dedicating session S to HOST:PORT"                 -> the peer of session S
//   kmip.server.session.S  "Session cipher selected: ('CIPHER', 'TLSvX', N)"   -> TLS facts
//   kmip.server.session.S  "Session client identity: NAME"                     -> client subject CN=NAME
//   kmip.server.session.S  "Request encoding: b'HEX'"                          -> request bytes (accumulated
//                                                                                 until one whole message)
//   kmip.server.session.S  "Response encoding: b'HEX'"                         -> one response
//   kmip.server.session.S  "Stopping session: S"                               -> end of the connection
// The log's times are local wall-clock times without a zone; they are taken as UTC.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "common/hex.hpp"
#include "kmip/traffic/importers.hpp"
#include "kmip/ttlv/decode_limits.hpp"
#include "kmip/ttlv/framer.hpp"

namespace kmip::traffic {
namespace {

struct session_state {
  std::uint64_t id = 0;
  std::string peer;
  tls_facts tls;
  common::secure_bytes pending;  // request bytes not yet a whole message
  std::size_t pending_line = 0;
  std::vector<std::size_t> frames;  // indexes of this session's frames (PyKMIP logs the cipher after the
                                    // first request: facts learnt later are copied back to them)
};

// "2025-03-31 12:09:25,548" -> microseconds, or nullopt.
std::optional<std::int64_t> line_time(std::string_view line) {
  if (line.size() < 23 || line[10] != ' ' || line[19] != ',') return std::nullopt;
  std::string iso(line.substr(0, 19));
  iso[10] = 'T';
  iso += "." + std::string(line.substr(20, 3)) + "Z";
  auto t = parse_time_us(iso);
  if (!t) return std::nullopt;
  return *t;
}

// The text between "b'" and the closing "'".
std::optional<std::string_view> quoted_bytes(std::string_view message) {
  auto b = message.find("b'");
  if (b == std::string_view::npos) return std::nullopt;
  auto e = message.find('\'', b + 2);
  if (e == std::string_view::npos) return std::nullopt;
  return message.substr(b + 2, e - b - 2);
}

// The first quoted string of a Python tuple "('AES128-SHA256', 'TLSv1.2', 128)", then the second.
std::vector<std::string> tuple_strings(std::string_view text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (true) {
    auto b = text.find('\'', pos);
    if (b == std::string_view::npos) break;
    auto e = text.find('\'', b + 1);
    if (e == std::string_view::npos) break;
    out.emplace_back(text.substr(b + 1, e - b - 1));
    pos = e + 1;
  }
  return out;
}

}  // namespace

common::expected<import_result, std::string> parse_pykmip_log(std::string_view text, std::string_view name) {
  import_result r;
  std::map<std::string, std::string> peer_of_session;  // "00000021" -> "172.16.220.137:43500"
  std::map<std::string, session_state> sessions;
  std::size_t dumps = 0;
  const std::string file(name);
  auto where = [&](std::size_t line) { return file + ":" + std::to_string(line) + ": "; };

  auto close_session = [&](session_state& s, std::size_t line) {
    if (!s.pending.empty())
      r.skipped.push_back(where(s.pending_line) + "session " + std::to_string(s.id) + ": " +
                          std::to_string(s.pending.size()) +
                          " request bytes that never formed a whole message (skipped; ended at line " +
                          std::to_string(line) + ")");
    s.pending.clear();
  };

  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto time = line_time(line);
    if (!time) continue;  // traceback or continuation line
    // " - LOGGER - LEVEL - MESSAGE"
    auto a = line.find(" - ");
    if (a == std::string_view::npos) continue;
    auto b = line.find(" - ", a + 3);
    if (b == std::string_view::npos) continue;
    auto c = line.find(" - ", b + 3);
    if (c == std::string_view::npos) continue;
    std::string_view logger = line.substr(a + 3, b - a - 3);
    std::string_view message = line.substr(c + 3);

    if (logger == "kmip.server") {
      constexpr std::string_view dedicating = "Dedicating session ";
      if (message.starts_with(dedicating)) {
        auto rest = message.substr(dedicating.size());
        auto sp = rest.find(" to ");
        if (sp != std::string_view::npos)
          peer_of_session[std::string(rest.substr(0, sp))] = std::string(rest.substr(sp + 4));
      }
      continue;
    }
    constexpr std::string_view session_prefix = "kmip.server.session.";
    if (!logger.starts_with(session_prefix)) continue;
    const std::string sid(logger.substr(session_prefix.size()));
    auto [it, fresh] = sessions.try_emplace(sid);
    session_state& s = it->second;
    if (fresh) {
      s.id = std::strtoull(sid.c_str(), nullptr, 10);
      if (auto p = peer_of_session.find(sid); p != peer_of_session.end()) s.peer = p->second;
    }

    if (message.starts_with("Session cipher selected:")) {
      auto parts = tuple_strings(message.substr(std::strlen("Session cipher selected:")));
      if (parts.size() >= 2) {
        s.tls.cipher = parts[0];
        s.tls.version = parts[1];
      }
      for (auto i : s.frames) r.frames[i].tls = s.tls;
    } else if (message.starts_with("Session client identity: ")) {
      s.tls.client_subject = "CN=" + std::string(message.substr(std::strlen("Session client identity: ")));
      for (auto i : s.frames) r.frames[i].tls = s.tls;
    } else if (message.starts_with("Stopping session")) {
      close_session(s, line_no);
      sessions.erase(it);
    } else if (message.starts_with("Request encoding:") || message.starts_with("Response encoding:")) {
      const bool request = message.starts_with("Request");
      auto hex = quoted_bytes(message);
      if (!hex) {
        r.skipped.push_back(where(line_no) + "a hex dump without its b'...' quotes (skipped)");
        continue;
      }
      auto bytes = common::from_hex(*hex);
      if (!bytes) {
        r.skipped.push_back(where(line_no) + "not hex at character " + std::to_string(bytes.error().offset) +
                            " of the dump (skipped)");
        continue;
      }
      ++dumps;
      frame f;
      f.connection = s.id;
      f.time_us = *time;
      f.peer = s.peer;
      f.tls = s.tls;
      f.line = line_no;
      if (request) {
        if (s.pending.empty()) s.pending_line = line_no;
        s.pending.insert(s.pending.end(), bytes->begin(), bytes->end());
        ttlv::decode_limits limits;
        auto st = ttlv::inspect_frame(s.pending, limits);
        if (st.state == ttlv::frame_status::kind::need_more) continue;
        if (st.state == ttlv::frame_status::kind::invalid || st.size != s.pending.size()) {
          r.skipped.push_back(where(s.pending_line) + "request bytes that are not one KMIP message (" +
                              (st.state == ttlv::frame_status::kind::invalid ? st.err.message()
                                                                             : std::string("trailing bytes")) +
                              "; skipped)");
          s.pending.clear();
          continue;
        }
        f.direction = direction::request;
        f.message = std::move(s.pending);
        s.pending = {};
      } else {
        if (!s.pending.empty()) close_session(s, line_no);
        f.direction = direction::response;
        f.message.assign(bytes->begin(), bytes->end());
      }
      std::fill(bytes->begin(), bytes->end(), std::uint8_t{0});
      s.frames.push_back(r.frames.size());
      r.frames.push_back(std::move(f));
    }
  }
  for (auto& [sid, s] : sessions) close_session(s, line_no);
  if (dumps == 0)
    return common::unexpected(
        file + ": no \"Request encoding\" or \"Response encoding\" hex dump in " + std::to_string(line_no) +
        " lines: not a PyKMIP server log written at DEBUG level");
  return r;
}

common::expected<import_result, std::string> import_pykmip_log(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return common::unexpected(file.string() + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_pykmip_log(text.str(), file.string());
}

bool looks_like_trace(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  char ch = 0;
  while (in.get(ch))
    if (ch != ' ' && ch != '\n' && ch != '\r' && ch != '\t') return ch == '{';
  return false;
}

}  // namespace kmip::traffic

// ---- pcap + key log, through tshark ------------------------------------------------------------------------
namespace kmip::traffic {
namespace {

struct program_output {
  int status = -1;
  std::string out, err;
};

// Runs argv (searched in PATH) with stdin from /dev/null; stdout and stderr collected.
common::expected<program_output, std::string> run_capture(const std::vector<std::string>& argv) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return common::unexpected(std::string("pipe: ") + std::strerror(errno));
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return common::unexpected(std::string("pipe: ") + std::strerror(errno));
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return common::unexpected(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    const int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  program_output r;
  // tshark writes little to stderr: read stdout to its end first, then stderr.
  for (auto [fd, dst] : {std::pair{out_pipe[0], &r.out}, std::pair{err_pipe[0], &r.err}}) {
    char buf[65536];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) dst->append(buf, static_cast<std::size_t>(n));
    ::close(fd);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (true) {
    auto e = s.find(sep, pos);
    out.push_back(s.substr(pos, e == std::string_view::npos ? std::string_view::npos : e - pos));
    if (e == std::string_view::npos) break;
    pos = e + 1;
  }
  return out;
}

}  // namespace

common::expected<import_result, std::string> import_pcap(const std::filesystem::path& capture,
                                                         const std::filesystem::path& keylog, std::uint16_t port) {
  const std::string name = capture.string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(capture, ec)) return common::unexpected(name + ": cannot open");
  if (keylog.empty() || !std::filesystem::is_regular_file(keylog, ec) || std::filesystem::file_size(keylog, ec) == 0)
    return common::unexpected(name + ": no TLS key log (" + (keylog.empty() ? std::string("none given") : keylog.string() + " missing or empty") +
                              "): a capture of KMIP over TLS cannot be decrypted without the client's key log");
  auto r = run_capture({"tshark", "-n", "-r", name, "-o", "tls.keylog_file:" + keylog.string(), "-d",
                        "tcp.port==" + std::to_string(port) + ",tls", "-Y", "data", "-T", "fields", "-E",
                        "separator=/t", "-e", "frame.number", "-e", "frame.time_epoch", "-e", "tcp.stream", "-e",
                        "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport", "-e", "ip.dst", "-e", "ipv6.dst", "-e",
                        "tcp.dstport", "-e", "data.data"});
  if (!r) return common::unexpected(name + ": running tshark: " + r.error());
  if (r->status == 127)
    return common::unexpected(name + ": tshark not found (Debian package tshark; scripts/install-deps.sh installs it)");
  if (r->status != 0) {
    std::string err = r->err;
    if (auto p = err.find("Running as user"); p != std::string::npos) err.erase(p, err.find('\n', p) - p + 1);
    return common::unexpected(name + ": tshark failed (exit " + std::to_string(r->status) + "): " + err);
  }

  struct stream_state {
    std::uint64_t id = 0;
    std::string peer;
    common::secure_bytes pending[2];  // 0: client to server, 1: server to client
    std::uint64_t pending_frame[2] = {0, 0};
  };
  std::map<std::uint64_t, stream_state> streams;
  import_result result;
  std::size_t lines = 0;
  for (auto line : split(r->out, '\n')) {
    if (line.empty()) continue;
    ++lines;
    auto f = split(line, '\t');
    if (f.size() < 10) continue;
    const std::uint64_t frame_no = std::strtoull(std::string(f[0]).c_str(), nullptr, 10);
    const double epoch = std::strtod(std::string(f[1]).c_str(), nullptr);
    const std::uint64_t stream = std::strtoull(std::string(f[2]).c_str(), nullptr, 10);
    const std::string src = std::string(f[3].empty() ? f[4] : f[3]);
    const auto src_port = static_cast<std::uint16_t>(std::strtoul(std::string(f[5]).c_str(), nullptr, 10));
    const std::string dst = std::string(f[6].empty() ? f[7] : f[6]);
    const auto dst_port = std::string(f[8]);
    const int dir = src_port == port ? 1 : 0;
    auto& s = streams[stream];
    s.id = stream + 1;
    if (s.peer.empty()) s.peer = dir == 0 ? src + ":" + std::to_string(src_port) : dst + ":" + dst_port;
    for (auto hex : split(f[9], ',')) {
      auto bytes = common::from_hex(hex);
      if (!bytes) {
        result.skipped.push_back(name + ": frame " + std::to_string(frame_no) + ": decrypted data tshark printed is not hex (skipped)");
        continue;
      }
      auto& buf = s.pending[dir];
      if (buf.empty()) s.pending_frame[dir] = frame_no;
      buf.insert(buf.end(), bytes->begin(), bytes->end());
      std::fill(bytes->begin(), bytes->end(), std::uint8_t{0});
      while (!buf.empty()) {
        ttlv::decode_limits limits;
        auto st = ttlv::inspect_frame(buf, limits);
        if (st.state == ttlv::frame_status::kind::need_more) break;
        if (st.state == ttlv::frame_status::kind::invalid) {
          result.skipped.push_back(name + ": frame " + std::to_string(s.pending_frame[dir]) + ": stream " +
                                   std::to_string(stream) + ": " + std::to_string(buf.size()) +
                                   " bytes that are not a KMIP message (" + st.err.message() + "; skipped)");
          buf.clear();
          break;
        }
        frame out;
        out.connection = s.id;
        out.direction = dir == 0 ? direction::request : direction::response;
        out.time_us = static_cast<std::int64_t>(epoch * 1e6);
        out.peer = s.peer;
        out.line = frame_no;
        out.message.assign(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(st.size));
        buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(st.size));
        s.pending_frame[dir] = frame_no;
        result.frames.push_back(std::move(out));
      }
    }
  }
  for (auto& [id, s] : streams)
    for (int d = 0; d < 2; ++d)
      if (!s.pending[d].empty())
        result.skipped.push_back(name + ": frame " + std::to_string(s.pending_frame[d]) + ": stream " +
                                 std::to_string(id) + ": " + std::to_string(s.pending[d].size()) +
                                 " bytes that never formed a whole message (skipped)");
  if (result.frames.empty())
    return common::unexpected(name + ": nothing decrypted on TCP port " + std::to_string(port) + " with the key log " +
                              keylog.string() + " (" + std::to_string(lines) +
                              " data records): the keys do not belong to this capture, or the port is wrong");
  return result;
}

}  // namespace kmip::traffic
