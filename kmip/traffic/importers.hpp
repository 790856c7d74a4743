// Importers into the trace format (trace.hpp): what other tools recorded, turned into frames a replay can use.
//  - PyKMIP server DEBUG logs (tests/testdata/captures/): PyKMIP 0.10/0.11 logs each request as
//    "Request encoding: b'<hex>'" (the 8-byte header and the body on two lines) and each response as
//    "Response encoding: b'<hex>'", per session, with the session's peer, cipher and client identity.
//  - pcap/pcapng captures of KMIP over TLS with the client's TLS key log (NSS format, SSLKEYLOGFILE): decrypted
//    by tshark (Debian package tshark), the decrypted bytes of each TCP stream reassembled into messages.
// docs/trace-format.md, "Importers", says what each importer keeps and what it skips.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"
#include "kmip/traffic/trace.hpp"

namespace kmip::traffic {

struct import_result {
  std::vector<frame> frames;
  std::vector<std::string> skipped;  // "FILE:LINE: what was skipped and why", one per skip
};

// Parses a PyKMIP server log. Errors: the file cannot be read, or holds no hex dump at all (the log was not
// written at DEBUG level). Incomplete messages are skipped and listed.
common::expected<import_result, std::string> import_pykmip_log(const std::filesystem::path& file);
common::expected<import_result, std::string> parse_pykmip_log(std::string_view text, std::string_view name);

// Decrypts `capture` with `keylog` by running tshark, treating TCP port `port` as TLS (the KMS's port: messages
// from it are responses). Connection IDs are tshark's TCP stream numbers plus one. The TLS facts of each
// connection come from its handshake (a second tshark pass): version and cipher from the ServerHello, the client
// subject from the client's Certificate message (TLS 1.3 sends it encrypted: the key log decrypts it). Errors name
// the file (and frame): tshark missing, no key log, a truncated or unreadable capture, no TLS handshake on the
// port, nothing decrypted (wrong keys). Listed in `skipped`: bytes of a stream that never form a whole message,
// data of a stream without a TLS handshake, and, once per connection, TLS facts that could not be determined.
common::expected<import_result, std::string> import_pcap(const std::filesystem::path& capture,
                                                         const std::filesystem::path& keylog, std::uint16_t port);

// OpenSSL's name (SSL_CIPHER_get_name) of the cipher suite with IANA number `iana`: 0x1302 gives
// "TLS_AES_256_GCM_SHA384", 0x003C "AES128-SHA256". Empty when this OpenSSL does not know the suite.
std::string openssl_cipher_name(std::uint16_t iana);
// SSL_get_version's name of a TLS protocol version on the wire: 0x0303 gives "TLSv1.2", 0x0304 "TLSv1.3".
// Empty for anything else.
std::string tls_version_name(std::uint16_t wire);

// Whether the file looks like a trace (its first non-blank character is '{') rather than a log.
bool looks_like_trace(const std::filesystem::path& file);

// ---- OASIS KMIP test cases (KMIP XML encoding), oasis_import.cpp ----------------------------------------------
// The import clock: microseconds since the Unix epoch, UTC. `$NOW` is its value in whole seconds (rounded down).
using import_clock = std::function<std::int64_t()>;

// One test case -> one connection `connection` of request/response frames in document order, each request frame
// timed by one reading of `clock` (the `$NOW` of that request and of its expected response), each response frame
// by the next. Placeholders are resolved (load_test_case reads the file and normalises Attribute Names):
//   $UNIQUE_IDENTIFIER_n  -> oasis_identifier(connection, n), in requests and expected responses alike; the
//                            replayer learns what the target returned where the response shows it
//   $NOW, $NOW+k, $NOW-k  -> the clock's second + k (Date-Times); the Request Header Time Stamp -> that second
//   other placeholders    -> in expected responses, a zero value of the item's type (the value may vary)
// and each resolved Date-Time and varying value is listed in the frame's `placeholders`. Errors: "FILE:LINE: what"
// (load_test_case's errors; a placeholder this importer does not know, or one a request cannot carry; an
// identifier a request uses before a response showed it).
common::expected<import_result, std::string> import_oasis_case(const std::filesystem::path& file,
                                                               const import_clock& clock,
                                                               std::uint64_t connection = 1);
// Several test cases -> connections 1..N in the order given. The first error refuses the whole import.
common::expected<import_result, std::string> import_oasis_cases(std::span<const std::filesystem::path> files,
                                                                const import_clock& clock);
// "oasis-3-uid-0": the synthetic identifier of $UNIQUE_IDENTIFIER_0 on connection 3 (distinct per connection, so
// that the replayer's identifier map, shared by all connections, keeps the cases apart).
std::string oasis_identifier(std::uint64_t connection, std::size_t n);
// Whether the file is a KMIP XML test case: its name ends in .xml, or its first 4 KiB hold "<KMIP",
// "<KmipTestCase" or "<RequestMessage".
bool looks_like_oasis_case(const std::filesystem::path& file);

}  // namespace kmip::traffic
