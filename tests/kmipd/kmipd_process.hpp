// The real kmipd, as a child process of a test: its own temp folder holding certificates (tests/pki), a kms.toml
// with port 0 for both listeners, and the data folder (SQLite database, master key, audit log). kmipd is started
// with `--ready-file` and the fixture polls for that file (bounded) to learn the ports; kmipd's stdout and stderr
// go to one log file that survives restarts, so a test can read everything kmipd ever logged.
//
// The process can be killed with SIGKILL and restarted on the same data folder (durability), and is stopped with
// SIGTERM (then reaped; SIGKILL after a bounded wait) when the fixture is destroyed.
//
// Not thread-safe; one test thread drives it. Uses no Asio: the heavy headers stay in the tests that need them.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/expected.hpp"
#include "kmip/client/connection.hpp"
#include "tests/pki/pki.hpp"

namespace tests::kmipd {

// The executables under test, from the build (CMake passes $<TARGET_FILE:...>).
std::filesystem::path kmipd_executable();
std::filesystem::path harness_executable();
std::filesystem::path pykmip_script();  // tests/kmipd/pykmip_client.py in the source tree

std::string slurp(const std::filesystem::path& p);  // whole file; empty when it cannot be read

struct process_options {
  // Extra lines for the [kmipd] table of kms.toml (e.g. "max_message_size = 65536").
  std::vector<std::string> kmipd_settings;
  // Key type of the test PKI (RSA is what AES128-SHA256, vCenter 7.0.3's suite, needs).
  tests::pki::key_type key = tests::pki::key_type::ec_p256;
  // Serve the certificates of `kmip-harness certs --out DIR/harness-certs` (server.p12 with its password file,
  // its ca.crt trusted for clients) instead of the tests/pki server certificate: the operator's workflow of
  // docs/kmipd.md. The tests/pki files are still generated (pki()) but then not trusted by kmipd.
  bool harness_certs = false;
  // Lines for the [db] table instead of `sqlite_path = "data/kmipd.sqlite"`: e.g. database_type = "postgresql"
  // and its database_url, for several kmipd processes on one database.
  std::vector<std::string> db_settings;
  // The master key file instead of data/master.key: instances sharing a database share its master key.
  std::filesystem::path master_key_file;
  // kmipd's log level and threads. Tests want every log line; benchmarks (benchmarks/bench_peers) want
  // "warn" and 0 (one thread per core, kmipd's default).
  std::string log_level = "trace";
  unsigned threads = 2;
};

class kmipd_process {
 public:
  // Makes the temp folder, the test PKI (EC P-256 unless options.key says RSA) and kms.toml. Does not start kmipd.
  static common::expected<std::unique_ptr<kmipd_process>, std::string> create(process_options options = {});

  ~kmipd_process();  // stop(), then the temp folder is removed
  kmipd_process(const kmipd_process&) = delete;
  kmipd_process& operator=(const kmipd_process&) = delete;

  // Starts kmipd and waits (at most `deadline`, polling) for its ready file. nullopt once it listens; otherwise
  // what went wrong, with kmipd's log. REQUIRES: not running.
  std::optional<std::string> start(std::chrono::milliseconds deadline = std::chrono::seconds(10));
  // SIGKILL and reap: no shutdown code runs, as after a power cut of the process.
  void kill_hard();
  // SIGTERM, then up to `grace` for it to exit, then SIGKILL. Returns the exit description ("exit 0",
  // "signal 9", ...), or nullopt when it was not running.
  std::optional<std::string> stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  // Whether the child is still running (reaps it if it has exited, remembering how).
  bool alive();
  // How the last run ended ("exit 0", "signal 9"); empty while running or before the first start.
  const std::string& last_exit() const { return last_exit_; }
  pid_t pid() const { return pid_; }

  std::uint16_t kmip_port() const { return kmip_port_; }
  std::uint16_t http_port() const { return http_port_; }

  const tests::pki::files& pki() const { return pki_; }
  const std::filesystem::path& dir() const { return dir_.path(); }
  std::filesystem::path config_file() const { return dir() / "kms.toml"; }
  std::filesystem::path log_file() const { return dir() / "kmipd.log"; }
  std::filesystem::path data_dir() const { return dir() / "data"; }
  std::filesystem::path audit_file() const { return data_dir() / "audit.jsonl"; }
  std::filesystem::path database_file() const { return data_dir() / "kmipd.sqlite"; }
  // Every file kmipd wrote that might hold a secret by mistake: its log, the audit log, the SQLite database and
  // its -wal / -shm / -journal companions (those that exist).
  std::vector<std::filesystem::path> written_files() const;

  // kmipd's stdout+stderr of every run so far, for failure messages.
  std::string log() const;

 private:
  kmipd_process(tests::pki::temp_dir dir, tests::pki::files pki) : dir_(std::move(dir)), pki_(std::move(pki)) {}
  void reap_blocking();

  tests::pki::temp_dir dir_;
  tests::pki::files pki_;
  pid_t pid_ = -1;
  std::string last_exit_;
  std::uint16_t kmip_port_ = 0;
  std::uint16_t http_port_ = 0;
};

// Options for kmip::client::connection to this kmipd, trusting the test CA and presenting `cert` (default: the
// PKI's client.crt with client.key). Short deadlines: everything is local.
kmip::client::connection_options client_options(const kmipd_process& p, const std::filesystem::path& cert = {},
                                                const std::filesystem::path& key = {});

// Runs argv[0] with arguments, stdout and stderr to `output`, stdin from /dev/null, and waits at most `deadline`
// (polling; SIGKILL when it passes). Returns the exit status, or -1 (with `output` telling why) on failure to
// start or on timeout.
int run_program(const std::vector<std::string>& argv, const std::filesystem::path& output,
                std::chrono::milliseconds deadline);

}  // namespace tests::kmipd
