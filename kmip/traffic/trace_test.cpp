// The trace format (round trip, 0600, errors naming file and line), the PyKMIP log importer on the two vCenter
// captures, mask rules, and the replay engine against kmipd's engine in-process.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "common/hex.hpp"
#include "kmip/encoding/xml.hpp"
#include "kmip/ttlv/writer.hpp"
#include "kmip/traffic/importers.hpp"
#include "kmip/traffic/replay.hpp"
#include "kmip/traffic/trace.hpp"
#include "server/core/audit.hpp"
#include "server/core/engine.hpp"
#include "server/core/memory_store.hpp"

namespace kmip::traffic {
namespace {

const std::filesystem::path captures = KMIPH_TESTDATA_DIR "/captures/vcenter-7.0.3-pykmip";

std::filesystem::path temp_file(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("kmiph-trace-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir / name;
}

void write_text(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

// KMIP 1.x §9.1.2-style Discover Versions request with one batch item (hand-assembled, see the hex layout).
frame discover_versions_frame() {
  auto bytes = common::from_hex(
      "42 00 78 | 01 | 00 00 00 58 |"
      "  42 00 77 | 01 | 00 00 00 38 |"
      "    42 00 69 | 01 | 00 00 00 20 |"
      "      42 00 6A | 02 | 00 00 00 04 | 00 00 00 01 00 00 00 00 |"
      "      42 00 6B | 02 | 00 00 00 04 | 00 00 00 01 00 00 00 00 |"
      "    42 00 0D | 02 | 00 00 00 04 | 00 00 00 01 00 00 00 00 |"
      "  42 00 0F | 01 | 00 00 00 10 |"
      "    42 00 5C | 05 | 00 00 00 04 | 00 00 00 1E 00 00 00 00 |");
  EXPECT_TRUE(bytes);
  frame f;
  f.connection = 7;
  f.direction = direction::request;
  f.time_us = 1'743'415'765'548'123;
  f.peer = "192.0.2.7:43500";
  f.tls = {"TLSv1.2", "AES128-SHA256", "CN=vcenter"};
  f.message.assign(bytes->begin(), bytes->end());
  return f;
}

TEST(Trace, RoundTripsAFrameAndSummarisesIt) {
  auto f = discover_versions_frame();
  auto line = to_json_line(f);
  auto back = parse_json_line(line);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->connection, 7u);
  EXPECT_EQ(back->direction, direction::request);
  EXPECT_EQ(back->time_us, f.time_us);
  EXPECT_EQ(back->peer, f.peer);
  EXPECT_EQ(back->tls.cipher, "AES128-SHA256");
  EXPECT_EQ(back->tls.client_subject, "CN=vcenter");
  EXPECT_TRUE(std::equal(back->message.begin(), back->message.end(), f.message.begin(), f.message.end()));
  ASSERT_EQ(back->summary.items.size(), 1u);
  EXPECT_EQ(back->summary.items[0].operation, "Discover Versions");
  EXPECT_EQ(back->summary.protocol_version, "1.1");
  EXPECT_NE(line.find("\"time\":\"2025-03-31T10:09:25.548123Z\""), std::string::npos) << line;
}

TEST(Trace, FilesAreCreatedOwnerOnly) {
  auto p = temp_file("mode.trace");
  std::filesystem::remove(p);
  frame f = discover_versions_frame();
  ASSERT_TRUE(write_trace(p, std::span(&f, 1)));
  struct stat st{};
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto back = read_trace(p);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->size(), 1u);
  EXPECT_EQ(back->front().line, 1u);
}

TEST(Trace, ACorruptLineIsNamedByFileAndLine) {
  auto p = temp_file("corrupt.trace");
  write_text(p, to_json_line(discover_versions_frame()) + "\n\n{\"version\":1,\"connection\":\n");
  auto r = read_trace(p);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find(p.string() + ":3: not a JSON value"), std::string::npos) << r.error();
}

TEST(Trace, AnUnknownFormatVersionIsRefused) {
  auto p = temp_file("version.trace");
  auto line = to_json_line(discover_versions_frame());
  line.replace(line.find("\"version\":1"), 11, "\"version\":9");
  write_text(p, line + "\n");
  auto r = read_trace(p);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find(":1: trace format version 9 is not supported"), std::string::npos) << r.error();
}

TEST(Trace, BadFieldsAreNamed) {
  EXPECT_NE(parse_json_line(R"({"version":1,"connection":1,"direction":"sideways","time":"2025-01-01T00:00:00Z","ttlv":"00"})")
                .error()
                .find("direction"),
            std::string::npos);
  EXPECT_NE(parse_json_line(R"({"version":1,"connection":1,"direction":"request","time":"yesterday","ttlv":"00"})")
                .error()
                .find("time"),
            std::string::npos);
  EXPECT_NE(parse_json_line(R"({"version":1,"connection":1,"direction":"request","time":"2025-01-01T00:00:00Z","ttlv":"zz"})")
                .error()
                .find("\"ttlv\" is not hex"),
            std::string::npos);
}

TEST(Trace, TheSummaryNeverHoldsKeyMaterial) {
  auto tree = encoding::from_xml(R"(<ResponseMessage><ResponseHeader><ProtocolVersion>
      <ProtocolVersionMajor type="Integer" value="1"/><ProtocolVersionMinor type="Integer" value="1"/></ProtocolVersion>
      <TimeStamp type="DateTime" value="2025-04-03T09:56:40+00:00"/><BatchCount type="Integer" value="1"/></ResponseHeader>
      <BatchItem><Operation type="Enumeration" value="Get"/><ResultStatus type="Enumeration" value="Success"/>
      <ResponsePayload><ObjectType type="Enumeration" value="SymmetricKey"/>
      <UniqueIdentifier type="TextString" value="key-1"/><SymmetricKey><KeyBlock>
      <KeyFormatType type="Enumeration" value="Raw"/><KeyValue>
      <KeyMaterial type="ByteString" value="c0ffeec0ffeec0ffeec0ffeec0ffeec0"/></KeyValue>
      <CryptographicAlgorithm type="Enumeration" value="AES"/><CryptographicLength type="Integer" value="128"/>
      </KeyBlock></SymmetricKey></ResponsePayload></BatchItem></ResponseMessage>)");
  ASSERT_TRUE(tree) << tree.error().message();
  auto bytes = ttlv::encode(*tree);
  ASSERT_TRUE(bytes);
  frame f;
  f.direction = direction::response;
  f.message = std::move(*bytes);
  const auto line = to_json_line(f);
  const auto summary = line.substr(line.find("\"summary\""));
  EXPECT_EQ(summary.find("c0ffee"), std::string::npos) << summary;
  EXPECT_NE(summary.find("key-1"), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"result\":\"Success\""), std::string::npos) << summary;
  EXPECT_NE(line.find("c0ffee"), std::string::npos);  // the raw TTLV does hold it: that is what a trace is
}

// ---- the PyKMIP importer on the captures -----------------------------------------------------------------

TEST(PyKmipImport, ImportsBothCaptures) {
  for (auto [name, requests] : {std::pair{"vmware-2.log", 58u}, std::pair{"pykmip-vmware.log", 44u}}) {
    auto r = import_pykmip_log(captures / name);
    ASSERT_TRUE(r) << r.error();
    std::size_t req = 0, resp = 0, undecodable = 0;
    for (const auto& f : r->frames) {
      (f.direction == direction::request ? req : resp) += 1;
      if (!summarize(f.message).error.empty()) ++undecodable;
      EXPECT_FALSE(f.peer.empty()) << name << ":" << f.line;
      EXPECT_EQ(f.tls.cipher, "AES128-SHA256") << name << ":" << f.line;
    }
    EXPECT_EQ(req, requests) << name;
    EXPECT_EQ(resp, requests) << name;
    EXPECT_EQ(undecodable, 0u) << name;
    EXPECT_TRUE(r->skipped.empty()) << name << ": " << r->skipped.front();
  }
}

TEST(PyKmipImport, ALogWithoutHexDumpsIsRefusedByName) {
  auto r = parse_pykmip_log(
      "2025-03-31 12:09:25,427 - kmip.server - INFO - Receiving incoming connection from: 10.0.0.1:1\n", "info.log");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("info.log: no \"Request encoding\""), std::string::npos) << r.error();
}

TEST(PyKmipImport, APartialMessageIsSkippedAndSaid) {
  auto r = parse_pykmip_log(
      "2025-03-31 12:09:25,548 - kmip.server.session.00000021 - DEBUG - Request encoding: b'4200780100000060'\n"
      "2025-03-31 12:09:25,597 - kmip.server.session.00000021 - INFO - Stopping session: 00000021\n"
      "2025-03-31 12:09:26,548 - kmip.server.session.00000022 - DEBUG - Response encoding: b'42007b0100000000'\n",
      "part.log");
  ASSERT_TRUE(r) << r.error();
  ASSERT_EQ(r->skipped.size(), 1u);
  EXPECT_NE(r->skipped[0].find("part.log:1: session 21: 8 request bytes"), std::string::npos) << r->skipped[0];
  EXPECT_EQ(r->frames.size(), 1u);
}

// ---- the pcap importer's TLS names (OpenSSL's own, as the recording proxy writes them) ------------------------

TEST(PcapTlsNames, CipherSuiteNumbersMapToOpenSslNames) {
  EXPECT_EQ(openssl_cipher_name(0x1302), "TLS_AES_256_GCM_SHA384");  // TLS 1.3, OpenSSL's default first
  EXPECT_EQ(openssl_cipher_name(0x1301), "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(openssl_cipher_name(0x003C), "AES128-SHA256");  // TLS_RSA_WITH_AES_128_CBC_SHA256, vCenter 7.0.3's
  EXPECT_EQ(openssl_cipher_name(0xC02F), "ECDHE-RSA-AES128-GCM-SHA256");
  EXPECT_EQ(openssl_cipher_name(0xFAFA), "");  // a GREASE value (RFC 8701): no suite
  EXPECT_EQ(openssl_cipher_name(0x0000), "");  // TLS_NULL_WITH_NULL_NULL is never negotiated
}

TEST(PcapTlsNames, WireVersionsMapToSslGetVersionNames) {
  EXPECT_EQ(tls_version_name(0x0303), "TLSv1.2");
  EXPECT_EQ(tls_version_name(0x0304), "TLSv1.3");
  EXPECT_EQ(tls_version_name(0x0301), "TLSv1");
  EXPECT_EQ(tls_version_name(0x7f1c), "");  // a TLS 1.3 draft number
}

// ---- mask rules ----------------------------------------------------------------------------------------------

TEST(MaskRule, ParsesTagAttributeAndAction) {
  auto r = parse_mask_rule("Attribute Value@x-Vendor:may-be-absent");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->tag, static_cast<std::uint32_t>(spec::tag::attribute_value));
  EXPECT_EQ(r->attribute, "x-Vendor");
  EXPECT_EQ(r->action, rule_action::may_be_absent);
  auto hex = parse_mask_rule("0x540001");
  ASSERT_TRUE(hex) << hex.error();
  EXPECT_EQ(hex->tag, 0x540001u);
  EXPECT_FALSE(parse_mask_rule("No Such Tag"));
  EXPECT_FALSE(parse_mask_rule("Operation:sometimes"));
}

// ---- replay against kmipd's engine in-process ---------------------------------------------------------------

struct in_process_kmipd {
  std::shared_ptr<kmipd::core::manual_clock> clock = std::make_shared<kmipd::core::manual_clock>(1'743'415'765);
  kmipd::core::engine engine{{},
                             std::make_unique<kmipd::core::memory_store>(),
                             {clock, std::make_shared<common::seeded_random>(42),
                              std::make_shared<kmipd::core::memory_audit_sink>()}};
  connect_fn connector() {
    return [this]() -> result<exchange_fn> {
      return exchange_fn([this](std::span<const std::uint8_t> b) -> result<common::secure_bytes> {
        return engine.handle_bytes(b, {"vcenter", "127.0.0.1:1", "replay"});
      });
    };
  }
};

void print(const replay_result& r) {
  for (const auto& c : r.connections)
    for (const auto& e : c.exchanges)
      for (const auto& d : e.differences)
        std::printf("conn %llu #%zu %s: %s: recorded %s, replayed %s [%s: %s]\n",
                    static_cast<unsigned long long>(c.connection), e.index, e.title.c_str(), d.path.c_str(),
                    d.recorded.c_str(), d.replayed.c_str(), std::string(to_string(d.cls)).c_str(), d.why.c_str());
}

TEST(ReplayEngine, VmwareCaptureAgainstKmipdHasOnlyImprovements) {
  auto log = import_pykmip_log(captures / "vmware-2.log");
  ASSERT_TRUE(log) << log.error();
  in_process_kmipd kms;
  replay_options options;
  options.serial = true;
  auto r = replay(log->frames, kms.connector(), options);
  print(r);
  auto s = r.summarize();
  EXPECT_EQ(s.exchanges, 58u);
  EXPECT_EQ(s.breaking, 0u);
  for (const auto& c : r.connections)
    for (const auto& e : c.exchanges) {
      EXPECT_TRUE(e.error.empty()) << e.error;
      for (const auto& d : e.differences) {
        if (d.cls == difference_class::vcenter_visible) {
          EXPECT_NE(d.why.find("improvement"), std::string::npos) << d.path << ": " << d.why;
        }
      }
    }
}

frame frame_from_xml(std::string_view xml, direction d, std::int64_t t) {
  auto tree = encoding::from_xml(xml);
  EXPECT_TRUE(tree) << tree.error().message();
  auto bytes = ttlv::encode(*tree);
  EXPECT_TRUE(bytes);
  frame f;
  f.connection = 1;
  f.direction = d;
  f.time_us = t;
  f.message = std::move(*bytes);
  return f;
}

TEST(ReplayEngine, ASuccessThatBecomesAFailureIsBreaking) {
  std::vector<frame> frames;
  frames.push_back(frame_from_xml(R"(<RequestMessage><RequestHeader><ProtocolVersion>
      <ProtocolVersionMajor type="Integer" value="1"/><ProtocolVersionMinor type="Integer" value="1"/></ProtocolVersion>
      <BatchCount type="Integer" value="1"/></RequestHeader><BatchItem><Operation type="Enumeration" value="GetAttributes"/>
      <RequestPayload><UniqueIdentifier type="TextString" value="made-before-the-recording"/></RequestPayload>
      </BatchItem></RequestMessage>)",
                                  direction::request, 1));
  frames.push_back(frame_from_xml(R"(<ResponseMessage><ResponseHeader><ProtocolVersion>
      <ProtocolVersionMajor type="Integer" value="1"/><ProtocolVersionMinor type="Integer" value="1"/></ProtocolVersion>
      <TimeStamp type="DateTime" value="2025-04-03T09:56:40+00:00"/><BatchCount type="Integer" value="1"/></ResponseHeader>
      <BatchItem><Operation type="Enumeration" value="GetAttributes"/><ResultStatus type="Enumeration" value="Success"/>
      <ResponsePayload><UniqueIdentifier type="TextString" value="made-before-the-recording"/></ResponsePayload>
      </BatchItem></ResponseMessage>)",
                                  direction::response, 2));
  in_process_kmipd kms;
  auto r = replay(frames, kms.connector(), {});
  ASSERT_EQ(r.summarize().exchanges, 1u);
  EXPECT_EQ(r.summarize().breaking, 1u);
  const auto& d = r.connections.at(0).exchanges.at(0).differences.at(0);
  EXPECT_EQ(d.cls, difference_class::breaking);
  EXPECT_NE(d.path.find("Result Status"), std::string::npos) << d.path;
  EXPECT_NE(d.replayed.find("ItemNotFound"), std::string::npos) << d.replayed;
}

}  // namespace
}  // namespace kmip::traffic
