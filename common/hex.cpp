#include "common/hex.hpp"

namespace common {
namespace {

int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_separator(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '|' || c == ':' || c == '_';
}

std::string encode(std::span<const std::uint8_t> bytes, const char* digits) {
  std::string out;
  out.resize(bytes.size() * 2);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 0x0F];
  }
  return out;
}

}  // namespace

expected<std::vector<std::uint8_t>, hex_error> from_hex(std::string_view text) {
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 2);
  std::size_t i = 0;
  while (i < text.size() && is_separator(text[i])) ++i;
  if (text.size() - i >= 2 && text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X')) i += 2;
  int high = -1;
  std::size_t high_at = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (is_separator(c)) continue;
    const int n = nibble(c);
    if (n < 0) {
      std::string shown = (c >= 0x20 && c < 0x7F) ? std::string(1, c) : "byte " + std::to_string(static_cast<unsigned char>(c));
      return unexpected{hex_error{i, "not a hex digit: '" + shown + "'"}};
    }
    if (high < 0) {
      high = n;
      high_at = i;
    } else {
      out.push_back(static_cast<std::uint8_t>((high << 4) | n));
      high = -1;
    }
  }
  if (high >= 0) return unexpected{hex_error{high_at, "odd number of hex digits: the last digit has no partner"}};
  return out;
}

std::string to_hex(std::span<const std::uint8_t> bytes) { return encode(bytes, "0123456789abcdef"); }
std::string to_hex_upper(std::span<const std::uint8_t> bytes) { return encode(bytes, "0123456789ABCDEF"); }

}  // namespace common
