// The OASIS runner: placeholder resolution, the masking rules, the skip list, and the acceptance of issue 3:
// the OASIS Symmetric Key Lifecycle (SKLC) and Symmetric Key Foundry (SKFF) mandatory cases for KMIP 1.1 and
// 1.4 run against kmipd's engine in-process, each passing or listed with its reason.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <regex>
#include <string>

#include "kmip/encoding/xml.hpp"
#include "kmip/traffic/oasis_runner.hpp"
#include "kmip/ttlv/reader.hpp"
#include "kmip/ttlv/writer.hpp"
#include "server/core/audit.hpp"
#include "server/core/engine.hpp"
#include "server/core/memory_store.hpp"

namespace kmip::traffic {
namespace {

ttlv::tree xml(std::string_view text) {
  auto t = encoding::from_xml(text);
  EXPECT_TRUE(t) << t.error().message();
  return t ? std::move(*t) : ttlv::tree{};
}

// ---- placeholders ----------------------------------------------------------------------------------------
TEST(Placeholders, ParsesUniqueIdentifierIndexes) {
  EXPECT_EQ(unique_identifier_index("$UNIQUE_IDENTIFIER_0"), 0u);
  EXPECT_EQ(unique_identifier_index("$UNIQUE_IDENTIFIER_22"), 22u);
  EXPECT_FALSE(unique_identifier_index("$UNIQUE_IDENTIFIER_"));
  EXPECT_FALSE(unique_identifier_index("$UNIQUE_IDENTIFIER_RANDOM_0"));
  EXPECT_FALSE(unique_identifier_index("$SHORT_UNIQUE_IDENTIFIER_0"));
  EXPECT_FALSE(unique_identifier_index("1234"));
}

TEST(Placeholders, ParsesNowOffsets) {
  EXPECT_EQ(now_offset("$NOW"), 0);
  EXPECT_EQ(now_offset("$NOW-3600"), -3600);
  EXPECT_EQ(now_offset("$NOW+20"), 20);
  EXPECT_FALSE(now_offset("$NOWX"));
  EXPECT_FALSE(now_offset("$NOW-"));
  EXPECT_FALSE(now_offset("$NOW*2"));
  EXPECT_FALSE(now_offset("$DATA"));
}

TEST(Placeholders, ResolvesIdentifiersDatesAndTheHeaderTimeStamp) {
  auto req = xml(R"(<RequestMessage><RequestHeader>
      <TimeStamp type="DateTime" value="2012-04-27T08:12:24+00:00"/></RequestHeader>
    <BatchItem><Operation type="Enumeration" value="ModifyAttribute"/><RequestPayload>
      <UniqueIdentifier type="TextString" value="$UNIQUE_IDENTIFIER_1"/>
      <Attribute><AttributeName type="TextString" value="Activation Date"/>
        <AttributeValue type="DateTime" value="$NOW-3600"/></Attribute>
    </RequestPayload></BatchItem></RequestMessage>)");
  bindings b;
  b.bind_unique_identifier(1, "key-7");
  auto r = resolve_request(req.root(), b, 1'700'000'000);
  ASSERT_TRUE(r) << r.error();
  auto root = r->root();
  EXPECT_EQ(root.find(spec::tag::request_header)->find(spec::tag::time_stamp)->as_date_time(), 1'700'000'000);
  auto payload = *root.find(spec::tag::batch_item)->find(spec::tag::request_payload);
  EXPECT_EQ(payload.find(spec::tag::unique_identifier)->as_text(), "key-7");
  EXPECT_EQ(payload.find(spec::tag::attribute)->find(spec::tag::attribute_value)->as_date_time(),
            1'700'000'000 - 3600);
  EXPECT_TRUE(ttlv::encode(*r));  // nothing unresolved is left for the binary encoder
}

TEST(Placeholders, RefusesUnboundIdentifiersAndUnknownPlaceholders) {
  auto req = xml(R"(<RequestMessage><BatchItem><RequestPayload>
      <UniqueIdentifier type="TextString" value="$UNIQUE_IDENTIFIER_0"/></RequestPayload></BatchItem>
    </RequestMessage>)");
  auto r = resolve_request(req.root(), bindings{}, 0);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("$UNIQUE_IDENTIFIER_0"), std::string::npos) << r.error();

  auto data = xml(R"(<RequestMessage><BatchItem><RequestPayload>
      <Data type="ByteString" value="$DATA"/></RequestPayload></BatchItem></RequestMessage>)");
  auto d = resolve_request(data.root(), bindings{}, 0);
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().find("$DATA"), std::string::npos) << d.error();
}

TEST(Placeholders, CollapsesSpaceRunsInAttributeNames) {
  auto t = xml(R"(<RequestPayload><AttributeName type="TextString" value="Cryptographic   Usage Mask"/>
      <NameValue type="TextString" value="a   b"/></RequestPayload>)");
  auto n = normalize_attribute_names(t.root());
  EXPECT_EQ(n.root().find(spec::tag::attribute_name)->as_text(), "Cryptographic Usage Mask");
  EXPECT_EQ(n.root().find(spec::tag::name_value)->as_text(), "a   b");  // only Attribute Names
}

// ---- masking rules ---------------------------------------------------------------------------------------
constexpr std::string_view expected_get_attributes = R"(<ResponseMessage>
  <ResponseHeader><ProtocolVersion><ProtocolVersionMajor type="Integer" value="1"/>
    <ProtocolVersionMinor type="Integer" value="1"/></ProtocolVersion>
    <TimeStamp type="DateTime" value="2012-04-27T08:12:24+00:00"/><BatchCount type="Integer" value="1"/>
  </ResponseHeader>
  <BatchItem><Operation type="Enumeration" value="GetAttributes"/>
    <ResultStatus type="Enumeration" value="Success"/>
    <ResponsePayload><UniqueIdentifier type="TextString" value="$UNIQUE_IDENTIFIER_0"/>
      <Attribute><AttributeName type="TextString" value="State"/>
        <AttributeValue type="Enumeration" value="PreActive"/></Attribute>
      <Attribute><AttributeName type="TextString" value="Initial Date"/>
        <AttributeValue type="DateTime" value="2013-01-10T23:33:21+00:00"/></Attribute>
      <Attribute><AttributeName type="TextString" value="Activation Date"/>
        <AttributeValue type="DateTime" value="$NOW"/></Attribute>
      <Attribute><AttributeName type="TextString" value="Digest"/><AttributeValue>
        <HashingAlgorithm type="Enumeration" value="SHA_256"/>
        <DigestValue type="ByteString" value="bc12861408b8ac72"/>
        <KeyFormatType type="Enumeration" value="Raw"/></AttributeValue></Attribute>
    </ResponsePayload></BatchItem></ResponseMessage>)";

std::string got_get_attributes(std::string_view state = "PreActive", std::string_view extra = "",
                               std::string_view ts = "2024-01-01T00:00:00+00:00") {
  return std::string(R"(<ResponseMessage>
  <ResponseHeader><ProtocolVersion><ProtocolVersionMajor type="Integer" value="1"/>
    <ProtocolVersionMinor type="Integer" value="1"/></ProtocolVersion>
    <TimeStamp type="DateTime" value=")") + std::string(ts) + R"("/><BatchCount type="Integer" value="1"/>
  </ResponseHeader>
  <BatchItem><Operation type="Enumeration" value="GetAttributes"/>
    <ResultStatus type="Enumeration" value="Success"/>
    <ResponsePayload><UniqueIdentifier type="TextString" value="5f3c"/>
      <Attribute><AttributeName type="TextString" value="Digest"/><AttributeValue>
        <HashingAlgorithm type="Enumeration" value="SHA_512"/>
        <DigestValue type="ByteString" value="00112233"/>
        <KeyFormatType type="Enumeration" value="TransparentSymmetricKey"/></AttributeValue></Attribute>
      <Attribute><AttributeName type="TextString" value="Activation Date"/>
        <AttributeValue type="DateTime" value="2023-11-14T22:13:20+00:00"/></Attribute>
      <Attribute><AttributeName type="TextString" value="State"/>
        <AttributeValue type="Enumeration" value=")" + std::string(state) + R"("/></Attribute>
      <Attribute><AttributeName type="TextString" value="Initial Date"/>
        <AttributeValue type="DateTime" value="2023-11-14T22:13:20+00:00"/></Attribute>)" +
         std::string(extra) + R"(
    </ResponsePayload></BatchItem></ResponseMessage>)";
}

constexpr std::int64_t t0 = 1'700'000'000;  // 2023-11-14T22:13:20Z

std::vector<mismatch> compare(std::string_view expected, std::string_view got, bindings& b,
                              std::int64_t now = t0) {
  auto e = xml(expected);
  auto g = xml(got);
  std::vector<mismatch> out;
  compare_response(e.root(), g.root(), 3, b, {.now = now, .date_tolerance = 5, .extra_rules = {}}, out);
  return out;
}

std::string dump(const std::vector<mismatch>& ms) {
  std::string s;
  for (const auto& m : ms) s += m.path + ": " + m.expected + " | " + m.got + "\n";
  return s;
}

TEST(Masking, VaryingFieldsAreMaskedAndTheIdentifierIsBound) {
  bindings b;
  auto ms = compare(expected_get_attributes, got_get_attributes(), b);
  EXPECT_TRUE(ms.empty()) << dump(ms);  // Time Stamp, dates, digest, order of attributes
  EXPECT_EQ(b.unique_identifier(0), "5f3c");
}

TEST(Masking, ABoundIdentifierMustMatch) {
  bindings b;
  b.bind_unique_identifier(0, "other");
  auto ms = compare(expected_get_attributes, got_get_attributes(), b);
  ASSERT_EQ(ms.size(), 1u) << dump(ms);
  EXPECT_EQ(ms[0].path, "Response 3 / Batch Item / Response Payload / Unique Identifier");
  EXPECT_EQ(ms[0].request_index, 3u);
}

TEST(Masking, AttributeValuesAreComparedWithTheirPath) {
  bindings b;
  auto ms = compare(expected_get_attributes, got_get_attributes("Active"), b);
  ASSERT_EQ(ms.size(), 1u) << dump(ms);
  EXPECT_EQ(ms[0].path, "Response 3 / Batch Item / Response Payload / Attribute[0] / Attribute Value");
  EXPECT_NE(ms[0].expected, ms[0].got);
}

TEST(Masking, AdditionalAttributesAreAllowedOtherItemsAreNot) {
  bindings b;
  auto extra_attribute = R"(<Attribute><AttributeName type="TextString" value="x-vendor"/>
      <AttributeValue type="TextString" value="v"/></Attribute>)";
  EXPECT_TRUE(compare(expected_get_attributes, got_get_attributes("PreActive", extra_attribute), b).empty());
  auto ms = compare(expected_get_attributes,
                    got_get_attributes("PreActive", R"(<ObjectType type="Enumeration" value="SymmetricKey"/>)"), b);
  ASSERT_EQ(ms.size(), 1u) << dump(ms);
  EXPECT_EQ(ms[0].expected, "(absent)");
}

TEST(Masking, NowBasedDatesAreComparedWithinTheWindow) {
  // Activation Date is a server-set date (SKLC 4.7.1 #9): any value. A $NOW date elsewhere: the window.
  auto expected = R"(<ResponsePayload><Attribute><AttributeName type="TextString" value="x-when"/>
      <AttributeValue type="DateTime" value="$NOW-3600"/></Attribute></ResponsePayload>)";
  auto got = [](std::string_view when) {
    return std::string(R"(<ResponsePayload><Attribute><AttributeName type="TextString" value="x-when"/>
      <AttributeValue type="DateTime" value=")") + std::string(when) + R"("/></Attribute></ResponsePayload>)";
  };
  bindings b;
  EXPECT_TRUE(compare(expected, got("2023-11-14T21:13:23+00:00"), b).empty());   // 3 s late, tolerance 5
  EXPECT_EQ(compare(expected, got("2023-11-14T21:13:30+00:00"), b).size(), 1u);  // 10 s late
}

TEST(Masking, ResultStatusAndMissingItemsAreReported) {
  auto expected = R"(<BatchItem><Operation type="Enumeration" value="Destroy"/>
      <ResultStatus type="Enumeration" value="OperationFailed"/>
      <ResultReason type="Enumeration" value="PermissionDenied"/></BatchItem>)";
  auto got = R"(<BatchItem><Operation type="Enumeration" value="Destroy"/>
      <ResultStatus type="Enumeration" value="Success"/><ResultMessage type="TextString" value="ok"/></BatchItem>)";
  bindings b;
  auto ms = compare(expected, got, b);
  ASSERT_EQ(ms.size(), 2u) << dump(ms);
  EXPECT_EQ(ms[0].path, "Response 3 / Result Status");
  EXPECT_EQ(ms[1].path, "Response 3 / Result Reason");
  EXPECT_EQ(ms[1].got, "(absent)");
}

TEST(Masking, KeyMaterialIsMaskedAndRedacted) {
  auto expected = R"(<KeyValue><KeyMaterial type="ByteString" value="0011223344556677"/></KeyValue>)";
  bindings b;
  EXPECT_TRUE(compare(expected, R"(<KeyValue><KeyMaterial type="ByteString" value="ffeeddcc"/></KeyValue>)", b)
                  .empty());
  auto ms = compare(expected, R"(<KeyValue><KeyMaterial><Key type="ByteString" value="ffeeddcc"/>
      </KeyMaterial></KeyValue>)", b);
  ASSERT_EQ(ms.size(), 1u) << dump(ms);
  EXPECT_EQ(ms[0].expected.find("0011"), std::string::npos);
  EXPECT_EQ(ms[0].got.find("ffee"), std::string::npos);
}

TEST(Masking, AttributeIndexZeroMayBeOmitted) {
  bindings b;
  auto expected = R"(<Attribute><AttributeName type="TextString" value="x-a"/>
      <AttributeIndex type="Integer" value="0"/><AttributeValue type="TextString" value="v"/></Attribute>)";
  EXPECT_TRUE(compare(expected, R"(<Attribute><AttributeName type="TextString" value="x-a"/>
      <AttributeValue type="TextString" value="v"/></Attribute>)", b).empty());
  auto expected1 = R"(<Attribute><AttributeName type="TextString" value="x-a"/>
      <AttributeIndex type="Integer" value="1"/><AttributeValue type="TextString" value="v"/></Attribute>)";
  EXPECT_EQ(compare(expected1, R"(<Attribute><AttributeName type="TextString" value="x-a"/>
      <AttributeValue type="TextString" value="v"/></Attribute>)", b).size(), 1u);
}

TEST(Masking, EveryRuleCitesWhyItMayVary) {
  for (const auto& r : comparison_rules()) EXPECT_FALSE(r.why.empty());
}

TEST(SkipList, NamesAsymmetricCasesWithAReason) {
  EXPECT_TRUE(skip_reason("AKLC-M-1-14"));
  EXPECT_FALSE(skip_reason("SKLC-M-1-14"));
  for (const auto& e : skip_list()) EXPECT_FALSE(e.reason.empty()) << e.pattern;
}

// ---- acceptance: SKLC and SKFF, 1.1 and 1.4, against kmipd's engine --------------------------------------

// Cases that run but fail because kmipd is wrong, with what is wrong. The test asserts that each still fails,
// so that a fixed gap is noticed and removed from here. Empty: the last three (SKFF-M-10..12-14, which expect the
// reference server's Random Number Generator) pass since that attribute is masked as a vendor fact (compare.cpp,
// citing KMIP 1.4 §3.44).
const std::map<std::string, std::string>& known_kmipd_gaps() {
  static const std::map<std::string, std::string> gaps{};
  return gaps;
}

std::vector<std::filesystem::path> acceptance_files() {
  const std::filesystem::path root = KMIPH_TESTDATA_DIR "/cosmian-kmip";
  const std::pair<std::filesystem::path, std::regex> sets[] = {
      {root / "profiles-1.0-1.2-extracted/mandatory", std::regex(R"(SK(LC|FF)-M-\d+-11\.xml)")},
      {root / "profiles/v1.4-os/mandatory", std::regex(R"(SK(LC|FF)-M-\d+-14\.xml)")},
  };
  std::vector<std::filesystem::path> files;
  for (const auto& [dir, pattern] : sets)
    for (const auto& entry : std::filesystem::directory_iterator(dir))
      if (std::regex_match(entry.path().filename().string(), pattern)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

case_result run_against_engine(const test_case& tc) {
  auto clock = std::make_shared<kmipd::core::manual_clock>(t0);
  kmipd::core::engine engine({}, std::make_unique<kmipd::core::memory_store>(),
                             {clock, std::make_shared<common::seeded_random>(42),
                              std::make_shared<kmipd::core::memory_audit_sink>()});
  const kmipd::core::request_context ctx{"oasis", "127.0.0.1:1", "replay"};
  exchange_fn exchange = [&](std::span<const std::uint8_t> b) -> result<common::secure_bytes> {
    return engine.handle_bytes(b, ctx);
  };
  return run_test_case(tc, exchange, {.now = [&] { return clock->now(); }, .date_tolerance = 0});
}

TEST(OasisAcceptance, SymmetricKeyLifecycleAndFoundry_1_1_and_1_4) {
  auto files = acceptance_files();
  ASSERT_EQ(files.size(), 30u);  // SKLC-M-1..3 and SKFF-M-1..12, for 1.1 and 1.4
  std::size_t passed = 0, skipped = 0, gaps = 0;
  for (const auto& f : files) {
    auto tc = load_test_case(f);
    ASSERT_TRUE(tc) << tc.error();
    auto r = run_against_engine(*tc);
    std::printf("%s\n", r.to_string().c_str());
    auto gap = known_kmipd_gaps().find(tc->name);
    if (gap != known_kmipd_gaps().end()) {
      EXPECT_EQ(r.outcome, verdict::fail) << tc->name << " is listed as a known kmipd gap (" << gap->second
                                          << ") but no longer fails: remove it from the list";
      ++gaps;
      continue;
    }
    if (r.outcome == verdict::skip) {
      EXPECT_FALSE(r.reason.empty());
      ++skipped;
      continue;
    }
    EXPECT_EQ(r.outcome, verdict::pass) << r.to_string();
    EXPECT_EQ(r.requests_sent, r.requests_total) << tc->name;
    passed += r.outcome == verdict::pass ? 1 : 0;
  }
  std::printf("passed %zu, skipped %zu, known kmipd gaps %zu of %zu\n", passed, skipped, gaps, files.size());
}

}  // namespace
}  // namespace kmip::traffic

namespace kmip::traffic {
namespace {

// The whole OASIS set (tests/testdata/cosmian-kmip/, every version) against kmipd's engine in-process: every case
// not passed is printed with its reason, and the counts are the pinned baseline. Raise the baseline when kmipd
// passes more; a drop fails the test.
constexpr std::size_t kPinnedPassed = 102;  // measured 2026-11-28: 102 passed, 288 failed, 228 skipped, 99 unreadable
constexpr std::size_t kPinnedUnreadable = 99;

TEST(OasisBaseline, WholeCosmianSetAgainstKmipd) {
  const std::filesystem::path root = KMIPH_TESTDATA_DIR "/cosmian-kmip";
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root))
    if (e.is_regular_file() && e.path().extension() == ".xml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_EQ(files.size(), 717u);
  std::size_t passed = 0, failed = 0, skipped = 0, unreadable = 0;
  for (const auto& f : files) {
    const auto rel = std::filesystem::relative(f, root).string();
    auto tc = load_test_case(f);
    if (!tc) {
      ++unreadable;
      std::printf("FAIL %s: cannot load: %s\n", rel.c_str(), tc.error().c_str());
      continue;
    }
    auto r = run_against_engine(*tc);
    switch (r.outcome) {
      case verdict::pass: ++passed; break;
      case verdict::skip:
        ++skipped;
        std::printf("SKIP %s: %s\n", rel.c_str(), r.reason.c_str());
        break;
      case verdict::fail: {
        ++failed;
        std::string why = r.reason;
        if (why.empty() && !r.mismatches.empty())
          why = std::to_string(r.mismatches.size()) + " difference(s), first " + r.mismatches[0].path +
                ": expected " + r.mismatches[0].expected + ", got " + r.mismatches[0].got;
        if (why.size() > 300) why = why.substr(0, 300) + "...";
        std::printf("FAIL %s: %s\n", rel.c_str(), why.c_str());
        break;
      }
    }
  }
  std::printf("OASIS baseline: passed %zu, failed %zu, skipped %zu, unreadable %zu of %zu\n", passed, failed,
              skipped, unreadable, files.size());
  EXPECT_GE(passed, kPinnedPassed);
  EXPECT_LE(unreadable, kPinnedUnreadable);
}

}  // namespace
}  // namespace kmip::traffic
