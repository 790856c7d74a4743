// See kmipd_process.hpp. Child processes are made with posix_spawn; every wait is a bounded poll of waitpid or of
// the ready file (short steps, a deadline), never a sleep standing in for an event.
#include "tests/kmipd/kmipd_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

extern char** environ;

namespace tests::kmipd {
namespace {

using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

// posix_spawn with stdin from /dev/null and stdout+stderr appended to `output`.
common::expected<pid_t, std::string> spawn(const std::vector<std::string>& argv, const std::filesystem::path& output) {
  std::vector<std::string> copy = argv;
  std::vector<char*> args;
  for (auto& a : copy) args.push_back(a.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  const std::string out = output.string();
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return common::unexpected{"cannot start " + argv[0] + ": " + std::generic_category().message(rc)};
  return pid;
}

// Waits at most `deadline` for `pid` to exit; its status, or nullopt if it is still running.
std::optional<int> wait_exit(pid_t pid, std::chrono::milliseconds deadline) {
  const auto give_up = steady::now() + deadline;
  for (;;) {  // bounded by the deadline
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0) return -1;  // not our child any more (already reaped)
    if (steady::now() >= give_up) return std::nullopt;
    std::this_thread::sleep_for(5ms);  // polling step; the loop ends on the exit or the deadline
  }
}

std::optional<std::uint16_t> json_port(const std::string& json, const std::string& key) {
  std::smatch m;
  if (!std::regex_search(json, m, std::regex("\"" + key + "\":([0-9]+)"))) return std::nullopt;
  return static_cast<std::uint16_t>(std::stoul(m[1].str()));
}

}  // namespace

std::filesystem::path kmipd_executable() { return KMIPD_EXECUTABLE; }
std::filesystem::path harness_executable() { return KMIP_HARNESS_EXECUTABLE; }
std::filesystem::path pykmip_script() { return KMIPD_E2E_SOURCE_DIR "/pykmip_client.py"; }

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

common::expected<std::unique_ptr<kmipd_process>, std::string> kmipd_process::create(process_options options) {
  auto dir = tests::pki::temp_dir::create("kmipd-e2e");
  if (!dir) return common::unexpected{dir.error()};
  auto pki = tests::pki::generate(dir->path() / "certs", options.key);
  if (!pki) return common::unexpected{pki.error()};
  std::unique_ptr<kmipd_process> p(new kmipd_process(std::move(*dir), std::move(*pki)));
  if (options.harness_certs) {
    const auto out = p->dir() / "harness-certs.txt";
    const int rc = run_program({harness_executable().string(), "certs", "--out", (p->dir() / "harness-certs").string()},
                               out, std::chrono::seconds(30));
    if (rc != 0) return common::unexpected{"kmip-harness certs failed (" + std::to_string(rc) + "): " + slurp(out)};
  }
  std::ofstream conf(p->config_file());
  // Relative paths are relative to this file's folder (docs/kmipd.md).
  conf << "default_username = \"admin\"\n"
       << "[socket_server]\nsocket_server_port = 0\nsocket_server_hostname = \"127.0.0.1\"\n";
  if (options.harness_certs) {
    conf << "[tls]\ntls_p12_file = \"harness-certs/server.p12\"\n"
         << "clients_ca_cert_file = \"harness-certs/ca.crt\"\n";
  } else {
    conf << "[tls]\ntls_p12_file = \"certs/server.p12\"\ntls_p12_password = \"" << tests::pki::server_p12_password
         << "\"\nclients_ca_cert_file = \"certs/ca.crt\"\n";
  }
  conf
       << "[http]\nport = 0\nhostname = \"127.0.0.1\"\n"
       << "[db]\n";
  if (options.db_settings.empty()) conf << "sqlite_path = \"data/kmipd.sqlite\"\n";
  for (const auto& line : options.db_settings) conf << line << "\n";
  conf << "[kmipd]\nmaster_key_file = \""
       << (options.master_key_file.empty() ? std::string("data/master.key") : options.master_key_file.string())
       << "\"\naudit_file = \"data/audit.jsonl\"\n"
       // The most verbose level: "key material is never logged at any level" is what the log scan checks.
       << "log_level = \"" << options.log_level << "\"\nthreads = " << options.threads
       << "\nshutdown_timeout_seconds = 3\nidle_timeout_seconds = 20\n";
  if (options.harness_certs) conf << "tls_p12_password_file = \"harness-certs/server.p12.password\"\n";
  for (const auto& line : options.kmipd_settings) conf << line << "\n";
  conf.close();
  if (!conf) return common::unexpected{"cannot write " + p->config_file().string()};
  return p;
}

kmipd_process::~kmipd_process() { stop(); }

std::optional<std::string> kmipd_process::start(std::chrono::milliseconds deadline) {
  const auto ready = dir() / "ready.json";
  std::error_code ec;
  std::filesystem::remove(ready, ec);
  kmip_port_ = http_port_ = 0;
  last_exit_.clear();
  {
    std::ofstream mark(log_file(), std::ios::app);
    mark << "==== kmipd_e2e_test: starting kmipd\n";
  }
  auto pid = spawn({kmipd_executable().string(), "--config", config_file().string(), "--ready-file", ready.string()},
                   log_file());
  if (!pid) return pid.error();
  pid_ = *pid;
  const auto give_up = steady::now() + deadline;
  for (;;) {  // bounded by the deadline
    if (std::filesystem::exists(ready, ec)) {  // renamed into place whole: no partial read possible
      const std::string json = slurp(ready);
      auto k = json_port(json, "kmip_port");
      auto h = json_port(json, "http_port");
      if (!k || !h || *k == 0 || *h == 0) return "unreadable ready file: " + json + "\n" + log();
      kmip_port_ = *k;
      http_port_ = *h;
      return std::nullopt;
    }
    if (!alive()) return "kmipd ended during start-up (" + last_exit_ + ")\n" + log();
    if (steady::now() >= give_up) {
      kill_hard();
      return "kmipd wrote no ready file within " + std::to_string(deadline.count()) + " ms\n" + log();
    }
    std::this_thread::sleep_for(5ms);  // polling step; the loop ends on the file, an exit or the deadline
  }
}

void kmipd_process::reap_blocking() {
  int status = 0;
  if (::waitpid(pid_, &status, 0) == pid_) last_exit_ = describe_status(status);
  pid_ = -1;
}

void kmipd_process::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  reap_blocking();  // SIGKILL cannot be caught: the wait is short
}

std::optional<std::string> kmipd_process::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return std::nullopt;
  ::kill(pid_, SIGTERM);
  if (auto status = wait_exit(pid_, grace)) {
    last_exit_ = describe_status(*status);
    pid_ = -1;
  } else {
    kill_hard();
    last_exit_ = "did not exit within " + std::to_string(grace.count()) + " ms of SIGTERM; " + last_exit_;
  }
  return last_exit_;
}

bool kmipd_process::alive() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  if (r == pid_) last_exit_ = describe_status(status);
  pid_ = -1;
  return false;
}

std::vector<std::filesystem::path> kmipd_process::written_files() const {
  std::vector<std::filesystem::path> out{log_file(), audit_file()};
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::filesystem::path p = database_file().string() + suffix;
    std::error_code ec;
    if (std::filesystem::exists(p, ec)) out.push_back(p);
  }
  return out;
}

std::string kmipd_process::log() const {
  return "---- " + log_file().string() + "\n" + slurp(log_file()) + "---- end of kmipd log\n";
}

kmip::client::connection_options client_options(const kmipd_process& p, const std::filesystem::path& cert,
                                                const std::filesystem::path& key) {
  kmip::client::connection_options o;
  o.host = "127.0.0.1";
  o.port = p.kmip_port();
  o.tls.ca_files = {p.pki().ca_cert.string()};
  o.tls.cert_file = (cert.empty() ? p.pki().client_cert : cert).string();
  o.tls.key_file = (key.empty() ? p.pki().client_key : key).string();
  o.connect_timeout = std::chrono::seconds(10);
  o.io_timeout = std::chrono::seconds(10);
  o.close_timeout = std::chrono::milliseconds(500);
  return o;
}

int run_program(const std::vector<std::string>& argv, const std::filesystem::path& output,
                std::chrono::milliseconds deadline) {
  auto pid = spawn(argv, output);
  if (!pid) {
    std::ofstream(output, std::ios::app) << pid.error() << "\n";
    return -1;
  }
  if (auto status = wait_exit(*pid, deadline)) return WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
  ::kill(*pid, SIGKILL);
  int status = 0;
  ::waitpid(*pid, &status, 0);
  std::ofstream(output, std::ios::app) << "\n(killed: no exit within " << deadline.count() << " ms)\n";
  return -1;
}

}  // namespace tests::kmipd
