// kmipd's engine on its production stack — the object cache over SQLite with group commit, the file audit sink
// with its own syncer — driven from several client threads at once, as kmipd's I/O threads drive it: writers
// alone, readers together (a first Get redone alone, as it clears Fresh), answers given from the WAL's and the
// audit log's syncer threads, and the fdatasync counters read meanwhile, as GET /metrics reads them. The
// outcome is checked exactly; make test-tsan runs it for data races between all of those threads.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "server/core/audit.hpp"
#include "server/core/engine.hpp"
#include "server/store/caching_store.hpp"
#include "server/store/sqlite_store.hpp"

namespace kmipd::store {
namespace {

namespace fs = std::filesystem;
namespace model = kmip::model;
using kmip::spec::result_reason;
using kmip::spec::result_status;

struct temp_dir {
  fs::path path;
  temp_dir() {
    char tmpl[] = "/tmp/kmipd-threads-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~temp_dir() { fs::remove_all(path); }
};

model::create_request aes256() {
  model::create_request c;
  c.template_attribute.attributes = {model::attr::cryptographic_algorithm(kmip::spec::cryptographic_algorithm::aes),
                                     model::attr::cryptographic_length(256)};
  return c;
}

template <class Request>
Request on(const std::string& id) {
  Request r;
  r.unique_identifier = id;
  return r;
}

std::size_t lines_of(const fs::path& p) {
  std::ifstream in(p);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

// What one client thread saw that it should not have; empty when everything was as expected.
struct client_log {
  std::vector<std::string> problems;
  void expect(bool ok, const std::string& what) {
    if (!ok) problems.push_back(what);
  }
};

TEST(EngineThreads, ClientsOnEveryPathOfTheProductionStackGetExactAnswers) {
  constexpr int clients = 4, rounds = 10;
  temp_dir dir;
  sqlite_options so{dir.path / "kmipd.db", dir.path / "master.key"};
  so.group_commit = true;
  auto sqlite = sqlite_store::open(so);
  ASSERT_TRUE(sqlite) << sqlite.error().message;
  core::group_sync* wal = (*sqlite)->group_commit();
  ASSERT_NE(wal, nullptr);
  auto audit = std::make_shared<core::file_audit_sink>(dir.path / "audit.jsonl");
  core::engine e({}, std::make_unique<caching_store>(std::move(*sqlite), 16),
                 core::environment{std::make_shared<core::manual_clock>(), std::make_shared<common::seeded_random>(9),
                                   audit});

  std::vector<client_log> logs(clients);
  std::atomic<bool> clients_done{false};
  std::atomic<bool> more_syncs_than_writes{false};
  {
    // Reads the counters as GET /metrics does, until the clients are done (bounded all the same). A sync runs
    // only for a write not yet synced, and both only grow: syncs read first never exceed writes read after.
    std::jthread metrics([&] {
      for (int i = 0; i < 100000 && !clients_done; ++i)
        if (wal->syncs() > wal->writes() || audit->syncs().syncs() > audit->syncs().writes())
          more_syncs_than_writes = true;
    });
    std::vector<std::jthread> workers;
    for (int t = 0; t < clients; ++t)
      workers.emplace_back([&, t] {
        client_log& log = logs[t];
        const core::request_context ctx{"client" + std::to_string(t), "127.0.0.1:1", "test"};
        auto one = [&](model::request_batch_item item) {
          auto r = e.handle({{}, {std::move(item)}}, ctx);
          return r.batch_items.size() == 1 ? std::move(r.batch_items[0]) : model::response_batch_item{};
        };
        for (int round = 0; round < rounds; ++round) {
          const std::string where = "client " + std::to_string(t) + " round " + std::to_string(round) + ": ";
          auto created = one(model::make_request_item(aes256()));
          if (created.result_status != result_status::success || !created.payload) {
            log.expect(false, where + "Create failed");
            continue;
          }
          const std::string id = std::get<model::create_response>(*created.payload).unique_identifier;
          // The first Get clears Fresh (a write: redone alone); the second is a read among readers (a cache hit).
          auto first = one(model::make_request_item(on<model::get_request>(id)));
          auto second = one(model::make_request_item(on<model::get_request>(id)));
          log.expect(first.result_status == result_status::success && first.payload, where + "first Get failed");
          log.expect(second.result_status == result_status::success && second.payload, where + "second Get failed");
          if (first.payload && second.payload) {
            const auto& a = std::get<model::symmetric_key>(std::get<model::get_response>(*first.payload).object);
            const auto& b = std::get<model::symmetric_key>(std::get<model::get_response>(*second.payload).object);
            log.expect(a.key_block.raw_key_material() && a.key_block.raw_key_material()->size() == 32,
                       where + "no 32-byte key");
            log.expect(a.key_block.raw_key_material() && b.key_block.raw_key_material() &&
                           *a.key_block.raw_key_material() == *b.key_block.raw_key_material(),
                       where + "two Gets of one key differ");
          }
          auto located = one(model::make_request_item(model::locate_request{}));
          bool found = false;
          if (located.result_status == result_status::success && located.payload)
            for (const auto& u : std::get<model::locate_response>(*located.payload).unique_identifiers)
              found = found || u == id;
          log.expect(found, where + "Locate does not list the key just created");
          if (round % 2 == 1) {
            auto destroyed = one(model::make_request_item(on<model::destroy_request>(id)));
            log.expect(destroyed.result_status == result_status::success, where + "Destroy failed");
            auto gone = one(model::make_request_item(on<model::get_request>(id)));
            log.expect(gone.result_reason == result_reason::item_not_found, where + "Get after Destroy found it");
          }
        }
      });
    workers.clear();  // joins
    clients_done = true;
  }

  EXPECT_FALSE(more_syncs_than_writes);
  for (const auto& log : logs)
    for (const auto& p : log.problems) ADD_FAILURE() << p;
  constexpr int created = clients * rounds, destroyed = clients * (rounds / 2);
  auto left = e.store().locate({});
  ASSERT_TRUE(left) << left.error().message;
  // Destroy keeps the object (State Destroyed) and drops its key material.
  ASSERT_EQ(left->size(), static_cast<std::size_t>(created));
  int without_material = 0;
  for (const auto& id : *left) {
    auto o = e.store().get(id);
    ASSERT_TRUE(o && *o) << id;
    if ((*o)->key_material.empty()) ++without_material;
  }
  EXPECT_EQ(without_material, destroyed);
  // Commits announced to the WAL's group commit: each Create, each first Get (Fresh), each Destroy.
  EXPECT_EQ(wal->writes(), static_cast<std::uint64_t>(created + created + destroyed));
  EXPECT_GE(wal->syncs(), 1u);
  EXPECT_LE(wal->syncs(), wal->writes());
  // One audit line per message: Create, two Gets and Locate each round, Destroy and a Get every other round.
  EXPECT_EQ(lines_of(dir.path / "audit.jsonl"), static_cast<std::size_t>(4 * created + 2 * destroyed));
}

}  // namespace
}  // namespace kmipd::store
