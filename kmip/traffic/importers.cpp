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
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "common/hex.hpp"
#include "kmip/net/peer_identity.hpp"
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
//
// Two tshark passes over the capture, both with the key log and `-d tcp.port==PORT,tls`:
//   handshake  the ServerHello (type 2) and Certificate (type 11) messages on the port: from the server, the
//              negotiated version (TLS 1.3 says it in the supported_versions extension, the legacy field then
//              says 1.2) and cipher suite; from the client, its DER certificates (its own first). TLS 1.3 sends
//              the client's Certificate encrypted: tshark decrypts it with the key log's handshake secrets.
//   data       every decrypted application-data record on the port: frame, time, stream, addresses, bytes.
// tshark prints several values of one field in a frame comma-separated; numbers come as "0x0303".
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

// "Running as user ..." is tshark's warning when run as root, not part of any error.
std::string tshark_errors(std::string err) {
  if (auto p = err.find("Running as user"); p != std::string::npos) err.erase(p, err.find('\n', p) - p + 1);
  while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
  return err;
}

// Runs `tshark -n -r CAPTURE ARGS...` and returns its output. Errors name the capture; a capture cut short names
// the frame it ends in (counted by one more pass, on that error only).
common::expected<std::string, std::string> run_tshark(const std::string& name, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"tshark", "-n", "-r", name};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_capture(argv);
  if (!r) return common::unexpected(name + ": running tshark: " + r.error());
  if (r->status == 127)
    return common::unexpected(name + ": tshark not found (Debian package tshark; scripts/install-deps.sh installs it)");
  if (r->status == 0) return std::move(r->out);
  const std::string err = tshark_errors(r->err);
  if (err.find("cut short") != std::string::npos) {
    std::uint64_t whole = 0;
    if (auto count = run_capture({"tshark", "-n", "-r", name, "-T", "fields", "-e", "frame.number"}))
      for (auto line : split(count->out, '\n'))
        if (!line.empty()) whole = std::strtoull(std::string(line).c_str(), nullptr, 10);
    return common::unexpected(name + ": frame " + std::to_string(whole + 1) +
                              ": the capture is truncated in the middle of this packet (" + err + ")");
  }
  return common::unexpected(name + ": tshark failed (exit " + std::to_string(r->status) + "): " + err);
}

std::string_view first_value(std::string_view field) { return field.substr(0, field.find(',')); }

std::uint16_t hex_number(std::string_view field) {
  return static_cast<std::uint16_t>(std::strtoul(std::string(first_value(field)).c_str(), nullptr, 16));
}

std::string hex16(std::uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04X", v);
  return buf;
}

struct x509_free_deleter {
  void operator()(X509* p) const noexcept { X509_free(p); }
};

// The subject of a DER certificate in the form the recording proxy writes (net::identity_of, RFC 2253), or why
// there is none: under identity_of's rules (exactly one CN) the proxy would record none either. Not verified: the
// import has no CA to verify with.
common::expected<std::string, std::string> certificate_subject(std::span<const std::uint8_t> der) {
  const unsigned char* p = der.data();
  std::unique_ptr<X509, x509_free_deleter> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) return common::unexpected(std::string("the client certificate does not parse as DER X.509"));
  auto id = net::identity_of(cert.get());
  if (!id) return common::unexpected(id.error().message);
  return id->subject;
}

// What one TCP stream's handshake said.
struct handshake_facts {
  tls_facts tls;
  std::uint64_t frame = 0;  // of the ServerHello, or 0 when none was seen
  std::vector<std::string> unknown;  // "client subject (why)", one per fact that stays empty
  bool client_certificate_seen = false;
};

// Parses the handshake pass. Keyed by tshark's TCP stream number.
std::map<std::uint64_t, handshake_facts> parse_handshakes(std::string_view out, std::uint16_t port) {
  std::map<std::uint64_t, handshake_facts> streams;
  for (auto line : split(out, '\n')) {
    auto f = split(line, '\t');
    if (f.size() < 7) continue;
    const std::uint64_t frame_no = std::strtoull(std::string(f[0]).c_str(), nullptr, 10);
    auto& h = streams[std::strtoull(std::string(f[1]).c_str(), nullptr, 10)];
    const bool from_server = std::strtoul(std::string(f[2]).c_str(), nullptr, 10) == port;
    if (from_server) {
      if (f[5].empty()) continue;  // the server's Certificate in a frame of its own
      if (h.frame == 0) h.frame = frame_no;
      const std::uint16_t version = hex_number(f[4].empty() ? f[3] : f[4]);
      h.tls.version = tls_version_name(version);
      if (h.tls.version.empty()) h.unknown.push_back("version (" + hex16(version) + " is not a TLS version)");
      const std::uint16_t suite = hex_number(f[5]);
      h.tls.cipher = openssl_cipher_name(suite);
      if (h.tls.cipher.empty()) h.unknown.push_back("cipher (suite " + hex16(suite) + " unknown to OpenSSL)");
    } else if (!h.client_certificate_seen) {
      h.client_certificate_seen = true;
      if (f[6].empty()) {
        h.unknown.push_back("client subject (the client sent no certificate)");
        continue;
      }
      auto der = common::from_hex(first_value(f[6]));
      auto subject = der ? certificate_subject(*der)
                         : common::expected<std::string, std::string>(
                               common::unexpected(std::string("tshark printed the certificate not as hex")));
      if (subject) h.tls.client_subject = *subject;
      else h.unknown.push_back("client subject (frame " + std::to_string(frame_no) + ": " + subject.error() + ")");
    }
  }
  for (auto& [stream, h] : streams)
    if (!h.client_certificate_seen && h.frame != 0)
      h.unknown.push_back("client subject (no client Certificate message: none was asked for, the session was "
                          "resumed, or TLS 1.3 and the key log lacks its CLIENT_HANDSHAKE_TRAFFIC_SECRET)");
  return streams;
}

}  // namespace

std::string openssl_cipher_name(std::uint16_t iana) {
  struct ctx_free {
    void operator()(SSL_CTX* p) const noexcept { SSL_CTX_free(p); }
  };
  struct ssl_free {
    void operator()(SSL* p) const noexcept { SSL_free(p); }
  };
  // SSL_CIPHER_find looks the two bytes up among every suite the method implements, enabled or not.
  std::unique_ptr<SSL_CTX, ctx_free> ctx(SSL_CTX_new(TLS_method()));
  if (!ctx) return {};
  std::unique_ptr<SSL, ssl_free> ssl(SSL_new(ctx.get()));
  if (!ssl) return {};
  const unsigned char wire[2] = {static_cast<unsigned char>(iana >> 8), static_cast<unsigned char>(iana & 0xff)};
  const SSL_CIPHER* c = SSL_CIPHER_find(ssl.get(), wire);
  if (c == nullptr) return {};
  const char* n = SSL_CIPHER_get_name(c);
  return n == nullptr ? std::string() : std::string(n);
}

std::string tls_version_name(std::uint16_t wire) {
  switch (wire) {
    case 0x0300: return "SSLv3";
    case 0x0301: return "TLSv1";
    case 0x0302: return "TLSv1.1";
    case 0x0303: return "TLSv1.2";
    case 0x0304: return "TLSv1.3";
    default: return {};
  }
}

common::expected<import_result, std::string> import_pcap(const std::filesystem::path& capture,
                                                         const std::filesystem::path& keylog, std::uint16_t port) {
  const std::string name = capture.string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(capture, ec)) return common::unexpected(name + ": cannot open");
  if (keylog.empty() || !std::filesystem::is_regular_file(keylog, ec) || std::filesystem::file_size(keylog, ec) == 0)
    return common::unexpected(name + ": no TLS key log (" + (keylog.empty() ? std::string("none given") : keylog.string() + " missing or empty") +
                              "): a capture of KMIP over TLS cannot be decrypted without the client's key log");
  const std::string on_port = "tcp.port == " + std::to_string(port);
  const std::vector<std::string> tls_on_port{"-o", "tls.keylog_file:" + keylog.string(), "-d",
                                             "tcp.port==" + std::to_string(port) + ",tls"};
  auto with = [&](std::vector<std::string> more) {
    auto args = tls_on_port;
    args.insert(args.end(), more.begin(), more.end());
    return args;
  };
  auto hello = run_tshark(name, with({"-Y", "(tls.handshake.type == 2 || tls.handshake.type == 11) && " + on_port,
                                      "-T", "fields", "-E", "separator=/t", "-e", "frame.number", "-e",
                                      "tcp.stream", "-e", "tcp.srcport", "-e", "tls.handshake.version", "-e",
                                      "tls.handshake.extensions.supported_version", "-e",
                                      "tls.handshake.ciphersuite", "-e", "tls.handshake.certificate"}));
  if (!hello) return common::unexpected(hello.error());
  auto handshakes = parse_handshakes(*hello, port);
  std::erase_if(handshakes, [](const auto& h) { return h.second.frame == 0; });
  auto r = run_tshark(name, with({"-Y", "data && " + on_port, "-T", "fields", "-E", "separator=/t", "-e",
                                  "frame.number", "-e", "frame.time_epoch", "-e", "tcp.stream", "-e", "ip.src",
                                  "-e", "ipv6.src", "-e", "tcp.srcport", "-e", "ip.dst", "-e", "ipv6.dst", "-e",
                                  "tcp.dstport", "-e", "data.data"}));
  if (!r) return common::unexpected(r.error());
  if (handshakes.empty())
    return common::unexpected(name + ": no TLS handshake (ServerHello) on TCP port " + std::to_string(port) +
                              ": the port is wrong, the traffic on it is not TLS, or the capture began after the "
                              "handshakes");

  struct stream_state {
    std::uint64_t id = 0;
    std::string peer;
    common::secure_bytes pending[2];  // 0: client to server, 1: server to client
    std::uint64_t pending_frame[2] = {0, 0};
    std::uint64_t not_tls_bytes = 0, not_tls_frame = 0;  // data of a stream without a TLS handshake
  };
  std::map<std::uint64_t, stream_state> streams;
  import_result result;
  std::size_t lines = 0;
  for (auto line : split(*r, '\n')) {
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
    if (!handshakes.contains(stream)) {  // not decrypted TLS: bytes tshark could not take for TLS records
      if (s.not_tls_frame == 0) s.not_tls_frame = frame_no;
      s.not_tls_bytes += (f[9].size() + 1) / 2;
      continue;
    }
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
        out.tls = handshakes.at(stream).tls;
        out.line = frame_no;
        out.message.assign(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(st.size));
        buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(st.size));
        s.pending_frame[dir] = frame_no;
        result.frames.push_back(std::move(out));
      }
    }
  }
  std::set<std::uint64_t> has_frames;  // streams that gave messages
  for (const auto& f : result.frames) has_frames.insert(f.connection - 1);
  for (auto& [id, s] : streams) {
    if (s.not_tls_bytes != 0)
      result.skipped.push_back(name + ": frame " + std::to_string(s.not_tls_frame) + ": stream " +
                               std::to_string(id) + ": " + std::to_string(s.not_tls_bytes) + " bytes on port " +
                               std::to_string(port) + " without a TLS handshake in the capture (skipped)");
    for (int d = 0; d < 2; ++d)
      if (!s.pending[d].empty())
        result.skipped.push_back(name + ": frame " + std::to_string(s.pending_frame[d]) + ": stream " +
                                 std::to_string(id) + ": " + std::to_string(s.pending[d].size()) +
                                 " bytes that never formed a whole message (skipped)");
  }
  for (const auto& [stream, h] : handshakes)
    if (has_frames.contains(stream))
      for (const auto& what : h.unknown)
        result.skipped.push_back(name + ": frame " + std::to_string(h.frame) + ": stream " + std::to_string(stream) +
                                 ": TLS " + what + " left empty");
  if (result.frames.empty())
    return common::unexpected(name + ": nothing decrypted on TCP port " + std::to_string(port) + " with the key log " +
                              keylog.string() + " (" + std::to_string(lines) +
                              " data records): the keys do not belong to this capture");
  return result;
}

}  // namespace kmip::traffic
