// Issue 3's acceptance against the real kmipd process (kmipd_process.hpp): the vCenter 7.0.3 conversation of
// tests/testdata/captures/vcenter-7.0.3-pykmip/vmware-2.log replayed over TLS, Debian's PyKMIP 0.10 client,
// durability across `kill -9`, and no key material in anything kmipd writes. The refusals (bad input, TLS) are in
// kmipd_refusal_test.cpp.
//
// Each test starts its own kmipd on ephemeral ports in its own temp folder; every wait is bounded.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "common/hex.hpp"
#include "kmip/client/client.hpp"
#include "kmip/client/typed.hpp"
#include "kmip/model/attribute.hpp"
#include "kmip/ttlv/reader.hpp"
#include "kmip/ttlv/writer.hpp"
#include "tests/kmipd/key_snapshot.hpp"
#include "tests/kmipd/kmipd_process.hpp"
#include "tests/support/vectors.hpp"

namespace tests::kmipd {
namespace {

using namespace std::chrono_literals;
namespace spec = kmip::spec;
namespace ttlv = kmip::ttlv;
namespace model = kmip::model;
using bytes = std::vector<std::uint8_t>;


// Every Byte String tagged Key Material anywhere under `item`.
void collect_key_material(ttlv::item_view item, std::vector<bytes>& out) {
  if (item.type() == ttlv::item_type::structure) {
    for (auto child : item.children()) collect_key_material(child, out);
  } else if (item.is(spec::tag::key_material) && item.type() == ttlv::item_type::byte_string) {
    auto b = item.as_bytes();
    out.emplace_back(b.begin(), b.end());
  }
}

// A copy of `item` with every Unique Identifier text found in `ids` replaced by its mapping.
void copy_substituted(ttlv::item_view item, const std::map<std::string, std::string>& ids, ttlv::tree& out) {
  if (item.type() == ttlv::item_type::structure) {
    out.begin_structure(item.tag());
    for (auto child : item.children()) copy_substituted(child, ids, out);
    out.end_structure();
    return;
  }
  if (item.is(spec::tag::unique_identifier) && item.type() == ttlv::item_type::text_string) {
    if (auto it = ids.find(std::string(item.as_text())); it != ids.end()) {
      out.add_text(item.tag(), it->second);
      return;
    }
  }
  out.add_copy(item);
}

std::vector<ttlv::item_view> batch_items(const ttlv::tree& message) {
  std::vector<ttlv::item_view> out;
  for (auto child : message.root().children())
    if (child.is(spec::tag::batch_item)) out.push_back(child);
  return out;
}

std::optional<std::string> payload_uid(ttlv::item_view batch_item) {
  auto payload = batch_item.find(spec::tag::response_payload);
  if (!payload) return std::nullopt;
  auto uid = payload->find(spec::tag::unique_identifier);
  if (!uid || uid->type() != ttlv::item_type::text_string) return std::nullopt;
  return std::string(uid->as_text());
}

std::string hex(std::span<const std::uint8_t> b) { return common::to_hex(b); }

// The session number of the PyKMIP log line holding a captured message ("kmip.server.session.00000052").
std::string session_of(const std::vector<std::string>& lines, std::size_t line) {
  static const std::regex session(R"(kmip\.server\.session\.([0-9]+))");
  std::smatch m;
  if (line >= 1 && line <= lines.size() && std::regex_search(lines[line - 1], m, session)) return m[1].str();
  return {};
}

// ---- the vCenter 7.0.3 conversation ------------------------------------------------------------------------

struct replay_stats {
  std::size_t requests = 0;
  std::size_t batch_items = 0;
  std::size_t add_attribute_batches = 0;  // requests of 3 AddAttribute items
  std::size_t connections = 0;
  std::vector<bytes> key_material;        // from kmipd's Get responses
};

// Sends every request of vmware-2.log as recorded, each PyKMIP session on its own connection (opened before its
// first request, closed after its last, sessions interleaved as logged), substituting the recorded identifiers
// of created objects with kmipd's. Checks each response; failures are reported with the request's line.
void replay_vcenter_conversation(const kmipd_process& kms, replay_stats& stats) {
  const auto log = kmiph::testdata::root() / "captures/vcenter-7.0.3-pykmip/vmware-2.log";
  const auto messages = kmiph::testdata::capture_messages(log);
  ASSERT_FALSE(messages.empty()) << log;
  std::vector<std::string> lines;
  {
    std::istringstream in(slurp(log));
    for (std::string l; std::getline(in, l);) lines.push_back(l);
  }

  // Last request index of each session, and the recorded response of each request (the next response of its
  // session in the log).
  std::map<std::string, std::size_t> last_request;
  std::map<std::size_t, std::size_t> recorded_response;
  std::map<std::string, std::size_t> waiting;  // session -> request index awaiting its recorded response
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const std::string s = session_of(lines, messages[i].line);
    ASSERT_FALSE(s.empty()) << "no session on line " << messages[i].line;
    if (messages[i].request) {
      last_request[s] = i;
      waiting[s] = i;
    } else if (auto it = waiting.find(s); it != waiting.end()) {
      recorded_response[it->second] = i;
      waiting.erase(it);
    }
  }

  std::map<std::string, std::string> ids;  // recorded Unique Identifier -> kmipd's
  std::map<std::string, std::unique_ptr<kmip::client::connection>> open;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (!messages[i].request) continue;
    const std::string s = session_of(lines, messages[i].line);
    const std::string where = "request on line " + std::to_string(messages[i].line) + " (session " + s + ")";
    auto& conn = open[s];
    if (!conn) {
      conn = std::make_unique<kmip::client::connection>(client_options(kms));
      auto c = conn->connect();
      ASSERT_TRUE(c) << where << ": " << c.error().to_string();
      ++stats.connections;
    }

    auto recorded = ttlv::decode_message(messages[i].bytes);
    ASSERT_TRUE(recorded) << where << ": the capture does not decode";
    ttlv::tree request;
    copy_substituted(recorded->root(), ids, request);
    auto encoded = ttlv::encode(request);
    ASSERT_TRUE(encoded) << where;

    auto answer = conn->exchange(*encoded);
    ASSERT_TRUE(answer) << where << ": " << answer.error().to_string() << "\nrequest " << hex(*encoded);
    auto response = ttlv::decode_message(*answer);
    ASSERT_TRUE(response) << where << ": response does not decode: " << hex(*answer);
    ++stats.requests;

    // Response Header: Protocol Version 1.1, as the request's.
    auto header = response->root().find(spec::tag::response_header);
    ASSERT_TRUE(header) << where;
    auto version = header->find(spec::tag::protocol_version);
    ASSERT_TRUE(version) << where;
    EXPECT_EQ(version->find(spec::tag::protocol_version_major)->as_integer(), 1) << where;
    EXPECT_EQ(version->find(spec::tag::protocol_version_minor)->as_integer(), 1) << where;

    // Every batch item: Success, its Unique Batch Item ID echoed byte for byte, in order.
    const auto sent_items = batch_items(request);
    const auto got_items = batch_items(*response);
    ASSERT_EQ(got_items.size(), sent_items.size()) << where << "\nresponse " << hex(*answer);
    std::size_t add_attributes = 0;
    for (std::size_t k = 0; k < sent_items.size(); ++k) {
      ++stats.batch_items;
      const auto op = sent_items[k].find(spec::tag::operation)->as_enumeration();
      if (op == static_cast<std::uint32_t>(spec::operation::add_attribute)) ++add_attributes;
      auto status = got_items[k].find(spec::tag::result_status);
      ASSERT_TRUE(status) << where << " item " << k;
      std::string message;
      if (auto m = got_items[k].find(spec::tag::result_message)) message = std::string(m->as_text());
      EXPECT_EQ(status->as_enumeration(), static_cast<std::uint32_t>(spec::result_status::success))
          << where << " item " << k << " (operation " << op << "): " << message << "\nrequest " << hex(*encoded)
          << "\nresponse " << hex(*answer);
      auto sent_id = sent_items[k].find(spec::tag::unique_batch_item_id);
      auto got_id = got_items[k].find(spec::tag::unique_batch_item_id);
      ASSERT_EQ(sent_id.has_value(), got_id.has_value()) << where << " item " << k;
      if (sent_id) {
        EXPECT_EQ(hex(got_id->as_bytes()), hex(sent_id->as_bytes())) << where << " item " << k;
      }
      if (auto got_op = got_items[k].find(spec::tag::operation)) {
        EXPECT_EQ(got_op->as_enumeration(), op) << where << " item " << k;
      }
      collect_key_material(got_items[k], stats.key_material);

      // A created object: map the identifier the recorded server returned to the one kmipd returned.
      if (op == static_cast<std::uint32_t>(spec::operation::create) ||
          op == static_cast<std::uint32_t>(spec::operation::register_)) {
        auto rec = recorded_response.find(i);
        ASSERT_NE(rec, recorded_response.end()) << where << ": no recorded response";
        auto recorded_reply = ttlv::decode_message(messages[rec->second].bytes);
        ASSERT_TRUE(recorded_reply) << where;
        const auto recorded_items = batch_items(*recorded_reply);
        ASSERT_GT(recorded_items.size(), k) << where;
        auto old_id = payload_uid(recorded_items[k]);
        auto new_id = payload_uid(got_items[k]);
        ASSERT_TRUE(old_id && new_id) << where << ": Create without a Unique Identifier";
        ids[*old_id] = *new_id;
      }
    }
    if (add_attributes == 3 && sent_items.size() == 3) ++stats.add_attribute_batches;

    if (last_request[s] == i) {
      conn->close();
      open.erase(s);
    }
  }
  EXPECT_TRUE(open.empty());
  EXPECT_GE(ids.size(), 2u) << "the conversation creates two keys";
}

TEST(KmipdE2eTest, VcenterConversationOverTlsSucceedsItemByItem) {
  auto kms = kmipd_process::create();
  ASSERT_TRUE(kms) << kms.error();
  auto started = (*kms)->start();
  ASSERT_FALSE(started) << *started;

  replay_stats stats;
  replay_vcenter_conversation(**kms, stats);
  if (HasFailure()) std::cerr << (*kms)->log();
  EXPECT_EQ(stats.requests, 58u) << "requests in vmware-2.log";
  EXPECT_EQ(stats.add_attribute_batches, 4u) << "the capture holds four 3-item AddAttribute batches";
  EXPECT_EQ(stats.key_material.size(), 2u) << "vCenter Gets each of its two keys once";
  RecordProperty("requests", static_cast<int>(stats.requests));
  RecordProperty("connections", static_cast<int>(stats.connections));

  EXPECT_TRUE((*kms)->alive());
  auto stopped = (*kms)->stop();
  EXPECT_EQ(stopped.value_or("not running"), "exit 0") << (*kms)->log();
}

// ---- PyKMIP ------------------------------------------------------------------------------------------------

struct pykmip_run {
  int status = -1;
  std::string output;
  std::vector<bytes> key_material;  // "MATERIAL <hex>" lines
};

pykmip_run run_pykmip_client(const kmipd_process& kms) {
  pykmip_run r;
  const auto out = kms.dir() / "pykmip-client.txt";
  r.status = run_program({"/usr/bin/python3", pykmip_script().string(), "127.0.0.1", std::to_string(kms.kmip_port()),
                          kms.pki().client_cert.string(), kms.pki().client_key.string(), kms.pki().ca_cert.string()},
                         out, 60s);
  r.output = slurp(out);
  static const std::regex material(R"(MATERIAL ([0-9a-f]+))");
  for (std::sregex_iterator it(r.output.begin(), r.output.end(), material), end; it != end; ++it) {
    auto b = common::from_hex((*it)[1].str());
    if (b) r.key_material.push_back(*b);
  }
  return r;
}

TEST(KmipdE2eTest, PyKmipClientLifecycleAndSpecFailures) {
  auto kms = kmipd_process::create();
  ASSERT_TRUE(kms) << kms.error();
  auto started = (*kms)->start();
  ASSERT_FALSE(started) << *started;

  const pykmip_run r = run_pykmip_client(**kms);
  EXPECT_EQ(r.status, 0) << "pykmip_client.py output:\n" << r.output << (*kms)->log();
  EXPECT_NE(r.output.find("all PyKMIP checks passed"), std::string::npos) << r.output;
  EXPECT_EQ(r.key_material.size(), 2u) << r.output;
  RecordProperty("pykmip_output", r.output);
  auto stopped = (*kms)->stop();
  EXPECT_EQ(stopped.value_or("not running"), "exit 0") << (*kms)->log();
}

// ---- durability --------------------------------------------------------------------------------------------

TEST(KmipdE2eTest, KeysSurviveKill9WithIdenticalMaterialAndAttributes) {
  auto kms = kmipd_process::create();
  ASSERT_TRUE(kms) << kms.error();
  auto started = (*kms)->start();
  ASSERT_FALSE(started) << *started;

  constexpr int n = 20;
  auto created = create_keys(**kms, n);
  ASSERT_TRUE(created) << created.error();
  const std::vector<key_snapshot>& before = *created;
  ASSERT_EQ(before.size(), static_cast<std::size_t>(n));
  for (const auto& k : before) {
    ASSERT_TRUE(k.attributes.count("State[0]")) << k.id;
    ASSERT_TRUE(k.attributes.count("x-e2e-index[0]")) << k.id;
    ASSERT_TRUE(k.attributes.count("Cryptographic Algorithm[0]")) << k.id;
    ASSERT_TRUE(k.attributes.count("Cryptographic Length[0]")) << k.id;
  }

  // The responses were read: every Create was acknowledged. No shutdown code runs now.
  (*kms)->kill_hard();
  EXPECT_EQ((*kms)->last_exit(), "signal 9");
  started = (*kms)->start();
  ASSERT_FALSE(started) << "restart on the same data folder: " << *started;

  kmip::client::client raw{kmip::client::connection(client_options(**kms))};
  auto connected = raw.conn().connect();
  ASSERT_TRUE(connected) << connected.error().to_string();
  kmip::client::typed_client c{raw};
  for (const auto& k : before) {
    auto after = snapshot(c, k.id);
    ASSERT_TRUE(after) << after.error();
    EXPECT_EQ(hex(after->material), hex(k.material)) << k.id;
    EXPECT_EQ(after->attributes, k.attributes) << k.id;
  }
  // And the store goes on: nothing was left half-written.
  auto more = c.create_symmetric_key();
  EXPECT_TRUE(more) << more.error().to_string();
  raw.conn().close();
  auto stopped = (*kms)->stop();
  EXPECT_EQ(stopped.value_or("not running"), "exit 0") << (*kms)->log();
}

// ---- key material never written ----------------------------------------------------------------------------

// Names each file in which any of `secrets` appears as raw bytes or as lower- or upper-case hex.
std::vector<std::string> find_secrets(const std::vector<std::filesystem::path>& files,
                                      const std::vector<bytes>& secrets) {
  std::vector<std::string> found;
  for (const auto& f : files) {
    const std::string content = slurp(f);
    for (const auto& s : secrets) {
      const std::string raw(s.begin(), s.end());
      const std::string forms[] = {raw, common::to_hex(s), common::to_hex_upper(s)};
      const char* names[] = {"raw bytes", "lower-case hex", "upper-case hex"};
      for (int k = 0; k < 3; ++k)
        if (content.find(forms[k]) != std::string::npos)
          found.push_back(f.filename().string() + ": " + names[k] + " of key " + common::to_hex(s));
    }
  }
  return found;
}

TEST(KmipdE2eTest, KeyMaterialNeverInLogsAuditOrDatabase) {
  auto kms = kmipd_process::create();
  ASSERT_TRUE(kms) << kms.error();
  auto started = (*kms)->start();
  ASSERT_FALSE(started) << *started;

  std::vector<bytes> secrets;
  // vCenter's conversation (Create, Get, attributes), our typed client (Create, Activate, Get, x- attributes),
  // a Register of known material, and PyKMIP's whole lifecycle.
  replay_stats stats;
  ASSERT_NO_FATAL_FAILURE(replay_vcenter_conversation(**kms, stats));
  secrets.insert(secrets.end(), stats.key_material.begin(), stats.key_material.end());
  auto created = create_keys(**kms, 6);
  ASSERT_TRUE(created) << created.error();
  const std::vector<key_snapshot>& keys = *created;
  for (const auto& k : keys) secrets.push_back(k.material);
  {
    kmip::client::client raw{kmip::client::connection(client_options(**kms))};
    ASSERT_TRUE(raw.conn().connect());
    kmip::client::typed_client c{raw};
    bytes material(32);
    for (std::size_t i = 0; i < material.size(); ++i) material[i] = static_cast<std::uint8_t>(0xA5 ^ (i * 37));
    model::register_request reg;
    reg.object = model::symmetric_key::raw(spec::cryptographic_algorithm::aes, material);
    reg.template_attribute.attributes.push_back(model::attr::integer(
        "Cryptographic Usage Mask", spec::cryptographic_usage_mask::encrypt | spec::cryptographic_usage_mask::decrypt));
    auto registered = c.execute(std::move(reg));
    ASSERT_TRUE(registered) << registered.error().to_string();
    auto s = snapshot(c, registered->unique_identifier);
    ASSERT_TRUE(s) << s.error();
    EXPECT_EQ(hex(s->material), hex(material));
    secrets.push_back(material);
    raw.conn().close();
  }
  const pykmip_run py = run_pykmip_client(**kms);
  ASSERT_EQ(py.status, 0) << py.output;
  secrets.insert(secrets.end(), py.key_material.begin(), py.key_material.end());
  ASSERT_GE(secrets.size(), 11u);

  // While running (the WAL holds the recent writes), after kill -9 and a restart (recovery), and after a clean
  // stop (everything flushed, the WAL checkpointed).
  auto leaks = find_secrets((*kms)->written_files(), secrets);
  EXPECT_TRUE(leaks.empty()) << ::testing::PrintToString(leaks);
  (*kms)->kill_hard();
  started = (*kms)->start();
  ASSERT_FALSE(started) << *started;
  {
    kmip::client::client raw{kmip::client::connection(client_options(**kms))};
    ASSERT_TRUE(raw.conn().connect());
    kmip::client::typed_client c{raw};
    for (const auto& k : keys) EXPECT_TRUE(c.get(k.id)) << k.id;
    raw.conn().close();
  }
  leaks = find_secrets((*kms)->written_files(), secrets);
  EXPECT_TRUE(leaks.empty()) << ::testing::PrintToString(leaks);
  auto stopped = (*kms)->stop();
  EXPECT_EQ(stopped.value_or("not running"), "exit 0");
  leaks = find_secrets((*kms)->written_files(), secrets);
  EXPECT_TRUE(leaks.empty()) << ::testing::PrintToString(leaks);

  // The scan looked at something: kmipd logged and audited this activity.
  EXPECT_GT(slurp((*kms)->audit_file()).size(), 1000u);
  EXPECT_GT(slurp((*kms)->log_file()).size(), 1000u);
  RecordProperty("secrets_checked", static_cast<int>(secrets.size()));
}

// ---- the operator's certificates ---------------------------------------------------------------------------

TEST(KmipdE2eTest, ServesTheCertificatesOfKmipHarnessCertsToAVcenterClientCertificate) {
  process_options o;
  o.harness_certs = true;
  auto kms = kmipd_process::create(o);
  ASSERT_TRUE(kms) << kms.error();
  auto started = (*kms)->start();
  ASSERT_FALSE(started) << *started;
  const auto certs = (*kms)->dir() / "harness-certs";
  auto options = client_options(**kms, certs / "vcenter.crt", certs / "vcenter.key");
  options.tls.ca_files = {(certs / "ca.crt").string()};
  kmip::client::client raw{kmip::client::connection(options)};
  auto connected = raw.conn().connect();
  ASSERT_TRUE(connected) << connected.error().to_string() << (*kms)->log();
  kmip::client::typed_client c{raw};
  auto id = c.create_symmetric_key();
  ASSERT_TRUE(id) << id.error().to_string();
  EXPECT_TRUE(c.get(*id));
  raw.conn().close();
  auto stopped = (*kms)->stop();
  EXPECT_EQ(stopped.value_or("not running"), "exit 0") << (*kms)->log();
}

}  // namespace
}  // namespace tests::kmipd
