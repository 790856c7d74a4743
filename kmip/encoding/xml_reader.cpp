// The strict XML subset parser of the KMIP XML encoding; see xml_reader.hpp for what it accepts.
#include "kmip/encoding/xml_reader.hpp"

#include <span>

#include "kmip/ttlv/utf8.hpp"

namespace kmip::encoding {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return is_alpha(c) || c == '_' || c == ':'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c) || c == '-' || c == '.'; }

// 0-15 for a hex digit, -1 for anything else.
int digit_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The five entities XML predefines (XML 1.0 §4.6); no others exist without a DTD.
struct predefined_entity {
  std::string_view name;
  char value;
};
constexpr predefined_entity predefined_entities[] = {
    {"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"quot", '"'}, {"apos", '\''}};

std::string quoted(std::string_view s) {
  constexpr std::size_t shown = 40;
  return "'" + std::string(s.substr(0, shown)) + (s.size() > shown ? "...'" : "'");
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The code point of a character reference's digits ("#65", "#x41"), or 0 when malformed or not allowed.
std::uint32_t character_reference(std::string_view ref) {
  const bool hex = ref.size() > 1 && ref[1] == 'x';
  const std::string_view digits = ref.substr(hex ? 2 : 1);
  if (digits.empty() || digits.size() > 8) return 0;
  std::uint32_t cp = 0;
  for (char c : digits) {
    const int d = digit_value(c);
    if (d < 0 || d >= (hex ? 16 : 10)) return 0;
    cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(d);
    if (cp > 0x10FFFF) return 0;
  }
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;  // surrogates are not characters
  if (cp == 0xFFFE || cp == 0xFFFF) return 0;
  return cp;
}

}  // namespace

const xml_attribute* xml_token::find(std::string_view attribute_name) const {
  for (const auto& a : attributes)
    if (a.name == attribute_name) return &a;
  return nullptr;
}

xml_reader::xml_reader(std::string_view text, const xml_limits& limits) : in_(text), limits_(limits) {
  open_.reserve(limits_.max_depth < 64 ? limits_.max_depth : 64);
}

std::string xml_reader::where(std::size_t offset) const {
  const auto p = position_of(in_, offset);
  return std::to_string(p.line) + ":" + std::to_string(p.column);
}

error xml_reader::error_at(std::size_t offset, errc code, std::string detail) const {
  error e(code, std::move(detail));
  const auto p = position_of(in_, offset);
  e.line = p.line;
  e.column = p.column;
  return e;
}

common::unexpected<error> xml_reader::fail(std::size_t offset, errc code, std::string detail) {
  failed_ = true;
  error_ = error_at(offset, code, std::move(detail));
  return common::unexpected{error_};
}

// Whole-document checks made once, before any token: size, UTF-8, characters XML forbids.
result<void> xml_reader::check_document() {
  if (in_.size() > limits_.max_input_size)
    return fail(0, errc::too_large,
                "input of " + std::to_string(in_.size()) + " bytes exceeds the limit of " +
                    std::to_string(limits_.max_input_size));
  const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(in_.data()), in_.size());
  if (auto bad = ttlv::first_invalid_utf8(bytes)) return fail(*bad, errc::syntax, "input is not valid UTF-8");
  for (std::size_t i = 0; i < in_.size(); ++i) {
    const auto c = static_cast<unsigned char>(in_[i]);
    if (c < 0x20 && !is_space(static_cast<char>(c)))
      return fail(i, errc::syntax, "control character " + std::to_string(c) + " is not allowed in XML");
  }
  if (in_.starts_with("\xEF\xBB\xBF")) pos_ = 3;  // byte order mark
  if (in_.substr(pos_).starts_with("<?xml") && pos_ + 5 < in_.size() &&
      (is_space(in_[pos_ + 5]) || in_[pos_ + 5] == '?'))
    return read_declaration();
  return {};
}

// <?xml version="1.0" encoding="UTF-8" standalone="yes"?>: only UTF-8 is read.
result<void> xml_reader::read_declaration() {
  const std::size_t at = pos_;
  pos_ += 5;
  xml_token declaration;
  declaration.offset = at;
  if (auto r = read_attributes(declaration, "?>"); !r) return r;
  const auto* version = declaration.find("version");
  if (version == nullptr || (version->value != "1.0" && version->value != "1.1"))
    return fail(at, errc::syntax, "the XML declaration needs version=\"1.0\"");
  if (const auto* encoding = declaration.find("encoding")) {
    std::string e = encoding->value;
    for (char& c : e) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    if (e != "UTF-8" && e != "UTF8")
      return fail(encoding->value_offset, errc::unsupported,
                  "encoding " + quoted(encoding->value) + " is not supported: KMIP XML is read as UTF-8");
  }
  for (const auto& a : declaration.attributes)
    if (a.name != "version" && a.name != "encoding" && a.name != "standalone")
      return fail(a.value_offset, errc::syntax, "unknown " + quoted(a.name) + " in the XML declaration");
  return {};
}

result<void> xml_reader::skip_comment() {
  const std::size_t at = pos_;
  const std::size_t end = in_.find("-->", pos_ + 4);
  if (end == std::string_view::npos) return fail(at, errc::syntax, "unterminated comment");
  const std::size_t dashes = in_.find("--", pos_ + 4);
  if (dashes < end) return fail(dashes, errc::syntax, "'--' is not allowed inside a comment");
  pos_ = end + 3;
  return {};
}

result<std::string_view> xml_reader::read_name(std::string_view what) {
  const std::size_t at = pos_;
  if (pos_ >= in_.size() || !is_name_start(in_[pos_])) {
    if (pos_ < in_.size() && static_cast<unsigned char>(in_[pos_]) >= 0x80)
      return fail(pos_, errc::unsupported, "non-ASCII " + std::string(what) + " names are not used by KMIP XML");
    return fail(pos_, errc::syntax, "expected " + std::string(what) + " name");
  }
  while (pos_ < in_.size() && is_name_char(in_[pos_])) ++pos_;
  return in_.substr(at, pos_ - at);
}

// &lt; &gt; &amp; &quot; &apos; &#65; &#x41;
result<void> xml_reader::read_reference(std::string& out) {
  const std::size_t at = pos_;
  const std::size_t semicolon = in_.find(';', pos_);
  if (semicolon == std::string_view::npos || semicolon - pos_ > 12)
    return fail(at, errc::syntax, "'&' starts no entity or character reference (write &amp;)");
  const std::string_view ref = in_.substr(pos_ + 1, semicolon - pos_ - 1);
  pos_ = semicolon + 1;
  for (const auto& entity : predefined_entities) {
    if (ref == entity.name) {
      out += entity.value;
      return {};
    }
  }
  if (ref.empty() || ref[0] != '#')
    return fail(at, errc::unsupported,
                "unknown entity &" + std::string(ref) + "; (only &lt; &gt; &amp; &quot; &apos; are defined)");
  const std::uint32_t cp = character_reference(ref);
  if (cp == 0) return fail(at, errc::syntax, "bad character reference &" + std::string(ref) + ";");
  append_utf8(out, cp);
  return {};
}

result<void> xml_reader::read_attribute_value(xml_attribute& attribute) {
  const char quote = in_[pos_];
  const std::size_t opened = pos_++;
  attribute.value_offset = pos_;
  attribute.value.clear();
  while (true) {
    if (pos_ >= in_.size()) return fail(opened, errc::syntax, "unterminated attribute value");
    const char c = in_[pos_];
    if (c == quote) {
      ++pos_;
      return {};
    }
    if (c == '<') return fail(pos_, errc::syntax, "'<' is not allowed in an attribute value (write &lt;)");
    if (c == '&') {
      if (auto r = read_reference(attribute.value); !r) return r;
    } else if (c == '\r' || c == '\n' || c == '\t') {  // end-of-line and attribute-value normalisation
      attribute.value += ' ';
      pos_ += (c == '\r' && pos_ + 1 < in_.size() && in_[pos_ + 1] == '\n') ? 2 : 1;
    } else {
      attribute.value += c;
      ++pos_;
    }
    if (attribute.value.size() > limits_.max_value_length)
      return fail(attribute.value_offset, errc::too_large,
                  "attribute value longer than the limit of " + std::to_string(limits_.max_value_length) + " bytes");
  }
}

// Attributes up to `terminator` ("?>" for the declaration) or to '>' / "/>" (start tags, terminator "").
result<void> xml_reader::read_attributes(xml_token& token, std::string_view terminator) {
  token.attributes.clear();
  while (true) {
    const std::size_t before_space = pos_;
    while (pos_ < in_.size() && is_space(in_[pos_])) ++pos_;
    if (pos_ >= in_.size()) return fail(token.offset, errc::syntax, "unterminated tag");
    const std::string_view rest = in_.substr(pos_);
    if (!terminator.empty() && rest.starts_with(terminator)) {
      pos_ += terminator.size();
      return {};
    }
    if (terminator.empty() && (rest.starts_with(">") || rest.starts_with("/>"))) return {};
    if (pos_ == before_space) return fail(pos_, errc::syntax, "expected white space before an attribute");
    if (token.attributes.size() >= limits_.max_attributes)
      return fail(pos_, errc::too_large, "more than " + std::to_string(limits_.max_attributes) + " attributes");
    auto name = read_name("attribute");
    if (!name) return common::unexpected{std::move(name).error()};
    if (token.find(*name) != nullptr)
      return fail(pos_ - name->size(), errc::syntax, "duplicate attribute " + quoted(*name));
    while (pos_ < in_.size() && is_space(in_[pos_])) ++pos_;
    if (pos_ >= in_.size() || in_[pos_] != '=')
      return fail(pos_, errc::syntax, "expected '=' after attribute " + quoted(*name));
    ++pos_;
    while (pos_ < in_.size() && is_space(in_[pos_])) ++pos_;
    if (pos_ >= in_.size() || (in_[pos_] != '"' && in_[pos_] != '\''))
      return fail(pos_, errc::syntax, "expected a quoted value for attribute " + quoted(*name));
    auto& attribute = token.attributes.emplace_back();
    attribute.name = *name;
    if (auto r = read_attribute_value(attribute); !r) return r;
  }
}

result<void> xml_reader::read_start_tag(xml_token& token) {
  token.offset = pos_;
  ++pos_;  // '<'
  if (root_seen_ && open_.empty())
    return fail(token.offset, errc::syntax, "content after the root element, which ended at " + where(root_end_));
  auto name = read_name("element");
  if (!name) return common::unexpected{std::move(name).error()};
  if (open_.size() >= limits_.max_depth)
    return fail(token.offset, errc::too_deep,
                "elements nested deeper than the limit of " + std::to_string(limits_.max_depth));
  if (auto r = read_attributes(token, ""); !r) return r;
  token.what = xml_token::kind::start;
  token.name = *name;
  root_seen_ = true;
  open_.push_back({*name, token.offset});
  if (in_[pos_] == '/') {
    pending_end_ = true;
    pos_ += 2;
  } else {
    pos_ += 1;
  }
  return {};
}

result<void> xml_reader::read_end_tag(xml_token& token) {
  token.offset = pos_;
  pos_ += 2;  // "</"
  auto name = read_name("element");
  if (!name) return common::unexpected{std::move(name).error()};
  while (pos_ < in_.size() && is_space(in_[pos_])) ++pos_;
  if (pos_ >= in_.size() || in_[pos_] != '>')
    return fail(pos_, errc::syntax, "expected '>' to close </" + std::string(*name));
  ++pos_;
  if (open_.empty()) {
    if (root_seen_)
      return fail(token.offset, errc::syntax,
                  "end tag </" + std::string(*name) + "> after the root element ended at " + where(root_end_));
    return fail(token.offset, errc::syntax, "end tag </" + std::string(*name) + "> without a start tag");
  }
  if (*name != open_.back().name)
    return fail(token.offset, errc::syntax,
                "end tag </" + std::string(*name) + "> does not match <" + std::string(open_.back().name) +
                    "> opened at " + where(open_.back().offset));
  token.what = xml_token::kind::end;
  token.name = *name;
  token.attributes.clear();
  open_.pop_back();
  if (open_.empty()) root_end_ = token.offset;
  return {};
}

result<void> xml_reader::unexpected_text() {
  std::size_t end = pos_;
  while (end < in_.size() && in_[end] != '<' && in_[end] != '\n' && in_[end] != '\r') ++end;
  const std::string_view text = in_.substr(pos_, end - pos_);
  if (open_.empty()) return fail(pos_, errc::syntax, "text " + quoted(text) + " outside the root element");
  return fail(pos_, errc::unsupported,
              "text content " + quoted(text) + " inside <" + std::string(open_.back().name) +
                  ">: the KMIP XML encoding carries values in value attributes");
}

// Character data: references must be well formed, and "]]>" may not appear (XML 1.0 §2.4).
result<void> xml_reader::skip_text() {
  std::string scratch;
  while (pos_ < in_.size() && in_[pos_] != '<') {
    if (in_[pos_] == '&') {
      scratch.clear();
      if (auto r = read_reference(scratch); !r) return r;
    } else if (in_.substr(pos_).starts_with("]]>")) {
      return fail(pos_, errc::syntax, "']]>' is not allowed in text");
    } else {
      ++pos_;
    }
  }
  return {};
}

result<void> xml_reader::next(xml_token& token) {
  if (failed_) return common::unexpected{error_};
  if (!started_) {
    started_ = true;
    if (auto r = check_document(); !r) return r;
  }
  if (pending_end_) {
    pending_end_ = false;
    token.what = xml_token::kind::end;
    token.name = open_.back().name;
    token.offset = open_.back().offset;
    token.attributes.clear();
    open_.pop_back();
    if (open_.empty()) root_end_ = token.offset;
    return {};
  }
  // Each pass consumes at least one character, so the loop ends with the input.
  while (true) {
    while (pos_ < in_.size() && is_space(in_[pos_])) ++pos_;
    if (pos_ >= in_.size()) break;
    if (in_[pos_] != '<') {
      if (!text_in_root_ || open_.size() != 1) return unexpected_text();
      if (auto r = skip_text(); !r) return r;
      continue;
    }
    const std::string_view rest = in_.substr(pos_);
    if (rest.starts_with("<!--")) {
      if (auto r = skip_comment(); !r) return r;
    } else if (rest.starts_with("<!DOCTYPE")) {
      return fail(pos_, errc::unsupported, "DOCTYPE is not accepted (no DTDs, no entity definitions)");
    } else if (rest.starts_with("<![CDATA[")) {
      return fail(pos_, errc::unsupported, "CDATA sections are not used by KMIP XML");
    } else if (rest.starts_with("<!")) {
      return fail(pos_, errc::syntax, "markup declarations are not accepted");
    } else if (rest.starts_with("<?xml")) {
      return fail(pos_, errc::syntax, "the XML declaration is only allowed at the very start");
    } else if (rest.starts_with("<?")) {
      return fail(pos_, errc::unsupported, "processing instructions are not used by KMIP XML");
    } else if (rest.starts_with("</")) {
      return read_end_tag(token);
    } else {
      return read_start_tag(token);
    }
  }
  if (!open_.empty())
    return fail(in_.size(), errc::syntax,
                "input ends inside <" + std::string(open_.back().name) + "> opened at " + where(open_.back().offset));
  if (!root_seen_) return fail(in_.size(), errc::syntax, "no root element");
  token.what = xml_token::kind::end_of_input;
  token.name = {};
  token.offset = in_.size();
  token.attributes.clear();
  return {};
}

}  // namespace kmip::encoding
