// Loading and running OASIS test cases (oasis_runner.hpp).
#include "kmip/traffic/oasis_runner.hpp"

#include <fstream>
#include <sstream>
#include <utility>

#include "kmip/encoding/xml.hpp"
#include "kmip/ttlv/reader.hpp"
#include "kmip/ttlv/writer.hpp"

namespace kmip::traffic {

result<test_case> parse_test_case(std::string_view xml, std::string name) {
  auto doc = encoding::read_xml_test_case(xml);
  if (!doc) return common::unexpected(name + ": " + doc.error().message());
  test_case tc;
  tc.name = std::move(name);
  for (auto& item : doc->items) {
    if (item.tree.empty()) continue;
    auto root = item.tree.root();
    if (root.is(spec::tag::request_message)) {
      tc.steps.push_back({normalize_attribute_names(root), std::nullopt, item.line});
    } else if (root.is(spec::tag::response_message)) {
      if (tc.steps.empty() || tc.steps.back().response)
        return common::unexpected(tc.name + ":" + std::to_string(item.line) +
                                  ": a ResponseMessage without a RequestMessage before it");
      tc.steps.back().response = normalize_attribute_names(root);
      tc.steps.back().response_line = item.line;
    }
  }
  if (tc.steps.empty()) return common::unexpected(tc.name + ": no RequestMessage");
  return tc;
}

result<test_case> load_test_case(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return common::unexpected(file.string() + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  auto tc = parse_test_case(text.str(), file.stem().string());
  if (!tc) return common::unexpected(file.string() + ": " + tc.error());
  tc->file = file.string();
  return tc;
}

std::string_view to_string(verdict v) {
  switch (v) {
    case verdict::pass: return "pass";
    case verdict::fail: return "fail";
    case verdict::skip: return "skip";
  }
  return "?";
}

std::string case_result::to_string() const {
  std::string s = outcome == verdict::pass ? "PASS " : outcome == verdict::fail ? "FAIL " : "SKIP ";
  s += name;
  s += " (" + std::to_string(requests_sent) + "/" + std::to_string(requests_total) + " requests)";
  if (!reason.empty()) s += ": " + reason;
  for (const auto& m : mismatches) s += "\n  " + m.path + ": expected " + m.expected + ", got " + m.got;
  return s;
}

case_result run_test_case(const test_case& tc, const exchange_fn& exchange, const run_options& options) {
  case_result r;
  r.name = tc.name;
  r.requests_total = tc.steps.size();
  if (options.honour_skip_list) {
    if (auto why = skip_reason(tc.name)) {
      r.outcome = verdict::skip;
      r.reason = std::string(*why);
      return r;
    }
  }
  auto stop = [&](std::size_t i, std::string why) {
    r.outcome = verdict::fail;
    r.reason = "request " + std::to_string(i) + " (line " + std::to_string(tc.steps[i].line) + "): " + why;
  };
  bindings b;
  for (std::size_t i = 0; i < tc.steps.size(); ++i) {
    const auto& step = tc.steps[i];
    const std::int64_t now = options.now();
    auto request = resolve_request(step.request.root(), b, now);
    if (!request) {
      stop(i, request.error());
      break;
    }
    auto bytes = ttlv::encode(*request);
    if (!bytes) {
      stop(i, "cannot encode the request: " + bytes.error().detail);
      break;
    }
    auto reply = exchange(*bytes);
    ++r.requests_sent;
    if (!reply) {
      stop(i, "exchange failed: " + reply.error());
      break;
    }
    if (!step.response) continue;
    auto response = ttlv::decode_message(*reply);
    if (!response) {
      stop(i, "undecodable response: " + std::string(ttlv::to_string(response.error().code)) + " at offset " +
                  std::to_string(response.error().offset));
      break;
    }
    compare_response(step.response->root(), response->root(), i, b,
                     {.now = now, .date_tolerance = options.date_tolerance, .extra_rules = {}}, r.mismatches);
  }
  if (!r.mismatches.empty()) r.outcome = verdict::fail;
  return r;
}

}  // namespace kmip::traffic
