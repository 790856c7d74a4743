// The replay engine (replay.hpp): pairs recorded requests and responses, remaps identifiers, schedules the
// connections, compares with the OASIS comparer and classifies what differs.
#include "kmip/traffic/replay.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "kmip/encoding/xml.hpp"
#include "kmip/ttlv/reader.hpp"
#include "kmip/ttlv/writer.hpp"

namespace kmip::traffic {
namespace {

using spec::tag;
using enum rule_action;

// The replay's own masks, on top of the OASIS table (compare.cpp): fields a real server sets by its own policy.
constexpr std::array own_rules{
    comparison_rule{tag::attribute_value, "Lease Time", {}, any_value,
                    "KMIP 1.4 §3.15: the server's lease policy, not the object's behaviour"},
    comparison_rule{tag::lease_time, {}, {}, any_value,
                    "KMIP 2.1 §4.31: the server's lease policy, not the object's behaviour (2.x form)"},
    comparison_rule{tag::protocol_version, {}, tag::response_payload, unordered,
                    "Discover Versions: the versions both ends support, whatever else the target offers (KMIP "
                    "1.4 §4.26); vCenter picks the one it wants"},
};

// Fields vCenter acts on: a difference in them breaks it (reference/vcenter-kmip.md: it keys everything on the
// Unique Identifier, checks Object Type, algorithm and length of a KEK, and the State before using one).
constexpr std::array breaking_tags{
    tag::unique_identifier, tag::object_type,          tag::operation,    tag::batch_count,
    tag::batch_item,        tag::key_block,            tag::key_value,    tag::cryptographic_algorithm,
    tag::cryptographic_length, tag::protocol_version_major, tag::protocol_version_minor, tag::state,
};
constexpr std::array<std::string_view, 5> breaking_attributes{
    "Unique Identifier", "State", "Cryptographic Algorithm", "Cryptographic Length", "Object Type"};

struct classification {
  difference_class cls;
  std::string_view why;
};

classification classify(const mismatch& m) {
  const bool extra = m.expected == "(absent)";
  const bool missing = m.got == "(absent)";
  const bool critical =
      std::any_of(breaking_tags.begin(), breaking_tags.end(),
                  [&](tag t) { return static_cast<std::uint32_t>(t) == m.tag; }) ||
      std::find(breaking_attributes.begin(), breaking_attributes.end(), m.attribute) != breaking_attributes.end();
  if (extra && !critical) return {difference_class::harmless, "an item the recording did not have; vCenter does not read it"};
  if (critical) return {difference_class::breaking, "vCenter acts on this field"};
  if (m.tag == static_cast<std::uint32_t>(tag::result_reason))
    return {difference_class::vcenter_visible, "both refused, for another reason"};
  if (missing) return {difference_class::vcenter_visible, "the target leaves out an item the recording had"};
  return {difference_class::vcenter_visible, "a value vCenter may show but does not act on"};
}

std::string xml_of(ttlv::item_view item) {
  encoding::write_options w;
  w.indent = 2;
  w.redact_key_material = true;
  return encoding::to_xml(item, w);
}

std::string xml_of_bytes(std::span<const std::uint8_t> bytes) {
  auto t = ttlv::decode_message(bytes);
  if (!t) return "(undecodable: " + std::string(ttlv::to_string(t.error().code)) + ")";
  return xml_of(t->root());
}

// The text of an identifier-bearing item (Unique Identifier, or the value of the "Unique Identifier"
// attribute), or nullptr.
bool is_identifier(ttlv::item_view item, std::string_view attribute) {
  if (item.type() != ttlv::item_type::text_string || item.is_placeholder()) return false;
  if (item.is(tag::unique_identifier)) return true;
  return item.is(tag::attribute_value) && attribute == "Unique Identifier";
}

std::string_view attribute_name(ttlv::item_view attribute) {
  if (auto n = attribute.find(tag::attribute_name); n && n->type() == ttlv::item_type::text_string)
    return n->as_text();
  return {};
}

std::int64_t seconds_of(std::int64_t time_us) {
  return time_us >= 0 ? time_us / 1'000'000 : -((-time_us + 999'999) / 1'000'000);
}

// "$NOW", "$NOW+20", "$NOW-3600".
std::string now_text(std::int64_t offset) {
  if (offset == 0) return "$NOW";
  return offset > 0 ? "$NOW+" + std::to_string(offset) : "$NOW-" + std::to_string(-offset);
}

// What a frame's items were: for each depth-first position the trace marks, the placeholder text.
using marks = std::map<std::size_t, std::string_view>;

marks marks_of(const frame& f) {
  marks m;
  for (const auto& p : f.placeholders) m.emplace(p.item, p.text);
  return m;
}

// Whether the item at `position` is a Date-Time that was "now" when the trace was made.
bool is_relative_date(ttlv::item_view item, std::size_t position, const marks& m, date_shift mode) {
  if (item.type() != ttlv::item_type::date_time) return false;
  if (mode == date_shift::all) return true;
  auto it = m.find(position);
  return it != m.end() && now_offset(it->second).has_value();
}

// Copies `item` into `out` (depth-first, `position` counting items as the trace's marks do), replacing
// identifier texts with what `map` says (nullopt: keep) and letting `leaf` write any leaf it wants to change
// (it returns true when it wrote the item).
template <class Map, class Leaf>
void copy_mapped(ttlv::item_view item, ttlv::tree& out, std::string_view attribute, std::size_t& position,
                 const Map& map, const Leaf& leaf) {
  const std::size_t here = position++;
  if (item.type() == ttlv::item_type::structure) {
    std::string_view inner = item.is(tag::attribute) ? attribute_name(item) : attribute;
    out.begin_structure(item.tag());
    for (auto child : item.children()) copy_mapped(child, out, inner, position, map, leaf);
    out.end_structure();
    return;
  }
  if (leaf(item, here, out)) return;
  if (is_identifier(item, attribute))
    if (std::optional<std::string> v = map(item.as_text())) return out.add_text(item.tag(), *v);
  out.add_copy(item);
}

// Marks that do not fit the message (no item at that position, `$NOW` on an item that is not a Date-Time).
std::string check_marks(const frame& f) {
  if (f.placeholders.empty()) return {};
  auto t = ttlv::decode_message(f.message);
  if (!t) return {};
  for (const auto& p : f.placeholders) {
    if (p.item >= t->size())
      return "placeholder " + p.text + " marks item " + std::to_string(p.item) + " of a message of " +
             std::to_string(t->size()) + " items (the mark is ignored)";
    if (now_offset(p.text) && t->at(static_cast<std::uint32_t>(p.item)).type != ttlv::item_type::date_time)
      return "placeholder " + p.text + " marks item " + std::to_string(p.item) + ", which is not a Date-Time (the mark is ignored)";
  }
  return {};
}

std::string title_of(const frame& request) {
  auto s = request.summary.items.empty() ? summarize(request.message) : request.summary;
  std::string t;
  for (const auto& i : s.items) t += (t.empty() ? "" : ", ") + (i.operation.empty() ? "?" : i.operation);
  return t.empty() ? "(no batch item)" : t;
}

struct planned {
  std::uint64_t connection = 0;
  std::size_t conn_slot = 0;  // index into the connection list
  std::size_t index = 0;      // within the connection
  const frame* request = nullptr;
  const frame* response = nullptr;  // may be null: the recording has no answer
  bool done = false;
};

// State shared by the workers: the identifier map and bindings, and who has finished.
class shared_state {
 public:
  std::mutex mutex;
  std::condition_variable changed;
  std::map<std::string, std::size_t> ids;  // recorded identifier -> n of $UNIQUE_IDENTIFIER_n
  bindings bound;

  std::size_t number_for(std::string_view recorded) {
    auto [it, fresh] = ids.try_emplace(std::string(recorded), ids.size());
    return it->second;
  }
};

std::optional<std::uint32_t> result_status_of(ttlv::item_view batch_item) {
  auto s = batch_item.find(tag::result_status);
  if (!s || s->type() != ttlv::item_type::enumeration) return std::nullopt;
  return s->as_enumeration();
}

constexpr std::uint32_t success = 0;

class engine {
 public:
  engine(std::span<const frame> frames, const connect_fn& connect, const replay_options& options)
      : connect_(connect), options_(options) {
    for (const auto& r : own_rules) rules_.push_back(r);
    for (const auto& m : options.masks)
      rules_.push_back({static_cast<tag>(m.tag), m.attribute, tag{}, m.action, m.why});
    plan(frames);
  }

  replay_result run() {
    if (options_.dates != date_shift::none) {
      const std::int64_t now = options_.now_us ? options_.now_us()
                                               : std::chrono::duration_cast<std::chrono::microseconds>(
                                                     std::chrono::system_clock::now().time_since_epoch())
                                                     .count();
      shift_ = seconds_of(now) - seconds_of(first_time_us_);
    }
    result_.dates_shifted_by = shift_;
    const auto start = std::chrono::steady_clock::now();
    if (options_.serial) {
      std::vector<std::size_t> order(plan_.size());
      for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return plan_[a].request->time_us < plan_[b].request->time_us;
      });
      std::map<std::size_t, exchange_fn> open;
      for (auto i : order) run_one(i, open, start);
    } else {
      std::vector<std::thread> workers;
      for (std::size_t c = 0; c < result_.connections.size(); ++c)
        workers.emplace_back([this, c, start] {
          std::map<std::size_t, exchange_fn> open;
          for (auto i : by_connection_[c]) {
            wait_for_dependencies(i);
            run_one(i, open, start);
          }
        });
      for (auto& w : workers) w.join();
    }
    return std::move(result_);
  }

 private:
  void plan(std::span<const frame> frames) {
    std::map<std::uint64_t, std::size_t> slot;
    std::map<std::uint64_t, std::vector<std::size_t>> waiting;  // requests without a response yet
    for (const auto& f : frames) {
      if (auto bad = check_marks(f); !bad.empty())
        result_.notes.push_back("line " + std::to_string(f.line) + ": " + bad);
      auto [it, fresh] = slot.try_emplace(f.connection, result_.connections.size());
      if (fresh) {
        result_.connections.push_back({f.connection, f.peer, {}});
        by_connection_.emplace_back();
      }
      const std::size_t c = it->second;
      if (f.direction == direction::request) {
        planned p;
        p.connection = f.connection;
        p.conn_slot = c;
        p.index = by_connection_[c].size();
        p.request = &f;
        by_connection_[c].push_back(plan_.size());
        waiting[f.connection].push_back(plan_.size());
        plan_.push_back(p);
      } else {
        auto& w = waiting[f.connection];
        if (w.empty()) {
          result_.notes.push_back("line " + std::to_string(f.line) + ": a response on connection " +
                                  std::to_string(f.connection) + " without a request before it (not replayed)");
          continue;
        }
        plan_[w.front()].response = &f;
        w.erase(w.begin());
      }
    }
    if (!frames.empty()) first_time_us_ = frames.front().time_us;
    for (const auto& f : frames) first_time_us_ = std::min(first_time_us_, f.time_us);
  }

  // Parallel mode: a request waits for every exchange of another connection whose response comes before the
  // request in the trace (the recorded order; times can tie at the recorder's resolution, positions cannot, so
  // the waits never form a cycle). Bounded: a stuck target cannot hang the replay.
  void wait_for_dependencies(std::size_t i) {
    const auto& me = plan_[i];
    std::unique_lock lock(state_.mutex);
    state_.changed.wait_for(lock, std::chrono::seconds(120), [&] {
      for (const auto& p : plan_)
        if (p.conn_slot != me.conn_slot && !p.done && p.response && p.response < me.request) return false;
      return true;
    });
  }

  void run_one(std::size_t i, std::map<std::size_t, exchange_fn>& open, std::chrono::steady_clock::time_point start) {
    auto& p = plan_[i];
    exchange_outcome out;
    out.connection = p.connection;
    out.index = p.index;
    out.line = p.request->line;
    out.title = title_of(*p.request);
    if (options_.timing) {
      const std::chrono::microseconds offset(p.request->time_us - first_time_us_);
      if (options_.wait_until_offset)
        options_.wait_until_offset(offset);
      else
        std::this_thread::sleep_until(start + offset);  // recorded pacing is what the user asked for
    }
    const auto t0 = std::chrono::steady_clock::now();
    exchange(p, open, out);
    out.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (p.index + 1 == by_connection_[p.conn_slot].size()) open.erase(p.conn_slot);  // as the recording did
    std::lock_guard lock(state_.mutex);
    p.done = true;
    result_.connections[p.conn_slot].exchanges.push_back(std::move(out));
    state_.changed.notify_all();
  }

  void exchange(const planned& p, std::map<std::size_t, exchange_fn>& open, exchange_outcome& out) {
    auto recorded_request = ttlv::decode_message(p.request->message);
    common::secure_bytes request_bytes;
    if (recorded_request) {
      ttlv::tree rewritten;
      const marks m = marks_of(*p.request);
      auto shift_dates = [&](ttlv::item_view item, std::size_t position, ttlv::tree& to) {
        if (shift_ == 0 || !is_relative_date(item, position, m, options_.dates)) return false;
        to.add_date_time(item.tag(), item.as_date_time() + shift_);
        return true;
      };
      {
        std::lock_guard lock(state_.mutex);
        std::size_t position = 0;
        copy_mapped(
            recorded_request->root(), rewritten, {}, position,
            [&](std::string_view v) -> std::optional<std::string> {
              auto it = state_.ids.find(std::string(v));
              if (it == state_.ids.end()) return std::nullopt;
              return state_.bound.unique_identifier(it->second);
            },
            shift_dates);
      }
      auto bytes = ttlv::encode(rewritten);
      if (!bytes) {
        out.error = "cannot encode the remapped request: " + bytes.error().detail;
        return;
      }
      request_bytes = std::move(*bytes);
      out.request_text = xml_of(rewritten.root());
    } else {
      // Sent as recorded: what the client sent, even if it does not decode (the target must cope).
      request_bytes.assign(p.request->message.begin(), p.request->message.end());
      out.request_text = "(undecodable request, sent as recorded)";
    }
    auto conn = open.find(p.conn_slot);
    if (conn == open.end()) {
      auto made = connect_();
      if (!made) {
        out.error = "cannot connect to the target: " + made.error();
        return;
      }
      conn = open.emplace(p.conn_slot, std::move(*made)).first;
    }
    auto reply = conn->second(request_bytes);
    if (!reply) {
      out.error = "exchange failed: " + reply.error();
      open.erase(conn);
      return;
    }
    out.replayed_text = xml_of_bytes(*reply);
    if (!p.response) {
      out.recorded_text = "(the recording has no response)";
      return;
    }
    out.recorded_text = xml_of_bytes(p.response->message);
    auto recorded = ttlv::decode_message(p.response->message);
    auto actual = ttlv::decode_message(*reply);
    if (!recorded) {
      out.differences.push_back({"Response", "(undecodable)", "", difference_class::vcenter_visible,
                                 "the recorded response does not decode; nothing to compare"});
      return;
    }
    if (!actual) {
      out.error = "undecodable response: " + std::string(ttlv::to_string(actual.error().code)) + " at offset " +
                  std::to_string(actual.error().offset);
      return;
    }
    compare(p, *recorded, *actual, out);
  }

  // The recorded response as the comparer's expected one: identifiers the recorded server returned become
  // `$UNIQUE_IDENTIFIER_n`, relative dates `$NOW±k` (k from the request's recorded second), other marked items
  // their placeholder (any value).
  ttlv::tree expected_of(const planned& p, const ttlv::tree& recorded) {
    const marks m = marks_of(*p.response);
    const std::int64_t sent = seconds_of(p.request->time_us);
    auto placeholders = [&](ttlv::item_view item, std::size_t position, ttlv::tree& to) {
      if (is_relative_date(item, position, m, options_.dates)) {
        to.add_placeholder(item.tag(), item.type(), now_text(item.as_date_time() - sent));
        return true;
      }
      auto it = m.find(position);
      if (it == m.end() || now_offset(it->second)) return false;
      to.add_placeholder(item.tag(), item.type(), it->second);
      return true;
    };
    ttlv::tree expected;
    std::size_t position = 0;
    copy_mapped(
        recorded.root(), expected, {}, position,
        [&](std::string_view v) -> std::optional<std::string> {
          return "$UNIQUE_IDENTIFIER_" + std::to_string(state_.number_for(v));
        },
        placeholders);
    return expected;
  }

  void compare(const planned& p, const ttlv::tree& recorded, const ttlv::tree& actual, exchange_outcome& out) {
    std::lock_guard lock(state_.mutex);
    const ttlv::tree expected = expected_of(p, recorded);
    // `$NOW±k` as the OASIS runner compares it: now is when the request was sent, moved with the replay.
    const compare_options options{.now = seconds_of(p.request->time_us) + shift_,
                                  .date_tolerance = options_.date_tolerance,
                                  .extra_rules = rules_};
    const std::string base = "Response " + std::to_string(out.index);
    std::vector<mismatch> found;
    auto e_root = expected.root();
    auto a_root = actual.root();
    std::vector<ttlv::item_view> e_items, a_items;
    for (auto c : e_root.children())
      if (c.is(tag::batch_item)) e_items.push_back(c);
    for (auto c : a_root.children())
      if (c.is(tag::batch_item)) a_items.push_back(c);
    // The recorded server refused the whole message (one batch item without an Operation, as PyKMIP does when it
    // cannot parse a request): nothing item by item to compare; what the target did instead is the difference.
    auto refuses_whole_message = [](const std::vector<ttlv::item_view>& items) {
      return items.size() == 1 && !items[0].find(tag::operation) && result_status_of(items[0]) != success;
    };
    if (refuses_whole_message(e_items) && !refuses_whole_message(a_items)) {
      const bool all_ok = !a_items.empty() && std::all_of(a_items.begin(), a_items.end(), [](auto i) {
        return result_status_of(i) == success;
      });
      std::string got;
      for (auto i : a_items) {
        auto st = i.find(tag::result_status);
        got += (got.empty() ? "" : " ") + (st ? describe(*st) : std::string("(no result status)"));
      }
      out.differences.push_back(
          {base, describe(*e_items[0].find(tag::result_status)) +
                     (e_items[0].find(tag::result_reason) ? " " + describe(*e_items[0].find(tag::result_reason)) : ""),
           std::to_string(a_items.size()) + " batch items: " + got,
           all_ok ? difference_class::vcenter_visible : difference_class::breaking,
           all_ok ? "improvement: the recorded server refused the whole message; the target answers every item"
                  : "the recorded server refused the whole message; the target fails some of its items"});
      return;
    }
    auto e_header = e_root.find(tag::response_header);
    auto a_header = a_root.find(tag::response_header);
    if (e_header && a_header)
      compare_items(*e_header, *a_header, out.index, base + " / Response Header", state_.bound, options, found);
    if (e_items.size() != a_items.size())
      out.differences.push_back({base + " / Batch Item", std::to_string(e_items.size()) + " batch items",
                                 std::to_string(a_items.size()) + " batch items", difference_class::breaking,
                                 "the batch is answered with another number of items"});
    for (std::size_t k = 0; k < std::min(e_items.size(), a_items.size()); ++k) {
      const std::string path = base + " / Batch Item[" + std::to_string(k) + "]";
      auto es = result_status_of(e_items[k]);
      auto as = result_status_of(a_items[k]);
      if (es != as) {
        auto text = [](ttlv::item_view item) {
          std::string s;
          for (auto t : {tag::result_status, tag::result_reason})
            if (auto x = item.find(t)) s += (s.empty() ? "" : " ") + describe(*x);
          return s.empty() ? std::string("(no result status)") : s;
        };
        const bool improvement = es && *es != success && as && *as == success;
        out.differences.push_back(
            {path + " / Result Status", text(e_items[k]), text(a_items[k]),
             improvement ? difference_class::vcenter_visible : difference_class::breaking,
             improvement ? "improvement: the target accepts what the recorded server refused"
                         : "the target refuses what the recorded server accepted"});
        continue;
      }
      compare_items(e_items[k], a_items[k], out.index, path, state_.bound, options, found);
    }
    for (const auto& m : found) {
      auto c = classify(m);
      out.differences.push_back({m.path, m.expected, m.got, c.cls, std::string(c.why)});
    }
  }

  const connect_fn& connect_;
  const replay_options& options_;
  std::vector<comparison_rule> rules_;
  std::vector<planned> plan_;
  std::vector<std::vector<std::size_t>> by_connection_;
  std::int64_t first_time_us_ = 0;
  std::int64_t shift_ = 0;  // seconds relative dates move
  shared_state state_;
  replay_result result_;
};

}  // namespace

std::string_view to_string(difference_class c) {
  switch (c) {
    case difference_class::harmless: return "harmless";
    case difference_class::vcenter_visible: return "vcenter-visible";
    case difference_class::breaking: return "breaking";
  }
  return "?";
}

difference_class exchange_outcome::worst() const {
  if (!error.empty()) return difference_class::breaking;
  difference_class w = difference_class::harmless;
  for (const auto& d : differences) w = std::max(w, d.cls);
  return w;
}

replay_summary replay_result::summarize() const {
  replay_summary s;
  for (const auto& c : connections)
    for (const auto& e : c.exchanges) {
      ++s.exchanges;
      if (e.error.empty() && e.differences.empty()) {
        ++s.identical;
        continue;
      }
      switch (e.worst()) {
        case difference_class::harmless: ++s.harmless; break;
        case difference_class::vcenter_visible: ++s.vcenter_visible; break;
        case difference_class::breaking: ++s.breaking; break;
      }
    }
  return s;
}

std::span<const comparison_rule> replay_rules() { return own_rules; }

common::expected<mask_rule, std::string> parse_mask_rule(std::string_view text) {
  mask_rule r;
  r.why = "--mask " + std::string(text);
  std::string_view body = text;
  if (auto colon = body.rfind(':'); colon != std::string_view::npos) {
    auto action = body.substr(colon + 1);
    if (action == "any-value") r.action = rule_action::any_value;
    else if (action == "may-be-absent") r.action = rule_action::may_be_absent;
    else if (action == "may-be-extra") r.action = rule_action::may_be_extra;
    else
      return common::unexpected("mask \"" + std::string(text) + "\": unknown action \"" + std::string(action) +
                                "\" (any-value, may-be-absent or may-be-extra)");
    body = body.substr(0, colon);
  }
  if (auto at = body.find('@'); at != std::string_view::npos) {
    r.attribute = std::string(body.substr(at + 1));
    body = body.substr(0, at);
  }
  if (body.starts_with("0x") || body.starts_with("0X")) {
    char* end = nullptr;
    const std::string hex(body.substr(2));
    const unsigned long v = std::strtoul(hex.c_str(), &end, 16);
    if (hex.empty() || *end != '\0' || v > 0xFFFFFF)
      return common::unexpected("mask \"" + std::string(text) + "\": \"" + std::string(body) + "\" is not a tag");
    r.tag = static_cast<std::uint32_t>(v);
  } else if (const auto* t = spec::find_tag(body)) {
    r.tag = static_cast<std::uint32_t>(t->value);
  } else {
    return common::unexpected("mask \"" + std::string(text) + "\": unknown tag \"" + std::string(body) + "\"");
  }
  return r;
}

replay_result replay(std::span<const frame> frames, const connect_fn& connect, const replay_options& options) {
  engine e(frames, connect, options);
  return e.run();
}

}  // namespace kmip::traffic
