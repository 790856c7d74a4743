// file_audit_sink on a real file: concurrent requests append whole lines without a lock of ours, a batch is
// written in order, and the fsync policy decides which records wait for fdatasync.
#include "server/core/audit.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace kmipd::core {
namespace {

namespace fs = std::filesystem;

class FileAuditSink : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("kmiph-audit-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<std::string> lines() const {
    std::ifstream in(dir_ / "audit.jsonl");
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }

  static audit_record get(const std::string& identity, int i) {
    return {1700000000, identity, "127.0.0.1:1", "tls", "Get", "key-" + std::to_string(i), "Success", std::nullopt};
  }

  fs::path dir_;
};

TEST_F(FileAuditSink, ConcurrentRequestsWriteWholeLines) {
  constexpr int threads = 8, per_thread = 500;
  {
    file_audit_sink sink(dir_ / "audit.jsonl", file_audit_sink::fsync_policy::never);
    std::vector<std::jthread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&sink, t] {
        for (int i = 0; i < per_thread; ++i) {
          // Half single records, half batches of two: both paths append.
          if (i % 2) {
            sink.record(get("writer-" + std::to_string(t), i));
          } else {
            std::atomic<bool> done{false};
            sink.record_async({get("writer-" + std::to_string(t), i), get("writer-" + std::to_string(t), i + 1000)},
                              [&done] { done = true; });
            EXPECT_TRUE(done.load()) << "nothing to sync: done at once, on this thread";
          }
        }
      });
  }
  std::set<std::string> seen;
  std::map<std::string, int> last_batch_first;  // a batch's two lines are adjacent and in order
  const auto all = lines();
  for (const auto& l : all) {
    ASSERT_TRUE(l.starts_with("{\"time\":") && l.ends_with("}")) << "torn line: " << l;
    EXPECT_TRUE(seen.insert(l).second) << "written twice: " << l;
  }
  EXPECT_EQ(all.size(), static_cast<std::size_t>(threads * (per_thread + per_thread / 2)));
  for (std::size_t i = 0; i + 1 < all.size(); ++i) {
    const auto pos = all[i].find("\"object\":\"key-");
    if (pos == std::string::npos) continue;
    const int n = std::stoi(all[i].substr(pos + 14));
    if (n % 2 == 0 && n < 1000) {  // the first record of a batch: its second follows at once
      const std::string expected_second = "\"object\":\"key-" + std::to_string(n + 1000) + "\"";
      const std::string identity = all[i].substr(all[i].find("\"identity\":"), 22);
      EXPECT_NE(all[i + 1].find(expected_second), std::string::npos) << all[i] << "\n" << all[i + 1];
      EXPECT_NE(all[i + 1].find(identity), std::string::npos) << all[i] << "\n" << all[i + 1];
    }
  }
}

TEST_F(FileAuditSink, MutationsAndFailuresWaitForASyncReadsDoNot) {
  file_audit_sink sink(dir_ / "audit.jsonl", file_audit_sink::fsync_policy::mutations);
  sink.record(get("vcenter", 1));
  EXPECT_EQ(sink.syncs().writes(), 0u) << "a successful Get is not synced under `mutations`";
  audit_record create = get("vcenter", 2);
  create.operation = "Create";
  sink.record(create);
  EXPECT_EQ(sink.syncs().writes(), 1u);
  EXPECT_GE(sink.syncs().syncs(), 1u) << "record() returns once the line is on disk";
  audit_record failed = get("vcenter", 3);
  failed.result_status = "Operation Failed";
  failed.result_reason = "Item Not Found";
  std::promise<void> synced;
  sink.record_async({failed}, [&synced] { synced.set_value(); });
  // Runs on the syncer thread once the group's fdatasync is done; bounded wait, not a timing assertion.
  ASSERT_EQ(synced.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_EQ(sink.syncs().writes(), 2u);
  EXPECT_EQ(lines().size(), 3u);
}

}  // namespace
}  // namespace kmipd::core
