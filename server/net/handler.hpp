// What the transports of kmipd call: one bytes-in/bytes-out function (STYLE.md habit 2). In kmipd it is
// core::engine::handle_bytes (and handle_bytes_async for the KMIP sessions); tests put a fake here, so the
// listener never depends on how the engine is built.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "common/secure.hpp"
#include "server/core/engine.hpp"

namespace kmipd::net {

// Answers one KMIP request (a whole TTLV message) with one encoded response. Must not throw (an exception is
// caught at the session's root and closes that connection). Undecodable input, including an empty span (what a
// session passes after a framing error, when it has no whole message), must get an encoded error response
// (Invalid Message). Called concurrently from the server's threads.
using handler =
    std::function<common::secure_bytes(std::span<const std::uint8_t> request, const core::request_context& ctx)>;

// The non-blocking form, for the KMIP sessions (in kmipd core::engine::handle_bytes_async): the same answer,
// given to `done` once it may be sent (its writes durable), from any thread, at most once, and not necessarily
// before the call returns; meanwhile the session's thread serves other connections. `request` must be read
// before the call returns. Must not throw.
using async_handler = std::function<void(std::span<const std::uint8_t> request, const core::request_context& ctx,
                                         std::function<void(common::secure_bytes)> done)>;

}  // namespace kmipd::net
