// Two real kmipd processes on one PostgreSQL database (the test server of tests/postgres), as an operator runs
// a KMS cluster: a key created through one is got, activated, revoked and edited through the other and the State
// both report is the truth; acknowledged writes survive `kill -9` of a kmipd; the database password in
// database_url reaches no log.
#include <gtest/gtest.h>

#include <barrier>
#include <set>
#include <thread>

#include "common/hex.hpp"
#include "kmip/client/client.hpp"
#include "kmip/client/typed.hpp"
#include "tests/kmipd/key_snapshot.hpp"
#include "tests/kmipd/kmipd_process.hpp"
#include "tests/postgres/postgres_server.hpp"

namespace tests::kmipd {
namespace {

namespace spec = kmip::spec;
namespace model = kmip::model;

std::string test_name() { return ::testing::UnitTest::GetInstance()->current_test_info()->name(); }

// Two kmipd processes (not started) on a fresh database, logging in as the password role; the second uses the
// first's master key file, which the first creates when it starts.
struct pair_of_kmipd {
  std::unique_ptr<kmipd_process> a, b;
};

common::expected<pair_of_kmipd, std::string> two_on_one_database() {
  auto server = tests::postgres::shared();
  if (!server) return common::unexpected("PostgreSQL test server: " + server.error());
  auto db = tests::postgres::create_database(test_name(), tests::postgres::password_role);
  if (!db) return common::unexpected("creating a database: " + db.error());
  process_options o;
  o.db_settings = {"database_type = \"postgresql\"", "database_url = \"" + server->password_url(*db) + "\""};
  auto a = kmipd_process::create(o);
  if (!a) return common::unexpected(a.error());
  o.master_key_file = (*a)->data_dir() / "master.key";
  auto b = kmipd_process::create(o);
  if (!b) return common::unexpected(b.error());
  return pair_of_kmipd{std::move(*a), std::move(*b)};
}

struct session {
  explicit session(const kmipd_process& p) : raw(kmip::client::connection(client_options(p))), c(raw) {}
  kmip::client::client raw;
  kmip::client::typed_client c;
};

spec::state state_of(kmip::client::typed_client& c, const std::string& id) {
  auto attrs = c.get_attributes(id, {"State"});
  EXPECT_TRUE(attrs && attrs->size() == 1) << (attrs ? "no State" : attrs.error().to_string());
  if (!attrs || attrs->empty()) return spec::state::destroyed;
  return attrs->front().enum_value<spec::state>().value_or(spec::state::destroyed);
}

TEST(KmipdPostgres, TwoInstancesServeOneKeySetAndStateIsTheTruthOnBoth) {
  auto kms = two_on_one_database();
  ASSERT_TRUE(kms) << kms.error();
  auto started = kms->a->start();
  ASSERT_FALSE(started) << *started;
  started = kms->b->start();
  ASSERT_FALSE(started) << *started;
  session a(*kms->a), b(*kms->b);
  ASSERT_TRUE(a.raw.conn().connect());
  ASSERT_TRUE(b.raw.conn().connect());

  auto id = a.c.create_symmetric_key(spec::cryptographic_algorithm::aes, 256,
                                     spec::cryptographic_usage_mask::encrypt | spec::cryptographic_usage_mask::decrypt,
                                     {model::attr::text("x-cluster", "created on a")});
  ASSERT_TRUE(id) << id.error().to_string();
  auto got_a = snapshot(a.c, *id);
  auto got_b = snapshot(b.c, *id);
  ASSERT_TRUE(got_a && got_b) << (got_a ? got_b.error() : got_a.error());
  EXPECT_EQ(common::to_hex(got_b->material), common::to_hex(got_a->material));
  EXPECT_EQ(got_b->attributes, got_a->attributes);
  EXPECT_EQ(state_of(b.c, *id), spec::state::pre_active);

  ASSERT_TRUE(b.c.activate(*id));
  EXPECT_EQ(state_of(a.c, *id), spec::state::active);
  auto again = a.c.activate(*id);  // a sees the Active state b wrote, so a second Activate is refused
  EXPECT_FALSE(again);

  ASSERT_TRUE(a.c.add_attribute(*id, model::attr::text("x-cluster", "edited on a")));
  auto names = b.c.get_attributes(*id, {"x-cluster"});
  ASSERT_TRUE(names) << names.error().to_string();
  EXPECT_EQ(names->size(), 2u);

  auto revoked = b.c.revoke(*id, spec::revocation_reason_code::cessation_of_operation, "retired");
  ASSERT_TRUE(revoked) << revoked.error().to_string();
  EXPECT_EQ(state_of(a.c, *id), spec::state::deactivated);
  EXPECT_EQ(state_of(b.c, *id), spec::state::deactivated);
  auto found = b.c.locate({model::attr::text("x-cluster", "created on a")});
  ASSERT_TRUE(found) << found.error().to_string();
  EXPECT_EQ(*found, std::vector<std::string>{*id});
  a.raw.conn().close();
  b.raw.conn().close();

  // The URL's password reached neither log (both log at trace), and each said where its store is.
  for (auto* p : {kms->a.get(), kms->b.get()}) {
    const auto log = slurp(p->log_file());
    EXPECT_EQ(log.find(tests::postgres::password), std::string::npos) << "password in " << p->log_file();
    EXPECT_NE(log.find("object store: PostgreSQL kmiph_pw@"), std::string::npos) << p->log();
  }
  EXPECT_EQ(kms->a->stop().value_or("not running"), "exit 0");
  EXPECT_EQ(kms->b->stop().value_or("not running"), "exit 0");
}

// Clients of both instances change one key at the same moment. Of two Activates exactly one succeeds; of the
// Add Attributes, each one acknowledged is in the final record (read through both instances) and each refused
// one was refused as a conflict, never lost silently.
TEST(KmipdPostgres, ConcurrentChangesThroughBothInstancesLoseNoAcknowledgedWrite) {
  auto kms = two_on_one_database();
  ASSERT_TRUE(kms) << kms.error();
  auto started = kms->a->start();
  ASSERT_FALSE(started) << *started;
  started = kms->b->start();
  ASSERT_FALSE(started) << *started;
  std::string id;
  {
    session a(*kms->a);
    ASSERT_TRUE(a.raw.conn().connect());
    auto created = a.c.create_symmetric_key();
    ASSERT_TRUE(created) << created.error().to_string();
    id = *created;
    a.raw.conn().close();
  }
  constexpr int rounds = 15;
  struct outcome {
    int activated = 0;
    std::vector<std::string> acknowledged, refusals;
    std::string error;
  };
  outcome out[2];
  std::barrier sync(2);
  std::vector<std::thread> clients;
  for (int t = 0; t < 2; ++t) {
    clients.emplace_back([&, t] {
      session s(t == 0 ? *kms->a : *kms->b);
      auto connected = s.raw.conn().connect();
      sync.arrive_and_wait();
      if (!connected) {
        out[t].error = connected.error().to_string();
        return;
      }
      if (s.c.activate(id)) ++out[t].activated;
      for (int i = 0; i < rounds; ++i) {
        sync.arrive_and_wait();
        const std::string value = std::to_string(t) + "/" + std::to_string(i);
        auto r = s.c.add_attribute(id, model::attr::text("x-edit", value));
        if (r) out[t].acknowledged.push_back(value);
        else out[t].refusals.push_back(r.error().to_string());
      }
      s.raw.conn().close();
    });
  }
  for (auto& c : clients) c.join();
  ASSERT_EQ(out[0].error + out[1].error, "");
  EXPECT_EQ(out[0].activated + out[1].activated, 1);
  std::set<std::string> acknowledged;
  for (const auto& o : out) {
    acknowledged.insert(o.acknowledged.begin(), o.acknowledged.end());
    for (const auto& why : o.refusals) EXPECT_NE(why.find("changed meanwhile"), std::string::npos) << why;
  }
  EXPECT_GE(acknowledged.size(), static_cast<std::size_t>(rounds));  // each round, at least the first writer wins
  for (auto* p : {kms->a.get(), kms->b.get()}) {
    session s(*p);
    ASSERT_TRUE(s.raw.conn().connect());
    EXPECT_EQ(state_of(s.c, id), spec::state::active);
    auto edits = s.c.get_attributes(id, {"x-edit"});
    ASSERT_TRUE(edits) << edits.error().to_string();
    std::set<std::string> stored;
    for (const auto& a : *edits) stored.insert(std::string(a.text().value_or("")));
    EXPECT_EQ(stored, acknowledged);
    s.raw.conn().close();
  }
  RecordProperty("acknowledged", static_cast<int>(acknowledged.size()));
}

TEST(KmipdPostgres, AcknowledgedKeysSurviveKill9OfAnInstance) {
  auto kms = two_on_one_database();
  ASSERT_TRUE(kms) << kms.error();
  auto started = kms->a->start();
  ASSERT_FALSE(started) << *started;
  started = kms->b->start();
  ASSERT_FALSE(started) << *started;

  auto created = create_keys(*kms->a, 12);
  ASSERT_TRUE(created) << created.error();
  kms->a->kill_hard();  // every Create was answered; no shutdown code runs now
  EXPECT_EQ(kms->a->last_exit(), "signal 9");

  auto check = [&](const kmipd_process& p, const char* who) {
    session s(p);
    ASSERT_TRUE(s.raw.conn().connect()) << who;
    for (const auto& k : *created) {
      auto after = snapshot(s.c, k.id);
      ASSERT_TRUE(after) << who << ": " << after.error();
      EXPECT_EQ(common::to_hex(after->material), common::to_hex(k.material)) << who << " " << k.id;
      EXPECT_EQ(after->attributes, k.attributes) << who << " " << k.id;
    }
    s.raw.conn().close();
  };
  check(*kms->b, "the other instance");
  started = kms->a->start();
  ASSERT_FALSE(started) << "restart after kill -9: " << *started;
  check(*kms->a, "the restarted instance");
}

}  // namespace
}  // namespace tests::kmipd
