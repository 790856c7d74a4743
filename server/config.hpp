// kmipd's configuration: the TOML file named by `kmipd --config` (docs/kmipd.md has every key).
//
// Key names follow the kms.toml operators know from Cosmian KMS (top level `default_username`; `[socket_server]`,
// `[tls]`, `[http]`, `[db]`); what is ours lives under `[kmipd]`. An unknown key, a value of the wrong type or out
// of range is an error naming the key and its line. Relative paths are taken relative to the folder of the
// configuration file, so a config and the files it names can move together.
//
// Parsing only: nothing is opened here except the configuration file itself (and a password file named by
// `[kmipd] tls_p12_password_file`). Whether the server can start with what was read (a PostgreSQL URL, TLS
// files) is check_startable()'s question.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"
#include "common/secure.hpp"
#include "server/core/faults.hpp"

namespace kmipd {

enum class database_type : std::uint8_t { sqlite, postgresql };

struct config {
  std::filesystem::path source;  // the file read; empty when parsed from text without one

  // top level
  std::string default_username = "admin";  // identity of requests that carry no certificate (plain HTTP)

  // [socket_server]
  bool socket_server_start = true;
  std::string socket_server_hostname = "0.0.0.0";
  std::uint16_t socket_server_port = 5696;

  // [tls]
  std::filesystem::path tls_p12_file;                      // required when the socket server starts
  common::secure_bytes tls_p12_password;                   // or [kmipd] tls_p12_password_file
  std::vector<std::filesystem::path> clients_ca_cert_file;  // string or array; required with the socket server

  // [http]
  bool http_start = true;  // [http] start
  std::string http_hostname = "0.0.0.0";
  std::uint16_t http_port = 9998;
  bool http_tls = false;  // [http] tls: HTTPS with the [tls] certificate; a client certificate is optional

  // [db]
  database_type db_type = database_type::sqlite;
  std::string database_url;                // postgresql only: postgresql://user:password@host:port/dbname
  std::filesystem::path sqlite_path = "kmipd.sqlite";  // a file; an existing folder means FOLDER/kmipd.sqlite

  // [kmipd]
  std::filesystem::path master_key_file = "kmipd-master.key";
  std::filesystem::path audit_file = "kmipd-audit.jsonl";
  std::filesystem::path record_trace;   // when set: every KMIP message is written to this trace (0600, key
                                        // material included: docs/trace-format.md)
  std::string tls_min_version = "1.2";  // "1.2" or "1.3"
  std::string tls_cipher_list;          // TLS 1.2 suites, OpenSSL syntax; empty: ECDHE with AEAD
  std::string tls13_ciphersuites;       // empty: OpenSSL's default
  bool allow_aes128_sha256 = false;     // vCenter 7.0.3's suite (RSA key exchange)
  bool require_client_auth_eku = false;
  unsigned threads = 0;  // 0: one per hardware thread (at least 2)
  // After handling I/O, an I/O thread polls for more this long before it sleeps (server_options::busy_poll).
  std::chrono::microseconds busy_poll{50};
  std::size_t object_cache_size = 10000;  // hot objects kept in memory (caching_store); 0: none
  std::size_t max_connections = 1024;
  std::size_t max_message_size = 1u << 20;
  std::chrono::milliseconds handshake_timeout{10000};
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds write_timeout{30000};
  std::chrono::milliseconds shutdown_timeout{10000};
  std::string log_level = "info";  // trace, debug, info, warn, error, off
  // test_fault_personalities: TEST-ONLY misbehaviours for proving `kmip-harness check` (server/core/faults.hpp).
  core::fault_set test_faults;
  // test_first_sync_group: TEST-ONLY. When > 0, the first fdatasync of SQLite's WAL waits (at most 10 s) until
  // this many writes wait for it, so that a test counts how many Creates one sync covers without relying on
  // timing (tests/kmipd). 0: off.
  unsigned test_first_sync_group = 0;
  // [kmipd.credentials]: KMIP Username/Password credentials (docs/kmipd.md). `users` maps a username to its
  // password hash line (server/core/credentials.hpp; `kmipd --hash-password`); a request whose credential
  // matches runs as the username (the client certificate is still required and verified). `required`: refuse
  // requests without a credential. No users: credentials are ignored.
  std::map<std::string, std::string> credential_users;
  bool credentials_required = false;

  // sqlite_path resolved: itself, or kmipd.sqlite inside it when it names an existing folder.
  std::filesystem::path sqlite_file() const;
};

struct config_error {
  config_error() = default;
  config_error(std::string k, std::size_t l, std::string m) : key(std::move(k)), line(l), message(std::move(m)) {}

  std::string key;        // dotted: "socket_server.socket_server_port"; empty for a syntax error
  std::size_t line = 0;   // 1-based; 0 when not known
  std::string message;

  // "kms.toml:12: socket_server.socket_server_port: must be between 1 and 65535 (got 70000)"
  std::string describe(std::string_view file) const;
};

// Parses `text`; `source` names the file for messages and anchors relative paths (its parent folder).
common::expected<config, config_error> parse_config(std::string_view text, const std::filesystem::path& source);

// Reads and parses `file`.
common::expected<config, config_error> load_config(const std::filesystem::path& file);

// Refuses what parses but cannot start: PostgreSQL without a postgresql:// URL, a socket server without TLS files.
common::expected<void, config_error> check_startable(const config& c);

}  // namespace kmipd
