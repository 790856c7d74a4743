// PostgreSQL store specifics, against the real test server (tests/postgres); the contract shared with SQLite is
// store_contract_test.cpp. Errors name what failed and never show the password; the schema version and the master
// key are checked; instances starting together set the schema up once; a dropped connection is re-established;
// key material is nowhere in the cluster's files in the clear.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <barrier>
#include <filesystem>
#include <fstream>
#include <thread>

#include "server/store/postgres_store.hpp"
#include "tests/pki/pki.hpp"
#include "tests/postgres/postgres_server.hpp"

namespace kmipd::store {
namespace {

namespace fs = std::filesystem;

std::string test_name() { return ::testing::UnitTest::GetInstance()->current_test_info()->name(); }

class PostgresStore : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = tests::pki::temp_dir::create("kmipd-pg-store");
    ASSERT_TRUE(dir) << dir.error();
    dir_ = std::make_unique<tests::pki::temp_dir>(std::move(*dir));
    auto server = tests::postgres::shared();
    ASSERT_TRUE(server) << server.error();
    server_ = *server;
    auto db = tests::postgres::create_database(test_name(), tests::postgres::password_role);
    ASSERT_TRUE(db) << db.error();
    db_ = *db;
  }
  postgres_options options(std::string url = {}) const {
    return {url.empty() ? server_.url(db_) : std::move(url), dir_->path() / "master.key"};
  }
  std::unique_ptr<tests::pki::temp_dir> dir_;
  tests::postgres::server_info server_;
  std::string db_;
};

core::stored_object sample(std::string id) {
  core::stored_object o;
  o.id = std::move(id);
  o.owner = "alice";
  o.attributes = {kmip::model::attr::cryptographic_length(256)};
  o.key_material = common::secure_bytes(32, 0x3C);
  return o;
}

bool contains(const std::string& haystack, std::string_view needle) { return haystack.find(needle) != std::string::npos; }

TEST(PostgresStoreUrl, PasswordsAreRedacted) {
  EXPECT_EQ(redact_database_url("postgresql://kms:s3cret@db:5432/kms"), "postgresql://kms:***@db:5432/kms");
  EXPECT_EQ(redact_database_url("postgres://kms:p%40ss@db/kms?sslmode=require"),
            "postgres://kms:***@db/kms?sslmode=require");
  EXPECT_EQ(redact_database_url("postgresql://kms@db/kms?password=s3cret&sslmode=require"),
            "postgresql://kms@db/kms?password=***&sslmode=require");
  EXPECT_EQ(redact_database_url("host=db user=kms password='it\\'s secret' dbname=kms"),
            "host=db user=kms password=*** dbname=kms");
  EXPECT_EQ(redact_database_url("postgresql://db/kms"), "postgresql://db/kms");
}

TEST_F(PostgresStore, ConnectionRefusedNamesTheServerNotThePassword) {
  // A bound but not listening port: connecting to it is refused, deterministically.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const auto port = std::to_string(ntohs(addr.sin_port));
  auto s = postgres_store::open(options("postgresql://kms:Refused-Pw-123@127.0.0.1:" + port + "/kms"));
  ::close(fd);
  ASSERT_FALSE(s);
  const auto& m = s.error().message;
  EXPECT_TRUE(contains(m, "kms@127.0.0.1:" + port + "/kms")) << m;
  EXPECT_TRUE(contains(m, "cannot connect")) << m;
  EXPECT_TRUE(contains(m, "Connection refused")) << m;
  EXPECT_FALSE(contains(m, "Refused-Pw-123")) << m;
}

TEST_F(PostgresStore, AuthenticationFailureNamesTheRole) {
  auto url = server_.password_url(db_);
  const auto pw = std::string(tests::postgres::password);
  url.replace(url.find(pw), pw.size(), "Wrong-Pw-456");
  auto s = postgres_store::open(options(url));
  ASSERT_FALSE(s);
  const auto& m = s.error().message;
  EXPECT_TRUE(contains(m, "password authentication failed for user \"kmiph_pw\"")) << m;
  EXPECT_FALSE(contains(m, "Wrong-Pw-456")) << m;
  // The right password works, and the store's description of where it is still holds no password.
  auto ok = postgres_store::open(options(server_.password_url(db_)));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_FALSE(contains((*ok)->where(), pw)) << (*ok)->where();
  EXPECT_TRUE(contains((*ok)->where(), "kmiph_pw@")) << (*ok)->where();
}

TEST_F(PostgresStore, UnknownDatabaseAndBadUrlAreNamed) {
  auto s = postgres_store::open(options(server_.url("no_such_db")));
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.error().message, "database \"no_such_db\" does not exist")) << s.error().message;
  auto bad = postgres_store::open(options("postgresql://kms:Bad-Url-Pw@db:notaport/kms"));
  ASSERT_FALSE(bad);
  EXPECT_TRUE(contains(bad.error().message, "port")) << bad.error().message;
  EXPECT_FALSE(contains(bad.error().message, "Bad-Url-Pw")) << bad.error().message;
  auto empty = postgres_store::open(options(" "));
  ASSERT_FALSE(empty);
}

TEST_F(PostgresStore, NewerSchemaIsRefused) {
  ASSERT_TRUE(postgres_store::open(options()));
  ASSERT_TRUE(tests::postgres::execute(server_.url(db_), "UPDATE kmipd_schema_version SET version = 99"));
  auto s = postgres_store::open(options());
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.error().message, "schema version 99, newer than this kmipd")) << s.error().message;
  EXPECT_TRUE(contains(s.error().message, db_)) << s.error().message;
}

TEST_F(PostgresStore, WrongMasterKeyIsRefused) {
  auto first = postgres_store::open(options());
  ASSERT_TRUE(first);
  ASSERT_TRUE((*first)->put(sample("k1")));
  auto other = options();
  other.master_key = dir_->path() / "other.key";
  auto s = postgres_store::open(other);
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.error().message, "another master key")) << s.error().message;
  // A sealed value moved to another row does not open either (the id is its additional data).
  ASSERT_TRUE((*first)->put(sample("k2")));
  ASSERT_TRUE(tests::postgres::execute(
      server_.url(db_), "UPDATE kmipd_objects SET material = (SELECT material FROM kmipd_objects WHERE id = 'k1')"
                        " WHERE id = 'k2'"));
  auto moved = (*first)->get("k2");
  ASSERT_FALSE(moved);
  EXPECT_EQ(moved.error().code, core::store_errc::corrupt);
  EXPECT_TRUE(contains(moved.error().message, "object k2")) << moved.error().message;
}

TEST_F(PostgresStore, InstancesStartingTogetherSetTheSchemaUpOnce) {
  // Also the master key file: none exists yet, every instance may try to create it, all must end up with one key.
  constexpr int n = 4;
  std::vector<std::string> errors(n);
  std::vector<std::thread> pool;
  std::barrier go(n);
  for (int i = 0; i < n; ++i)
    pool.emplace_back([&, i] {
      go.arrive_and_wait();
      auto s = postgres_store::open(options());
      if (!s) errors[i] = s.error().message;
      else if (auto ok = (*s)->put(sample("from-" + std::to_string(i))); !ok) errors[i] = ok.error().message;
    });
  for (auto& t : pool) t.join();
  for (const auto& e : errors) EXPECT_EQ(e, "");
  auto s = postgres_store::open(options());
  ASSERT_TRUE(s);
  EXPECT_EQ((*s)->locate({})->size(), static_cast<std::size_t>(n));
}

TEST_F(PostgresStore, ReconnectsAfterTheServerDropsTheConnection) {
  auto s = postgres_store::open(options());
  ASSERT_TRUE(s);
  ASSERT_TRUE((*s)->put(sample("k1")));
  ASSERT_TRUE(tests::postgres::execute(server_.url("postgres"),
                                       "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" +
                                           db_ + "' AND application_name = 'kmipd'"));
  auto got = (*s)->get("k1");  // the first use notices the loss, reconnects and prepares again
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_TRUE(*got);
  EXPECT_EQ((*got)->key_material, common::secure_bytes(32, 0x3C));
  ASSERT_TRUE(tests::postgres::execute(server_.url("postgres"),
                                       "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" +
                                           db_ + "' AND application_name = 'kmipd'"));
  EXPECT_TRUE((*s)->put(sample("k2")));  // a commit reconnects before it begins
  EXPECT_EQ((*s)->locate({})->size(), 2u);
}

// The files of the whole cluster (tables, WAL), after a checkpoint: a copy of them leaks no key.
TEST_F(PostgresStore, KeyMaterialIsNotInTheClusterFiles) {
  auto s = postgres_store::open(options());
  ASSERT_TRUE(s);
  std::vector<common::secure_bytes> keys;
  for (int i = 0; i < 8; ++i) {
    auto o = sample("k" + std::to_string(i));
    for (std::size_t b = 0; b < o.key_material.size(); ++b)
      o.key_material[b] = static_cast<std::uint8_t>(0xA0 + i * 7 + b * 13);
    keys.push_back(o.key_material);
    ASSERT_TRUE((*s)->put(std::move(o)));
  }
  ASSERT_TRUE(tests::postgres::execute(server_.url("postgres"), "CHECKPOINT"));
  std::size_t scanned = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(server_.dir / "data", ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::ifstream in(it->path(), std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(in), {}};
    scanned += bytes.size();
    for (const auto& k : keys)
      ASSERT_EQ(bytes.find(std::string(k.begin(), k.end())), std::string::npos) << "key material in " << it->path();
  }
  EXPECT_GT(scanned, 1000000u) << "the scan read the cluster's files";
  // And the store still reads every key back.
  auto got = (*s)->get("k3");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->key_material, keys[3]);
}

}  // namespace
}  // namespace kmipd::store
