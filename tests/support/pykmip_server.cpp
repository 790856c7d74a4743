// See pykmip_server.hpp.
#include "tests/support/pykmip_server.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

extern char** environ;

namespace tests::pykmip {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
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

}  // namespace

std::optional<std::string> server::start(const tests::pki::files& pki, const std::filesystem::path& dir,
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

std::optional<std::string> server::start_with_retries(const tests::pki::files& pki,
                                                      const std::filesystem::path& dir,
                                                      std::chrono::seconds deadline) {
  std::optional<std::string> failure;
  for (int attempt = 0; attempt < 3; ++attempt) {
    failure = start(pki, dir / ("server-" + std::to_string(attempt)), deadline);
    if (!failure || failure->find("Address already in use") == std::string::npos) break;
  }
  return failure;
}

void server::stop() {
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

std::string server::logs() const {
  return "---- " + (dir_ / "stdout-stderr.txt").string() + "\n" + slurp(dir_ / "stdout-stderr.txt") + "---- " +
         (dir_ / "server.log").string() + "\n" + slurp(dir_ / "server.log");
}

}  // namespace tests::pykmip
