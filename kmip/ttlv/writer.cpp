#include "kmip/ttlv/writer.hpp"

#include <string>

namespace kmip::ttlv {
namespace {

void put32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

void header(common::secure_bytes& out, const node& n, std::uint32_t length) {
  const std::size_t at = out.size();
  out.resize(at + 8);
  out[at] = static_cast<std::uint8_t>(n.tag >> 16);
  out[at + 1] = static_cast<std::uint8_t>(n.tag >> 8);
  out[at + 2] = static_cast<std::uint8_t>(n.tag);
  out[at + 3] = static_cast<std::uint8_t>(n.type);
  put32(out.data() + at + 4, length);
}

void scalar(common::secure_bytes& out, std::uint64_t v, std::size_t bytes) {
  const std::size_t at = out.size();
  out.resize(at + 8);  // value plus padding to 8, zeroed by resize
  for (std::size_t i = 0; i < bytes; ++i) out[at + i] = static_cast<std::uint8_t>(v >> (8 * (bytes - 1 - i)));
}

}  // namespace

namespace {
result<void> append(item_view item, common::secure_bytes& out);
}  // namespace

result<void> encode_into(item_view item, common::secure_bytes& out) {
  const std::size_t start = out.size();
  auto r = append(item, out);
  if (!r) out.resize(start);  // nothing half-written stays behind
  return r;
}

namespace {
result<void> append(item_view item, common::secure_bytes& out) {
  const tree& t = item.owner();
  struct open_structure {
    std::uint32_t end;      // node index one past the subtree
    std::size_t header_at;  // where its length field is patched
  };
  std::vector<open_structure> stack;
  const std::uint32_t stop = t.at(item.index()).end;
  for (std::uint32_t i = item.index(); i < stop; ++i) {
    while (!stack.empty() && stack.back().end == i) {
      put32(out.data() + stack.back().header_at + 4,
            static_cast<std::uint32_t>(out.size() - stack.back().header_at - 8));
      stack.pop_back();
    }
    const node& n = t.at(i);
    if (n.placeholder)
      return common::unexpected{error{errc::unresolved_placeholder, out.size(),
                                      "placeholder '" +
                                          std::string(reinterpret_cast<const char*>(t.data(n).data()), n.length) +
                                          "' has no binary encoding; resolve it first"}};
    switch (n.type) {
      case item_type::structure:
        stack.push_back({n.end, out.size()});
        header(out, n, 0);
        break;
      case item_type::integer:
      case item_type::enumeration:
      case item_type::interval:
        header(out, n, 4);
        scalar(out, n.scalar, 4);
        break;
      case item_type::long_integer:
      case item_type::boolean:
      case item_type::date_time:
      case item_type::date_time_extended:
        header(out, n, 8);
        scalar(out, n.scalar, 8);
        break;
      case item_type::big_integer:
        if (n.length % 8 != 0)
          return common::unexpected{error{errc::bad_value, out.size(),
                                          "Big Integer of " + std::to_string(n.length) +
                                              " bytes; pad it with pad_big_integer()"}};
        [[fallthrough]];
      case item_type::text_string:
      case item_type::byte_string: {
        header(out, n, n.length);
        auto d = t.data(n);
        out.insert(out.end(), d.begin(), d.end());
        out.resize(out.size() + (padded(n.length) - n.length));
        break;
      }
    }
  }
  while (!stack.empty()) {
    put32(out.data() + stack.back().header_at + 4, static_cast<std::uint32_t>(out.size() - stack.back().header_at - 8));
    stack.pop_back();
  }
  return {};
}
}  // namespace

result<common::secure_bytes> encode(const tree& t) {
  common::secure_bytes out;
  out.reserve(t.size() * 16);
  if (auto r = encode_into(t.root(), out); !r) return common::unexpected{r.error()};
  return out;
}

std::vector<std::uint8_t> pad_big_integer(std::span<const std::uint8_t> v) {
  const bool negative = !v.empty() && (v[0] & 0x80);
  const std::size_t size = v.empty() ? 8 : padded(v.size());
  std::vector<std::uint8_t> out(size - v.size(), negative ? 0xFF : 0x00);
  out.insert(out.end(), v.begin(), v.end());
  return out;
}

}  // namespace kmip::ttlv
