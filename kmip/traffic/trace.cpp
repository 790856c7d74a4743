// Reading and writing the trace format (trace.hpp, docs/trace-format.md).
#include "kmip/traffic/trace.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/hex.hpp"
#include "kmip/spec/spec.hpp"
#include "kmip/ttlv/reader.hpp"

namespace kmip::traffic {
namespace {

using json = nlohmann::ordered_json;
using spec::tag;

std::string enum_name(ttlv::item_view item) {
  if (item.type() != ttlv::item_type::enumeration) return {};
  if (const auto* e = spec::enumeration_for_tag(item.tag()))
    if (const auto* v = spec::find_value(*e, item.as_enumeration())) return std::string(v->name);
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", item.as_enumeration());
  return buf;
}

// Unique Identifier texts anywhere under `item` (the tag, and the 1.x "Unique Identifier" attribute's value).
void collect_identifiers(ttlv::item_view item, std::vector<std::string>& out) {
  if (item.is(tag::key_material) || item.is(tag::key_value)) return;  // never look inside key material
  if (item.type() == ttlv::item_type::text_string && item.is(tag::unique_identifier)) {
    out.emplace_back(item.as_text());
    return;
  }
  if (item.type() != ttlv::item_type::structure) return;
  if (item.is(tag::attribute)) {
    auto name = item.find(tag::attribute_name);
    auto value = item.find(tag::attribute_value);
    if (name && value && name->type() == ttlv::item_type::text_string && name->as_text() == "Unique Identifier" &&
        value->type() == ttlv::item_type::text_string)
      out.emplace_back(value->as_text());
    return;
  }
  for (auto child : item.children()) collect_identifiers(child, out);
}

std::string version_of(ttlv::item_view header) {
  auto pv = header.find(tag::protocol_version);
  if (!pv) return {};
  auto major = pv->find(tag::protocol_version_major);
  auto minor = pv->find(tag::protocol_version_minor);
  if (!major || !minor || major->type() != ttlv::item_type::integer || minor->type() != ttlv::item_type::integer)
    return {};
  return std::to_string(major->as_integer()) + "." + std::to_string(minor->as_integer());
}

json summary_to_json(const frame_summary& s) {
  json items = json::array();
  for (const auto& i : s.items) {
    json j = json::object();
    if (!i.operation.empty()) j["operation"] = i.operation;
    if (!i.batch_id.empty()) j["batch_id"] = i.batch_id;
    if (!i.unique_identifiers.empty()) j["unique_identifiers"] = i.unique_identifiers;
    if (!i.result.empty()) j["result"] = i.result;
    items.push_back(std::move(j));
  }
  json out = {{"items", std::move(items)}};
  if (!s.protocol_version.empty()) out["protocol_version"] = s.protocol_version;
  if (!s.error.empty()) out["error"] = s.error;
  return out;
}

frame_summary summary_from_json(const json& j) {
  frame_summary s;
  if (!j.is_object()) return s;
  s.protocol_version = j.value("protocol_version", "");
  s.error = j.value("error", "");
  if (auto it = j.find("items"); it != j.end() && it->is_array()) {
    for (const auto& i : *it) {
      if (!i.is_object()) continue;
      item_summary x;
      x.operation = i.value("operation", "");
      x.batch_id = i.value("batch_id", "");
      x.result = i.value("result", "");
      if (auto u = i.find("unique_identifiers"); u != i.end() && u->is_array())
        for (const auto& v : *u)
          if (v.is_string()) x.unique_identifiers.push_back(v.get<std::string>());
      s.items.push_back(std::move(x));
    }
  }
  return s;
}

// The optional "placeholders" field: [{"item": 12, "text": "$NOW+20"}, ...].
common::expected<std::vector<placeholder_mark>, std::string> placeholders_from_json(const json& j) {
  if (!j.is_array()) return common::unexpected(std::string("\"placeholders\" must be an array"));
  std::vector<placeholder_mark> marks;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const auto& m = j[i];
    const std::string where = "\"placeholders\"[" + std::to_string(i) + "]";
    if (!m.is_object()) return common::unexpected(where + " must be an object");
    auto item = m.find("item");
    auto text = m.find("text");
    if (item == m.end() || !item->is_number_unsigned())
      return common::unexpected(where + ": \"item\" must be a non-negative integer");
    if (text == m.end() || !text->is_string() || !text->get_ref<const std::string&>().starts_with("$"))
      return common::unexpected(where + ": \"text\" must be a placeholder string starting with '$'");
    marks.push_back({item->get<std::size_t>(), text->get<std::string>()});
  }
  return marks;
}

}  // namespace

std::string_view to_string(direction d) { return d == direction::request ? "request" : "response"; }

frame_summary summarize(std::span<const std::uint8_t> message) {
  frame_summary s;
  auto t = ttlv::decode_message(message);
  if (!t) {
    s.error = std::string(ttlv::to_string(t.error().code)) + " at offset " + std::to_string(t.error().offset);
    return s;
  }
  auto root = t->root();
  for (auto child : root.children()) {
    if (child.is(tag::request_header) || child.is(tag::response_header)) {
      s.protocol_version = version_of(child);
      continue;
    }
    if (!child.is(tag::batch_item)) continue;
    item_summary i;
    if (auto op = child.find(tag::operation)) i.operation = enum_name(*op);
    if (auto id = child.find(tag::unique_batch_item_id); id && id->type() == ttlv::item_type::byte_string)
      i.batch_id = common::to_hex(id->as_bytes());
    if (auto status = child.find(tag::result_status)) {
      i.result = enum_name(*status);
      if (auto reason = child.find(tag::result_reason)) i.result += " / " + enum_name(*reason);
    }
    if (auto payload = child.find(tag::request_payload)) collect_identifiers(*payload, i.unique_identifiers);
    if (auto payload = child.find(tag::response_payload)) collect_identifiers(*payload, i.unique_identifiers);
    s.items.push_back(std::move(i));
  }
  return s;
}

std::string format_time_us(std::int64_t time_us) {
  std::int64_t secs = time_us / 1'000'000;
  std::int64_t frac = time_us % 1'000'000;
  if (frac < 0) {
    frac += 1'000'000;
    --secs;
  }
  const std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(frac));
  return buf;
}

common::expected<std::int64_t, std::string> parse_time_us(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.ffffff]Z
  std::tm tm{};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, used = 0;
  const std::string str(text);
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &used) != 6 || used != 19)
    return common::unexpected("time \"" + str + "\" is not YYYY-MM-DDTHH:MM:SS[.ffffff]Z");
  std::int64_t frac = 0;
  std::size_t pos = 19;
  if (pos < str.size() && str[pos] == '.') {
    int digits = 0;
    for (++pos; pos < str.size() && str[pos] >= '0' && str[pos] <= '9'; ++pos, ++digits)
      if (digits < 6) frac = frac * 10 + (str[pos] - '0');
    if (digits == 0) return common::unexpected("time \"" + str + "\" has an empty fraction");
    for (; digits < 6; ++digits) frac *= 10;
  }
  if (pos + 1 != str.size() || str[pos] != 'Z')
    return common::unexpected("time \"" + str + "\" must end in Z (UTC)");
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<std::int64_t>(timegm(&tm)) * 1'000'000 + frac;
}

std::string to_json_line(const frame& f) {
  json j;
  j["version"] = trace_format_version;
  j["connection"] = f.connection;
  j["direction"] = std::string(to_string(f.direction));
  j["time"] = format_time_us(f.time_us);
  j["peer"] = f.peer;
  j["tls"] = {{"version", f.tls.version}, {"cipher", f.tls.cipher}, {"client_subject", f.tls.client_subject}};
  j["ttlv"] = common::to_hex(f.message);
  j["summary"] = summary_to_json(summarize(f.message));
  if (!f.placeholders.empty()) {
    json marks = json::array();
    for (const auto& m : f.placeholders) marks.push_back({{"item", m.item}, {"text", m.text}});
    j["placeholders"] = std::move(marks);
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

common::expected<frame, std::string> parse_json_line(std::string_view line) {
  json j = json::parse(line.begin(), line.end(), nullptr, false);
  if (j.is_discarded()) return common::unexpected(std::string("not a JSON value"));
  if (!j.is_object()) return common::unexpected(std::string("not a JSON object"));
  auto v = j.find("version");
  if (v == j.end() || !v->is_number_integer()) return common::unexpected(std::string("no \"version\" number"));
  if (v->get<std::int64_t>() != trace_format_version)
    return common::unexpected("trace format version " + std::to_string(v->get<std::int64_t>()) +
                              " is not supported (this build reads version " +
                              std::to_string(trace_format_version) + ")");
  frame f;
  auto need = [&](const char* key, json::value_t type) -> const json* {
    auto it = j.find(key);
    if (it == j.end() || it->type() != type) return nullptr;
    return &*it;
  };
  const json* conn = need("connection", json::value_t::number_unsigned);
  if (!conn) return common::unexpected(std::string("\"connection\" must be a non-negative integer"));
  f.connection = conn->get<std::uint64_t>();
  const json* dir = need("direction", json::value_t::string);
  if (!dir || (*dir != "request" && *dir != "response"))
    return common::unexpected(std::string("\"direction\" must be \"request\" or \"response\""));
  f.direction = *dir == "request" ? direction::request : direction::response;
  const json* time = need("time", json::value_t::string);
  if (!time) return common::unexpected(std::string("\"time\" must be a string"));
  auto t = parse_time_us(time->get<std::string>());
  if (!t) return common::unexpected(t.error());
  f.time_us = *t;
  if (const json* peer = need("peer", json::value_t::string)) f.peer = peer->get<std::string>();
  if (const json* tls = need("tls", json::value_t::object)) {
    f.tls.version = tls->value("version", "");
    f.tls.cipher = tls->value("cipher", "");
    f.tls.client_subject = tls->value("client_subject", "");
  }
  const json* hex = need("ttlv", json::value_t::string);
  if (!hex) return common::unexpected(std::string("\"ttlv\" must be a hex string"));
  auto bytes = common::from_hex(hex->get_ref<const std::string&>());
  if (!bytes)
    return common::unexpected("\"ttlv\" is not hex: " + bytes.error().what + " at character " +
                              std::to_string(bytes.error().offset));
  f.message.assign(bytes->begin(), bytes->end());
  std::fill(bytes->begin(), bytes->end(), std::uint8_t{0});
  if (f.message.empty()) return common::unexpected(std::string("\"ttlv\" is empty"));
  if (auto it = j.find("summary"); it != j.end()) f.summary = summary_from_json(*it);
  if (auto it = j.find("placeholders"); it != j.end()) {
    auto marks = placeholders_from_json(*it);
    if (!marks) return common::unexpected(marks.error());
    f.placeholders = std::move(*marks);
  }
  return f;
}

common::expected<std::vector<frame>, std::string> read_trace(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return common::unexpected(file.string() + ": cannot open: " + std::strerror(errno));
  std::vector<frame> frames;
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    auto f = parse_json_line(line);
    if (!f) return common::unexpected(file.string() + ":" + std::to_string(n) + ": " + f.error());
    f->line = n;
    frames.push_back(std::move(*f));
  }
  if (frames.empty()) return common::unexpected(file.string() + ": no frames (an empty trace)");
  return frames;
}

common::expected<void, std::string> write_trace(const std::filesystem::path& file, std::span<const frame> frames) {
  trace_writer w;
  if (auto ok = w.open(file); !ok) return ok;
  for (const auto& f : frames)
    if (auto ok = w.write(f); !ok) return ok;
  w.close();
  return {};
}

trace_writer::~trace_writer() { close(); }

common::expected<void, std::string> trace_writer::open(const std::filesystem::path& file) {
  close();
  name_ = file.string();
  // 0600 from the start (not chmod afterwards): the file holds raw TTLV, key material included.
  const int fd = ::open(name_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return common::unexpected(name_ + ": cannot create: " + std::strerror(errno));
  if (::fchmod(fd, 0600) != 0) {
    const int e = errno;
    ::close(fd);
    return common::unexpected(name_ + ": cannot set mode 0600: " + std::strerror(e));
  }
  out_ = ::fdopen(fd, "w");
  if (!out_) {
    ::close(fd);
    return common::unexpected(name_ + ": cannot open for writing");
  }
  return {};
}

common::expected<void, std::string> trace_writer::write(const frame& f) {
  std::string line = to_json_line(f);
  line.push_back('\n');
  std::lock_guard lock(mutex_);
  if (!out_) return common::unexpected(name_ + ": not open");
  if (std::fwrite(line.data(), 1, line.size(), out_) != line.size() || std::fflush(out_) != 0)
    return common::unexpected(name_ + ": write failed: " + std::strerror(errno));
  return {};
}

void trace_writer::close() {
  std::lock_guard lock(mutex_);
  if (out_) std::fclose(out_);
  out_ = nullptr;
}

}  // namespace kmip::traffic
