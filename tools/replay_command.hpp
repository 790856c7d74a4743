// `kmip-harness replay TRACE|LOG --kms HOST:PORT --ca F --cert F --key F [--serial] [--timing] [--mask RULE]...
// [--report-dir DIR]` and `kmip-harness replay --oasis FILE... --kms ...`: replays a trace (or a PyKMIP server
// log, imported on the fly) against a KMS and explains every difference, or runs OASIS test cases
// (docs/trace-format.md, docs/oasis-runner.md). Exit status 1 when a difference breaks vCenter or a test case
// fails, 2 for unreadable input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "tools/command.hpp"

namespace CLI {
class App;
}

namespace kmiph::tools {

void add_replay_command(CLI::App& app, action& chosen);

// "HOST:PORT" (the last colon splits) -> host and port 1..65535; nullopt when malformed.
std::optional<std::pair<std::string, std::uint16_t>> parse_host_port(const std::string& text);

}  // namespace kmiph::tools
