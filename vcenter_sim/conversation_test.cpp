// The 7.0 profile's requests match vCenter 7.0.3's (capture W1, tests/testdata/captures/vcenter-7.0.3-pykmip/
// vmware-2.log) message by message: every connection vcenter_sim opens carries a request sequence that one captured
// session carries, byte for byte once Unique Identifiers and the per-object x-Identifier/x-Name values are masked
// (they name objects of another KMS and another inventory). Also the 6.7 (no tagging) and 8.0 (credentials)
// variants, and the Unique Batch Item ID scheme.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>

#include "common/hex.hpp"
#include "tests/support/vectors.hpp"
#include "vcenter_sim/test_kms.hpp"
#include "vcenter_sim/vcenter.hpp"

namespace vcenter_sim {
namespace {

namespace model = kmip::model;
using namespace std::chrono_literals;

// The request with its identifiers masked, as hex.
std::string masked(std::span<const std::uint8_t> bytes) {
  auto m = model::request_from_bytes(bytes);
  EXPECT_TRUE(m.has_value()) << (m ? "" : m.error().to_string());
  if (!m) return {};
  for (auto& item : m->batch_items) {
    std::visit(
        [](auto& p) {
          if constexpr (requires { p.unique_identifier = std::string("UID"); }) {
            if constexpr (requires { p.unique_identifier.has_value(); }) {
              if (p.unique_identifier) p.unique_identifier = std::string("UID");
            } else {
              p.unique_identifier = std::string("UID");
            }
          }
          if constexpr (std::is_same_v<std::decay_t<decltype(p)>, model::add_attribute_request>) {
            if (p.attribute.name == "x-Identifier" || p.attribute.name == "x-Name")
              p.attribute = model::attr::text(p.attribute.name, "MASKED");
          }
        },
        item.payload);
  }
  auto b = model::to_bytes(*m);
  return b ? common::to_hex(*b) : std::string{};
}

// Captured sessions: the masked request sequence of every session that carried KMIP requests.
std::set<std::vector<std::string>> captured_sessions() {
  const auto log = kmiph::testdata::root() / "captures/vcenter-7.0.3-pykmip/vmware-2.log";
  std::vector<std::string> lines;
  {
    std::ifstream in(log);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
  }
  std::map<std::string, std::vector<std::string>> by_session;
  for (const auto& m : kmiph::testdata::capture_messages(log)) {
    if (!m.request) continue;
    const std::string& l = lines.at(m.line - 1);
    auto at = l.find("session.");
    EXPECT_NE(at, std::string::npos) << l;
    if (at == std::string::npos) continue;
    by_session[l.substr(at + 8, 8)].push_back(masked(m.bytes));
  }
  std::set<std::vector<std::string>> out;
  for (auto& [s, seq] : by_session) out.insert(seq);
  return out;
}

struct recording {
  std::mutex mutex;
  std::map<std::uint64_t, std::vector<std::string>> requests;  // by connection
  std::map<std::uint64_t, std::vector<common::secure_bytes>> raw;
  void attach(key_provider& kp) {
    kp.set_recorder([this](const wire_event& e) {
      std::lock_guard lock(mutex);
      if (e.what == wire_event::kind::request) {
        requests[e.connection].push_back(masked(e.request));
        raw[e.connection].push_back(e.request);
      }
    });
  }
};

// The 7.0.3 story of W1: add the KMS, encrypt VM test01 on host 172.16.220.132 with host encryption mode, power
// it on after a reboot (fetch), and a health poll.
TEST(Conversation, Profile70MatchesTheCaptureMessageByMessage) {
  testing::test_kms kms;
  kms.start_listener();
  key_provider kp(kms.provider(profile::vcenter_7_0));
  recording rec;
  rec.attach(kp);
  common::seeded_random rnd(70);
  vcenter vc(kp, rnd, {kms.datastore()});
  ASSERT_TRUE(vc.add_kms()) << vc.add_kms().error().to_string();
  vc.add_host("172.16.220.132");
  ASSERT_TRUE(vc.enable_host_encryption("172.16.220.132"));
  auto created = vc.create_encrypted_vm("172.16.220.132", {"test01", {1u << 16}, 4096, 1u << 16, {}});
  ASSERT_TRUE(created) << created.error().to_string();
  ASSERT_TRUE(vc.reboot_host("172.16.220.132"));
  ASSERT_TRUE(vc.power_on("test01"));
  vc.advance(300s);
  ASSERT_EQ(vc.polls().size(), 1u);
  EXPECT_TRUE(vc.polls()[0].ok);

  const auto captured = captured_sessions();
  ASSERT_GE(captured.size(), 5u);
  std::set<std::vector<std::string>> shapes;
  // A fetch of a key that is already Active (power-on after the reboot) ends after GetAttributes(State): the
  // capture never fetched an Active key, so that connection must be a captured fetch minus its final Activate.
  auto fetch_of_active_key = [&](const std::vector<std::string>& seq) {
    for (const auto& c : captured) {
      if (c.size() != seq.size() + 1 || !std::equal(seq.begin(), seq.end(), c.begin())) continue;
      auto last = model::request_from_bytes(*common::from_hex(c.back()));
      if (last && last->batch_items.front().operation == kmip::spec::operation::activate) return true;
    }
    return false;
  };
  std::size_t active_fetches = 0;
  for (const auto& [conn, seq] : rec.requests) {
    const bool twin = captured.contains(seq);
    if (!twin && fetch_of_active_key(seq)) {
      ++active_fetches;
      continue;
    }
    EXPECT_TRUE(twin) << "connection " << conn << " (" << seq.size()
                      << " requests) has no captured twin; first: " << seq.front();
    shapes.insert(seq);
  }
  EXPECT_EQ(active_fetches, 2u);  // the host key after the reboot, test01's KEK at power-on
  // Connection test, vendor lookup, Create, product tags, fetch with Activate, host identity tags, VM identity
  // tags: seven distinct captured session shapes.
  EXPECT_EQ(shapes.size(), 7u);

  // Every connection opens with the 104-byte empty Discover Versions without a batch ID; later items carry QLKC n.
  for (const auto& [conn, seq] : rec.raw) {
    ASSERT_FALSE(seq.empty());
    EXPECT_EQ(seq.front().size(), 104u);
    auto first = model::request_from_bytes(seq.front());
    ASSERT_TRUE(first);
    EXPECT_FALSE(first->batch_items.front().unique_batch_item_id);
    EXPECT_EQ(first->header.protocol_version.major, 1);
    EXPECT_EQ(first->header.protocol_version.minor, 1);
    for (std::size_t i = 1; i < seq.size(); ++i) {
      auto m = model::request_from_bytes(seq[i]);
      ASSERT_TRUE(m);
      EXPECT_FALSE(m->header.authentication);
      for (std::size_t j = 0; j < m->batch_items.size(); ++j)
        EXPECT_EQ(m->batch_items[j].unique_batch_item_id, key_provider::batch_id(static_cast<std::uint32_t>(j + 1)));
    }
  }
}

TEST(Conversation, BatchIdsAreQlkcAndALittleEndianCounter) {
  EXPECT_EQ(common::to_hex(key_provider::batch_id(1)), "514c4b4301000000");
  EXPECT_EQ(common::to_hex(key_provider::batch_id(3)), "514c4b4303000000");
  EXPECT_EQ(common::to_hex(key_provider::batch_id(0x0102)), "514c4b4302010000");
}

std::set<kmip::spec::operation> operations_sent(const recording& rec, bool* any_credential) {
  std::set<kmip::spec::operation> ops;
  for (const auto& [c, seq] : rec.raw)
    for (const auto& b : seq) {
      auto m = model::request_from_bytes(b);
      if (!m) continue;
      if (m->header.authentication && any_credential) *any_credential = true;
      for (const auto& i : m->batch_items) ops.insert(i.operation);
    }
  return ops;
}

TEST(Conversation, Profile67DoesNotTag) {
  testing::test_kms kms;
  kms.start_listener();
  key_provider kp(kms.provider(profile::vcenter_6_7));
  recording rec;
  rec.attach(kp);
  auto k = kp.generate_key({"42aa", "Virtual Machine", "vm"});
  ASSERT_TRUE(k) << k.error().to_string();
  bool cred = false;
  auto ops = operations_sent(rec, &cred);
  EXPECT_FALSE(ops.contains(kmip::spec::operation::add_attribute));
  EXPECT_EQ(rec.raw.size(), 2u);  // Create; Get, State, Activate
  for (const auto& [c, seq] : rec.raw)
    for (const auto& b : seq)
      if (auto m = model::request_from_bytes(b))
        if (auto* g = std::get_if<model::get_attributes_request>(&m->batch_items.front().payload)) {
          ASSERT_EQ(g->attribute_references.size(), 1u);
          EXPECT_EQ(g->attribute_references[0].name, "State");
        }
  EXPECT_TRUE(ops.contains(kmip::spec::operation::activate));
  EXPECT_FALSE(cred);
}

TEST(Conversation, Profile80SendsCredentialsOnKeyOperationsOnly) {
  testing::test_kms kms;
  kms.start_listener();
  auto o = kms.provider(profile::vcenter_8_0);
  o.username = "vSphere";
  o.password = "password";
  key_provider kp(o);
  recording rec;
  rec.attach(kp);
  auto k = kp.generate_key({"42bb", "Virtual Machine", "vm_test"});
  ASSERT_TRUE(k) << k.error().to_string();
  for (const auto& [c, seq] : rec.raw)
    for (const auto& b : seq) {
      auto m = model::request_from_bytes(b);
      ASSERT_TRUE(m);
      const auto op = m->batch_items.front().operation;
      bool state_query = false;
      if (auto* g = std::get_if<model::get_attributes_request>(&m->batch_items.front().payload))
        state_query = g->attribute_references.size() == 1 && g->attribute_references[0].name == "State";
      const bool key_op = op == kmip::spec::operation::create || op == kmip::spec::operation::get ||
                          op == kmip::spec::operation::activate || state_query;
      EXPECT_EQ(m->header.authentication.has_value(), key_op) << kmip::spec::name_of(op);
      if (auto* a = std::get_if<model::add_attribute_request>(&m->batch_items.front().payload)) {
        if (a->attribute.name == "x-Product_Version") {
          EXPECT_EQ(a->attribute.text(), "8.0.1 build-21560480");
        }
      }
    }
}

}  // namespace
}  // namespace vcenter_sim
