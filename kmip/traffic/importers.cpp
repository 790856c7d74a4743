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
