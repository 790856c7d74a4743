// The servers that benchmarks/kms_figures.sh measures in one run, started with the test fixtures (no second copy of
// how to start them): the real kmipd process (tests/kmipd/kmipd_process: its own folder, SQLite on the disk of
// the temp folder, log level warn, one thread per core) and Debian's PyKMIP 0.10 server
// (tests/support/pykmip_server), both trusting the same test CA, so one client certificate serves both.
//
// Usage: bench_peers ENV_FILE
// Writes ENV_FILE (shell assignments: KMIPD_PID, KMIPD_PORT, PYKMIP_PID, PYKMIP_PORT, CA, CERT, KEY, SERVER_CHAIN, SERVER_KEY,
// KMIPD_DATA) once both accept connections, then waits until its standard input closes, then stops both.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "tests/kmipd/kmipd_process.hpp"
#include "tests/support/pykmip_server.hpp"

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  if (argc != 2) {
    std::cerr << "usage: bench_peers ENV_FILE\n";
    return 1;
  }
  tests::kmipd::process_options po;
  po.log_level = "warn";
  po.threads = 0;
  auto kms = tests::kmipd::kmipd_process::create(po);
  if (!kms) {
    std::cerr << "bench_peers: " << kms.error() << "\n";
    return 1;
  }
  if (auto e = (*kms)->start(30s)) {
    std::cerr << "bench_peers: kmipd: " << *e << "\n";
    return 1;
  }
  const auto& pki = (*kms)->pki();
  tests::pykmip::server pykmip;
  if (auto e = pykmip.start_with_retries(pki, (*kms)->dir() / "pykmip", 60s)) {
    std::cerr << "bench_peers: PyKMIP: " << *e << "\n";
    return 1;
  }
  const std::filesystem::path env = argv[1];
  {
    std::ofstream out(env.string() + ".tmp");
    out << "KMIPD_PID=" << (*kms)->pid() << "\nKMIPD_PORT=" << (*kms)->kmip_port() << "\nPYKMIP_PID=" << pykmip.pid() << "\nPYKMIP_PORT=" << pykmip.port() << "\nCA='"
        << pki.ca_cert.string() << "'\nCERT='" << pki.client_cert.string() << "'\nKEY='" << pki.client_key.string()
        << "'\nSERVER_CHAIN='" << pki.server_chain.string() << "'\nSERVER_KEY='" << pki.server_key.string()
        << "'\nKMIPD_DATA='" << (*kms)->data_dir().string() << "'\n";
  }
  std::filesystem::rename(env.string() + ".tmp", env);
  char c;
  while (::read(0, &c, 1) > 0) {
  }
  pykmip.stop();
  (*kms)->stop();
  return 0;
}
