// See postgres_server.hpp. Every wait is bounded: initdb and pg_ctl run with a deadline (pg_ctl -w -t waits for
// the server itself, polling its pid file and socket), and a process that overruns it is killed.
#include "tests/postgres/postgres_server.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

extern char** environ;

namespace tests::postgres {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

fs::path bin(std::string_view name) { return fs::path(KMIPH_POSTGRES_BINDIR) / name; }

// The user the server runs as when we are root; nullopt when we are not root.
struct run_as {
  bool root = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

common::expected<run_as, std::string> server_user() {
  if (::geteuid() != 0) return run_as{};
  const passwd* pw = ::getpwnam("postgres");
  if (!pw)
    return common::unexpected<std::string>(
        "running as root, PostgreSQL must run as another user, and there is no `postgres` user (the Debian "
        "package postgresql creates it: scripts/install-deps.sh)");
  return run_as{true, pw->pw_uid, pw->pw_gid};
}

// Runs argv (as the `postgres` user when root), output appended to `log`; the exit code, or an error on failure
// to start or when `deadline` passes (the process is then killed).
common::expected<int, std::string> run(const run_as& as, std::vector<std::string> argv, const fs::path& log,
                                       std::chrono::milliseconds deadline) {
  if (as.root) {  // util-linux's runuser, in /usr/sbin on Debian (which a root PATH may lack)
    const std::string runuser = fs::exists("/usr/sbin/runuser") ? "/usr/sbin/runuser" : "runuser";
    argv.insert(argv.begin(), {runuser, "-u", "postgres", "--"});
  }
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  const std::string out = log.string();
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return common::unexpected("cannot start " + argv[0] + ": " + std::generic_category().message(rc));
  const auto give_up = std::chrono::steady_clock::now() + deadline;
  for (;;) {  // bounded by the deadline
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (r < 0) return common::unexpected<std::string>("lost the child " + argv[0]);
    if (std::chrono::steady_clock::now() >= give_up) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return common::unexpected(argv[0] + " did not finish within " + std::to_string(deadline.count()) + " ms");
    }
    std::this_thread::sleep_for(10ms);  // polling step; the loop ends on the exit or the deadline
  }
}

common::expected<void, std::string> step(const run_as& as, std::vector<std::string> argv, const fs::path& log,
                                         std::chrono::milliseconds deadline) {
  const std::string what = argv.front();
  auto rc = run(as, std::move(argv), log, deadline);
  if (!rc) return common::unexpected(rc.error() + "\n" + slurp(log));
  if (*rc != 0) return common::unexpected(what + " failed (exit " + std::to_string(*rc) + "):\n" + slurp(log));
  return {};
}

void chown_tree(const fs::path& root, const run_as& as) {
  if (!as.root) return;
  (void)::chown(root.c_str(), as.uid, as.gid);
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    (void)::lchown(it->path().c_str(), as.uid, as.gid);
}

std::string conn_error(PGconn* c) {
  std::string m = PQerrorMessage(c);
  while (!m.empty() && m.back() == '\n') m.pop_back();
  return m;
}

}  // namespace

std::string server_info::url(std::string_view database) const {
  return "postgresql://postgres@/" + std::string(database) + "?host=" + socket_dir.string() +
         "&port=" + std::to_string(port);
}

std::string server_info::password_url(std::string_view database) const {
  return "postgresql://" + std::string(password_role) + ":" + std::string(password) + "@/" + std::string(database) +
         "?host=" + socket_dir.string() + "&port=" + std::to_string(port);
}

common::expected<std::unique_ptr<server>, std::string> server::start() {
  auto as = server_user();
  if (!as) return common::unexpected(as.error());
  if (!fs::exists(bin("initdb")))
    return common::unexpected("no initdb in " + bin("").string() + " (install the Debian package postgresql)");
  char tmpl[] = "/tmp/kmiph-pg-XXXXXX";  // short: a unix socket path has at most 107 bytes
  if (!::mkdtemp(tmpl)) return common::unexpected<std::string>("cannot make a temp folder for PostgreSQL");
  std::unique_ptr<server> s(new server());
  s->info_.dir = s->info_.socket_dir = tmpl;
  const auto dir = s->info_.dir, data = dir / "data", log = dir / "setup.log";
  chown_tree(dir, *as);
  // --no-sync: initdb's own fsyncs of the template files buy a test cluster nothing; the server keeps fsync on.
  if (auto ok = step(*as,
                     {bin("initdb").string(), "-D", data.string(), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                      "--locale=C", "--no-sync", "--no-instructions"},
                     log, 120s);
      !ok)
    return common::unexpected("initdb: " + ok.error());
  {
    std::ofstream conf(data / "postgresql.conf", std::ios::app);
    conf << "\n# kmip-harness test server: unix socket in its own folder only\n"
         << "listen_addresses = ''\nunix_socket_directories = '" << dir.string() << "'\nport = " << s->info_.port
         << "\nmax_connections = 100\nshared_buffers = 16MB\n";
    std::ofstream hba(data / "pg_hba.conf", std::ios::trunc);
    hba << "local all " << password_role << " scram-sha-256\nlocal all all trust\n";
    if (!conf || !hba) return common::unexpected("cannot write the configuration in " + data.string());
  }
  chown_tree(data, *as);
  if (auto ok = step(*as,
                     {bin("pg_ctl").string(), "-D", data.string(), "-l", (dir / "postgres.log").string(), "-w", "-t",
                      "60", "start"},
                     log, 90s);
      !ok)
    return common::unexpected("pg_ctl start: " + ok.error() + "\n" + slurp(dir / "postgres.log"));
  if (auto ok = execute(s->info_.url("postgres"), "CREATE ROLE " + std::string(password_role) +
                                                      " LOGIN PASSWORD '" + std::string(password) + "'");
      !ok)
    return common::unexpected("creating role " + std::string(password_role) + ": " + ok.error());
  return s;
}

server::~server() {
  if (!owned_ || info_.dir.empty()) return;
  if (auto as = server_user(); as) {
    (void)run(*as, {bin("pg_ctl").string(), "-D", (info_.dir / "data").string(), "-m", "immediate", "-w", "-t", "30",
                    "stop"},
              info_.dir / "setup.log", 60s);
  }
  std::error_code ec;
  fs::remove_all(info_.dir, ec);
}

common::expected<void, std::string> server::detach_to(const fs::path& info_file) {
  const fs::path tmp = info_file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << info_.dir.string() << "\n" << info_.port << "\n";
    if (!out) return common::unexpected("cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, info_file, ec);
  if (ec) return common::unexpected("cannot write " + info_file.string() + ": " + ec.message());
  owned_ = false;
  return {};
}

common::expected<std::unique_ptr<server>, std::string> server::attach(const fs::path& info_file, bool own) {
  std::ifstream in(info_file);
  std::string dir;
  unsigned port = 0;
  if (!std::getline(in, dir) || !(in >> port) || dir.empty() || port == 0 || port > 65535)
    return common::unexpected("cannot read the PostgreSQL test server info file " + info_file.string() +
                              " (did the CTest fixture postgres_fixture_start run?)");
  std::unique_ptr<server> s(new server());
  s->info_.dir = s->info_.socket_dir = dir;
  s->info_.port = static_cast<std::uint16_t>(port);
  s->owned_ = own;
  return s;
}

common::expected<server_info, std::string> shared() {
  static std::mutex mutex;
  static std::unique_ptr<server> instance;
  static std::string failure;
  std::lock_guard lock(mutex);
  if (!instance && failure.empty()) {
    const char* info = std::getenv("KMIPH_POSTGRES_INFO");
    auto s = info && *info ? server::attach(info, false) : server::start();
    if (s) instance = std::move(*s);
    else failure = s.error();
  }
  if (!instance) return common::unexpected(failure);
  return instance->info();
}

common::expected<void, std::string> execute(const std::string& url, const std::string& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  if (!c || PQstatus(c) != CONNECTION_OK) {
    std::string m = c ? conn_error(c) : "out of memory";
    PQfinish(c);
    return common::unexpected("cannot connect: " + m);
  }
  PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
  PGresult* r = PQexec(c, sql.c_str());
  const auto st = PQresultStatus(r);
  std::string m = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) ? "" : conn_error(c);
  PQclear(r);
  PQfinish(c);
  if (!m.empty()) return common::unexpected(sql + ": " + m);
  return {};
}

common::expected<std::string, std::string> create_database(std::string_view hint, std::string_view owner) {
  static std::atomic<int> counter{0};
  auto info = shared();
  if (!info) return common::unexpected(info.error());
  std::string name = "t" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_";
  for (char ch : hint.substr(0, 40)) name += std::isalnum(static_cast<unsigned char>(ch)) ? static_cast<char>(std::tolower(ch)) : '_';
  std::string sql = "CREATE DATABASE " + name;
  if (!owner.empty()) sql += " OWNER " + std::string(owner);
  if (auto ok = execute(info->url("postgres"), sql); !ok) return common::unexpected(ok.error());
  return name;
}

}  // namespace tests::postgres
