// KMIP XML encoding (Additional Message Encodings v1.0, section 6): xml_reader tokens -> ttlv::tree, and
// ttlv::tree -> text. Both walk the items front to back with an explicit stack bounded by the nesting depth.
#include "kmip/encoding/xml.hpp"

#include <optional>

#include "kmip/encoding/tree_walk.hpp"
#include "kmip/encoding/value_text.hpp"
#include "kmip/encoding/xml_reader.hpp"

namespace kmip::encoding {
namespace {

using ttlv::item_type;

constexpr std::string_view general_element = "TTLV";  // <TTLV tag="0x540001" ...> (§6.1.6)
constexpr std::string_view kmip_namespace = "urn:oasis:tc:kmip:xmlns";

bool is_test_case_root(std::string_view name) { return name == "KMIP" || name == "KmipTestCase"; }

bool is_message(const ttlv::tree& t) {
  const auto tag = t.root().tag();
  return tag == static_cast<std::uint32_t>(spec::tag::request_message) ||
         tag == static_cast<std::uint32_t>(spec::tag::response_message);
}

// The <x540001> element form of §6.1.6.5: 'x' and six hex digits.
std::optional<std::string> hex_element_tag(std::string_view name) {
  if (name.size() != 7 || name[0] != 'x') return std::nullopt;
  for (char c : name.substr(1))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return std::nullopt;
  return "0x" + std::string(name.substr(1));
}

xml_limits reader_limits(const read_limits& l) {
  xml_limits x;
  x.max_input_size = l.max_input_size;
  x.max_depth = l.max_depth + 2;  // a test case's wrapper, and the values inside the deepest structure
  x.max_value_length = l.max_value_length;
  return x;
}

// ---- reading ----------------------------------------------------------------------------------------------

// Builds one item's tree from the reader's tokens, from its start tag through its end tag.
class item_reader {
 public:
  item_reader(xml_reader& reader, const read_limits& limits) : reader_(reader), limits_(limits) {}

  // REQUIRES: `token` holds the item's start tag. Leaves the item's end tag in `token`.
  result<ttlv::tree> read(xml_token& token) {
    tree_ = ttlv::tree{};
    open_.clear();
    if (auto r = start_item(token); !r) return common::unexpected{std::move(r).error()};
    // Each pass reads one token; the reader ends the input, so this ends.
    while (!open_.empty()) {
      if (auto r = reader_.next(token); !r) return common::unexpected{std::move(r).error()};
      if (token.what == xml_token::kind::start) {
        if (auto r = start_item(token); !r) return common::unexpected{std::move(r).error()};
      } else {  // the reader matched it with the open element
        tree_.end_structure();
        open_.pop_back();
      }
    }
    return std::move(tree_);
  }

 private:
  struct open_structure {
    std::optional<std::uint32_t> attribute_name;  // index of the last Attribute Name child read
  };

  common::unexpected<error> fail(std::size_t offset, errc code, std::string detail) const {
    return common::unexpected{reader_.error_at(offset, code, std::move(detail))};
  }
  common::unexpected<error> fail(std::size_t offset, detail::value_error e) const {
    return fail(offset, e.code, std::move(e.detail));
  }

  result<std::uint32_t> tag_of(const xml_token& token) const {
    const std::size_t name_at = token.offset + 1;
    if (token.name == general_element) {
      const auto* tag = token.find("tag");
      if (tag == nullptr) return fail(name_at, errc::bad_item, "<TTLV> needs a tag attribute");
      auto t = detail::parse_tag(tag->value);
      if (!t) return fail(tag->value_offset, std::move(t).error());
      return *t;
    }
    auto t = detail::parse_tag(hex_element_tag(token.name).value_or(std::string(token.name)));
    if (!t) return fail(name_at, std::move(t).error());
    return *t;
  }

  result<void> check_attributes(const xml_token& token) const {
    for (const auto& a : token.attributes) {
      if (a.name == "type" || a.name == "value" || a.name == "name") continue;
      if (a.name == "tag" && token.name == general_element) continue;
      if (a.name == "xmlns" && a.value == kmip_namespace) continue;
      return fail(a.value_offset, errc::bad_item,
                  "unexpected attribute " + std::string(a.name) + "=\"" + a.value.substr(0, 40) + "\" on <" +
                      std::string(token.name) + ">");
    }
    return {};
  }

  std::string_view attribute_name_in_scope() const {
    if (open_.empty() || !open_.back().attribute_name) return {};
    return ttlv::item_view(tree_, *open_.back().attribute_name).as_text();
  }

  result<void> start_item(xml_token& token) {
    if (tree_.size() >= limits_.max_items)
      return fail(token.offset, errc::too_many_items,
                  "more than " + std::to_string(limits_.max_items) + " items in one message");
    auto tag = tag_of(token);
    if (!tag) return common::unexpected{std::move(tag).error()};
    if (auto r = check_attributes(token); !r) return r;
    item_type type = item_type::structure;
    if (const auto* t = token.find("type")) {
      auto parsed = detail::parse_type(t->value);
      if (!parsed) return fail(t->value_offset, std::move(parsed).error());
      type = *parsed;
    }
    if (type == item_type::structure) return start_structure(token, *tag);
    return add_primitive(token, *tag, type);
  }

  result<void> start_structure(const xml_token& token, std::uint32_t tag) {
    if (const auto* v = token.find("value"))
      return fail(v->value_offset, errc::bad_item, "a Structure has no value attribute");
    if (open_.size() + 1 > limits_.max_depth)
      return fail(token.offset, errc::too_deep,
                  "structures nested deeper than the limit of " + std::to_string(limits_.max_depth));
    tree_.begin_structure(tag);
    open_.emplace_back();
    return {};
  }

  // A non-structure item: its value, then its end tag.
  result<void> add_primitive(xml_token& token, std::uint32_t tag, item_type type) {
    const auto* v = token.find("value");
    if (v == nullptr)
      return fail(token.offset, errc::bad_item,
                  "<" + std::string(token.name) + " type=\"" + std::string(ttlv::to_camel(type)) +
                      "\"> needs a value attribute");
    const std::uint32_t naming = detail::naming_tag(tag, attribute_name_in_scope());
    if (auto r = detail::add_value(tree_, tag, type, v->value, naming); !r) {
      auto e = std::move(r).error();
      e.detail = detail::tag_text(tag) + ": " + e.detail;
      return fail(v->value_offset, std::move(e));
    }
    if (detail::is_attribute_name(tag) && type == item_type::text_string && !open_.empty())
      open_.back().attribute_name = static_cast<std::uint32_t>(tree_.size() - 1);
    const std::size_t at = token.offset;
    const std::string name(token.name);
    if (auto r = reader_.next(token); !r) return r;
    if (token.what != xml_token::kind::end)
      return fail(token.offset, errc::bad_item,
                  "<" + name + "> at " + where(at) + " is a " + std::string(ttlv::to_camel(type)) +
                      " and cannot contain elements");
    return {};
  }

  std::string where(std::size_t offset) const {
    const auto e = reader_.error_at(offset, errc::syntax, {});
    return std::to_string(e.line) + ":" + std::to_string(e.column);
  }

  xml_reader& reader_;
  const read_limits& limits_;
  ttlv::tree tree_;
  std::vector<open_structure> open_;
};

// After the root element only the end of the input may follow; the reader reports anything else.
result<void> expect_end_of_input(xml_reader& reader, xml_token& token) {
  if (auto r = reader.next(token); !r) return r;
  if (token.what != xml_token::kind::end_of_input)
    return common::unexpected{reader.error_at(token.offset, errc::syntax, "content after the root element")};
  return {};
}

// ---- writing ----------------------------------------------------------------------------------------------

void append_escaped(std::string& out, std::string_view value) {
  const std::string text = detail::repaired_utf8(value);
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {  // tab, newline and the rest survive as references
          out += "&#";
          out += std::to_string(static_cast<int>(c));
          out += ';';
        } else {
          out += c;
        }
    }
  }
}

// Writes one element per item, as tree_walk.hpp visits them.
class xml_writer {
 public:
  explicit xml_writer(const write_options& o) : o_(o) {}

  std::string write(ttlv::item_view item) {
    detail::walk(item, o_.redact_key_material, *this);
    if (o_.indent == 0) out_ += '\n';
    return std::move(out_);
  }

  void begin(ttlv::item_view item, const detail::item_context& c) {
    open_tag(item, c);
    out_ += c.empty ? "/>" : ">";
    line_end();
  }

  void end(ttlv::item_view item, const detail::item_context& c) {
    if (c.empty) return;
    out_.append(c.depth * o_.indent, ' ');
    out_ += "</";
    out_ += element_name(item.tag());
    out_ += '>';
    line_end();
  }

  void value(ttlv::item_view item, const detail::item_context& c) {
    open_tag(item, c);
    out_ += " type=\"";
    out_ += ttlv::to_camel(item.type());
    out_ += "\" value=\"";
    if (c.redact)
      append_escaped(out_, detail::redacted_key_material);
    else if (item.is_placeholder())
      append_escaped(out_, item.placeholder_text());
    else
      append_escaped(out_, detail::value_text(item, c.naming, ' '));
    out_ += "\"/>";
    line_end();
  }

 private:
  // The tag's CamelCase name, or the general element for hex tags (§6.1.6).
  static std::string element_name(std::uint32_t tag) {
    std::string name = detail::tag_text(tag);
    return name.starts_with("0x") ? std::string(general_element) : name;
  }

  void open_tag(ttlv::item_view item, const detail::item_context& c) {
    out_.append(c.depth * o_.indent, ' ');
    out_ += '<';
    const std::string name = detail::tag_text(item.tag());
    if (name.starts_with("0x")) {
      out_ += general_element;
      out_ += " tag=\"" + name + "\"";
    } else {
      out_ += name;
    }
  }

  void line_end() {
    if (o_.indent != 0) out_ += '\n';
  }

  const write_options& o_;
  std::string out_;
};

}  // namespace

result<ttlv::tree> from_xml(std::string_view text, const read_limits& limits) {
  xml_reader reader(text, reader_limits(limits));
  xml_token token;
  if (auto r = reader.next(token); !r) return common::unexpected{std::move(r).error()};
  if (is_test_case_root(token.name))
    return common::unexpected{
        reader.error_at(token.offset, errc::bad_item,
                        "<" + std::string(token.name) + "> is a test-case file of several messages, not one item")};
  item_reader items(reader, limits);
  auto tree = items.read(token);
  if (!tree) return tree;
  if (auto r = expect_end_of_input(reader, token); !r) return common::unexpected{std::move(r).error()};
  return tree;
}

result<xml_test_case> read_xml_test_case(std::string_view text, const read_limits& limits) {
  xml_reader reader(text, reader_limits(limits));
  xml_token token;
  if (auto r = reader.next(token); !r) return common::unexpected{std::move(r).error()};
  xml_test_case test_case;
  test_case.root = std::string(token.name);
  reader.allow_text_in_root(is_test_case_root(token.name));
  item_reader items(reader, limits);
  position_counter positions(text);
  auto read_one = [&]() -> result<void> {
    const auto at = positions.at(token.offset);
    auto tree = items.read(token);
    if (!tree) return common::unexpected{std::move(tree).error()};
    test_case.items.push_back({std::move(*tree), at.line, at.column});
    return {};
  };
  if (!is_test_case_root(token.name)) {
    if (auto r = read_one(); !r) return common::unexpected{std::move(r).error()};
  } else {
    for (const auto& a : token.attributes)
      if (!(a.name == "xmlns" && a.value == kmip_namespace))
        return common::unexpected{
            reader.error_at(a.value_offset, errc::bad_item,
                            "unexpected attribute " + std::string(a.name) + " on <" + test_case.root + ">")};
    // Each pass reads at least one token; the reader ends the input, so this ends.
    while (true) {
      if (auto r = reader.next(token); !r) return common::unexpected{std::move(r).error()};
      if (token.what != xml_token::kind::start) break;  // the root's end tag
      if (auto r = read_one(); !r) return common::unexpected{std::move(r).error()};
    }
  }
  if (auto r = expect_end_of_input(reader, token); !r) return common::unexpected{std::move(r).error()};
  return test_case;
}

result<std::vector<ttlv::tree>> parse_xml_test_case(std::string_view text, const read_limits& limits) {
  auto test_case = read_xml_test_case(text, limits);
  if (!test_case) return common::unexpected{std::move(test_case).error()};
  std::vector<ttlv::tree> messages;
  for (auto& item : test_case->items)
    if (is_message(item.tree)) messages.push_back(std::move(item.tree));
  return messages;
}

std::string to_xml(ttlv::item_view item, const write_options& options) {
  xml_writer writer(options);
  return writer.write(item);
}

}  // namespace kmip::encoding
