// Interop with an implementation nobody here wrote: Debian's PyKMIP 0.10 server (python3-pykmip), started on an
// ephemeral port with certificates generated for the test, asked Discover Versions by our client.
//
// Setup and pitfalls: reference/pykmip-peer.md. In short: run it with /usr/bin/python3 (pykmip-server's shebang);
// its TLS1.2 auth suite is TLS 1.2 only, with AEAD suites for ECDSA certificates only (RSA certificates get CBC
// suites, among them AES128-SHA256 that vCenter 7.0.3 negotiated); client certificates need the clientAuth EKU;
// after SIGTERM it takes up to 10 s to leave (its accept() times out every 10 s), and its two helper processes
// keep the port if only the main process dies. So the server gets its own process group; stopping it sends SIGINT
// (which, unlike SIGTERM, interrupts the accept() at once), waits a bounded time, then SIGKILLs the whole group.
//
// If the server cannot be started, the test fails with the server's log; it never skips.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "kmip/client/client.hpp"
#include "kmip/client/typed.hpp"
#include "kmip/net/testing/fixtures.hpp"
#include "tests/pki/pki.hpp"

extern char** environ;

namespace kmip::client {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using tests::pki::key_type;
using steady = std::chrono::steady_clock;

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A free TCP port on 127.0.0.1 at the time of asking (PyKMIP takes a port number, not a socket).
std::uint16_t free_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

bool accepts_connections(std::uint16_t port) {
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  boost::system::error_code ec;
  s.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  return !ec;
}

// One PyKMIP server process (group) with its files in a temp directory.
class pykmip_server {
 public:
  pykmip_server() = default;
  pykmip_server(const pykmip_server&) = delete;
  pykmip_server& operator=(const pykmip_server&) = delete;
  ~pykmip_server() { stop(); }

  // Writes the configuration, starts the server and waits (at most `deadline`) until it accepts connections.
  // On failure returns what went wrong with the server's output and log.
  std::optional<std::string> start(const tests::pki::files& pki, const std::filesystem::path& dir,
                                   std::chrono::seconds deadline) {
    dir_ = dir;
    std::filesystem::create_directories(dir / "policies");
    port_ = free_port();
    {
      std::ofstream conf(dir / "server.conf");
      conf << "[server]\n"
           << "hostname=127.0.0.1\n"
           << "port=" << port_ << "\n"
           << "certificate_path=" << pki.server_cert.string() << "\n"
           << "key_path=" << pki.server_key.string() << "\n"
           << "ca_path=" << pki.ca_cert.string() << "\n"
           << "auth_suite=TLS1.2\n"
           << "policy_path=" << (dir / "policies").string() << "\n"
           << "enable_tls_client_auth=True\n"
           << "logging_level=INFO\n"
           << "database_path=" << (dir / "pykmip.db").string() << "\n";
    }
    const std::string conf = (dir / "server.conf").string();
    const std::string log = (dir / "server.log").string();
    const std::string out = (dir / "stdout-stderr.txt").string();

    // pykmip-server is a Python entry point with /usr/bin/python3 as interpreter (not the python3 on PATH).
    std::vector<std::string> argv;
    if (::access("/usr/bin/pykmip-server", X_OK) == 0) {
      argv = {"/usr/bin/pykmip-server", "-f", conf, "-l", log};
    } else {
      argv = {"/usr/bin/python3", "-m", "kmip.services.server.server", "-f", conf, "-l", log};
    }
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);

    // Orphans of the server (its multiprocessing helpers, once it is gone) come to this process to be reaped,
    // instead of lingering as zombies under init.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);  // its own group, so that stop() reaches its helper processes too
    const int rc = posix_spawn(&pid_, args[0], &actions, &attr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
      pid_ = -1;
      return "cannot start " + argv[0] + ": " + std::generic_category().message(rc);
    }

    const auto give_up = steady::now() + deadline;
    while (steady::now() < give_up) {  // bounded by the deadline
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return "PyKMIP server exited during start-up (status " + std::to_string(status) + ")\n" + logs();
      }
      if (accepts_connections(port_)) return std::nullopt;
      std::this_thread::sleep_for(50ms);  // polling interval, not synchronisation: the loop ends on an event
    }
    return "PyKMIP server did not accept connections on port " + std::to_string(port_) + " within " +
           std::to_string(deadline.count()) + " s\n" + logs();
  }

  // SIGINT to the server (it interrupts accept() at once, unlike SIGTERM, and shuts down cleanly), up to 5 s to
  // leave, then SIGKILL to its whole group for whatever is left, and every process of the group reaped (the test
  // process is their subreaper). Bounded; idempotent.
  void stop() {
    if (pid_ <= 0) return;
    const pid_t group = pid_;
    ::kill(pid_, SIGINT);
    int status = 0;
    bool exited = false;
    for (const auto give_up = steady::now() + 5s; steady::now() < give_up;) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited = true;
        break;
      }
      std::this_thread::sleep_for(20ms);  // polling interval; the loop ends when the process does
    }
    graceful_ = exited;
    ::kill(-group, SIGKILL);  // the helpers that outlive it (and the server itself if it hung)
    if (!exited) ::waitpid(pid_, &status, 0);
    for (const auto give_up = steady::now() + 5s; steady::now() < give_up;) {
      const pid_t r = ::waitpid(-group, &status, WNOHANG);
      if (r < 0) break;  // ECHILD: none of the group is left
      if (r == 0) std::this_thread::sleep_for(10ms);
    }
    pid_ = -1;
  }

  // Whether the last stop() ended the server with SIGINT alone.
  bool stopped_gracefully() const { return graceful_; }

  std::uint16_t port() const { return port_; }

  std::string logs() const {
    return "---- " + (dir_ / "stdout-stderr.txt").string() + "\n" + slurp(dir_ / "stdout-stderr.txt") + "---- " +
           (dir_ / "server.log").string() + "\n" + slurp(dir_ / "server.log");
  }

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  bool graceful_ = false;
  std::filesystem::path dir_;
};

class PyKmipInteropTest : public ::testing::Test {
 protected:
  // Starts a PyKMIP server with the given certificates; fails the test (with the log) if it does not come up.
  void start_server(key_type keys) {
    auto dir = tests::pki::temp_dir::create("kmip-pykmip");
    ASSERT_TRUE(dir) << dir.error();
    dir_.emplace(std::move(*dir));
    auto pki = tests::pki::generate(dir_->path() / "pki", keys);
    ASSERT_TRUE(pki) << pki.error();
    pki_ = *pki;
    server_ = std::make_unique<pykmip_server>();
    // A few attempts only for the one race outside our control: another process taking the port we picked.
    std::optional<std::string> failure;
    for (int attempt = 0; attempt < 3; ++attempt) {
      failure = server_->start(pki_, dir_->path() / ("server-" + std::to_string(attempt)), 30s);
      if (!failure || failure->find("Address already in use") == std::string::npos) break;
    }
    ASSERT_FALSE(failure) << *failure;
  }

  connection_options options() const {
    connection_options o;
    o.host = "127.0.0.1";
    o.port = server_->port();
    o.tls = net::testing::client_options(pki_);
    o.connect_timeout = 10s;
    o.io_timeout = 10s;
    return o;
  }

  void TearDown() override {
    if (server_) {
      server_->stop();
      RecordProperty("pykmip_stopped_by_sigint", server_->stopped_gracefully() ? "yes" : "no (SIGKILL)");
      if (HasFailure()) std::cerr << server_->logs();
    }
    server_.reset();
    dir_.reset();
  }

  std::optional<tests::pki::temp_dir> dir_;
  tests::pki::files pki_;
  std::unique_ptr<pykmip_server> server_;
};

// PyKMIP 0.10's engine lists these, newest first (kmip/services/server/engine.py, _protocol_versions).
const std::vector<spec::protocol_version> pykmip_versions = {{2, 0}, {1, 4}, {1, 3}, {1, 2}, {1, 1}, {1, 0}};

TEST_F(PyKmipInteropTest, DiscoverVersionsWithEcCertificatesAndDefaultSuites) {
  ASSERT_NO_FATAL_FAILURE(start_server(key_type::ec_p256));
  client k{connection(options())};
  auto connected = k.conn().connect();
  ASSERT_TRUE(connected) << connected.error().to_string();
  // PyKMIP's TLS1.2 suite: TLS 1.2 only; with an ECDSA certificate an ECDHE-ECDSA AES-GCM suite is shared.
  EXPECT_EQ(k.conn().tls_session().rfind("TLSv1.2 ECDHE-ECDSA-AES", 0), 0u) << k.conn().tls_session();

  auto versions = k.discover_versions();
  ASSERT_TRUE(versions) << versions.error().to_string();
  EXPECT_NE(std::find(versions->begin(), versions->end(), spec::protocol_version{1, 1}), versions->end());
  EXPECT_NE(std::find(versions->begin(), versions->end(), spec::protocol_version{1, 2}), versions->end());
  EXPECT_EQ(*versions, pykmip_versions);

  // Offering versions: the server answers with those it supports.
  auto some = k.discover_versions({{1, 2}, {3, 0}, {1, 1}});
  ASSERT_TRUE(some) << some.error().to_string();
  EXPECT_EQ(*some, (std::vector<spec::protocol_version>{{1, 2}, {1, 1}}));
  k.conn().close();
}

TEST_F(PyKmipInteropTest, RsaCertificatesNeedACbcSuiteLikeVcenters) {
  ASSERT_NO_FATAL_FAILURE(start_server(key_type::rsa_2048));
  {
    // Our default suites (ECDHE + AEAD) and PyKMIP's RSA suites (CBC) have nothing in common.
    client k{connection(options())};
    auto connected = k.conn().connect();
    ASSERT_FALSE(connected);
    EXPECT_EQ(connected.error().category, errc::tls_handshake) << connected.error().to_string();
  }
  // Allowing AES128-SHA256, as vCenter 7.0.3 negotiated it against PyKMIP (reference/vcenter-kmip.md §3).
  connection_options o = options();
  o.tls.protocol.allow_aes128_sha256 = true;
  client k{connection(o)};
  auto connected = k.conn().connect();
  ASSERT_TRUE(connected) << connected.error().to_string();
  EXPECT_EQ(k.conn().tls_session(), "TLSv1.2 AES128-SHA256");
  auto versions = k.discover_versions();
  ASSERT_TRUE(versions) << versions.error().to_string();
  EXPECT_EQ(*versions, pykmip_versions);
  k.conn().close();
}

// The typed helpers against an independent server: a key's whole life, as vCenter and the harness drive it.
TEST_F(PyKmipInteropTest, TypedHelpersDriveAKeyThroughItsLife) {
  ASSERT_NO_FATAL_FAILURE(start_server(key_type::ec_p256));
  client k{connection(options())};
  ASSERT_TRUE(k.conn().connect());
  typed_client t{k};

  auto id = t.create_symmetric_key();  // AES-256, Encrypt|Decrypt: vCenter's Create
  ASSERT_TRUE(id) << id.error().to_string();
  EXPECT_FALSE(id->empty());

  // vCenter Gets before it Activates: the key is Pre-Active and its material is there.
  auto key = t.get(*id);
  ASSERT_TRUE(key) << key.error().to_string();
  EXPECT_EQ(key->unique_identifier, *id);
  EXPECT_EQ(key->object_type, spec::object_type::symmetric_key);

  auto state = t.get_attributes(*id, {"State"});
  ASSERT_TRUE(state) << state.error().to_string();
  ASSERT_EQ(state->size(), 1u);
  EXPECT_EQ(state->front().enum_value<spec::state>(), spec::state::pre_active);

  auto names = t.get_attribute_list(*id);
  ASSERT_TRUE(names) << names.error().to_string();
  EXPECT_NE(std::find(names->begin(), names->end(), "Cryptographic Algorithm"), names->end());

  ASSERT_TRUE(t.activate(*id));
  state = t.get_attributes(*id, {"State"});
  ASSERT_TRUE(state);
  EXPECT_EQ(state->front().enum_value<spec::state>(), spec::state::active);

  auto found = t.locate({model::attr::object_type(spec::object_type::symmetric_key)});
  ASSERT_TRUE(found) << found.error().to_string();
  EXPECT_NE(std::find(found->begin(), found->end(), *id), found->end());

  // Destroying an Active key fails with the server's reason; revoke first, then destroy.
  auto refused = t.destroy(*id);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().category, errc::operation_failed);
  EXPECT_EQ(refused.error().result_status, spec::result_status::operation_failed);

  ASSERT_TRUE(t.revoke(*id, spec::revocation_reason_code::cessation_of_operation));
  auto destroyed = t.destroy(*id);
  ASSERT_TRUE(destroyed) << destroyed.error().to_string();

  auto gone = t.get("no-such-key");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().result_reason, spec::result_reason::item_not_found) << gone.error().to_string();
  k.conn().close();
}

}  // namespace
}  // namespace kmip::client
