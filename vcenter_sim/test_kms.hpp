// Test support: kmipd in-process (engine + memory store, seeded random, manual clock) behind one or more
// kmipd::net::server listeners on 127.0.0.1 over real TLS with the tests/pki certificates, an admin client for the
// KMS-side actions (revoke, destroy), and a temporary datastore. Test-only: the library never includes server
// headers; only these tests do.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "kmip/client/client.hpp"
#include "vcenter_sim/key_provider.hpp"

namespace vcenter_sim::testing {

class test_kms {
 public:
  explicit test_kms(std::uint64_t seed = 1);
  ~test_kms();

  // Starts a listener on `port` (0: ephemeral); returns its index.
  std::size_t start_listener(std::uint16_t port = 0);
  void stop(std::size_t i);     // shutdown (the port is remembered)
  void restart(std::size_t i);  // listens again on the same port
  std::uint16_t port(std::size_t i) const;

  // Options for a provider over the listeners `indices` in that order.
  key_provider_options provider(vcenter_sim::profile p, std::vector<std::size_t> indices = {0}) const;

  // KMS-side administration over its own TLS connection (the same client certificate: the owner).
  bool revoke(const std::string& id);   // Revoke, Cessation of Operation: the key becomes Deactivated
  bool destroy(const std::string& id);  // Destroy (after revoke)
  std::optional<kmip::spec::state> state(const std::string& id);

  const std::filesystem::path& datastore() const { return datastore_; }

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
  std::filesystem::path datastore_;
};

}  // namespace vcenter_sim::testing
