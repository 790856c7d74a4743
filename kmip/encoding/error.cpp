// Error texts and byte offset -> line:column conversion for the encodings.
#include "kmip/encoding/error.hpp"

namespace kmip::encoding {

std::string_view to_string(errc e) {
  switch (e) {
    case errc::syntax: return "syntax error";
    case errc::unsupported: return "unsupported construct";
    case errc::too_large: return "too large";
    case errc::too_deep: return "nesting too deep";
    case errc::too_many_items: return "too many items";
    case errc::unknown_tag: return "unknown tag";
    case errc::bad_tag: return "bad tag";
    case errc::unknown_type: return "unknown type";
    case errc::bad_value: return "bad value";
    case errc::unknown_enum_value: return "unknown enumeration value";
    case errc::bad_item: return "not a KMIP item";
  }
  return "?";
}

std::string error::message() const {
  std::string m;
  if (line != 0) {
    m = std::to_string(line) + ":" + std::to_string(column) + ": ";
  } else if (!path.empty()) {
    m = path + ": ";
  }
  m += detail.empty() ? std::string(to_string(code)) : detail;
  if (line != 0 && !path.empty()) m += " (at " + path + ")";
  return m;
}

text_position position_counter::at(std::size_t offset) {
  if (offset > text_.size()) offset = text_.size();
  for (; offset_ < offset; ++offset_) {
    const auto c = static_cast<unsigned char>(text_[offset_]);
    if (c == '\n' || (c == '\r' && (offset_ + 1 >= text_.size() || text_[offset_ + 1] != '\n'))) {
      ++position_.line;
      position_.column = 1;
    } else if (c != '\r' && (c & 0xC0) != 0x80) {  // a UTF-8 continuation byte does not start a character
      ++position_.column;
    }
  }
  return position_;
}

text_position position_of(std::string_view text, std::size_t offset) { return position_counter(text).at(offset); }

}  // namespace kmip::encoding
