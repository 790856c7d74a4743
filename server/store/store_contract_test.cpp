// The object_store contract (server/core/object_store.hpp), run against every persistent store: SQLite (a file
// in a temp folder) and PostgreSQL (a database of its own on the real test server, tests/postgres). Several
// store instances on the same data stand for several kmipd instances: records, versions, conflicts, atomic
// commits, Locate, concurrent writers that must lose nothing, and the engine's lifecycle across instances.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <functional>
#include <set>
#include <thread>

#include "server/core/audit.hpp"
#include "server/core/engine.hpp"
#include "server/store/postgres_store.hpp"
#include "server/store/sqlite_store.hpp"
#include "tests/pki/pki.hpp"
#include "tests/postgres/postgres_server.hpp"

namespace kmipd::store {
namespace {

namespace model = kmip::model;
using core::store_errc;

// The backing data of one test, and a way to open another store instance on it.
class backend {
 public:
  virtual ~backend() = default;
  virtual core::store_result<std::unique_ptr<core::object_store>> open() = 0;
};

class sqlite_backend final : public backend {
 public:
  explicit sqlite_backend(tests::pki::temp_dir dir) : dir_(std::move(dir)) {}
  core::store_result<std::unique_ptr<core::object_store>> open() override {
    auto s = sqlite_store::open({dir_.path() / "kmipd.sqlite", dir_.path() / "master.key"});
    if (!s) return common::unexpected(s.error());
    return std::unique_ptr<core::object_store>(std::move(*s));
  }

 private:
  tests::pki::temp_dir dir_;
};

class postgres_backend final : public backend {
 public:
  postgres_backend(tests::pki::temp_dir dir, std::string url) : dir_(std::move(dir)), url_(std::move(url)) {}
  core::store_result<std::unique_ptr<core::object_store>> open() override {
    auto s = postgres_store::open({url_, dir_.path() / "master.key"});
    if (!s) return common::unexpected(s.error());
    return std::unique_ptr<core::object_store>(std::move(*s));
  }

 private:
  tests::pki::temp_dir dir_;
  std::string url_;
};

struct store_kind {
  std::string name;
  std::function<common::expected<std::unique_ptr<backend>, std::string>(const std::string& test)> make;
};

// Test names and failure messages show the store's name, not the bytes of the parameter.
void PrintTo(const store_kind& k, std::ostream* os) { *os << k.name; }

std::string test_name() { return ::testing::UnitTest::GetInstance()->current_test_info()->name(); }

const store_kind kinds[] = {
    {"SQLite",
     [](const std::string&) -> common::expected<std::unique_ptr<backend>, std::string> {
       auto dir = tests::pki::temp_dir::create("kmipd-store-contract");
       if (!dir) return common::unexpected(dir.error());
       return std::unique_ptr<backend>(new sqlite_backend(std::move(*dir)));
     }},
    {"PostgreSQL",
     [](const std::string& test) -> common::expected<std::unique_ptr<backend>, std::string> {
       auto dir = tests::pki::temp_dir::create("kmipd-store-contract");
       if (!dir) return common::unexpected(dir.error());
       auto server = tests::postgres::shared();
       if (!server) return common::unexpected("PostgreSQL test server: " + server.error());
       auto db = tests::postgres::create_database(test);
       if (!db) return common::unexpected("creating a database: " + db.error());
       return std::unique_ptr<backend>(new postgres_backend(std::move(*dir), server->url(*db)));
     }},
};

class StoreContract : public ::testing::TestWithParam<store_kind> {
 protected:
  void SetUp() override {
    auto b = GetParam().make(test_name());
    ASSERT_TRUE(b) << b.error();
    backend_ = std::move(*b);
  }
  std::unique_ptr<core::object_store> open() {
    auto s = backend_->open();
    EXPECT_TRUE(s) << (s ? "" : s.error().message);
    return s ? std::move(*s) : nullptr;
  }
  std::unique_ptr<backend> backend_;
};

core::stored_object sample(std::string id, std::string owner = "alice",
                           kmip::spec::object_type type = kmip::spec::object_type::symmetric_key) {
  core::stored_object o;
  o.id = std::move(id);
  o.owner = std::move(owner);
  o.object_type = type;
  o.attributes = {model::attr::text("x-Vendor", "VMware, Inc."), model::attr::cryptographic_length(256)};
  o.key_material = common::secure_bytes(32, 0x5A);
  return o;
}

TEST_P(StoreContract, AnotherInstanceReadsEveryFieldBack) {
  auto a = open(), b = open();
  ASSERT_TRUE(a && b);
  auto o = sample("k1", "vcenter", kmip::spec::object_type::secret_data);
  o.secret_data_type = kmip::spec::secret_data_type::password;
  ASSERT_TRUE(a->put(o));
  auto none = sample("k2");
  none.key_material.clear();  // destroyed: no material
  ASSERT_TRUE(a->put(none));

  auto got = b->get("k1");
  ASSERT_TRUE(got && *got) << (got ? "absent" : got.error().message);
  EXPECT_EQ((*got)->id, "k1");
  EXPECT_EQ((*got)->version, 1);
  EXPECT_EQ((*got)->owner, "vcenter");
  EXPECT_EQ((*got)->object_type, kmip::spec::object_type::secret_data);
  EXPECT_EQ((*got)->secret_data_type, kmip::spec::secret_data_type::password);
  EXPECT_EQ((*got)->key_material, o.key_material);
  ASSERT_EQ((*got)->attributes.size(), 2u);
  EXPECT_EQ((*got)->attributes[0].text(), "VMware, Inc.");
  auto got2 = b->get("k2");
  ASSERT_TRUE(got2 && *got2);
  EXPECT_TRUE((*got2)->key_material.empty());
  EXPECT_FALSE((*got2)->secret_data_type);
  auto missing = b->get("nope");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(*missing);
}

TEST_P(StoreContract, VersionsRefuseStaleAndMissingWrites) {
  auto a = open(), b = open();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->put(sample("k1")));
  auto stale = **b->get("k1");
  auto fresh = stale;
  fresh.key_material.clear();
  ASSERT_TRUE(b->update(fresh));
  EXPECT_EQ((**a->get("k1")).version, 2);
  auto r = a->update(stale);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, store_errc::conflict) << r.error().message;
  EXPECT_TRUE((**a->get("k1")).key_material.empty()) << "the refused update changed the record";
  EXPECT_EQ(a->erase(stale).error().code, store_errc::conflict);
  EXPECT_EQ(a->put(sample("k1")).error().code, store_errc::already_exists);
  EXPECT_EQ(a->update(sample("ghost")).error().code, store_errc::not_found);
  EXPECT_EQ(a->erase(sample("ghost")).error().code, store_errc::not_found);
  auto current = **a->get("k1");
  ASSERT_TRUE(b->erase(current));
  EXPECT_FALSE(*a->get("k1"));
}

TEST_P(StoreContract, ACommitLandsWholeOrNotAtAll) {
  auto a = open();
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->put(sample("old")));
  auto stale = **a->get("old");
  stale.version = 7;
  auto r = a->commit({core::write_op::insert(sample("n1")), core::write_op::insert(sample("n2")),
                      core::write_op::update(stale)});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, store_errc::conflict);
  EXPECT_FALSE(*a->get("n1"));
  EXPECT_FALSE(*a->get("n2"));
  // A failing insert in the middle undoes the writes before it too.
  auto dup = a->commit({core::write_op::insert(sample("n3")), core::write_op::insert(sample("old"))});
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, store_errc::already_exists);
  EXPECT_FALSE(*a->get("n3"));
  // And the store is usable afterwards (the failed transaction is closed).
  ASSERT_TRUE(a->commit({core::write_op::insert(sample("n1")), core::write_op::insert(sample("n2"))}));
  EXPECT_TRUE(*a->get("n2"));
}

TEST_P(StoreContract, LocateFiltersAndKeepsCreationOrder) {
  auto a = open(), b = open();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->put(sample("z-first", "alice")));
  ASSERT_TRUE(b->put(sample("a-second", "bob")));
  ASSERT_TRUE(a->put(sample("m-third", "alice", kmip::spec::object_type::secret_data)));
  using ids = std::vector<std::string>;
  EXPECT_EQ(*a->locate({}), (ids{"z-first", "a-second", "m-third"}));
  EXPECT_EQ(*b->locate({std::nullopt, std::string("alice")}), (ids{"z-first", "m-third"}));
  EXPECT_EQ(*b->locate({kmip::spec::object_type::symmetric_key, std::nullopt}), (ids{"z-first", "a-second"}));
  EXPECT_EQ(*b->locate({kmip::spec::object_type::secret_data, std::string("bob")}), ids{});
}

// Two instances, two threads each, all adding their own attribute to one object by read-modify-write, retrying
// on conflict: every acknowledged update is in the final record, and the version counts them exactly.
TEST_P(StoreContract, ConcurrentWritersOnTwoInstancesLoseNothing) {
  std::unique_ptr<core::object_store> stores[2] = {open(), open()};
  ASSERT_TRUE(stores[0] && stores[1]);
  ASSERT_TRUE(stores[0]->put(sample("shared")));
  constexpr int threads = 4, per_thread = 15, max_attempts = 2000;
  std::atomic<int> conflicts{0}, failures{0};
  std::vector<std::string> errors(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      auto& s = *stores[t % 2];
      for (int i = 0; i < per_thread; ++i) {
        bool done = false;
        for (int attempt = 0; attempt < max_attempts && !done; ++attempt) {  // bounded retries
          auto o = s.get("shared");
          if (!o || !*o) {
            errors[t] = o ? "object vanished" : o.error().message;
            break;
          }
          auto rec = std::move(**o);
          rec.attributes.push_back(model::attr::text("x-writer", std::to_string(t) + "/" + std::to_string(i)));
          auto r = s.update(std::move(rec));
          if (r) done = true;
          else if (r.error().code == store_errc::conflict) ++conflicts;
          else {
            errors[t] = r.error().message;
            break;
          }
        }
        if (!done) {
          ++failures;
          return;
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  for (const auto& e : errors) EXPECT_EQ(e, "");
  ASSERT_EQ(failures.load(), 0);
  auto final_ = stores[1]->get("shared");
  ASSERT_TRUE(final_ && *final_);
  EXPECT_EQ((*final_)->version, 1 + threads * per_thread);
  std::set<std::string> seen;
  for (const auto& a : (*final_)->attributes)
    if (a.name == "x-writer") seen.insert(std::string(a.text().value_or("")));
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(threads * per_thread));
  EXPECT_EQ((*final_)->key_material, common::secure_bytes(32, 0x5A));
}

// Both instances create the same identifiers at the same moment: exactly one insert of each wins.
TEST_P(StoreContract, ConcurrentCreatesOfOneIdGiveOneObject) {
  std::unique_ptr<core::object_store> stores[2] = {open(), open()};
  ASSERT_TRUE(stores[0] && stores[1]);
  constexpr int rounds = 30;
  std::atomic<int> wins{0}, exists{0}, other{0};
  std::barrier sync(2);
  std::vector<std::thread> pool;
  for (int t = 0; t < 2; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < rounds; ++i) {
        sync.arrive_and_wait();
        auto o = sample("race-" + std::to_string(i), "owner-" + std::to_string(t));
        auto r = stores[t]->put(std::move(o));
        if (r) ++wins;
        else if (r.error().code == store_errc::already_exists) ++exists;
        else ++other;
      }
    });
  }
  for (auto& th : pool) th.join();
  EXPECT_EQ(wins.load(), rounds);
  EXPECT_EQ(exists.load(), rounds);
  EXPECT_EQ(other.load(), 0);
  auto all = stores[0]->locate({});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), static_cast<std::size_t>(rounds));
}

// The engine on two instances: created through one, activated and revoked through the other; State tells the
// truth on both.
TEST_P(StoreContract, EngineLifecycleAcrossInstances) {
  auto engine_on = [&](std::uint64_t seed) {
    auto s = open();
    return std::make_unique<core::engine>(
        core::engine_options{}, std::move(s),
        core::environment{std::make_shared<core::manual_clock>(1700000000), std::make_shared<common::seeded_random>(seed),
                          std::make_shared<core::memory_audit_sink>()});
  };
  auto one = [](core::engine& e, auto payload) {
    auto r = e.handle({{}, {model::make_request_item(std::move(payload))}}, {"vcenter", "127.0.0.1:1", "test"});
    return r.batch_items.at(0);
  };
  auto state_on = [&](core::engine& e, const std::string& id) {
    model::get_attributes_request g;
    g.unique_identifier = id;
    g.attribute_references = {{"State"}};
    auto r = one(e, g);
    EXPECT_EQ(r.result_status, kmip::spec::result_status::success) << r.result_message.value_or("");
    return std::get<model::get_attributes_response>(*r.payload).attributes.at(0).enum_value<kmip::spec::state>().value();
  };
  auto a = engine_on(1), b = engine_on(2);
  model::create_request c;
  c.template_attribute.attributes = {model::attr::cryptographic_algorithm(kmip::spec::cryptographic_algorithm::aes),
                                     model::attr::cryptographic_length(256)};
  auto created = one(*a, c);
  ASSERT_EQ(created.result_status, kmip::spec::result_status::success) << created.result_message.value_or("");
  const auto id = std::get<model::create_response>(*created.payload).unique_identifier;
  EXPECT_EQ(state_on(*b, id), kmip::spec::state::pre_active);
  model::activate_request act;
  act.unique_identifier = id;
  EXPECT_EQ(one(*b, act).result_status, kmip::spec::result_status::success);
  EXPECT_EQ(state_on(*a, id), kmip::spec::state::active);
  model::revoke_request rev;
  rev.unique_identifier = id;
  rev.revocation_reason.code = kmip::spec::revocation_reason_code::cessation_of_operation;
  auto revoked = one(*b, rev);
  EXPECT_EQ(revoked.result_status, kmip::spec::result_status::success) << revoked.result_message.value_or("");
  EXPECT_EQ(state_on(*a, id), kmip::spec::state::deactivated);
  EXPECT_EQ(state_on(*b, id), kmip::spec::state::deactivated);
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreContract, ::testing::ValuesIn(kinds),
                         [](const ::testing::TestParamInfo<store_kind>& i) { return i.param.name; });

}  // namespace
}  // namespace kmipd::store
