// A small, strict pull parser for the subset of XML that the KMIP XML encoding uses (Additional Message
// Encodings v1.0, section 6): elements, attributes quoted with ' or ", the five predefined entities and
// numeric character references, comments, an XML declaration at the very start, and whitespace between
// elements. It rejects everything else with an error at line:column: DOCTYPE (so no entity definitions),
// CDATA, processing instructions, text content, and anything that is not well-formed. It never reads outside
// the given text, and bounds the input size, the nesting depth, the number of attributes and each value's length.
//
// Deviations from XML 1.0, both on the lenient side and both needed to carry every Text String: character
// references to control characters (&#1;) are accepted, as XML 1.1 does; and since no DTD is read, every
// attribute is CDATA.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kmip/encoding/error.hpp"

namespace kmip::encoding {

struct xml_limits {
  std::size_t max_input_size = 16u << 20;
  std::size_t max_depth = 34;               // open elements
  std::size_t max_attributes = 16;          // per element
  std::size_t max_value_length = 1u << 20;  // one attribute value, after decoding
};

struct xml_attribute {
  std::string_view name;
  std::string value;             // references replaced, white space normalised (XML 1.0 §3.3.3)
  std::size_t value_offset = 0;  // byte offset in the input of the value's first character
};

struct xml_token {
  enum class kind : std::uint8_t { start, end, end_of_input };
  kind what = kind::end_of_input;
  std::string_view name;                  // element name; a view into the input
  std::size_t offset = 0;                 // byte offset of the tag's '<' (of the start tag, for the end of <a/>)
  std::vector<xml_attribute> attributes;  // start tags only, in document order

  // The attribute of that name, or nullptr.
  const xml_attribute* find(std::string_view attribute_name) const;
};

class xml_reader {
 public:
  // `text` must outlive the reader and the tokens it fills.
  xml_reader(std::string_view text, const xml_limits& limits);

  // Reads the next start tag, end tag or the end of the input into `token`, whose storage is reused.
  // An empty-element tag <a/> yields a start and then an end. Comments and white space are skipped.
  // After an error the reader keeps returning it.
  result<void> next(xml_token& token);

  // Accepts character data directly inside the root element, as the OASIS test-case files have between
  // their messages (TC-DERIVEKEY-1-10: "# [[DeriveKey using SHA_256]]"); it is checked and skipped.
  // Text anywhere else stays an error.
  void allow_text_in_root(bool allow) { text_in_root_ = allow; }

  // Elements open after the last token read.
  std::size_t depth() const { return open_.size(); }

  // An error located at a byte offset of the input.
  error error_at(std::size_t offset, errc code, std::string detail) const;

 private:
  struct open_element {
    std::string_view name;
    std::size_t offset;
  };

  result<void> check_document();
  result<void> read_declaration();
  result<void> skip_comment();
  result<void> read_start_tag(xml_token& token);
  result<void> read_end_tag(xml_token& token);
  result<void> read_attributes(xml_token& token, std::string_view terminator);
  result<void> read_attribute_value(xml_attribute& attribute);
  result<void> read_reference(std::string& out);
  result<std::string_view> read_name(std::string_view what);
  result<void> unexpected_text();
  result<void> skip_text();
  std::string where(std::size_t offset) const;  // "3:14"
  // Records the error; the reader stays failed.
  common::unexpected<error> fail(std::size_t offset, errc code, std::string detail);

  std::string_view in_;
  xml_limits limits_;
  std::size_t pos_ = 0;
  std::vector<open_element> open_;
  bool started_ = false;
  bool pending_end_ = false;  // an empty-element tag was returned as a start; its end comes next
  bool root_seen_ = false;
  std::size_t root_end_ = 0;  // offset of the root's end tag, once seen
  bool text_in_root_ = false;
  bool failed_ = false;
  error error_;
};

}  // namespace kmip::encoding
