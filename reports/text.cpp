// Escaping shared by the renderers (text.hpp).
#include "reports/text.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>

namespace reports::text {

namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed UTF-8 sequence at s[i] (RFC 3629 table), or 0.
std::size_t sequence_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c == 0xE0) { n = 3; lo = 0xA0; }
  else if (c == 0xED) { n = 3; hi = 0x9F; }  // no surrogates
  else if (c >= 0xE1 && c <= 0xEF) n = 3;
  else if (c == 0xF0) { n = 4; lo = 0x90; }
  else if (c >= 0xF1 && c <= 0xF3) n = 4;
  else if (c == 0xF4) { n = 4; hi = 0x8F; }
  else return 0;
  if (i + n > s.size()) return 0;
  if (b(1) < lo || b(1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (b(k) < 0x80 || b(k) > 0xBF) return 0;
  return n;
}

void visible_control(std::string& out, unsigned char c) {
  static constexpr char hex[] = "0123456789abcdef";
  out += "\\x";
  out += hex[c >> 4];
  out += hex[c & 15];
}

// Walks valid UTF-8 and hands each character (as bytes) to `emit`.
template <class F>
std::string escape(std::string_view in, F emit) {
  const std::string s = valid_utf8(in);
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = sequence_length(s, i);
    const std::string_view ch(s.data() + i, n);
    // U+FFFE and U+FFFF are not XML characters.
    if (ch == "\xEF\xBF\xBE" || ch == "\xEF\xBF\xBF") out += replacement;
    else emit(out, ch);
    i += n;
  }
  return out;
}

}  // namespace

std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = sequence_length(s, i);
    if (n == 0) {
      out += replacement;
      ++i;
    } else {
      out.append(s.data() + i, n);
      i += n;
    }
  }
  return out;
}

std::string xml_text(std::string_view s) {
  return escape(s, [](std::string& out, std::string_view ch) {
    const auto c = static_cast<unsigned char>(ch[0]);
    if (ch.size() > 1) out += ch;
    else if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '\r') out += "&#13;";
    else if (c == '\n' || c == '\t') out += ch;
    else if (c < 0x20) visible_control(out, c);
    else out += ch;
  });
}

std::string xml_attribute(std::string_view s) {
  return escape(s, [](std::string& out, std::string_view ch) {
    const auto c = static_cast<unsigned char>(ch[0]);
    if (ch.size() > 1) out += ch;
    else if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '"') out += "&quot;";
    else if (c == '\'') out += "&apos;";
    else if (c == '\r') out += "&#13;";
    else if (c == '\n') out += "&#10;";
    else if (c == '\t') out += "&#9;";
    else if (c < 0x20) visible_control(out, c);
    else out += ch;
  });
}

std::string html(std::string_view s) {
  return escape(s, [](std::string& out, std::string_view ch) {
    const auto c = static_cast<unsigned char>(ch[0]);
    if (ch.size() > 1) out += ch;
    else if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '"') out += "&quot;";
    else if (c == '\'') out += "&#39;";
    else if (c == '\n' || c == '\t' || c == '\r') out += ch;
    else if (c < 0x20 || c == 0x7f) visible_control(out, c);
    else out += ch;
  });
}

std::string number(double v, int max_decimals) {
  if (!std::isfinite(v)) return "0";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", max_decimals, v);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

}  // namespace reports::text
