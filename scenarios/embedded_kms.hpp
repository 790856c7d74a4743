// The embedded kmipd a scenario runs against when no --kms is given: kmipd's engine behind kmipd::net::server
// listeners on 127.0.0.1 (ephemeral ports) over TLS with certificates from kmiph_pki, and an SQLite object store
// in a temporary folder, removed with the object.
//
// A cluster of N servers with `store: shared` is N listeners in front of ONE engine and ONE SQLite store (a real
// cluster's shared state, without replication); `store: separate` is one engine and one SQLite file per server.
// stop() shuts a listener down (the port is kept for start()); partition() also closes the listener — vCenter then
// sees connection refused, as behind a firewall that rejects — while the engine and store keep running, so the
// other members go on serving the same keys. A silent drop (timeouts) is not simulated.
//
// Thread safety: one thread drives it; the listeners run their own threads.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/expected.hpp"
#include "scenarios/kms_backend.hpp"

namespace scenarios {

// CA, kmipd server certificate and vCenter client certificate, written once into `dir` and shared by every
// embedded KMS of a run (RSA key generation is the slow part).
struct embedded_pki {
  std::filesystem::path dir;
  std::filesystem::path ca_cert, server_cert, server_key, client_cert, client_key;
};
common::expected<embedded_pki, std::string> make_embedded_pki(const std::filesystem::path& dir);

// Starts the servers now. `work_dir` (created; removed by the destructor) holds the SQLite files.
common::expected<std::unique_ptr<kms_backend>, std::string> start_embedded_kms(
    const embedded_pki& pki, const std::vector<std::string>& servers, bool shared_store, std::uint64_t seed,
    const std::filesystem::path& work_dir);

// A kms_factory that starts a fresh embedded KMS (fresh store) per scenario under `work_root`.
kms_factory embedded_kms_factory(embedded_pki pki, std::filesystem::path work_root);

}  // namespace scenarios
