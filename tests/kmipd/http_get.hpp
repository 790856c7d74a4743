// A plain HTTP GET on kmipd's HTTP port, for the tests of tests/kmipd (GET /health, GET /metrics).
#pragma once

#include <cstdint>
#include <string>

namespace tests::kmipd {

// The whole answer (status line, headers, body), or "" when nothing arrives within 5 s.
std::string http_get(std::uint16_t port, const std::string& path);

}  // namespace tests::kmipd
