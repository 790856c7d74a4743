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
// from it are responses). Connection IDs are tshark's TCP stream numbers plus one. Errors name the file (and
// frame): tshark missing, no key log, nothing decrypted (wrong keys or port). Bytes of a stream that never form
// a whole message are skipped and listed.
common::expected<import_result, std::string> import_pcap(const std::filesystem::path& capture,
                                                         const std::filesystem::path& keylog, std::uint16_t port);

// Whether the file looks like a trace (its first non-blank character is '{') rather than a log.
bool looks_like_trace(const std::filesystem::path& file);

}  // namespace kmip::traffic
