#include "kmip/ttlv/reader.hpp"

#include <cstring>
#include <string>

#include "kmip/ttlv/utf8.hpp"

namespace kmip::ttlv {
namespace {

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
std::uint64_t be64(const std::uint8_t* p) { return (std::uint64_t{be32(p)} << 32) | be32(p + 4); }

// "0x420078" for a tag (3 bytes), "0x0B" for a type byte.
std::string hex(std::uint32_t v, int digits) {
  static const char* d = "0123456789ABCDEF";
  std::string s = "0x";
  for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) s += d[(v >> shift) & 0xF];
  return s;
}
std::string hex_tag(std::uint32_t tag) { return hex(tag, 6); }

bool all_zero(const std::uint8_t* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (p[i] != 0) return false;
  return true;
}

}  // namespace

// Walks the input once, front to back, with an explicit stack of open structures bounded by max_depth.
class decoder {
 public:
  decoder(std::span<const std::uint8_t> in, const decode_limits& limits) : in_(in), limits_(limits) {}

  result<tree> run() {
    if (in_.size() > limits_.max_message_size)
      return fail(errc::message_too_large, 0,
                  std::to_string(in_.size()) + " bytes, limit " + std::to_string(limits_.max_message_size));
    // A rough upper bound on items keeps reallocation out of the loop: every item takes at least 16 bytes.
    t_.nodes_.reserve(std::min<std::size_t>(in_.size() / 16 + 1, limits_.max_items));
    t_.store_.reserve(in_.size() / 2);

    struct open_structure {
      std::uint32_t node;
      std::size_t end;  // byte offset one past the structure's value
    };
    std::vector<open_structure> stack;
    std::size_t pos = 0;
    bool top_done = false;
    while (!top_done || !stack.empty()) {
      // Close every structure whose value ends here.
      while (!stack.empty() && pos == stack.back().end) {
        t_.nodes_[stack.back().node].end = static_cast<std::uint32_t>(t_.nodes_.size());
        stack.pop_back();
      }
      if (stack.empty() && top_done) break;
      if (stack.empty()) top_done = true;

      const std::size_t limit = stack.empty() ? in_.size() : stack.back().end;
      const std::size_t item_at = pos;
      if (in_.size() - pos < 8)
        return fail(errc::truncated, in_.size(),
                    "input ends inside the item header that starts at byte " + std::to_string(pos));
      if (limit - pos < 8)
        return fail(errc::structure_overrun, pos, "an item header needs 8 bytes, its structure has " +
                                                      std::to_string(limit - pos) + " left");
      const std::uint8_t* h = in_.data() + pos;
      const std::uint32_t tag = (std::uint32_t{h[0]} << 16) | (std::uint32_t{h[1]} << 8) | h[2];
      if (h[0] != 0x42 && h[0] != 0x54)
        return fail(errc::bad_tag, pos, "tag " + hex_tag(tag) + " is neither 0x42xxxx nor an 0x54xxxx extension");
      if (!is_valid_item_type(h[3]))
        return fail(errc::bad_type, pos + 3, "item type byte " + hex(h[3], 2) + " (tag " + hex_tag(tag) + ")");
      const auto type = static_cast<item_type>(h[3]);
      const std::uint32_t length = be32(h + 4);
      pos += 8;

      if (t_.nodes_.size() >= limits_.max_items)
        return fail(errc::too_many_items, item_at, "more than " + std::to_string(limits_.max_items) + " items");

      const std::size_t room = limit - pos;
      if (auto fixed = fixed_length(type); fixed && length != *fixed)
        return fail(errc::bad_length, item_at + 4,
                    std::string(to_string(type)) + " must have length " + std::to_string(*fixed) + ", has " +
                        std::to_string(length));
      if (type == item_type::big_integer && length % 8 != 0)
        return fail(errc::bad_length, item_at + 4,
                    "Big Integer length must be a multiple of 8, is " + std::to_string(length));
      if (type == item_type::structure && length % 8 != 0)
        return fail(errc::bad_length, item_at + 4,
                    "Structure length must be a multiple of 8, is " + std::to_string(length));
      if ((type == item_type::text_string || type == item_type::byte_string || type == item_type::big_integer) &&
          length > limits_.max_string_length)
        return fail(errc::string_too_long, item_at + 4,
                    std::string(to_string(type)) + " of " + std::to_string(length) + " bytes, limit " +
                        std::to_string(limits_.max_string_length));
      const std::uint64_t wire = type == item_type::structure ? length : padded(length);
      if (wire > in_.size() - pos)
        return fail(errc::truncated, in_.size(),
                    "input ends inside " + std::string(to_string(type)) + " " + hex_tag(tag) + " that starts at byte " +
                        std::to_string(item_at) + " and needs " + std::to_string(wire) + " value bytes");
      if (wire > room)
        return fail(errc::structure_overrun, item_at,
                    std::string(to_string(type)) + " " + hex_tag(tag) + " needs " + std::to_string(wire) +
                        " bytes, its structure has " + std::to_string(room) + " left");

      node& n = t_.nodes_.emplace_back();
      n.tag = tag;
      n.type = type;
      n.end = static_cast<std::uint32_t>(t_.nodes_.size());
      const std::uint8_t* v = in_.data() + pos;
      switch (type) {
        case item_type::structure:
          if (stack.size() + 1 > limits_.max_depth)
            return fail(errc::too_deep, item_at, "nesting deeper than " + std::to_string(limits_.max_depth));
          stack.push_back({static_cast<std::uint32_t>(t_.nodes_.size() - 1), pos + length});
          continue;  // its children follow
        case item_type::integer:
        case item_type::enumeration:
        case item_type::interval:
          n.scalar = be32(v);
          break;
        case item_type::long_integer:
        case item_type::date_time:
        case item_type::date_time_extended:
          n.scalar = be64(v);
          break;
        case item_type::boolean:
          n.scalar = be64(v);
          if (n.scalar > 1) return fail(errc::bad_boolean, pos, "Boolean value " + std::to_string(n.scalar));
          break;
        case item_type::text_string:
          if (limits_.validate_utf8) {
            if (auto bad = first_invalid_utf8({v, length}))
              return fail(errc::bad_text, pos + *bad, "Text String is not valid UTF-8");
          }
          [[fallthrough]];
        case item_type::byte_string:
        case item_type::big_integer:
          n.offset = static_cast<std::uint32_t>(t_.store_.size());
          n.length = length;
          t_.store_.insert(t_.store_.end(), v, v + length);
          break;
      }
      const std::size_t value_end = pos + length;
      pos += static_cast<std::size_t>(wire);
      if (limits_.strict_padding && !all_zero(in_.data() + value_end, pos - value_end))
        return fail(errc::nonzero_padding, value_end, "padding of " + hex_tag(tag) + " is not zero");
    }
    if (pos != in_.size())
      return fail(errc::trailing_bytes, pos, std::to_string(in_.size() - pos) + " bytes after the top-level item");
    return std::move(t_);
  }

 private:
  static common::unexpected<error> fail(errc code, std::size_t offset, std::string detail) {
    return common::unexpected{error{code, offset, std::move(detail)}};
  }

  std::span<const std::uint8_t> in_;
  const decode_limits& limits_;
  tree t_;
};

result<tree> decode(std::span<const std::uint8_t> bytes, const decode_limits& limits) {
  return decoder(bytes, limits).run();
}

result<tree> decode_message(std::span<const std::uint8_t> bytes, const decode_limits& limits) {
  if (bytes.size() >= 4 && bytes[3] != static_cast<std::uint8_t>(item_type::structure))
    return common::unexpected{error{errc::not_a_message, 3, "a KMIP message is a Structure"}};
  return decode(bytes, limits);
}

}  // namespace kmip::ttlv
