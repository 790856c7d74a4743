#include "kmip/ttlv/framer.hpp"

#include <string>

#include "kmip/ttlv/item_type.hpp"

namespace kmip::ttlv {

frame_status inspect_frame(std::span<const std::uint8_t> b, const decode_limits& limits) {
  auto invalid = [](errc c, std::size_t off, std::string d) {
    return frame_status{frame_status::kind::invalid, 0, error{c, off, std::move(d)}};
  };
  if (!b.empty() && b[0] != 0x42 && b[0] != 0x54)
    return invalid(errc::bad_tag, 0, "a KMIP message starts with a 0x42xxxx tag");
  if (b.size() >= 4 && b[3] != static_cast<std::uint8_t>(item_type::structure))
    return invalid(errc::not_a_message, 3, "a KMIP message is a Structure (type 0x01)");
  if (b.size() < 8) return {frame_status::kind::need_more, 8, {}};
  const std::uint64_t length =
      (std::uint64_t{b[4]} << 24) | (std::uint64_t{b[5]} << 16) | (std::uint64_t{b[6]} << 8) | b[7];
  if (length % 8 != 0)
    return invalid(errc::bad_length, 4, "Structure length must be a multiple of 8, is " + std::to_string(length));
  const std::uint64_t total = length + 8;
  if (total > limits.max_message_size)
    return invalid(errc::message_too_large, 4,
                   "message of " + std::to_string(total) + " bytes, limit " + std::to_string(limits.max_message_size));
  const auto size = static_cast<std::size_t>(total);
  if (b.size() < size) return {frame_status::kind::need_more, size, {}};
  return {frame_status::kind::complete, size, {}};
}

void framer::feed(std::span<const std::uint8_t> bytes) {
  if (start_ > 0 && start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  }
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

result<std::optional<common::secure_bytes>> framer::next() {
  std::span<const std::uint8_t> pending(buffer_.data() + start_, buffer_.size() - start_);
  frame_status s = inspect_frame(pending, limits_);
  switch (s.state) {
    case frame_status::kind::invalid:
      s.err.offset += consumed_;
      return common::unexpected{std::move(s.err)};
    case frame_status::kind::need_more:
      return std::optional<common::secure_bytes>{};
    case frame_status::kind::complete:
      break;
  }
  common::secure_bytes message(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(s.size));
  start_ += s.size;
  consumed_ += s.size;
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  } else if (start_ > buffer_.size() / 2) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
    start_ = 0;
  }
  return std::optional<common::secure_bytes>{std::move(message)};
}

std::size_t framer::bytes_wanted() const {
  std::span<const std::uint8_t> pending(buffer_.data() + start_, buffer_.size() - start_);
  frame_status s = inspect_frame(pending, limits_);
  if (s.state == frame_status::kind::need_more) return s.size - pending.size();
  return 0;
}

}  // namespace kmip::ttlv
