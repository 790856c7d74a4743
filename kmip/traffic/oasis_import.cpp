// The OASIS test-case importer (importers.hpp, docs/trace-format.md "Importers"): one KMIP XML test case becomes
// one trace connection, its placeholders resolved so that the replayer's identifier remapping and date shifting do
// what the OASIS runner's bindings and `$NOW` do (placeholders.hpp).
#include <cctype>
#include <fstream>
#include <set>
#include <utility>

#include "kmip/traffic/importers.hpp"
#include "kmip/traffic/oasis_runner.hpp"
#include "kmip/traffic/placeholders.hpp"
#include "kmip/ttlv/writer.hpp"

namespace kmip::traffic {
namespace {

using spec::tag;

std::int64_t seconds_of(std::int64_t time_us) {
  return time_us >= 0 ? time_us / 1'000'000 : -((-time_us + 999'999) / 1'000'000);
}

// "$NAME", "$NAME_3", "$NOW+20": what the test cases use for placeholders (a '$', then capitals, digits, '_',
// and an optional signed offset). A Text String of that shape that this importer does not resolve is refused
// rather than sent as text.
bool looks_like_placeholder(std::string_view text) {
  if (text.size() < 2 || text[0] != '$' || !std::isupper(static_cast<unsigned char>(text[1]))) return false;
  std::size_t i = 1;
  while (i < text.size() && (std::isupper(static_cast<unsigned char>(text[i])) ||
                             std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '_'))
    ++i;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  return i == text.size();
}

// A value of the item's type that stands for "whatever the server answers" in an expected response.
void add_any_value(ttlv::tree& out, ttlv::item_view item) {
  const std::uint32_t t = item.tag();
  switch (item.type()) {
    case ttlv::item_type::structure:
      out.begin_structure(t);
      out.end_structure();
      return;
    case ttlv::item_type::integer: return out.add_integer(t, 0);
    case ttlv::item_type::long_integer: return out.add_long_integer(t, 0);
    case ttlv::item_type::big_integer: {
      const std::uint8_t zero[8] = {};
      return out.add_big_integer(t, zero);
    }
    case ttlv::item_type::enumeration: return out.add_enumeration(t, 0);
    case ttlv::item_type::boolean: return out.add_boolean(t, false);
    case ttlv::item_type::text_string: return out.add_text(t, "");
    case ttlv::item_type::byte_string: return out.add_bytes(t, {});
    case ttlv::item_type::date_time: return out.add_date_time(t, 0);
    case ttlv::item_type::interval: return out.add_interval(t, 0);
    case ttlv::item_type::date_time_extended: return out.add_date_time_extended(t, 0);
  }
}

// Rewrites one message of a test case into TTLV-encodable form, numbering items depth-first as the trace's
// `placeholders` field does. The first error wins; the walk goes on (its output is then discarded).
class resolver {
 public:
  resolver(direction d, std::int64_t now, std::uint64_t connection, std::set<std::size_t>& shown)
      : direction_(d), now_(now), connection_(connection), shown_(shown) {}

  void walk(ttlv::item_view item, ttlv::tree& out, std::uint32_t parent) {
    const std::size_t position = position_++;
    if (item.type() == ttlv::item_type::structure && !item.is_placeholder()) {
      out.begin_structure(item.tag());
      for (auto child : item.children()) walk(child, out, item.tag());
      out.end_structure();
      return;
    }
    if (direction_ == direction::request && item.is(tag::time_stamp) &&
        parent == static_cast<std::uint32_t>(tag::request_header) && item.type() == ttlv::item_type::date_time) {
      // As the runner does: the client stamps its request with its own clock, whatever the file shows.
      out.add_date_time(item.tag(), now_);
      marks_.push_back({position, item.is_placeholder() ? std::string(item.placeholder_text()) : "$NOW"});
      return;
    }
    if (item.is_placeholder()) return placeholder(item, out, position);
    if (item.type() == ttlv::item_type::text_string) return text(item, out);
    out.add_copy(item);
  }

  const std::string& error() const { return error_; }
  std::vector<placeholder_mark> take_marks() { return std::move(marks_); }

 private:
  void placeholder(ttlv::item_view item, ttlv::tree& out, std::size_t position) {
    const std::string text(item.placeholder_text());
    if (auto k = now_offset(text)) {
      if (item.type() != ttlv::item_type::date_time) {
        fail(text + " in an item that is not a Date-Time");
        return add_any_value(out, item);
      }
      out.add_date_time(item.tag(), now_ + *k);
      marks_.push_back({position, text});
      return;
    }
    if (direction_ == direction::request)
      fail("placeholder " + text + " has no value in a request (only $UNIQUE_IDENTIFIER_n and $NOW±k do)");
    else if (!looks_like_placeholder(text))
      fail("unknown placeholder " + text);
    add_any_value(out, item);
    marks_.push_back({position, text});
  }

  void text(ttlv::item_view item, ttlv::tree& out) {
    const auto value = item.as_text();
    if (auto n = unique_identifier_index(value)) {
      if (direction_ == direction::response)
        shown_.insert(*n);
      else if (!shown_.contains(*n))
        fail(std::string(value) + " is used before any response bound it");
      return out.add_text(item.tag(), oasis_identifier(connection_, *n));
    }
    if (looks_like_placeholder(value)) fail("unknown placeholder " + std::string(value));
    out.add_copy(item);
  }

  void fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
  }

  direction direction_;
  std::int64_t now_;
  std::uint64_t connection_;
  std::set<std::size_t>& shown_;  // identifiers an expected response has shown so far
  std::size_t position_ = 0;
  std::vector<placeholder_mark> marks_;
  std::string error_;
};

common::expected<frame, std::string> make_frame(ttlv::item_view message, direction d, std::int64_t time_us,
                                                std::uint64_t connection, std::set<std::size_t>& shown) {
  resolver r(d, seconds_of(time_us), connection, shown);
  ttlv::tree out;
  r.walk(message, out, 0);
  if (!r.error().empty()) return common::unexpected(r.error());
  auto bytes = ttlv::encode(out);
  if (!bytes) return common::unexpected("cannot encode it: " + bytes.error().detail);
  frame f;
  f.connection = connection;
  f.direction = d;
  f.time_us = time_us;
  f.message = std::move(*bytes);
  f.placeholders = r.take_marks();
  return f;
}

// load_test_case says "FILE: NAME: LINE:COLUMN: what" for XML errors; "FILE:LINE:COLUMN: what" reads as the
// other importers' errors do.
std::string located(const std::filesystem::path& file, const std::string& error) {
  const std::string prefix = file.string() + ": " + file.stem().string() + ": ";
  if (error.starts_with(prefix) && error.size() > prefix.size() &&
      std::isdigit(static_cast<unsigned char>(error[prefix.size()])))
    return file.string() + ":" + error.substr(prefix.size());
  return error;
}

}  // namespace

std::string oasis_identifier(std::uint64_t connection, std::size_t n) {
  return "oasis-" + std::to_string(connection) + "-uid-" + std::to_string(n);
}

common::expected<import_result, std::string> import_oasis_case(const std::filesystem::path& file,
                                                               const import_clock& clock, std::uint64_t connection) {
  auto tc = load_test_case(file);
  if (!tc) return common::unexpected(located(file, tc.error()));
  import_result result;
  std::set<std::size_t> shown;
  for (std::size_t i = 0; i < tc->steps.size(); ++i) {
    const auto& step = tc->steps[i];
    const std::int64_t at = clock();
    auto request = make_frame(step.request.root(), direction::request, at, connection, shown);
    if (!request)
      return common::unexpected(file.string() + ":" + std::to_string(step.line) + ": request " + std::to_string(i) +
                                ": " + request.error());
    request->peer = "oasis:" + tc->name;
    result.frames.push_back(std::move(*request));
    if (!step.response) continue;
    // Same $NOW as the request (the runner compares the response with the now it sent); frame time from the clock.
    auto response = make_frame(step.response->root(), direction::response, at, connection, shown);
    if (!response)
      return common::unexpected(file.string() + ":" + std::to_string(step.response_line) + ": response " +
                                std::to_string(i) + ": " + response.error());
    response->time_us = std::max(at, clock());
    response->peer = "oasis:" + tc->name;
    result.frames.push_back(std::move(*response));
  }
  return result;
}

common::expected<import_result, std::string> import_oasis_cases(std::span<const std::filesystem::path> files,
                                                                const import_clock& clock) {
  import_result all;
  for (std::size_t i = 0; i < files.size(); ++i) {
    auto one = import_oasis_case(files[i], clock, i + 1);
    if (!one) return one;
    for (auto& f : one->frames) all.frames.push_back(std::move(f));
  }
  return all;
}

bool looks_like_oasis_case(const std::filesystem::path& file) {
  if (file.extension() == ".xml" || file.extension() == ".XML") return true;
  std::ifstream in(file, std::ios::binary);
  std::string head(4096, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  for (std::string_view root : {"<KMIP", "<KmipTestCase", "<RequestMessage"})
    if (head.find(root) != std::string::npos) return true;
  return false;
}

}  // namespace kmip::traffic
