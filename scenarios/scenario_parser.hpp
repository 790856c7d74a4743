// Reads scenario YAML (docs/scenario-schema.md) into a checked `scenario`, or says exactly what is wrong:
// "scenarios/x.yaml:12:7: unknown key 'pwer_on' in step; expected one of: ...". Unknown keys, wrong types, bad
// enumeration values, out-of-range counts, duplicate names and references to undeclared hosts, VMs or KMS servers
// are all errors at the line and column of the offending text. The first error ends the parse.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/expected.hpp"
#include "scenarios/scenario.hpp"

namespace scenarios {

struct parse_error {
  parse_error() = default;
  parse_error(source_location w, std::string m) : where(std::move(w)), message(std::move(m)) {}
  source_location where;
  std::string message;  // what is wrong and what was expected
  // "file:line:col: message" (or "file: message" without a position)
  std::string to_string() const;
};

template <class T>
using parse_result = common::expected<T, parse_error>;

// Bounds the parser enforces; each is an error one past it (tests use them at their edge).
struct parse_limits {
  std::size_t max_input_size = 4u << 20;
  std::size_t max_hosts = 256;
  std::size_t max_vms = 10000;
  std::size_t max_servers = 8;
  std::uint32_t max_repeat = 10000;
  std::size_t max_expanded_steps = 200000;  // steps run, loops unrolled
  std::size_t max_nesting = 4;              // loops inside loops
  std::uint64_t max_disk_bytes = 1ull << 30;
  std::uint64_t max_clock_seconds = 366ull * 24 * 3600;
  std::uint32_t max_parallel = 256;
};

// `file` is only used in messages. Never throws.
parse_result<scenario> parse_scenario(std::string_view yaml, std::string file, const parse_limits& limits = {});

// Reads and parses a file; an unreadable file is an error naming it.
parse_result<scenario> load_scenario(const std::filesystem::path& path, const parse_limits& limits = {});

}  // namespace scenarios
