// The vCenter-compatibility check (`kmip-harness check`, docs/checks.md): plays, against any KMS, each behaviour
// of vCenter's Standard Key Provider that the "Implications for a conformance harness" list of
// reference/vcenter-kmip.md (A.1–A.18) names, and gives one verdict per check:
//   PASS  vCenter works with what the KMS did;
//   WARN  vCenter tolerates it, and the administrator sees something (the message says what);
//   FAIL  something breaks (the message says what: "VM encryption fails", "VMs lock after a host reboot");
//   SKIP  the check could not run here (the message says why: an option not given).
// Each case of the returned report holds the steps that led to its verdict and, for every KMIP exchange, the
// decoded request and response (key material redacted).
//
// Reaches the KMS only over the wire: KMIP through kmip::client with vCenter's own messages
// (vcenter_sim/conversation.hpp), TLS probes through raw OpenSSL handshakes (tls_probe.hpp). Every wait is bounded
// by connect_timeout and io_timeout, so a dead, refusing or garbage-speaking KMS ends each affected check with
// FAIL and a precise reason, and run_checks always returns a complete report.
//
// The checks create keys on the KMS (tagged x-Name "kmip-harness-check"), revoke and destroy some of their own,
// and never touch keys they did not create.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"
#include "kmip/net/tls_context.hpp"
#include "reports/report.hpp"
#include "vcenter_sim/key_provider.hpp"
#include "vcenter_sim/profile.hpp"

namespace vcenter_sim::check {

// A certificate and its key presented as the client certificate.
struct client_identity {
  std::string cert_file;
  std::string key_file;
};

struct check_options {
  kms_server kms;                            // the KMS under test
  std::optional<kms_server> second_kms;      // VC-CLUSTER-01: a second node of the same cluster (else SKIP)
  std::vector<std::string> ca_files;         // the pinned KMS certificate or its CA
  client_identity identity;                  // vCenter's client certificate
  std::optional<client_identity> no_eku_identity;   // VC-CERT-01: a certificate without EKU the KMS trusts
  std::optional<client_identity> kms_own_identity;  // VC-CERT-02: the KMS's own certificate and key
  std::optional<std::string> username;       // VC-AUTH-01/02: the KMIP Username/Password credential (else SKIP)
  std::optional<std::string> password;
  vcenter_sim::profile profile = profile::vcenter_7_0;
  // VC-PERSIST-01: restarts the KMS (else SKIP). Returns where it listens afterwards (the same kms_server when
  // unchanged), or why the restart failed.
  std::function<common::expected<kms_server, std::string>()> restart;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds io_timeout{10000};
  unsigned scale_keys = 50;       // VC-SCALE-01: keys created with one duplicate x-Name
  unsigned latency_polls = 20;    // VC-LAT-01: health polls measured
  std::chrono::milliseconds latency_budget{1000};  // VC-LAT-01: slowest poll allowed before WARN [I]
  unsigned parallel_tasks = 4;    // VC-CONC-01: concurrent vCenter flows
  // Called after each check with its result (progress output).
  std::function<void(const reports::case_result&)> progress;
};

struct check_info {
  std::string_view id;        // stable: "VC-TAG-02"
  std::string_view title;     // "3-item AddAttribute batch of x- attributes"
  std::string_view versions;  // the vSphere versions concerned: "7.0, 8.0"
};
// Every check, in the order they run.
const std::vector<check_info>& all_checks();

// Runs every check; the report's one suite holds one case per check, named "ID title (vSphere versions)".
reports::run run_checks(const check_options& options);

// The check ID a case of run_checks' report stands for ("VC-TAG-02"), from its name.
std::string_view case_id(const reports::case_result& c);

}  // namespace vcenter_sim::check
