// Extracts whole KMIP messages from a byte stream. Sans-I/O: the caller feeds whatever the socket gave and
// takes out complete messages; until one is complete the framer says how many more bytes it needs.
// The 8-byte header is checked (tag prefix, Structure type, length within max_message_size, 8-byte multiple)
// before any buffer is grown for the body, so a hostile length costs nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/secure.hpp"
#include "kmip/ttlv/decode_limits.hpp"
#include "kmip/ttlv/error.hpp"

namespace kmip::ttlv {

struct frame_status {
  enum class kind : std::uint8_t { need_more, complete, invalid };
  kind state = kind::need_more;
  std::size_t size = 0;  // need_more: total bytes the message needs so far known (>= 8); complete: message size
  error err{};           // invalid: why
};

// Inspects the start of a stream. Offsets in errors are relative to `buffered`.
frame_status inspect_frame(std::span<const std::uint8_t> buffered, const decode_limits& limits = {});

// Buffers a stream and hands out complete messages (header included), in order.
class framer {
 public:
  explicit framer(decode_limits limits = {}) : limits_(limits) {}

  void feed(std::span<const std::uint8_t> bytes);
  // A complete message, nullopt when more bytes are needed, or an error (the stream is then unusable:
  // the caller should answer with an error and close). Error offsets count from the start of the stream.
  result<std::optional<common::secure_bytes>> next();
  // Bytes the next message still needs (at least 1 when nothing is complete).
  std::size_t bytes_wanted() const;
  std::size_t buffered() const { return buffer_.size() - start_; }

 private:
  decode_limits limits_;
  common::secure_bytes buffer_;  // messages may carry key material
  std::size_t start_ = 0;     // first unconsumed byte in buffer_
  std::size_t consumed_ = 0;  // bytes handed out before buffer_[start_], for error offsets
};

}  // namespace kmip::ttlv
