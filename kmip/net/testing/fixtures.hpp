// Shared pieces of the network tests: the test PKI (generated once per process, per key type), TLS option sets
// built from it, and canned KMIP messages built with ttlv::tree.
#pragma once

#include <vector>

#include "common/secure.hpp"
#include "kmip/net/tls_context.hpp"
#include "kmip/spec/spec.hpp"
#include "tests/pki/pki.hpp"

namespace kmip::net::testing {

// The PKI of tests/pki, generated into a temp directory on first use and removed at process exit.
// Aborts the test process (with the reason) if generation fails: no network test can run without it.
const tests::pki::files& shared_pki(tests::pki::key_type type = tests::pki::key_type::ec_p256);

// A client trusting the test CA and presenting client.crt (clientAuth EKU).
client_tls_options client_options(const tests::pki::files& pki);
// A server presenting server.crt, trusting the test CA for client certificates, requiring one.
server_tls_options server_options(const tests::pki::files& pki);

// Request Message: header with `version`, one batch item Discover Versions with an empty payload.
common::secure_bytes discover_versions_request(spec::protocol_version version = {1, 1});
// Response Message: header with `version`, one batch item Discover Versions, Success, listing `versions`.
common::secure_bytes discover_versions_response(const std::vector<spec::protocol_version>& versions,
                                                spec::protocol_version version = {1, 1});
// Response Message: one batch item for `op` with Result Status Operation Failed, the reason and message.
common::secure_bytes failure_response(spec::operation op, spec::result_reason reason, std::string_view message);

}  // namespace kmip::net::testing
