// The KMS a scenario runs against, as the runner sees it: the cluster's endpoints (in the scenario's failover
// order), the TLS material vCenter presents, and — for an embedded KMS only — the KMS-side faults a scenario
// may inject (stop, start, partition, heal). The runner never includes server headers: the embedded kmipd
// (embedded_kms.hpp, its own library) and an external KMS (--kms) both implement this interface.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/expected.hpp"
#include "kmip/net/tls_context.hpp"

namespace scenarios {

struct kms_endpoint {
  std::string name;  // the scenario's server name ("kms-a")
  std::string host;
  std::uint16_t port = 0;
};

class kms_backend {
 public:
  virtual ~kms_backend() = default;
  // One endpoint per server of the scenario's cluster, in its order.
  virtual std::vector<kms_endpoint> endpoints() const = 0;
  // What vCenter (and the runner's admin client) present: CA, client certificate and key.
  virtual kmip::net::client_tls_options tls() const = 0;
  // "embedded kmipd (sqlite, 2 listeners on one engine)" or "external KMS 10.0.0.5:5696".
  virtual std::string describe() const = 0;
  // Whether stop/start/partition/heal can be done; when not, `why_not` says why (the runner reports SKIP).
  virtual bool controllable(std::string& why_not) const = 0;
  // REQUIRES controllable(). `server` indexes endpoints(). Errors are sentences.
  virtual common::expected<void, std::string> stop(std::size_t server) = 0;
  virtual common::expected<void, std::string> start(std::size_t server) = 0;
  virtual common::expected<void, std::string> partition(std::size_t server) = 0;
  virtual common::expected<void, std::string> heal(std::size_t server) = 0;
};

// What the runner asks for before each scenario: a backend with fresh state for `servers` names (in order) and
// the scenario's store mode (shared = true: one object store behind every server).
using kms_factory = std::function<common::expected<std::unique_ptr<kms_backend>, std::string>(
    const std::vector<std::string>& servers, bool shared_store, std::uint64_t seed)>;

// A running KMS the harness does not control (`--kms HOST:PORT`): every server of the scenario's cluster
// (`servers`, their names) maps to it. KMS-side faults are not possible (controllable() is false).
std::unique_ptr<kms_backend> make_external_kms(std::string host, std::uint16_t port,
                                               kmip::net::client_tls_options tls,
                                               std::vector<std::string> servers = {"kms-1"});

}  // namespace scenarios
