// Raw TLS handshakes for the compatibility checks: which protocol versions and suites a KMS accepts, and bytes
// written as they are (a malformed message). Plain OpenSSL over a socket rather than kmip::net, because the
// probes must offer what kmip::net refuses by design (TLS 1.0 and 1.1) and send what the KMIP client refuses to
// (garbage). Every step is bounded by the probe's timeout; nothing here throws, and a KMS that hangs up never
// ends the process with SIGPIPE (the probe's writes block it in the calling thread; the write then fails).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/expected.hpp"

namespace vcenter_sim::check {

struct probe_options {
  std::string host;
  std::uint16_t port = 5696;
  int min_version = 0;  // OpenSSL's TLS1_VERSION ... TLS1_3_VERSION; 0: no bound
  int max_version = 0;
  std::string cipher_list;   // TLS <= 1.2 suites; empty: OpenSSL's default
  std::string ciphersuites;  // TLS 1.3 suites; empty: OpenSSL's default
  bool legacy = false;       // security level 0, so that TLS 1.0/1.1 and old suites can be offered at all
  std::string ca_file;       // verify the server against it when set
  std::string cert_file;     // client certificate (PEM) and key; none when empty
  std::string key_file;
  std::chrono::milliseconds timeout{5000};
};

// Why a probe failed: the local set-up (files, suite names), the TCP connection, a timeout (none of which says
// anything about the KMS's TLS), or the KMS's refusal of what was offered (an alert, a close).
struct probe_error {
  enum class stage : std::uint8_t { setup, tcp, timeout, refused };
  probe_error() = default;
  probe_error(stage s, std::string m) : where(s), message(std::move(m)) {}
  stage where = stage::setup;
  std::string message;  // names the step and OpenSSL's reason
};

// An open TLS connection made by a probe.
class tls_probe {
 public:
  // TCP connect and handshake.
  static common::expected<std::unique_ptr<tls_probe>, probe_error> connect(const probe_options& o);
  ~tls_probe();
  tls_probe(const tls_probe&) = delete;
  tls_probe& operator=(const tls_probe&) = delete;

  std::string protocol() const;  // "TLSv1.2"
  std::string cipher() const;    // "ECDHE-ECDSA-AES128-GCM-SHA256"
  common::expected<void, probe_error> write(std::span<const std::uint8_t> bytes);
  // Reads one KMIP message (8-byte header, then its length), at most 1 MiB. The error tells of a close (refused),
  // a timeout, or what is wrong with the header (refused).
  common::expected<std::vector<std::uint8_t>, probe_error> read_message();
  void close();  // close_notify, then the socket

 private:
  struct impl;
  explicit tls_probe(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace vcenter_sim::check
