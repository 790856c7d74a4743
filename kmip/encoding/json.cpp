// KMIP JSON encoding (Additional Message Encodings v1.0, section 4). Reading parses with nlohmann::json (the
// one place its exceptions are caught) after a linear pre-scan that bounds nesting and string lengths, then
// converts the document with a recursion bounded by read_limits::max_depth. Writing walks the tree front to
// back with an explicit stack and escapes strings itself.
#include "kmip/encoding/json.hpp"

#include <array>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "kmip/encoding/tree_walk.hpp"
#include "kmip/encoding/value_text.hpp"

namespace kmip::encoding {
namespace {

using json = nlohmann::json;
using ttlv::item_type;

constexpr std::size_t max_members = 8;  // an item has at most tag, name, type and value

// ---- reading: syntax --------------------------------------------------------------------------------------

error error_at(std::string_view text, std::size_t offset, errc code, std::string detail) {
  error e(code, std::move(detail));
  const auto p = position_of(text, offset);
  e.line = p.line;
  e.column = p.column;
  return e;
}

// Nesting and string lengths, checked on the raw text before nlohmann builds anything. An item nests as
// object > "value" array > object, so `max_depth` structures take 2 * max_depth + 1 levels.
result<void> prescan(std::string_view text, const read_limits& limits) {
  if (text.size() > limits.max_input_size)
    return common::unexpected{error(errc::too_large, "input of " + std::to_string(text.size()) +
                                                         " bytes exceeds the limit of " +
                                                         std::to_string(limits.max_input_size))};
  const std::size_t max_levels = 2 * limits.max_depth + 1;
  std::size_t levels = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      const std::size_t start = i;
      for (++i; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\') ++i;
      if (i - start - 1 > limits.max_value_length)
        return common::unexpected{
            error_at(text, start, errc::too_large,
                     "string longer than the limit of " + std::to_string(limits.max_value_length) + " bytes")};
    } else if (c == '{' || c == '[') {
      if (++levels > max_levels)
        return common::unexpected{error_at(text, i, errc::too_deep,
                                           "nested deeper than the limit of " + std::to_string(limits.max_depth) +
                                               " structures (" + std::to_string(max_levels) + " JSON levels)")};
    } else if ((c == '}' || c == ']') && levels > 0) {
      --levels;
    }
  }
  return {};
}

// Thrown by the parser callback to stop nlohmann at a duplicate or surplus member; caught in parse_document.
struct parse_stop {
  errc code;
  std::string detail;
};

// nlohmann's message without its "[json.exception.parse_error.101] parse error at line 1, column 2: " prefix.
std::string syntax_detail(const json::exception& e) {
  std::string_view what = e.what();
  if (const auto at = what.find(": "); at != std::string_view::npos) what.remove_prefix(at + 2);
  return "JSON " + std::string(what);
}

result<json> parse_document(std::string_view text, const read_limits& limits) {
  if (auto r = prescan(text, limits); !r) return common::unexpected{std::move(r).error()};
  std::vector<std::vector<std::string>> members;  // of each open object
  auto guard = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) {
      members.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      members.pop_back();
    } else if (event == json::parse_event_t::key) {
      auto& seen = members.back();
      const auto& name = parsed.get_ref<const std::string&>();
      for (const auto& s : seen)
        if (s == name) throw parse_stop{errc::syntax, "duplicate member \"" + name + "\" in an object"};
      if (seen.size() >= max_members)
        throw parse_stop{errc::bad_item, "an object with more than " + std::to_string(max_members) + " members"};
      seen.push_back(name);
    }
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), guard);
  } catch (const parse_stop& stop) {
    return common::unexpected{error(stop.code, stop.detail)};
  } catch (const json::parse_error& e) {
    return common::unexpected{error_at(text, e.byte == 0 ? 0 : e.byte - 1, errc::syntax, syntax_detail(e))};
  } catch (const json::exception& e) {
    return common::unexpected{error(errc::syntax, syntax_detail(e))};
  }
}

// ---- reading: items ---------------------------------------------------------------------------------------

std::optional<std::int64_t> as_int64(const json& j) {
  if (j.is_number_unsigned()) {
    const auto u = j.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (j.is_number_integer()) return j.get<std::int64_t>();
  return std::nullopt;
}

// Two's complement, big-endian, 8 bytes (16 for an unsigned number above INT64_MAX, to stay positive).
common::secure_bytes big_integer_of(const json& j) {
  const bool wide = j.is_number_unsigned() && j.get<std::uint64_t>() >> 63 != 0;
  const auto v = j.is_number_unsigned() ? j.get<std::uint64_t>() : static_cast<std::uint64_t>(j.get<std::int64_t>());
  common::secure_bytes out(wide ? 8 : 0, 0);
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  return out;
}

class item_builder {
 public:
  explicit item_builder(const read_limits& limits) : limits_(limits) {}

  result<ttlv::tree> build(const json& root) {
    if (auto r = add_item(root, 1, {}); !r) return common::unexpected{std::move(r).error()};
    return std::move(tree_);
  }

 private:
  common::unexpected<error> fail(errc code, std::string detail, std::string_view member = {}) const {
    error e(code, std::move(detail));
    e.path = path_;
    if (!member.empty()) e.path += "/" + std::string(member);
    return common::unexpected{std::move(e)};
  }

  result<void> check_members(const json& j) const {
    for (const auto& [name, value] : j.items()) {
      if (name != "tag" && name != "type" && name != "value" && name != "name")
        return fail(errc::bad_item, "unexpected member \"" + name + "\" (an item has tag, name, type and value)");
      if (name != "value" && !value.is_string()) return fail(errc::bad_item, "\"" + name + "\" must be a string", name);
    }
    return {};
  }

  // RECURSION: add_item -> add_children -> add_item, one level per structure, bounded by limits_.max_depth.
  // `attribute_name` (a view into tree_) is read before anything is added to the tree.
  result<void> add_item(const json& j, std::size_t depth, std::string_view attribute_name) {
    if (!j.is_object())
      return fail(errc::bad_item, "expected an item object {\"tag\":..., \"type\":..., \"value\":...}");
    if (tree_.size() >= limits_.max_items)
      return fail(errc::too_many_items, "more than " + std::to_string(limits_.max_items) + " items in one message");
    if (auto r = check_members(j); !r) return r;
    const auto tag_member = j.find("tag");
    if (tag_member == j.end()) return fail(errc::bad_item, "the item has no \"tag\"");
    auto tag = detail::parse_tag(tag_member->get_ref<const std::string&>());
    if (!tag) return fail(tag.error().code, tag.error().detail, "tag");
    item_type type = item_type::structure;
    if (const auto t = j.find("type"); t != j.end()) {
      auto parsed = detail::parse_type(t->get_ref<const std::string&>());
      if (!parsed) return fail(parsed.error().code, parsed.error().detail, "type");
      type = *parsed;
    }
    const auto value = j.find("value");
    if (type == item_type::structure) {
      if (depth > limits_.max_depth)
        return fail(errc::too_deep, "structures nested deeper than the limit of " + std::to_string(limits_.max_depth));
      tree_.begin_structure(*tag);
      if (value != j.end() && !value->is_null())
        if (auto r = add_children(*value, depth); !r) return r;
      tree_.end_structure();
      return {};
    }
    if (value == j.end())
      return fail(errc::bad_item, "a " + std::string(ttlv::to_camel(type)) + " item needs a \"value\"");
    return add_primitive(*value, *tag, type, detail::naming_tag(*tag, attribute_name));
  }

  result<void> add_children(const json& value, std::size_t depth) {
    if (!value.is_array())
      return fail(errc::bad_item, "a Structure's value must be an array of items or null", "value");
    const std::size_t path_size = path_.size();
    std::optional<std::uint32_t> attribute_name;  // index of the last Attribute Name child: the store may move
    for (std::size_t i = 0; i < value.size(); ++i) {
      const auto child_index = static_cast<std::uint32_t>(tree_.size());
      path_ += "/value/" + std::to_string(i);
      const std::string_view name = attribute_name ? ttlv::item_view(tree_, *attribute_name).as_text() : "";
      if (auto r = add_item(value[i], depth + 1, name); !r) return r;
      path_.resize(path_size);
      const auto& added = tree_.at(child_index);
      if (detail::is_attribute_name(added.tag) && added.type == item_type::text_string) attribute_name = child_index;
    }
    return {};
  }

  result<void> add_primitive(const json& v, std::uint32_t tag, item_type type, std::uint32_t naming) {
    if (v.is_string()) {
      if (auto r = detail::add_value(tree_, tag, type, v.get_ref<const std::string&>(), naming); !r)
        return fail(r.error().code, detail::tag_text(tag) + ": " + r.error().detail, "value");
      return {};
    }
    if (v.is_boolean() && type == item_type::boolean) {
      tree_.add_boolean(tag, v.get<bool>());
      return {};
    }
    if (v.is_number_integer()) return add_number(v, tag, type);
    return fail(errc::bad_value,
                detail::tag_text(tag) + ": a " + std::string(ttlv::to_camel(type)) + " value must be " +
                    (type == item_type::boolean ? "true, false or a hex string"
                     : v.is_number()            ? "an integer or a string"
                                                : "a string or a number"),
                "value");
  }

  result<void> add_number(const json& v, std::uint32_t tag, item_type type) {
    const auto n = as_int64(v);
    auto in = [&](std::int64_t lo, std::int64_t hi) { return n && *n >= lo && *n <= hi; };
    constexpr std::int64_t u32 = std::numeric_limits<std::uint32_t>::max();
    switch (type) {
      case item_type::integer:
        if (!in(std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max())) break;
        tree_.add_integer(tag, static_cast<std::int32_t>(*n));
        return {};
      case item_type::long_integer:
        if (!n) break;
        tree_.add_long_integer(tag, *n);
        return {};
      case item_type::big_integer: tree_.add_big_integer(tag, big_integer_of(v)); return {};
      case item_type::enumeration:
        if (!in(0, u32)) break;
        tree_.add_enumeration(tag, static_cast<std::uint32_t>(*n));
        return {};
      case item_type::interval:
        if (!in(0, u32)) break;
        tree_.add_interval(tag, static_cast<std::uint32_t>(*n));
        return {};
      default:
        return fail(errc::bad_value,
                    detail::tag_text(tag) + ": a " + std::string(ttlv::to_camel(type)) + " value must be a string",
                    "value");
    }
    return fail(errc::bad_value,
                detail::tag_text(tag) + ": " + v.dump() + " is out of range for " + std::string(ttlv::to_camel(type)),
                "value");
  }

  const read_limits& limits_;
  ttlv::tree tree_;
  std::string path_;  // JSON pointer of the item being read
};

// ---- writing ----------------------------------------------------------------------------------------------

void append_string(std::string& out, std::string_view value) {
  const std::string text = detail::repaired_utf8(value);
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          constexpr std::string_view hex = "0123456789ABCDEF";
          out += "\\u00";
          out += hex[static_cast<unsigned char>(c) >> 4];
          out += hex[static_cast<unsigned char>(c) & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

// Writes one object per item, one per line as the spec's examples do, as tree_walk.hpp visits them.
class json_writer {
 public:
  explicit json_writer(const write_options& o) : o_(o), separator_(o.indent == 0 ? "," : ", ") {}

  std::string write(ttlv::item_view item) {
    detail::walk(item, o_.redact_key_material, *this);
    out_ += '\n';
    return std::move(out_);
  }

  void begin(ttlv::item_view item, const detail::item_context& c) {
    start_object(item, c);
    out_ += c.empty ? "\"value\":[]}" : "\"value\":[";
  }

  void end(ttlv::item_view, const detail::item_context& c) {
    if (c.empty) return;
    new_line(c.depth);
    out_ += "]}";
  }

  void value(ttlv::item_view item, const detail::item_context& c) {
    start_object(item, c);
    out_ += "\"type\":";
    append_string(out_, ttlv::to_camel(item.type()));
    out_ += separator_;
    out_ += "\"value\":";
    if (c.redact)
      append_string(out_, detail::redacted_key_material);
    else if (item.is_placeholder())
      append_string(out_, item.placeholder_text());
    else
      write_value(item, c.naming);
    out_ += '}';
  }

 private:
  // The separator from the previous item, the line, and {"tag":"...", up to the next member.
  void start_object(ttlv::item_view item, const detail::item_context& c) {
    if (c.depth != 0) {
      if (!c.first) out_ += ',';
      new_line(c.depth);
    }
    out_ += "{\"tag\":";
    append_string(out_, detail::tag_text(item.tag()));
    out_ += separator_;
  }

  void new_line(std::size_t depth) {
    if (o_.indent == 0) return;
    out_ += '\n';
    out_.append(depth * o_.indent, ' ');
  }

  // Numbers where §4.1.6 allows them and they are exact, strings otherwise.
  void write_value(ttlv::item_view item, std::uint32_t naming) {
    constexpr std::int64_t exact = std::int64_t{1} << 52;  // §4.1.6.5: larger values are hex strings
    switch (item.type()) {
      case item_type::integer:
        if (detail::has_mask(naming) && item.as_integer() != 0)
          append_string(out_, detail::mask_text(naming, item.as_integer(), '|'));
        else
          out_ += std::to_string(item.as_integer());
        return;
      case item_type::long_integer: {
        const auto v = item.as_long_integer();
        if (v > -exact && v < exact)
          out_ += std::to_string(v);
        else
          append_string(out_, detail::hex_number(static_cast<std::uint64_t>(v), 8));
        return;
      }
      case item_type::big_integer: append_string(out_, "0x" + detail::value_text(item, naming, '|')); return;
      case item_type::boolean: out_ += item.as_boolean() ? "true" : "false"; return;
      case item_type::interval: out_ += std::to_string(item.as_interval()); return;
      default: append_string(out_, detail::value_text(item, naming, '|')); return;
    }
  }

  const write_options& o_;
  std::string_view separator_;
  std::string out_;
};

}  // namespace

result<ttlv::tree> from_json(std::string_view text, const read_limits& limits) {
  auto document = parse_document(text, limits);
  if (!document) return common::unexpected{std::move(document).error()};
  item_builder builder(limits);
  return builder.build(*document);
}

std::string to_json(ttlv::item_view item, const write_options& options) {
  json_writer writer(options);
  return writer.write(item);
}

}  // namespace kmip::encoding
