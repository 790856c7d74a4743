// Placeholder parsing, binding and request resolution for the OASIS test-case runner (placeholders.hpp).
#include "kmip/traffic/placeholders.hpp"

#include <charconv>
#include <utility>

namespace kmip::traffic {
namespace {

constexpr std::string_view uid_prefix = "$UNIQUE_IDENTIFIER_";

template <class Leaf>
void rebuild(ttlv::item_view item, ttlv::tree& out, std::uint32_t parent_tag, Leaf& leaf) {
  if (item.type() == ttlv::item_type::structure && !item.is_placeholder()) {
    out.begin_structure(item.tag());
    for (auto child : item.children()) rebuild(child, out, item.tag(), leaf);
    out.end_structure();
    return;
  }
  if (!leaf(item, out, parent_tag)) out.add_copy(item);
}

}  // namespace

std::optional<std::size_t> unique_identifier_index(std::string_view text) {
  if (!text.starts_with(uid_prefix)) return std::nullopt;
  auto digits = text.substr(uid_prefix.size());
  std::size_t n = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (digits.empty() || ec != std::errc{} || p != digits.data() + digits.size()) return std::nullopt;
  return n;
}

std::optional<std::int64_t> now_offset(std::string_view text) {
  if (!text.starts_with("$NOW")) return std::nullopt;
  auto rest = text.substr(4);
  if (rest.empty()) return 0;
  if (rest.size() < 2 || (rest[0] != '+' && rest[0] != '-')) return std::nullopt;
  std::int64_t v = 0;
  auto digits = rest.substr(1);
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc{} || p != digits.data() + digits.size()) return std::nullopt;
  return rest[0] == '-' ? -v : v;
}

std::optional<std::string> bindings::unique_identifier(std::size_t n) const {
  if (n >= ids_.size()) return std::nullopt;
  return ids_[n];
}

void bindings::bind_unique_identifier(std::size_t n, std::string value) {
  if (n >= ids_.size()) ids_.resize(n + 1);
  ids_[n] = std::move(value);
}

std::size_t bindings::bound_count() const {
  std::size_t c = 0;
  for (const auto& id : ids_) c += id.has_value() ? 1 : 0;
  return c;
}

common::expected<ttlv::tree, std::string> resolve_request(ttlv::item_view request, const bindings& b,
                                                          std::int64_t now) {
  std::string error;
  auto leaf = [&](ttlv::item_view item, ttlv::tree& out, std::uint32_t parent) -> bool {
    if (item.is(spec::tag::time_stamp) && parent == static_cast<std::uint32_t>(spec::tag::request_header)) {
      out.add_date_time(item.tag(), now);
      return true;
    }
    if (item.is_placeholder()) {
      auto text = item.placeholder_text();
      auto offset = now_offset(text);
      if (offset && item.type() == ttlv::item_type::date_time) {
        out.add_date_time(item.tag(), now + *offset);
        return true;
      }
      if (error.empty()) error = "unsupported placeholder " + std::string(text);
      return false;  // copied as is; the error stops the run
    }
    if (item.type() == ttlv::item_type::text_string) {
      if (auto n = unique_identifier_index(item.as_text())) {
        auto v = b.unique_identifier(*n);
        if (!v) {
          if (error.empty()) error = std::string(item.as_text()) + " is used before any response bound it";
          return false;
        }
        out.add_text(item.tag(), *v);
        return true;
      }
    }
    return false;
  };
  ttlv::tree out;
  rebuild(request, out, 0, leaf);
  if (!error.empty()) return common::unexpected(std::move(error));
  return out;
}

ttlv::tree normalize_attribute_names(ttlv::item_view item) {
  auto leaf = [](ttlv::item_view it, ttlv::tree& out, std::uint32_t) -> bool {
    if (!it.is(spec::tag::attribute_name) || it.type() != ttlv::item_type::text_string || it.is_placeholder())
      return false;
    auto text = it.as_text();
    if (text.find("  ") == std::string_view::npos) return false;
    std::string collapsed;
    for (char c : text)
      if (!(c == ' ' && !collapsed.empty() && collapsed.back() == ' ')) collapsed.push_back(c);
    out.add_text(it.tag(), collapsed);
    return true;
  };
  ttlv::tree out;
  rebuild(item, out, 0, leaf);
  return out;
}

}  // namespace kmip::traffic
