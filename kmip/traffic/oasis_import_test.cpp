// Issue 8, deliverable 3: OASIS KMIP XML test cases imported into the trace format (oasis_import.cpp) and replayed
// like any recording. The SKLC/SKFF cases the OASIS runner accepts (oasis_runner_test.cpp, OasisAcceptance) give
// the same verdicts when imported and replayed against a fresh real kmipd process; a trace imported one day and
// replayed the next still passes because its `$NOW` dates move with the replay; bad files are refused by name.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "kmip/encoding/xml.hpp"
#include "kmip/traffic/importers.hpp"
#include "kmip/traffic/oasis_runner.hpp"
#include "kmip/traffic/replay.hpp"
#include "kmip/traffic/tls_connector.hpp"
#include "kmip/ttlv/reader.hpp"
#include "kmip/ttlv/writer.hpp"
#include "tests/kmipd/kmipd_process.hpp"
#include "tests/pki/pki.hpp"

namespace kmip::traffic {
namespace {

using namespace std::chrono_literals;
using spec::tag;

constexpr std::int64_t one_day_us = 86'400'000'000;

// A case of our own (not an OASIS file) in the test cases' XML encoding: a key activated an hour before $NOW and
// deactivated an hour after it, so it reads Active only while its dates move with the clock; x-Checked-At echoes
// a $NOW+20 date back, so the response comparison of relative dates is exercised too.
constexpr std::string_view dates_case = R"(<KMIP>
<RequestMessage>
  <RequestHeader><ProtocolVersion><ProtocolVersionMajor type="Integer" value="1"/>
    <ProtocolVersionMinor type="Integer" value="4"/></ProtocolVersion><BatchCount type="Integer" value="1"/>
  </RequestHeader>
  <BatchItem><Operation type="Enumeration" value="Create"/><RequestPayload>
    <ObjectType type="Enumeration" value="SymmetricKey"/>
    <TemplateAttribute>
      <Attribute><AttributeName type="TextString" value="Cryptographic Algorithm"/>
        <AttributeValue type="Enumeration" value="AES"/></Attribute>
      <Attribute><AttributeName type="TextString" value="Cryptographic Length"/>
        <AttributeValue type="Integer" value="256"/></Attribute>
      <Attribute><AttributeName type="TextString" value="Cryptographic Usage Mask"/>
        <AttributeValue type="Integer" value="Encrypt Decrypt"/></Attribute>
      <Attribute><AttributeName type="TextString" value="Activation Date"/>
        <AttributeValue type="DateTime" value="$NOW-3600"/></Attribute>
      <Attribute><AttributeName type="TextString" value="Deactivation Date"/>
        <AttributeValue type="DateTime" value="$NOW+3600"/></Attribute>
      <Attribute><AttributeName type="TextString" value="x-Checked-At"/>
        <AttributeValue type="DateTime" value="$NOW+20"/></Attribute>
    </TemplateAttribute>
  </RequestPayload></BatchItem>
</RequestMessage>
<ResponseMessage>
  <ResponseHeader><ProtocolVersion><ProtocolVersionMajor type="Integer" value="1"/>
    <ProtocolVersionMinor type="Integer" value="4"/></ProtocolVersion>
    <TimeStamp type="DateTime" value="$NOW"/><BatchCount type="Integer" value="1"/></ResponseHeader>
  <BatchItem><Operation type="Enumeration" value="Create"/><ResultStatus type="Enumeration" value="Success"/>
    <ResponsePayload><ObjectType type="Enumeration" value="SymmetricKey"/>
      <UniqueIdentifier type="TextString" value="$UNIQUE_IDENTIFIER_0"/></ResponsePayload></BatchItem>
</ResponseMessage>
<RequestMessage>
  <RequestHeader><ProtocolVersion><ProtocolVersionMajor type="Integer" value="1"/>
    <ProtocolVersionMinor type="Integer" value="4"/></ProtocolVersion><BatchCount type="Integer" value="1"/>
  </RequestHeader>
  <BatchItem><Operation type="Enumeration" value="GetAttributes"/><RequestPayload>
    <UniqueIdentifier type="TextString" value="$UNIQUE_IDENTIFIER_0"/>
    <AttributeName type="TextString" value="State"/>
    <AttributeName type="TextString" value="x-Checked-At"/>
  </RequestPayload></BatchItem>
</RequestMessage>
<ResponseMessage>
  <ResponseHeader><ProtocolVersion><ProtocolVersionMajor type="Integer" value="1"/>
    <ProtocolVersionMinor type="Integer" value="4"/></ProtocolVersion>
    <TimeStamp type="DateTime" value="$NOW"/><BatchCount type="Integer" value="1"/></ResponseHeader>
  <BatchItem><Operation type="Enumeration" value="GetAttributes"/><ResultStatus type="Enumeration" value="Success"/>
    <ResponsePayload><UniqueIdentifier type="TextString" value="$UNIQUE_IDENTIFIER_0"/>
      <Attribute><AttributeName type="TextString" value="State"/>
        <AttributeValue type="Enumeration" value="Active"/></Attribute>
      <Attribute><AttributeName type="TextString" value="x-Checked-At"/>
        <AttributeValue type="DateTime" value="$NOW+20"/></Attribute>
    </ResponsePayload></BatchItem>
</ResponseMessage>
</KMIP>
)";

std::filesystem::path write_file(const std::filesystem::path& dir, const std::string& name, std::string_view text) {
  const auto p = dir / name;
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

// A clock that stands still: every reading is `t` (microseconds).
import_clock fixed(std::int64_t t) {
  return [t] { return t; };
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

std::int64_t system_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<const difference*> differences_of(const connection_outcome& c, difference_class at_least) {
  std::vector<const difference*> out;
  for (const auto& e : c.exchanges)
    for (const auto& d : e.differences)
      if (d.cls >= at_least) out.push_back(&d);
  return out;
}

bool any_error(const connection_outcome& c) {
  return std::any_of(c.exchanges.begin(), c.exchanges.end(), [](const auto& e) { return !e.error.empty(); });
}

void print(const replay_result& r) {
  for (const auto& c : r.connections)
    for (const auto& e : c.exchanges) {
      if (!e.error.empty())
        std::printf("%s #%zu %s: ERROR %s\n", c.peer.c_str(), e.index, e.title.c_str(), e.error.c_str());
      for (const auto& d : e.differences)
        std::printf("%s #%zu %s: %s: recorded %s, replayed %s [%s: %s]\n", c.peer.c_str(), e.index, e.title.c_str(),
                    d.path.c_str(), d.recorded.c_str(), d.replayed.c_str(), std::string(to_string(d.cls)).c_str(),
                    d.why.c_str());
    }
  auto s = r.summarize();
  std::printf("exchanges %zu: identical %zu, harmless %zu, vcenter-visible %zu, breaking %zu\n", s.exchanges,
              s.identical, s.harmless, s.vcenter_visible, s.breaking);
}

// ---- the importer on its own ---------------------------------------------------------------------------------

TEST(OasisImport, ResolvesIdentifiersAndDatesAndMarksThem) {
  auto dir = tests::pki::temp_dir::create("oasis-import");
  ASSERT_TRUE(dir) << dir.error();
  const auto file = write_file(dir->path(), "DATES-1-14.xml", dates_case);
  constexpr std::int64_t t = 1'790'000'000'250'000;  // 2026-09-21, plus a quarter second
  constexpr std::int64_t now = t / 1'000'000;
  auto r = import_oasis_case(file, fixed(t), 7);
  ASSERT_TRUE(r) << r.error();
  ASSERT_EQ(r->frames.size(), 4u);
  for (const auto& f : r->frames) {
    EXPECT_EQ(f.connection, 7u);
    EXPECT_EQ(f.time_us, t);
    EXPECT_EQ(f.peer, "oasis:DATES-1-14");
  }
  EXPECT_EQ(r->frames[0].direction, direction::request);
  EXPECT_EQ(r->frames[1].direction, direction::response);

  // Request 0: the three $NOW±k dates resolved against the clock's second, and marked.
  auto create = ttlv::decode_message(r->frames[0].message);
  ASSERT_TRUE(create);
  std::map<std::string, std::int64_t> dates;
  auto payload = create->root().find(tag::batch_item)->find(tag::request_payload);
  auto template_attribute = payload->find(tag::template_attribute);
  ASSERT_TRUE(template_attribute);
  for (auto a : template_attribute->children())
    if (auto v = a.find(tag::attribute_value); v && v->type() == ttlv::item_type::date_time)
      dates[std::string(a.find(tag::attribute_name)->as_text())] = v->as_date_time();
  EXPECT_EQ(dates["Activation Date"], now - 3600);
  EXPECT_EQ(dates["Deactivation Date"], now + 3600);
  EXPECT_EQ(dates["x-Checked-At"], now + 20);
  std::vector<std::string> texts;
  for (const auto& m : r->frames[0].placeholders) {
    texts.push_back(m.text);
    ASSERT_LT(m.item, create->size());
    EXPECT_EQ(create->at(static_cast<std::uint32_t>(m.item)).type, ttlv::item_type::date_time) << m.text;
  }
  EXPECT_EQ(texts, (std::vector<std::string>{"$NOW-3600", "$NOW+3600", "$NOW+20"}));

  // The identifier: the same synthetic value where the response shows it and where the next request uses it.
  EXPECT_EQ(summarize(r->frames[1].message).items.at(0).unique_identifiers,
            std::vector<std::string>{"oasis-7-uid-0"});
  EXPECT_EQ(summarize(r->frames[2].message).items.at(0).unique_identifiers,
            std::vector<std::string>{"oasis-7-uid-0"});
  // The expected responses' $NOW dates are marked too (Time Stamp, x-Checked-At).
  ASSERT_EQ(r->frames[3].placeholders.size(), 2u);
  EXPECT_EQ(r->frames[3].placeholders[1].text, "$NOW+20");
}

TEST(OasisImport, TheRequestHeaderTimeStampIsTheImportClock) {
  // A Request Header Time Stamp, literal in the file, is sent as the client's now, as the runner does; a literal
  // date elsewhere (a Compromise Occurrence Date of 1970, as SKFF cases send) stays as it is, unmarked.
  auto dir = tests::pki::temp_dir::create("oasis-import");
  ASSERT_TRUE(dir) << dir.error();
  const auto file = write_file(dir->path(), "STAMP-1.xml", R"(<KMIP>
<RequestMessage><RequestHeader><ProtocolVersion><ProtocolVersionMajor type="Integer" value="1"/>
  <ProtocolVersionMinor type="Integer" value="1"/></ProtocolVersion>
  <TimeStamp type="DateTime" value="2012-04-27T08:12:24+00:00"/><BatchCount type="Integer" value="1"/></RequestHeader>
<BatchItem><Operation type="Enumeration" value="Revoke"/><RequestPayload>
  <UniqueIdentifier type="TextString" value="key-1"/>
  <RevocationReason><RevocationReasonCode type="Enumeration" value="KeyCompromise"/></RevocationReason>
  <CompromiseOccurrenceDate type="DateTime" value="1970-01-01T00:00:06+00:00"/>
</RequestPayload></BatchItem></RequestMessage></KMIP>)");
  constexpr std::int64_t t = 1'790'000'000'000'000;
  auto r = import_oasis_case(file, fixed(t));
  ASSERT_TRUE(r) << r.error();
  auto request = ttlv::decode_message(r->frames.at(0).message);
  ASSERT_TRUE(request);
  auto stamp = request->root().find(tag::request_header)->find(tag::time_stamp);
  ASSERT_TRUE(stamp);
  EXPECT_EQ(stamp->as_date_time(), t / 1'000'000);
  auto payload = request->root().find(tag::batch_item)->find(tag::request_payload);
  EXPECT_EQ(payload->find(tag::compromise_occurrence_date)->as_date_time(), 6);
  ASSERT_EQ(r->frames[0].placeholders.size(), 1u);
  // Items 0..5: Request Message, Request Header, Protocol Version, Major, Minor, Time Stamp.
  EXPECT_EQ(r->frames[0].placeholders[0], (placeholder_mark{5, "$NOW"}));
}

TEST(OasisImport, SeveralFilesBecomeSeveralConnectionsAndATraceKeepsTheMarks) {
  auto dir = tests::pki::temp_dir::create("oasis-import");
  ASSERT_TRUE(dir) << dir.error();
  const std::vector<std::filesystem::path> files{
      write_file(dir->path(), "DATES-1-14.xml", dates_case),
      KMIPH_TESTDATA_DIR "/cosmian-kmip/profiles/v1.4-os/mandatory/SKLC-M-1-14.xml"};
  auto r = import_oasis_cases(files, fixed(1'790'000'000'000'000));
  ASSERT_TRUE(r) << r.error();
  std::map<std::uint64_t, std::string> peers;
  for (const auto& f : r->frames) peers[f.connection] = f.peer;
  EXPECT_EQ(peers, (std::map<std::uint64_t, std::string>{{1, "oasis:DATES-1-14"}, {2, "oasis:SKLC-M-1-14"}}));

  const auto trace = dir->path() / "t.trace";
  ASSERT_TRUE(write_trace(trace, r->frames));
  auto back = read_trace(trace);
  ASSERT_TRUE(back) << back.error();
  ASSERT_EQ(back->size(), r->frames.size());
  for (std::size_t i = 0; i < back->size(); ++i) EXPECT_EQ((*back)[i].placeholders, r->frames[i].placeholders) << i;

  // Format version 1 stays readable both ways: a line without the field, and a bad field named.
  auto plain = to_json_line(r->frames[0]);
  auto cut = plain.find(",\"placeholders\"");
  ASSERT_NE(cut, std::string::npos);
  auto without = parse_json_line(plain.substr(0, cut) + "}");
  ASSERT_TRUE(without) << without.error();
  EXPECT_TRUE(without->placeholders.empty());
  auto bad = parse_json_line(plain.substr(0, cut) + ",\"placeholders\":[{\"item\":-1,\"text\":\"$NOW\"}]}");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("\"placeholders\"[0]"), std::string::npos) << bad.error();
}

TEST(OasisImport, MalformedXmlIsRefusedNamingFileAndLine) {
  auto dir = tests::pki::temp_dir::create("oasis-import");
  ASSERT_TRUE(dir) << dir.error();
  const auto unknown = write_file(dir->path(), "BAD-1.xml",
                                  "<KMIP>\n<RequestMessage>\n  <RequestHeader><Oops/></RequestHeader>\n"
                                  "</RequestMessage>\n</KMIP>\n");
  auto r = import_oasis_case(unknown, fixed(0));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().starts_with(unknown.string() + ":3:")) << r.error();
  EXPECT_NE(r.error().find("Oops"), std::string::npos) << r.error();

  const auto truncated = write_file(dir->path(), "BAD-2.xml",
                                    "<KMIP>\n<RequestMessage>\n  <RequestHeader>\n    <BatchCount type=\"Integer\" "
                                    "value=\"one\"/>\n");
  auto t = import_oasis_case(truncated, fixed(0));
  ASSERT_FALSE(t);
  EXPECT_TRUE(t.error().starts_with(truncated.string() + ":4:")) << t.error();
}

TEST(OasisImport, UnknownPlaceholdersAreRefusedByName) {
  auto dir = tests::pki::temp_dir::create("oasis-import");
  ASSERT_TRUE(dir) << dir.error();
  const std::string head = R"(<KMIP>
<RequestMessage><BatchItem><Operation type="Enumeration" value="Encrypt"/><RequestPayload>
  <UniqueIdentifier type="TextString" value="key-1"/>
)";
  // A request placeholder with no value to send.
  const auto data = write_file(dir->path(), "P-1.xml", head + R"(  <Data type="ByteString" value="$DATA"/>
</RequestPayload></BatchItem></RequestMessage></KMIP>)");
  auto r = import_oasis_case(data, fixed(0));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().starts_with(data.string() + ":2: request 0:")) << r.error();
  EXPECT_NE(r.error().find("$DATA"), std::string::npos) << r.error();

  // A text placeholder this importer does not know, in an expected response.
  const auto text = write_file(dir->path(), "P-2.xml", head + R"(</RequestPayload></BatchItem></RequestMessage>
<ResponseMessage><BatchItem><ResponsePayload>
  <UniqueIdentifier type="TextString" value="$SHORT_UNIQUE_IDENTIFIER_0"/>
</ResponsePayload></BatchItem></ResponseMessage></KMIP>)");
  auto u = import_oasis_case(text, fixed(0));
  ASSERT_FALSE(u);
  EXPECT_TRUE(u.error().starts_with(text.string() + ":5: response 0:")) << u.error();
  EXPECT_NE(u.error().find("$SHORT_UNIQUE_IDENTIFIER_0"), std::string::npos) << u.error();

  // An identifier no response has shown yet.
  const auto early = write_file(dir->path(), "P-3.xml", R"(<KMIP>
<RequestMessage><BatchItem><Operation type="Enumeration" value="Get"/><RequestPayload>
  <UniqueIdentifier type="TextString" value="$UNIQUE_IDENTIFIER_1"/>
</RequestPayload></BatchItem></RequestMessage></KMIP>)");
  auto e = import_oasis_case(early, fixed(0));
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().find("$UNIQUE_IDENTIFIER_1 is used before any response bound it"), std::string::npos)
      << e.error();
}

TEST(OasisImport, RecordCommandImportsCasesAndNamesBadOnes) {
  auto dir = tests::pki::temp_dir::create("oasis-import");
  ASSERT_TRUE(dir) << dir.error();
  const auto dates = write_file(dir->path(), "DATES-1-14.xml", dates_case);
  // No .xml extension: recognised by its content.
  const auto renamed = write_file(
      dir->path(), "sklc.case",
      tests::kmipd::slurp(KMIPH_TESTDATA_DIR "/cosmian-kmip/profiles/v1.4-os/mandatory/SKLC-M-1-14.xml"));
  const auto trace = dir->path() / "out.trace";
  const auto output = dir->path() / "output.txt";
  const auto exe = tests::kmipd::harness_executable().string();
  int rc = tests::kmipd::run_program({exe, "record", "--import", dates.string(), renamed.string(), "--out",
                                      trace.string()},
                                     output, 60s);
  ASSERT_EQ(rc, 0) << tests::kmipd::slurp(output);
  auto frames = read_trace(trace);
  ASSERT_TRUE(frames) << frames.error();
  EXPECT_EQ(frames->front().connection, 1u);
  EXPECT_EQ(frames->back().connection, 2u);
  EXPECT_EQ(frames->back().peer, "oasis:sklc");

  const auto bad = write_file(dir->path(), "BAD.xml", "<KMIP>\n<RequestMessage>\n<Nope/>\n</RequestMessage></KMIP>\n");
  rc = tests::kmipd::run_program({exe, "record", "--import", dates.string(), bad.string(), "--out", trace.string()},
                                 output, 60s);
  EXPECT_EQ(rc, 2);
  EXPECT_NE(tests::kmipd::slurp(output).find(bad.string() + ":3:"), std::string::npos) << tests::kmipd::slurp(output);
}

TEST(OasisImport, AMarkThatDoesNotFitItsMessageIsNoted) {
  auto dir = tests::pki::temp_dir::create("oasis-import");
  ASSERT_TRUE(dir) << dir.error();
  auto r = import_oasis_case(write_file(dir->path(), "DATES-1-14.xml", dates_case), fixed(0));
  ASSERT_TRUE(r) << r.error();
  r->frames[0].placeholders.push_back({9999, "$NOW"});
  r->frames[0].placeholders.push_back({1, "$NOW+5"});  // the Request Header, a Structure
  r->frames[0].line = 1;
  const connect_fn nowhere = []() -> result<exchange_fn> { return common::unexpected(std::string("no target")); };
  auto replayed = replay(r->frames, nowhere, {});
  ASSERT_EQ(replayed.notes.size(), 1u);  // one note per frame: the first misfit
  EXPECT_EQ(replayed.notes[0], "line 1: placeholder $NOW marks item 9999 of a message of " +
                                   std::to_string(ttlv::decode_message(r->frames[0].message)->size()) +
                                   " items (the mark is ignored)");
  r->frames[0].placeholders.erase(r->frames[0].placeholders.end() - 2);
  auto again = replay(r->frames, nowhere, {});
  ASSERT_EQ(again.notes.size(), 1u);
  EXPECT_NE(again.notes[0].find("marks item 1, which is not a Date-Time"), std::string::npos) << again.notes[0];
}

// ---- imported cases replayed against the real kmipd ----------------------------------------------------------

// The runner's verdicts over TLS against a fresh kmipd (one connection per case, the system clock as $NOW, the
// runner's default date tolerance), and the replay of the same cases, imported, against another fresh kmipd.
TEST(OasisReplay, SklcAndSkffCasesGiveTheRunnersVerdicts) {
  const auto files = acceptance_files();
  ASSERT_EQ(files.size(), 30u);  // SKLC-M-1..3 and SKFF-M-1..12, for 1.1 and 1.4, as OasisAcceptance

  auto runner_kmipd = tests::kmipd::kmipd_process::create();
  ASSERT_TRUE(runner_kmipd) << runner_kmipd.error();
  auto failure = (*runner_kmipd)->start();
  ASSERT_FALSE(failure) << *failure;
  const auto runner_connect = tls_connector(tests::kmipd::client_options(**runner_kmipd));
  std::map<std::string, case_result> runner;
  for (const auto& f : files) {
    auto tc = load_test_case(f);
    ASSERT_TRUE(tc) << tc.error();
    auto ex = runner_connect();
    ASSERT_TRUE(ex) << ex.error();
    auto r = run_test_case(*tc, *ex, {.now = [] { return system_now_us() / 1'000'000; }});
    std::printf("runner: %s\n", r.to_string().c_str());
    runner[tc->name] = std::move(r);
  }

  auto imported = import_oasis_cases(files, system_now_us);
  ASSERT_TRUE(imported) << imported.error();
  auto replay_kmipd = tests::kmipd::kmipd_process::create();
  ASSERT_TRUE(replay_kmipd) << replay_kmipd.error();
  failure = (*replay_kmipd)->start();
  ASSERT_FALSE(failure) << *failure;
  auto result = replay(imported->frames, tls_connector(tests::kmipd::client_options(**replay_kmipd)), {});
  print(result);
  EXPECT_TRUE(result.notes.empty());
  ASSERT_EQ(result.connections.size(), files.size());

  std::size_t passed = 0;
  for (const auto& c : result.connections) {
    const std::string name = c.peer.substr(std::string_view("oasis:").size());
    ASSERT_TRUE(runner.contains(name)) << c.peer;
    const auto& ran = runner.at(name);
    EXPECT_EQ(c.exchanges.size(), ran.requests_total) << name;
    if (ran.outcome == verdict::pass) {
      // What the runner accepts, the replay accepts the same way: every exchange made, nothing differs.
      EXPECT_FALSE(any_error(c)) << name;
      EXPECT_TRUE(differences_of(c, difference_class::harmless).empty()) << name << " passes in the runner";
      ++passed;
    } else {
      // None today (asserted below); should the runner fail a case, the replay must not call it clean either.
      std::printf("runner fails %s; the replay shows %zu difference(s)%s\n", name.c_str(),
                  differences_of(c, difference_class::harmless).size(), any_error(c) ? " and an error" : "");
      EXPECT_TRUE(any_error(c) || !differences_of(c, difference_class::vcenter_visible).empty()) << name;
    }
  }
  EXPECT_EQ(passed, files.size());
  EXPECT_EQ(result.summarize().identical, result.summarize().exchanges);
}

// What time kmipd thinks it is: the Time Stamp of its answer to a Discover Versions. The replay's injected clock
// is pinned to it, so the test does not depend on reading the same clock twice.
std::int64_t kmipd_now_us(const tests::kmipd::kmipd_process& p) {
  auto request = encoding::from_xml(R"(<RequestMessage><RequestHeader><ProtocolVersion>
      <ProtocolVersionMajor type="Integer" value="1"/><ProtocolVersionMinor type="Integer" value="4"/>
    </ProtocolVersion><BatchCount type="Integer" value="1"/></RequestHeader>
    <BatchItem><Operation type="Enumeration" value="DiscoverVersions"/><RequestPayload/></BatchItem>
  </RequestMessage>)");
  EXPECT_TRUE(request);
  auto bytes = ttlv::encode(*request);
  EXPECT_TRUE(bytes);
  auto ex = tls_connector(tests::kmipd::client_options(p))();
  EXPECT_TRUE(ex) << ex.error();
  if (!ex || !bytes) return 0;
  auto reply = (*ex)(*bytes);
  EXPECT_TRUE(reply) << reply.error();
  if (!reply) return 0;
  auto response = ttlv::decode_message(*reply);
  EXPECT_TRUE(response);
  auto stamp = response->root().find(tag::response_header)->find(tag::time_stamp);
  EXPECT_TRUE(stamp);
  return stamp ? stamp->as_date_time() * 1'000'000 : 0;
}

TEST(OasisReplay, ImportedOneDayReplayedTheNextStillPasses) {
  auto dir = tests::pki::temp_dir::create("oasis-import");
  ASSERT_TRUE(dir) << dir.error();
  const std::filesystem::path v14 = KMIPH_TESTDATA_DIR "/cosmian-kmip/profiles/v1.4-os/mandatory";
  const std::vector<std::filesystem::path> files{write_file(dir->path(), "DATES-1-14.xml", dates_case),
                                                 v14 / "SKLC-M-2-14.xml", v14 / "SKLC-M-3-14.xml"};
  auto kmipd = tests::kmipd::kmipd_process::create();
  ASSERT_TRUE(kmipd) << kmipd.error();
  auto failure = (*kmipd)->start();
  ASSERT_FALSE(failure) << *failure;
  const auto connect = tls_connector(tests::kmipd::client_options(**kmipd));

  // The runner passes the dates case against this kmipd: the case itself is sound.
  auto tc = load_test_case(files[0]);
  ASSERT_TRUE(tc) << tc.error();
  auto ex = connect();
  ASSERT_TRUE(ex) << ex.error();
  auto ran = run_test_case(*tc, *ex, {.now = [] { return system_now_us() / 1'000'000; }});
  EXPECT_EQ(ran.outcome, verdict::pass) << ran.to_string();

  // Imported "yesterday" (clock T), replayed "today" (clock T + 1 day, which is kmipd's now).
  const std::int64_t today = kmipd_now_us(**kmipd);
  ASSERT_GT(today, 0);
  const std::int64_t t = today - one_day_us;
  auto imported = import_oasis_cases(files, fixed(t));
  ASSERT_TRUE(imported) << imported.error();

  replay_options shifted;
  shifted.now_us = [today] { return today; };
  auto r = replay(imported->frames, connect, shifted);
  std::printf("shifted:\n");
  print(r);
  EXPECT_EQ(r.dates_shifted_by, 86'400);
  EXPECT_EQ(r.summarize().breaking, 0u);
  EXPECT_EQ(r.summarize().identical, r.summarize().exchanges);

  // The same trace with its dates sent as recorded: the key was deactivated an hour before "today" began, and
  // kmipd says so.
  replay_options as_recorded = shifted;
  as_recorded.dates = date_shift::none;
  auto stale = replay(imported->frames, connect, as_recorded);
  std::printf("dates as recorded:\n");
  print(stale);
  EXPECT_EQ(stale.dates_shifted_by, 0);
  ASSERT_EQ(stale.connections.size(), 3u);
  const auto& get = stale.connections[0].exchanges.at(1);
  ASSERT_EQ(get.differences.size(), 1u);
  EXPECT_EQ(get.differences[0].cls, difference_class::breaking);
  EXPECT_NE(get.differences[0].path.find("Attribute[0] / Attribute Value"), std::string::npos);  // State
  EXPECT_NE(get.replayed_text.find("Deactivated"), std::string::npos) << get.replayed_text;
  EXPECT_EQ(stale.summarize().breaking, 1u);

  // Response dates are compared, not masked: with x-Checked-At no longer marked in the request, it is sent as
  // recorded (a day old) while the expected response moves it to today + 20 s, far outside the tolerance.
  auto unmarked = imported->frames;
  auto& marks = unmarked.at(0).placeholders;
  ASSERT_EQ(marks.size(), 3u);
  ASSERT_EQ(marks.back().text, "$NOW+20");
  marks.pop_back();
  auto off = replay(unmarked, connect, shifted);
  std::printf("x-Checked-At not shifted:\n");
  print(off);
  const auto& echoed = off.connections.at(0).exchanges.at(1);
  ASSERT_EQ(echoed.differences.size(), 1u);
  EXPECT_NE(echoed.differences[0].path.find("Attribute[1] / Attribute Value"), std::string::npos);
  EXPECT_NE(echoed.differences[0].recorded.find("$NOW+20"), std::string::npos) << echoed.differences[0].recorded;
  EXPECT_EQ(echoed.differences[0].cls, difference_class::vcenter_visible);
}

// --shift-dates on recorded traffic (no marks): every Date-Time counts as relative and the shift is the time since
// vCenter's capture was made. Its only Date-Times are the Response Header Time Stamps (masked), so treating them
// as `$NOW+k` must change nothing: the verdict stays that of ReplayCaptures (54 identical, 4 improvements).
TEST(ReplayDates, ShiftingEveryDateOfARecordingKeepsItsVerdict) {
  auto kmipd = tests::kmipd::kmipd_process::create();
  ASSERT_TRUE(kmipd) << kmipd.error();
  auto failure = (*kmipd)->start();
  ASSERT_FALSE(failure) << *failure;
  auto log = import_pykmip_log(KMIPH_TESTDATA_DIR "/captures/vcenter-7.0.3-pykmip/vmware-2.log");
  ASSERT_TRUE(log) << log.error();
  replay_options all;
  all.dates = date_shift::all;
  auto r = replay(log->frames, tls_connector(tests::kmipd::client_options(**kmipd)), all);
  print(r);
  EXPECT_GT(r.dates_shifted_by, 365 * 86'400);
  const auto s = r.summarize();
  EXPECT_EQ(s.exchanges, 58u);
  EXPECT_EQ(s.breaking, 0u);
  EXPECT_EQ(s.identical, 54u);
}

// The command line end to end: cases imported by `record --import`, the trace replayed by `replay` over TLS.
TEST(OasisReplay, RecordImportThenReplayCommand) {
  auto kmipd = tests::kmipd::kmipd_process::create();
  ASSERT_TRUE(kmipd) << kmipd.error();
  auto failure = (*kmipd)->start();
  ASSERT_FALSE(failure) << *failure;
  const auto dir = (*kmipd)->dir();
  const auto dates = write_file(dir, "DATES-1-14.xml", dates_case);
  const auto trace = dir / "cases.trace";
  const auto output = dir / "harness.out";
  const auto exe = tests::kmipd::harness_executable().string();
  const std::string sklc = KMIPH_TESTDATA_DIR "/cosmian-kmip/profiles/v1.4-os/mandatory/SKLC-M-2-14.xml";
  int rc = tests::kmipd::run_program({exe, "record", "--import", dates.string(), sklc, "--out", trace.string()},
                                     output, 60s);
  ASSERT_EQ(rc, 0) << tests::kmipd::slurp(output);
  EXPECT_NE(tests::kmipd::slurp(output).find("20 frame(s)"), std::string::npos) << tests::kmipd::slurp(output);

  const auto& pki = (*kmipd)->pki();
  const std::vector<std::string> replay_args{exe, "replay", trace.string(), "--kms",
                                             "127.0.0.1:" + std::to_string((*kmipd)->kmip_port()), "--ca",
                                             pki.ca_cert.string(), "--cert", pki.client_cert.string(), "--key",
                                             pki.client_key.string()};
  rc = tests::kmipd::run_program(replay_args, output, 120s);
  const auto out = tests::kmipd::slurp(output);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("10 exchange(s): 10 identical, 0 harmless, 0 vcenter-visible, 0 breaking"), std::string::npos)
      << out;

  auto both = replay_args;
  both.insert(both.end(), {"--shift-dates", "--no-shift-dates"});
  rc = tests::kmipd::run_program(both, output, 60s);
  EXPECT_NE(rc, 0);
  EXPECT_NE(tests::kmipd::slurp(output).find("--no-shift-dates"), std::string::npos) << tests::kmipd::slurp(output);
}

}  // namespace
}  // namespace kmip::traffic
