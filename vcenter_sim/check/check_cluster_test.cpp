// VC-CLUSTER-01 against real kmipd clusters: two kmipd processes on one PostgreSQL database (the server of the
// `postgres` CTest fixture, tests/postgres) PASS it, checked with both `--kms`; two kmipd processes on separate
// SQLite stores FAIL it. Both processes of a pair serve the same certificates (the first one's test PKI, copied
// over the second's before it starts), as the nodes of one KMS cluster do for vCenter.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/kmipd/kmipd_process.hpp"
#include "tests/postgres/postgres_server.hpp"
#include "vcenter_sim/check/check.hpp"

namespace vcenter_sim::check {
namespace {

using namespace std::chrono_literals;
using tests::kmipd::kmipd_process;

std::string test_name() { return ::testing::UnitTest::GetInstance()->current_test_info()->name(); }

std::string summary(const reports::run& r) {
  std::string s;
  for (const auto& suite : r.suites)
    for (const auto& c : suite.cases)
      s += std::string(reports::to_string(c.verdict)) + " " + c.name + (c.message.empty() ? "" : ": " + c.message) + "\n";
  return s;
}

const reports::case_result* find_case(const reports::run& r, std::string_view id) {
  for (const auto& s : r.suites)
    for (const auto& c : s.cases)
      if (case_id(c) == id) return &c;
  return nullptr;
}

struct node_pair {
  std::unique_ptr<kmipd_process> a, b;
};

// Two kmipd processes, started, serving a's certificates. `db`: the [db] lines of both (empty: each its own
// SQLite file); `shared_master_key`: b uses a's master key file (needed on a shared database).
common::expected<node_pair, std::string> start_pair(std::vector<std::string> db, bool shared_master_key) {
  tests::kmipd::process_options o;
  o.key = tests::pki::key_type::rsa_2048;
  o.db_settings = std::move(db);
  auto a = kmipd_process::create(o);
  if (!a) return common::unexpected(a.error());
  if (shared_master_key) o.master_key_file = (*a)->data_dir() / "master.key";
  auto b = kmipd_process::create(o);
  if (!b) return common::unexpected(b.error());
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator((*a)->pki().dir, ec)) {
    if (!f.is_regular_file()) continue;
    std::filesystem::copy_file(f.path(), (*b)->pki().dir / f.path().filename(),
                               std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) return common::unexpected("copying " + f.path().string() + ": " + ec.message());
  }
  if (ec) return common::unexpected("listing " + (*a)->pki().dir.string() + ": " + ec.message());
  if (auto e = (*a)->start(10s)) return common::unexpected("first kmipd: " + *e);
  if (auto e = (*b)->start(10s)) return common::unexpected("second kmipd: " + *e);
  return node_pair{std::move(*a), std::move(*b)};
}

check_options options_for(const node_pair& n) {
  check_options o;
  o.kms = {"kmipd-a", "127.0.0.1", n.a->kmip_port()};
  o.second_kms = kms_server{"kmipd-b", "127.0.0.1", n.b->kmip_port()};
  o.ca_files = {n.a->pki().ca_cert.string()};
  o.identity = {n.a->pki().client_cert.string(), n.a->pki().client_key.string()};
  o.connect_timeout = 3s;
  o.io_timeout = 5s;
  o.scale_keys = 2;
  o.latency_polls = 1;
  return o;
}

TEST(CheckAgainstKmipdCluster, TwoNodesOnOnePostgresDatabasePass) {
  auto server = tests::postgres::shared();
  ASSERT_TRUE(server) << server.error();
  auto db = tests::postgres::create_database(test_name(), tests::postgres::password_role);
  ASSERT_TRUE(db) << db.error();
  auto nodes = start_pair({"database_type = \"postgresql\"", "database_url = \"" + server->password_url(*db) + "\""},
                          true);
  ASSERT_TRUE(nodes) << nodes.error();
  auto report = run_checks(options_for(*nodes));
  const auto* c = find_case(report, "VC-CLUSTER-01");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->verdict, reports::verdict::pass) << summary(report);
}

TEST(CheckAgainstKmipdCluster, TwoNodesOnSeparateStoresFail) {
  auto nodes = start_pair({}, false);
  ASSERT_TRUE(nodes) << nodes.error();
  auto report = run_checks(options_for(*nodes));
  const auto* c = find_case(report, "VC-CLUSTER-01");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->verdict, reports::verdict::fail) << summary(report);
  EXPECT_NE(c->message.find("Get on the second KMS failed"), std::string::npos) << c->message;
}

}  // namespace
}  // namespace vcenter_sim::check
