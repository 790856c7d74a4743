// Issue 7's group commit against the real kmipd process with 2 I/O threads: 16 Creates on 16 connections at once
// share the WAL's fdatasync. A session waiting for its group's sync leaves its I/O thread to the other
// connections, so the group holds all 16 writers, not one per thread (docs/benchmarks.md, "Durability and group
// commit"). kmipd's TEST-ONLY test_first_sync_group holds the first sync until 16 writes wait for it, so the count
// does not depend on timing: with sessions that blocked their thread, no more than 2 could ever be waiting.
// Grouped or not, every acknowledged Create survives `kill -9`.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "kmip/client/client.hpp"
#include "kmip/client/typed.hpp"
#include "tests/kmipd/http_get.hpp"
#include "tests/kmipd/kmipd_process.hpp"

namespace tests::kmipd {
namespace {

// The value of one sample line of GET /metrics (`name{labels} value`), or -1 when absent.
long long metric(const std::string& text, const std::string& sample) {
  const auto at = text.find("\n" + sample + " ");
  if (at == std::string::npos) return -1;
  return std::stoll(text.substr(at + 1 + sample.size() + 1));
}

TEST(KmipdGroupCommit, SixteenCreatesOnSixteenConnectionsShareOneWalSync) {
  constexpr int n = 16;
  process_options o;
  o.threads = 2;
  o.kmipd_settings = {"test_first_sync_group = " + std::to_string(n)};
  auto kms = kmipd_process::create(o);
  ASSERT_TRUE(kms) << kms.error();
  auto started = (*kms)->start();
  ASSERT_FALSE(started) << *started;

  struct session {
    explicit session(const kmipd_process& p) : raw(kmip::client::connection(client_options(p))), c(raw) {}
    kmip::client::client raw;
    kmip::client::typed_client c;
    std::string id, error;
  };
  std::vector<std::unique_ptr<session>> sessions;
  for (int i = 0; i < n; ++i) {
    sessions.push_back(std::make_unique<session>(**kms));
    auto connected = sessions.back()->raw.conn().connect();
    ASSERT_TRUE(connected) << "connection " << i << ": " << connected.error().to_string();
  }
  {
    std::vector<std::jthread> clients;
    for (auto& s : sessions)
      clients.emplace_back([&s = *s] {
        auto id = s.c.create_symmetric_key();
        if (id) s.id = *id;
        else s.error = id.error().to_string();
      });
  }  // joined: every Create was answered
  for (int i = 0; i < n; ++i) ASSERT_TRUE(sessions[i]->error.empty()) << "Create " << i << ": " << sessions[i]->error;

  const std::string metrics = http_get((*kms)->http_port(), "/metrics");
  const long long writes = metric(metrics, "kmipd_synced_writes_total{file=\"wal\"}");
  const long long syncs = metric(metrics, "kmipd_fdatasync_total{file=\"wal\"}");
  EXPECT_EQ(writes, n) << metrics;
  EXPECT_GE(syncs, 1) << metrics;
  EXPECT_LT(syncs, n) << metrics;
  EXPECT_EQ(syncs, 1) << "the held first group should have covered every Create\n" << metrics;
  EXPECT_GE(metric(metrics, "kmipd_fdatasync_total{file=\"audit\"}"), 1) << metrics;

  // Acknowledged means durable: all 16 are there after a kill -9. (Get Attributes, not Get: a first Get writes,
  // clearing Fresh, and the restarted kmipd would hold that sync for 16 writes too.)
  for (auto& s : sessions) s->raw.conn().close();
  (*kms)->kill_hard();
  started = (*kms)->start();
  ASSERT_FALSE(started) << "restart on the same data folder: " << *started;
  session check(**kms);
  ASSERT_TRUE(check.raw.conn().connect());
  for (const auto& s : sessions) {
    auto got = check.c.get_attributes(s->id);
    EXPECT_TRUE(got) << s->id << ": " << got.error().to_string();
  }
  check.raw.conn().close();
  auto stopped = (*kms)->stop();
  EXPECT_EQ(stopped.value_or("not running"), "exit 0") << (*kms)->log();
}

}  // namespace
}  // namespace tests::kmipd
