// `kmip-harness record`: see record_command.hpp.
#include "tools/record_command.hpp"

#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "kmip/traffic/importers.hpp"
#include "kmip/traffic/record_proxy.hpp"
#include "tools/replay_command.hpp"

namespace kmiph::tools {
namespace {

namespace traffic = kmip::traffic;

struct record_options {
  std::string listen = "0.0.0.0:5696";
  std::string upstream;
  std::string ca, cert, key;                          // upstream (client side)
  std::string server_cert, server_key, client_ca;     // listener (server side)
  std::vector<std::string> import;  // one log or capture, or OASIS test cases
  std::string keylog;
  std::uint16_t port = 5696;
  std::string out;
  std::string ready_file;
};

// pcap (either byte order) or pcapng, by their magic numbers.
bool is_capture(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  unsigned char m[4] = {};
  in.read(reinterpret_cast<char*>(m), 4);
  const std::uint32_t v = std::uint32_t{m[0]} << 24 | std::uint32_t{m[1]} << 16 | std::uint32_t{m[2]} << 8 | m[3];
  return v == 0xd4c3b2a1 || v == 0xa1b2c3d4 || v == 0x0a0d0d0a || v == 0x4d3cb2a1 || v == 0xa1b23c4d;
}

std::int64_t system_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// OASIS test cases (each one connection), a capture, or a PyKMIP log.
common::expected<traffic::import_result, std::string> import_any(const record_options& o) {
  const bool cases = std::all_of(o.import.begin(), o.import.end(), [](const std::string& f) {
    return !is_capture(f) && traffic::looks_like_oasis_case(f);
  });
  if (cases) {
    std::vector<std::filesystem::path> files(o.import.begin(), o.import.end());
    return traffic::import_oasis_cases(files, system_now_us);
  }
  if (o.import.size() > 1)
    return common::unexpected("several --import files must all be OASIS test cases (.xml); " +
                              std::to_string(o.import.size()) + " given, not all of them test cases");
  const auto& file = o.import.front();
  return is_capture(file) ? traffic::import_pcap(file, o.keylog, o.port) : traffic::import_pykmip_log(file);
}

int import_log(const record_options& o) {
  auto log = import_any(o);
  if (!log) {
    std::cerr << "kmip-harness: record: " << log.error() << "\n";
    return exit_bad_input;
  }
  for (const auto& s : log->skipped) std::cout << "skipped: " << s << "\n";
  if (auto w = traffic::write_trace(o.out, log->frames); !w) {
    std::cerr << "kmip-harness: record: " << w.error() << "\n";
    return exit_bad_input;
  }
  std::string from = o.import.front();
  if (o.import.size() > 1) from += " and " + std::to_string(o.import.size() - 1) + " more";
  std::cout << o.out << ": " << log->frames.size() << " frame(s) from " << from << " (" << log->skipped.size()
            << " skipped)\n";
  return exit_ok;
}

int run(const record_options& o) {
  if (!o.import.empty()) return import_log(o);
  auto listen = parse_host_port(o.listen);
  auto upstream = parse_host_port(o.upstream);
  if (!listen && o.listen.ends_with(":0")) listen = std::pair{o.listen.substr(0, o.listen.size() - 2), std::uint16_t{0}};
  if (!listen || !upstream) {
    std::cerr << "kmip-harness: record: --listen and --upstream must be HOST:PORT\n";
    return exit_usage;
  }
  if (o.server_cert.empty() || o.server_key.empty()) {
    std::cerr << "kmip-harness: record: --server-cert and --server-key are required (the certificate vCenter sees)\n";
    return exit_usage;
  }
  traffic::proxy_options po;
  po.listen_host = listen->first;
  po.listen_port = listen->second;
  po.listener_tls.cert_file = o.server_cert;
  po.listener_tls.key_file = o.server_key;
  if (!o.client_ca.empty()) po.listener_tls.client_ca_files.push_back(o.client_ca);
  po.upstream.host = upstream->first;
  po.upstream.port = upstream->second;
  if (!o.ca.empty()) po.upstream.tls.ca_files.push_back(o.ca);
  po.upstream.tls.cert_file = o.cert;
  po.upstream.tls.key_file = o.key;

  // Block the stop signals before any thread starts, so that only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  traffic::trace_writer writer;
  if (auto ok = writer.open(o.out); !ok) {
    std::cerr << "kmip-harness: record: " << ok.error() << "\n";
    return exit_bad_input;
  }
  auto proxy = traffic::record_proxy::start(po, writer);
  if (!proxy) {
    std::cerr << "kmip-harness: record: " << proxy.error() << "\n";
    return exit_bad_input;
  }
  std::cout << "recording: listening on " << listen->first << ":" << (*proxy)->port() << ", forwarding to "
            << o.upstream << ", writing " << o.out << " (raw TTLV, key material included; mode 0600)" << std::endl;
  if (!o.ready_file.empty()) {
    std::ofstream ready(o.ready_file);
    ready << (*proxy)->port() << "\n";
  }
  int signo = 0;
  sigwait(&stop_signals, &signo);
  (*proxy)->stop();
  writer.close();
  std::cout << "recorded " << (*proxy)->frames() << " frame(s) to " << o.out << "\n";
  return exit_ok;
}

}  // namespace

void add_record_command(CLI::App& app, action& chosen) {
  auto o = std::make_shared<record_options>();
  CLI::App* r = app.add_subcommand(
      "record", "record KMIP traffic through a TLS proxy, or import a PyKMIP log, into a trace (docs/trace-format.md)");
  r->add_option("--listen", o->listen, "ADDRESS:PORT the proxy listens on (vCenter connects here)")
      ->capture_default_str();
  r->add_option("--upstream", o->upstream, "HOST:PORT of the real KMS");
  r->add_option("--ca", o->ca, "CA (or pinned certificate) of the upstream KMS");
  r->add_option("--cert", o->cert, "client certificate presented to the upstream KMS");
  r->add_option("--key", o->key, "its key");
  r->add_option("--server-cert", o->server_cert, "certificate (chain) the proxy presents to vCenter");
  r->add_option("--server-key", o->server_key, "its key");
  r->add_option("--client-ca", o->client_ca, "CA trusted for vCenter's client certificate");
  r->add_option("--import", o->import,
                "PyKMIP server DEBUG log, pcap/pcapng capture (with --keylog), or OASIS KMIP XML test cases (one "
                "connection each) to convert instead of recording live");
  r->add_option("--keylog", o->keylog, "TLS key log (SSLKEYLOGFILE format) of the captured client, for --import");
  r->add_option("--port", o->port, "the KMS's TCP port in the capture, for --import")->capture_default_str();
  r->add_option("--out", o->out, "trace file to write (created 0600)")->required();
  r->add_option("--ready-file", o->ready_file, "write the listening port here once listening");
  r->callback([o, &chosen] {
    if (o->import.empty() && o->upstream.empty()) throw CLI::ValidationError("--upstream (or --import) is required");
    if (o->cert.empty() != o->key.empty()) throw CLI::ValidationError("--cert and --key go together");
    chosen = [o] { return run(*o); };
  });
}

}  // namespace kmiph::tools
