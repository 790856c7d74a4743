// The OASIS KMIP test-case runner: loads a test case (KMIP XML encoding, placeholders kept), sends each request
// to a KMS through an injected exchange function, and compares each response with the expected one, the
// fields the profiles let vary masked (compare.hpp). docs/oasis-runner.md describes it.
//
// No sockets here: the exchange function is a TLS client (kmip::client::connection::exchange), an in-process
// engine (kmipd::core::engine::handle_bytes), or a replay.
//
//   auto tc = kmip::traffic::load_test_case("SKLC-M-1-14.xml");
//   auto r = kmip::traffic::run_test_case(*tc, [&](auto bytes) { return send(bytes); }, {.now = clock});
//   if (r.outcome == kmip::traffic::verdict::fail) for (auto& m : r.mismatches) ...
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"
#include "common/secure.hpp"
#include "kmip/traffic/compare.hpp"
#include "kmip/ttlv/tree.hpp"

namespace kmip::traffic {

template <class T>
using result = common::expected<T, std::string>;

// One request out, one response in (whole TTLV messages). An error is a transport failure, described.
using exchange_fn = std::function<result<common::secure_bytes>(std::span<const std::uint8_t>)>;

struct test_step {
  ttlv::tree request;                   // placeholders kept, Attribute Names normalised
  std::optional<ttlv::tree> response;   // the expected response; absent when the file ends on a request
  std::size_t line = 0;                 // line of the request in the file
  std::size_t response_line = 0;        // line of the expected response, 0 when absent
};

struct test_case {
  std::string name;  // the file name without .xml: "SKLC-M-1-14"
  std::string file;
  std::vector<test_step> steps;
};

// Reads a test-case file: its RequestMessage / ResponseMessage items paired in document order. Errors name the
// file (and line, for XML errors).
result<test_case> load_test_case(const std::filesystem::path& file);
result<test_case> parse_test_case(std::string_view xml, std::string name);

enum class verdict : std::uint8_t { pass, fail, skip };
std::string_view to_string(verdict v);

struct case_result {
  std::string name;
  verdict outcome = verdict::pass;
  std::string reason;                // skip: the skip list's reason; fail: why the run stopped, if it did
  std::vector<mismatch> mismatches;  // fail: every difference found
  std::size_t requests_sent = 0;
  std::size_t requests_total = 0;

  // Multi-line, human-readable: "FAIL SKLC-M-1-14: ...\n  Response 1 / Batch Item / ...: expected ... got ..."
  std::string to_string() const;
};

struct run_options {
  std::function<std::int64_t()> now;  // seconds since the epoch; REQUIRED (the KMS's clock, or a manual one)
  std::int64_t date_tolerance = 300;  // how far a $NOW-based Date-Time may be from the client's $NOW
  bool honour_skip_list = true;       // false: run even the cases the skip list names
};

// Runs one test case. Never throws for a KMS's behaviour: transport errors, undecodable responses, unbound
// identifiers and unknown placeholders end the run with verdict::fail and a reason; differences are collected
// and the run goes on to the next request.
case_result run_test_case(const test_case& tc, const exchange_fn& exchange, const run_options& options);

// ---- the skip list (skip_list.cpp): cases a symmetric-key-only lab KMS cannot run ----
struct skip_entry {
  std::string_view pattern;  // a case name, or a prefix ending in '*' ("AKLC-*")
  std::string_view reason;
};
std::span<const skip_entry> skip_list();
// The reason the skip list gives for this case, or nullopt.
std::optional<std::string_view> skip_reason(std::string_view case_name);

}  // namespace kmip::traffic
