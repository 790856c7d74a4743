// SQLite store: durability across an unclean exit, master key handling, key material sealed at rest, errors
// naming the file, and the engine running on it. What every store must do (records, versions, conflicts, two
// instances) is store_contract_test.cpp, run against SQLite and PostgreSQL.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include <sqlite3.h>

#include "server/core/audit.hpp"
#include "server/core/engine.hpp"
#include "server/store/sqlite_store.hpp"

namespace kmipd::store {
namespace {

namespace fs = std::filesystem;
namespace model = kmip::model;

struct temp_dir {
  fs::path path;
  temp_dir() {
    char tmpl[] = "/tmp/kmipd-store-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~temp_dir() { fs::remove_all(path); }
  sqlite_options options() const { return {path / "kmipd.db", path / "master.key"}; }
};

std::unique_ptr<core::engine> engine_on(const sqlite_options& o, std::uint64_t seed) {
  auto s = sqlite_store::open(o);
  EXPECT_TRUE(s) << (s ? "" : s.error().message);
  return std::make_unique<core::engine>(
      core::engine_options{}, std::move(*s),
      core::environment{std::make_shared<core::manual_clock>(), std::make_shared<common::seeded_random>(seed),
                        std::make_shared<core::memory_audit_sink>()});
}

model::create_request aes256() {
  model::create_request c;
  c.template_attribute.attributes = {model::attr::cryptographic_algorithm(kmip::spec::cryptographic_algorithm::aes),
                                     model::attr::cryptographic_length(256)};
  return c;
}

std::string file_contents(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(SqliteStore, AcknowledgedCreatesSurviveAnUncleanExit) {
  temp_dir dir;
  constexpr int n = 20;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // create N keys, then die without closing anything
    ::close(fds[0]);
    auto e = engine_on(dir.options(), 7);
    for (int i = 0; i < n; ++i) {
      auto r = e->handle({{}, {model::make_request_item(aes256())}}, {"vcenter", "", "test"});
      auto id = std::get<model::create_response>(*r.batch_items.at(0).payload).unique_identifier + "\n";
      if (::write(fds[1], id.data(), id.size()) < 0) ::_exit(2);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string ids;
  char buf[256];
  for (ssize_t k; (k = ::read(fds[0], buf, sizeof buf)) > 0;) ids.append(buf, static_cast<std::size_t>(k));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  // The same random seed gives the same key bytes: regenerate what the child must have stored.
  common::seeded_random replay(7);
  auto s = sqlite_store::open(dir.options());
  ASSERT_TRUE(s) << s.error().message;
  std::size_t pos = 0;
  for (int i = 0; i < n; ++i) {
    auto nl = ids.find('\n', pos);
    ASSERT_NE(nl, std::string::npos);
    const auto id = ids.substr(pos, nl - pos);
    pos = nl + 1;
    std::uint8_t uuid[16];
    replay.fill(uuid);
    common::secure_bytes expected(32);
    replay.fill(expected);
    auto o = (*s)->get(id);
    ASSERT_TRUE(o && *o) << id;
    EXPECT_EQ((*o)->key_material, expected);
    EXPECT_EQ((*o)->owner, "vcenter");
    EXPECT_NE(model::find_attribute((*o)->attributes, "Cryptographic Length"), nullptr);
  }
}

// kmipd's setting: Creates leave the engine's lock before their commit is durable and share the WAL's fdatasync.
// The first group's leader is held until every Create has committed, so grouping does not depend on timing:
// one sync covers all of them, each is answered only after it, and a fresh store on the file has them all.
TEST(SqliteStore, ConcurrentCreatesShareOneWalSyncAndAreAllStored) {
  using namespace std::chrono_literals;
  temp_dir dir;
  constexpr int n = 8;
  auto o = dir.options();
  o.group_commit = true;
  auto s = sqlite_store::open(o);
  ASSERT_TRUE(s) << s.error().message;
  core::group_sync* group = (*s)->group_commit();
  ASSERT_NE(group, nullptr);
  std::atomic<bool> all_committed{false};
  group->set_before_sync([&] { all_committed = group->await_writes(n, 10s); });
  core::engine e(core::engine_options{}, std::move(*s),
                 core::environment{std::make_shared<core::manual_clock>(), std::make_shared<common::seeded_random>(5),
                                   std::make_shared<core::memory_audit_sink>()});
  std::vector<std::string> ids(n);
  {
    std::vector<std::jthread> clients;
    for (int i = 0; i < n; ++i)
      clients.emplace_back([&, i] {
        auto r = e.handle({{}, {model::make_request_item(aes256())}}, {"vcenter", "", "test"});
        if (r.batch_items.size() == 1 && r.batch_items[0].result_status == kmip::spec::result_status::success)
          ids[i] = std::get<model::create_response>(*r.batch_items[0].payload).unique_identifier;
      });
  }
  EXPECT_TRUE(all_committed);
  EXPECT_EQ(group->writes(), static_cast<std::uint64_t>(n));
  EXPECT_EQ(group->syncs(), 1u);  // one fdatasync of the WAL for n Creates
  auto fresh = sqlite_store::open(dir.options());
  ASSERT_TRUE(fresh) << fresh.error().message;
  for (const auto& id : ids) {
    ASSERT_FALSE(id.empty());
    auto got = (*fresh)->get(id);
    ASSERT_TRUE(got && *got) << id;
    EXPECT_EQ((*got)->key_material.size(), 32u);
  }
}

TEST(SqliteStore, KeyMaterialIsNotInTheDatabaseFile) {
  temp_dir dir;
  std::vector<common::secure_bytes> keys;
  {
    auto e = engine_on(dir.options(), 11);
    for (int i = 0; i < 10; ++i) {
      auto r = e->handle({{}, {model::make_request_item(aes256())}}, {"alice", "", "test"});
      model::get_request g;
      g.unique_identifier = std::get<model::create_response>(*r.batch_items.at(0).payload).unique_identifier;
      auto got = e->handle({{}, {model::make_request_item(g)}}, {"alice", "", "test"});
      const auto& k = std::get<model::symmetric_key>(std::get<model::get_response>(*got.batch_items[0].payload).object);
      keys.push_back(*k.key_block.raw_key_material());
    }
  }
  std::string files = file_contents(dir.path / "kmipd.db") + file_contents(dir.path / "kmipd.db-wal");
  ASSERT_GT(files.size(), 1000u);
  for (const auto& k : keys) EXPECT_EQ(files.find(std::string(k.begin(), k.end())), std::string::npos);
}

TEST(SqliteStore, MasterKeyIsCreated0600AndLaxPermissionsRefused) {
  temp_dir dir;
  ASSERT_TRUE(sqlite_store::open(dir.options()));
  struct stat st{};
  ASSERT_EQ(::stat((dir.path / "master.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  for (mode_t lax : {0640, 0604, 0660}) {
    ::chmod((dir.path / "master.key").c_str(), lax);
    auto s = sqlite_store::open(dir.options());
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find("master.key"), std::string::npos) << s.error().message;
  }
}

TEST(SqliteStore, WrongMasterKeyAndCorruptFileNameTheFile) {
  temp_dir dir;
  ASSERT_TRUE(sqlite_store::open(dir.options()));
  auto other = dir.options();
  other.master_key = dir.path / "other.key";
  auto s = sqlite_store::open(other);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("kmipd.db"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("master key"), std::string::npos) << s.error().message;

  auto junk = dir.options();
  junk.database = dir.path / "junk.db";
  std::ofstream(junk.database) << std::string(4096, 'x');
  auto c = sqlite_store::open(junk);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("junk.db"), std::string::npos) << c.error().message;
}

TEST(SqliteStore, NewerSchemaIsRefused) {
  temp_dir dir;
  ASSERT_TRUE(sqlite_store::open(dir.options()));
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir.path / "kmipd.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "UPDATE schema_version SET version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  auto s = sqlite_store::open(dir.options());
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("schema version 99"), std::string::npos);
}

}  // namespace
}  // namespace kmipd::store
