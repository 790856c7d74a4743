// Debian's PyKMIP 0.10 server (python3-pykmip) as a peer for tests: an implementation nobody here wrote, started on
// an ephemeral port with certificates generated for the test, in its own temp folder and process group.
//
// Setup and pitfalls: it runs with /usr/bin/python3 (pykmip-server's shebang); its
// TLS1.2 auth suite is TLS 1.2 only, with AEAD suites for ECDSA certificates only (RSA certificates get CBC suites,
// among them AES128-SHA256 that vCenter 7.0.3 negotiated); client certificates need the clientAuth EKU; after
// SIGTERM it takes up to 10 s to leave (its accept() times out every 10 s), and its two helper processes keep the
// port if only the main process dies. So the server gets its own process group; stop() sends SIGINT (which, unlike
// SIGTERM, interrupts the accept() at once), waits a bounded time, then SIGKILLs the whole group.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "tests/pki/pki.hpp"

namespace tests::pykmip {

class server {
 public:
  server() = default;
  server(const server&) = delete;
  server& operator=(const server&) = delete;
  ~server() { stop(); }

  // Writes the configuration into `dir`, starts the server and waits (at most `deadline`, polling) until it accepts
  // connections. On failure returns what went wrong with the server's output and log.
  std::optional<std::string> start(const tests::pki::files& pki, const std::filesystem::path& dir,
                                   std::chrono::seconds deadline);

  // start() with up to three attempts, for the one race outside our control: another process taking the port
  // picked (PyKMIP takes a port number, not a bound socket). Attempt k uses `dir`/server-k.
  std::optional<std::string> start_with_retries(const tests::pki::files& pki, const std::filesystem::path& dir,
                                                std::chrono::seconds deadline);

  // SIGINT, up to 5 s to leave, then SIGKILL to the whole group, every process of it reaped. Bounded; idempotent.
  void stop();

  // Whether the last stop() ended the server with SIGINT alone.
  bool stopped_gracefully() const { return graceful_; }
  bool running() const { return pid_ > 0; }
  std::uint16_t port() const { return port_; }
  // The server's process (the leader of its process group); -1 when not running.
  pid_t pid() const { return pid_; }

  // The server's stdout/stderr and its log file, for failure messages.
  std::string logs() const;

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  bool graceful_ = false;
  std::filesystem::path dir_;
};

}  // namespace tests::pykmip
