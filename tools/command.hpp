// What every `kmip-harness` subcommand shares: its exit statuses, and how it hands main() the action to run.
// A subcommand file (ttlv_command.cpp, later scenario, check, replay, bench, certs) registers its CLI11
// options and sets the action when the user picks it; main() parses the command line once and runs it.
#pragma once

#include <functional>

namespace kmiph::tools {

inline constexpr int exit_ok = 0;
inline constexpr int exit_usage = 1;      // the command line is wrong (CLI11 reports what)
inline constexpr int exit_bad_input = 2;  // the input could not be read, decoded or encoded
inline constexpr int exit_internal = 3;   // an unexpected exception reached main()

// The chosen subcommand's work; returns the exit status.
using action = std::function<int()>;

}  // namespace kmiph::tools
