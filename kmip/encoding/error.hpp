// Errors of the KMIP XML and JSON encodings. Reading text fails with an error that says what is wrong and
// where: a line and column for XML (and for JSON syntax errors), a JSON pointer for JSON whose syntax is
// fine but whose content is not a KMIP item (STYLE.md habit 3: errors are values).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace kmip::encoding {

enum class errc : std::uint8_t {
  syntax,              // not well-formed XML or JSON
  unsupported,         // well-formed, but outside the subset the KMIP encodings use (DOCTYPE, CDATA, text content...)
  too_large,           // read_limits::max_input_size or max_value_length
  too_deep,            // read_limits::max_depth
  too_many_items,      // read_limits::max_items
  unknown_tag,         // a tag name the spec tables do not know
  bad_tag,             // a hex tag that is malformed or outside 0x42xxxx / 0x54xxxx
  unknown_type,        // a type name that is not one of the ten CamelCase item types
  bad_value,           // a value that does not parse for its item type
  unknown_enum_value,  // an enumeration or mask name the tag's table does not list
  bad_item,            // an element or object that is not a KMIP item (missing value, unknown attribute...)
};

std::string_view to_string(errc e);

struct error {
  error() = default;
  error(errc c, std::string d) : code(c), detail(std::move(d)) {}

  errc code = errc::syntax;
  std::string detail;      // what is wrong, naming the offending text
  std::size_t line = 0;    // 1-based position in the input; 0 when not known
  std::size_t column = 0;  // 1-based, in characters (UTF-8 sequences count once)
  std::string path;        // JSON pointer of the offending value ("/value/1/type"); empty for XML

  // "3:14: unknown tag name 'Foo'", "/value/0/value: bad value ...", or the detail alone.
  std::string message() const;
};

template <class T>
using result = common::expected<T, error>;

// Line and column (1-based, columns in characters) of a byte offset in a text. Counts "\r\n", "\r" and "\n"
// as one line break each, as XML does.
struct text_position {
  std::size_t line = 1;
  std::size_t column = 1;
};
text_position position_of(std::string_view text, std::size_t offset);

// position_of() for a series of non-decreasing offsets into one text, in one pass over it.
class position_counter {
 public:
  explicit position_counter(std::string_view text) : text_(text) {}
  // REQUIRES: offset >= the offset of the previous call.
  text_position at(std::size_t offset);

 private:
  std::string_view text_;
  std::size_t offset_ = 0;
  text_position position_;
};

}  // namespace kmip::encoding
