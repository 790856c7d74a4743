// Escaping shared by the renderers. All of them first make text valid UTF-8 (each invalid byte becomes U+FFFD),
// then escape for their format. XML 1.0 cannot carry C0 control characters other than tab, LF and CR, not even
// as character references, so they are shown as "\x01"; JSON escapes them; HTML shows them like XML.
#pragma once

#include <string>
#include <string_view>

namespace reports::text {

// Valid UTF-8: each byte that does not start a well-formed sequence (overlong forms, surrogates, beyond
// U+10FFFF, truncated sequences) becomes U+FFFD.
std::string valid_utf8(std::string_view s);

// For XML character data: & < > escaped, CR as &#13;, other C0 controls and U+FFFE/U+FFFF made visible.
std::string xml_text(std::string_view s);
// For XML attribute values in double quotes: also " ' and tab, LF, CR as references (kept through
// attribute-value normalisation).
std::string xml_attribute(std::string_view s);
// For HTML text and double-quoted attribute values.
std::string html(std::string_view s);

// Numbers as the reports print them: "0.125", "12", never exponent notation or locale separators.
std::string number(double v, int max_decimals = 3);

}  // namespace reports::text
