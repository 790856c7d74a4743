// kmipd: `kmipd --config kms.toml`. Loads the configuration (server/config.hpp), builds the TLS contexts and the
// engine, starts the network front (server/net/server.hpp) and waits for SIGTERM or SIGINT, then shuts down
// gracefully: stop accepting, let requests in progress finish within shutdown_timeout_seconds.
// Exit status: 0 after a clean shutdown, 2 for a bad configuration or a port that cannot be bound, 3 for an
// unexpected exception (caught here, once).
//
// `--ready-file PATH`: once both listeners are bound, kmipd writes {"pid":..,"kmip_port":..,"http_port":..} to
// PATH, atomically (PATH.tmp, then rename), so that a supervisor or a test that configured port 0 learns the
// ports the moment kmipd accepts connections, and never reads a half-written file.
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <iostream>
#include <memory>
#include <thread>

#include "kmip/net/tls_context.hpp"
#include "kmip/traffic/trace.hpp"
#include "server/config.hpp"
#include "server/core/audit.hpp"
#include "server/core/credentials.hpp"
#include "server/core/engine.hpp"
#include "server/store/postgres_store.hpp"
#include "server/store/caching_store.hpp"
#include "server/store/sqlite_store.hpp"
#include "server/net/server.hpp"

#ifndef KMIPD_VERSION
#define KMIPD_VERSION "0.0.0"
#endif

namespace {

constexpr int exit_ok = 0;
constexpr int exit_config = 2;
constexpr int exit_internal = 3;

kmip::net::server_tls_options tls_options(const kmipd::config& c) {
  kmip::net::server_tls_options o;
  o.pkcs12_file = c.tls_p12_file.string();
  o.pkcs12_password = c.tls_p12_password;
  for (const auto& ca : c.clients_ca_cert_file) o.client_ca_files.push_back(ca.string());
  o.require_client_cert = true;
  o.require_client_auth_eku = c.require_client_auth_eku || c.test_faults.has(kmipd::core::fault::client_eku_required);
  o.protocol.min_version = c.tls_min_version == "1.3" ? kmip::net::tls_version::v1_3 : kmip::net::tls_version::v1_2;
  o.protocol.cipher_list = c.tls_cipher_list;
  o.protocol.tls13_ciphersuites = c.tls13_ciphersuites;
  o.protocol.allow_aes128_sha256 = c.allow_aes128_sha256;
  return o;
}

// The object store: SQLite (one file, WAL) or PostgreSQL (several instances on one database), key material
// sealed under the master key either way. Logs where it is, never a password. `wal` is set to SQLite's commit
// queue (for its counters; it lives as long as the store), left null with PostgreSQL.
kmipd::core::store_result<std::unique_ptr<kmipd::core::object_store>> make_store(const kmipd::config& c,
                                                                                 kmipd::core::group_sync*& wal) {
  if (c.db_type == kmipd::database_type::postgresql) {
    auto store = kmipd::store::postgres_store::open({c.database_url, c.master_key_file});
    if (!store) return common::unexpected{std::move(store).error()};
    spdlog::info("object store: PostgreSQL {} (key material sealed under {})", (*store)->where(),
                 c.master_key_file.string());
    return std::unique_ptr<kmipd::core::object_store>(std::move(*store));
  }
  kmipd::store::sqlite_options so{c.sqlite_file(), c.master_key_file};
  so.group_commit = true;  // the engine syncs after leaving its lock and before answering (object_store::sync)
  auto store = kmipd::store::sqlite_store::open(so);
  if (!store) return common::unexpected{std::move(store).error()};
  wal = (*store)->group_commit();
  spdlog::info("object store: SQLite {} (key material sealed under {}), cache of {} objects", c.sqlite_file().string(),
               c.master_key_file.string(), c.object_cache_size);
  std::unique_ptr<kmipd::core::object_store> s = std::move(*store);
  // The hot objects in memory: SQLite is written by this process alone, so the cache sees every write. (Never in
  // front of PostgreSQL: another instance's writes would leave it stale.)
  if (c.object_cache_size > 0) s = std::make_unique<kmipd::store::caching_store>(std::move(s), c.object_cache_size);
  return s;
}

// Writes the ready file (see the top of this file). False, with the reason on stderr, when it cannot be written.
bool write_ready_file(const std::filesystem::path& path, std::uint16_t kmip_port, std::uint16_t http_port) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << "{\"pid\":" << ::getpid() << ",\"kmip_port\":" << kmip_port << ",\"http_port\":" << http_port << "}\n";
    out.flush();
    if (!out) {
      std::cerr << "kmipd: cannot write the ready file " << tmp.string() << "\n";
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::cerr << "kmipd: cannot rename " << tmp.string() << " to " << path.string() << ": " << ec.message() << "\n";
    return false;
  }
  return true;
}

int run(const std::string& config_file, bool check_only, const std::string& ready_file) {
  auto loaded = kmipd::load_config(config_file);
  if (!loaded) {
    std::cerr << "kmipd: " << loaded.error().describe(config_file) << "\n";
    return exit_config;
  }
  const kmipd::config& c = *loaded;
  if (auto ok = kmipd::check_startable(c); !ok) {
    std::cerr << "kmipd: " << ok.error().describe(config_file) << "\n";
    return exit_config;
  }
  spdlog::set_level(spdlog::level::from_str(c.log_level));

  kmipd::net::server_options so;
  so.kmip = {c.socket_server_start, c.socket_server_hostname, c.socket_server_port, nullptr};
  so.http = {c.http_start, c.http_hostname, c.http_port, nullptr};
  // 0 (the default): one thread per hardware thread, at least two, so TLS and the engine use every core.
  so.threads = c.threads ? c.threads : std::max(2u, std::thread::hardware_concurrency());
  so.busy_poll = c.busy_poll;
  so.max_connections = c.max_connections;
  so.limits.max_message_size = c.max_message_size;
  so.handshake_timeout = c.handshake_timeout;
  so.idle_timeout = c.idle_timeout;
  so.write_timeout = c.write_timeout;
  so.default_identity = c.default_username;
  so.version = KMIPD_VERSION;
  if (c.socket_server_start) {
    auto ctx = kmip::net::make_server_context(tls_options(c));
    if (!ctx) {
      std::cerr << "kmipd: " << config_file << ": [tls]: " << ctx.error().message << "\n";
      return exit_config;
    }
    so.kmip.tls = *ctx;
  }
  if (c.http_start && c.http_tls) {
    auto o = tls_options(c);
    o.require_client_cert = false;  // HTTPS: a client certificate names the caller when there is one
    auto ctx = kmip::net::make_server_context(o);
    if (!ctx) {
      std::cerr << "kmipd: " << config_file << ": [http] tls: " << ctx.error().message << "\n";
      return exit_config;
    }
    so.http.tls = *ctx;
  }
  if (check_only) {
    std::cout << "kmipd: " << config_file << ": configuration OK\n";
    return exit_ok;
  }

  // The folders of the files kmipd writes (audit log, master key, database) are created on first start.
  for (const auto& file : {c.audit_file, c.master_key_file, c.sqlite_file()}) {
    std::error_code ec;
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
    if (ec) {
      std::cerr << "kmipd: cannot create " << file.parent_path().string() << ": " << ec.message() << "\n";
      return exit_config;
    }
  }
  auto audit = std::make_shared<kmipd::core::file_audit_sink>(c.audit_file);
  kmipd::core::engine_options eo;
  eo.vendor_identification = std::string("kmip-harness kmipd ") + KMIPD_VERSION;
  eo.limits.max_message_size = c.max_message_size;
  eo.faults = c.test_faults;
  if (!c.credential_users.empty()) {
    eo.check_credential = kmipd::core::make_credential_check(c.credential_users);
    eo.require_credential = c.credentials_required;
    spdlog::info("KMIP Username/Password credentials: {} user(s), {}", c.credential_users.size(),
                 c.credentials_required ? "required" : "optional");
  }
  kmipd::core::group_sync* wal = nullptr;
  auto store = make_store(c, wal);
  if (!store) {
    std::cerr << "kmipd: " << store.error().message << "\n";
    return exit_config;
  }
  spdlog::info("engine: {} I/O threads", so.threads);
  auto engine = std::make_shared<kmipd::core::engine>(std::move(eo), std::move(*store),
                                                      kmipd::core::environment::production(audit));
  if (c.test_faults.any()) {
    std::string names;
    for (const auto& f : kmipd::core::all_faults())
      if (c.test_faults.has(f.which)) names += (names.empty() ? "" : ", ") + std::string(f.name);
    spdlog::warn("TEST-ONLY fault personalities enabled: {} (never use this configuration in production)", names);
    auto dropped = kmipd::core::fault_at_startup(c.test_faults, engine->store());
    if (!dropped) {
      std::cerr << "kmipd: " << dropped.error().message << "\n";
      return exit_config;
    }
    if (*dropped) spdlog::warn("fault keys_lost_on_restart: dropped {} objects", *dropped);
  }

  if (wal && c.test_first_sync_group > 0) {
    spdlog::warn("TEST-ONLY test_first_sync_group = {}: the first WAL sync waits for that many writes",
                 c.test_first_sync_group);
    auto first = std::make_shared<std::atomic<bool>>(true);
    wal->set_before_sync([wal, first, n = c.test_first_sync_group] {
      if (first->exchange(false)) (void)wal->await_writes(n, std::chrono::seconds(10));
    });
  }
  // GET /metrics counts the fdatasync groups: writes that waited for one, and the syncs that covered them.
  using counter = kmipd::net::metrics::external_counter;
  const std::string syncs_help = "fdatasync calls that made acknowledged writes durable (one per group), by file.";
  const std::string writes_help = "Writes that had to be durable before their answer, by file.";
  if (wal) {
    so.counters.push_back({"kmipd_fdatasync_total", "file=\"wal\"", syncs_help, [engine, wal] { return wal->syncs(); }});
    so.counters.push_back({"kmipd_synced_writes_total", "file=\"wal\"", writes_help, [engine, wal] { return wal->writes(); }});
  }
  so.counters.push_back(
      {"kmipd_fdatasync_total", "file=\"audit\"", syncs_help, [audit] { return audit->syncs().syncs(); }});
  so.counters.push_back(
      {"kmipd_synced_writes_total", "file=\"audit\"", writes_help, [audit] { return audit->syncs().writes(); }});
  std::stable_sort(so.counters.begin(), so.counters.end(),
                   [](const counter& a, const counter& b) { return a.name < b.name; });

  // record_trace: every KMIP message into a trace (docs/trace-format.md); the writer outlives the server.
  auto trace = std::make_shared<kmip::traffic::trace_writer>();
  if (!c.record_trace.empty()) {
    if (auto ok = trace->open(c.record_trace); !ok) {
      std::cerr << "kmipd: record_trace: " << ok.error() << "\n";
      return exit_config;
    }
    so.record = [trace](const kmipd::net::session_facts& s, bool request, std::span<const std::uint8_t> message) {
      kmip::traffic::frame f;
      f.connection = s.connection;
      f.direction = request ? kmip::traffic::direction::request : kmip::traffic::direction::response;
      f.time_us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
      f.peer = s.peer;
      f.tls = {s.tls_version, s.tls_cipher, s.client_subject};
      f.message.assign(message.begin(), message.end());
      if (auto ok = trace->write(f); !ok) spdlog::warn("record_trace: {}", ok.error());
    };
    spdlog::warn("recording every KMIP message, key material included, to {}", c.record_trace.string());
  }

  // KMIP sessions answer through the non-blocking entry: a session waiting for its group's fdatasync leaves its
  // I/O thread to the other connections, so one sync covers as many Creates as are waiting (group_sync.hpp).
  auto srv = kmipd::net::server::start(
      so,
      [engine](std::span<const std::uint8_t> request, const kmipd::core::request_context& ctx) {
        return engine->handle_bytes(request, ctx);
      },
      [engine](std::span<const std::uint8_t> request, const kmipd::core::request_context& ctx,
               std::function<void(common::secure_bytes)> done) {
        engine->handle_bytes_async(request, ctx, std::move(done));
      });
  if (!srv) {
    std::cerr << "kmipd: " << srv.error().message << "\n";
    return exit_config;
  }
  if (c.socket_server_start)
    spdlog::info("KMIP over TLS on {}:{}", c.socket_server_hostname, (*srv)->kmip_port());
  if (c.http_start)
    spdlog::info("HTTP{} on {}:{}", c.http_tls ? "S" : "", c.http_hostname, (*srv)->http_port());
  spdlog::info("audit log {}", c.audit_file.string());

  boost::asio::io_context signals_io;
  boost::asio::signal_set signals(signals_io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    spdlog::info("signal {}: shutting down (up to {} ms for requests in progress)", signo,
                 c.shutdown_timeout.count());
    (*srv)->shutdown(c.shutdown_timeout);
  });
  // Written once SIGTERM is handled too, so that whoever waits for the file may stop kmipd cleanly at once.
  if (!ready_file.empty() && !write_ready_file(ready_file, (*srv)->kmip_port(), (*srv)->http_port())) {
    (*srv)->shutdown(std::chrono::milliseconds{0});
    return exit_config;
  }
  signals_io.run();
  spdlog::info("stopped");
  return exit_ok;
}

// `kmipd --hash-password`: the password comes on standard input (never on the command line, where `ps` and shell
// history would keep it); the hash line goes to standard output.
int hash_password_from_stdin() {
  std::string password;
  std::getline(std::cin, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty()) {
    std::cerr << "kmipd: --hash-password: no password on standard input\n";
    return 1;
  }
  auto line = kmipd::core::hash_password(password);
  std::fill(password.begin(), password.end(), '\0');
  if (!line) {
    std::cerr << "kmipd: --hash-password: " << line.error() << "\n";
    return exit_internal;
  }
  std::cout << *line << "\n";
  return exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kmipd: a KMIP server (TLS on 5696, HTTP on 9998) for vSphere key management labs", "kmipd"};
  std::string config_file;
  bool check_only = false;
  auto* config_opt = app.add_option("-c,--config", config_file, "configuration file (TOML; see docs/kmipd.md)");
  app.add_flag("--check", check_only, "check the configuration and the TLS files, then exit");
  bool hash_only = false;
  app.add_flag("--hash-password", hash_only,
               "read a password from standard input (one line) and print its hash line for "
               "[kmipd.credentials.users], then exit")
      ->excludes(config_opt);
  std::string ready_file;
  app.add_option("--ready-file", ready_file,
                 "once listening, write the bound ports as JSON to this file (atomically: PATH.tmp, then rename)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? exit_ok : 1;
  }
  if (hash_only) return hash_password_from_stdin();
  if (config_file.empty()) {
    std::cerr << "kmipd: --config is required\n" << app.help();
    return 1;
  }
  try {
    return run(config_file, check_only, ready_file);
  } catch (const std::exception& e) {
    std::cerr << "kmipd: " << e.what() << "\n";
    return exit_internal;
  }
}
