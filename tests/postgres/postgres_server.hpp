// A real PostgreSQL server for tests: initdb into a temp folder, postgres listening on a unix socket in that
// folder only (no TCP port to collide on), stopped and removed afterwards. As root, initdb and the server run as
// the `postgres` user (runuser), since PostgreSQL refuses to run as root. Start-up waits with `pg_ctl -w`
// (bounded by its timeout), never a sleep.
//
// One server serves every test of a CTest run: the fixture tests `postgres_fixture_start` / `_stop`
// (kmiph-postgres-fixture, FIXTURES_SETUP/CLEANUP) write and remove an info file that KMIPH_POSTGRES_INFO names.
// A test binary run by hand, without that variable, starts its own server on first use and stops it at exit.
// Each test works in a database of its own (create_database), so tests may run in parallel on one server.
//
// Roles: the superuser `postgres` (trust over the socket) and `kmiph_pw`, which must give its password
// (scram-sha-256): the role kmipd uses where a test checks that a password never reaches a log.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace tests::postgres {

inline constexpr std::string_view password_role = "kmiph_pw";
inline constexpr std::string_view password = "Pw-kmiph-9f3c1e7a";  // distinctive, so a log scan finds any leak

struct server_info {
  std::filesystem::path dir;         // the cluster's temp folder (data/, the socket, postgres.log)
  std::filesystem::path socket_dir;  // == dir
  std::uint16_t port = 5432;         // names the socket file .s.PGSQL.<port>; nothing listens on TCP

  // postgresql://postgres@/DB?host=SOCKET_DIR&port=PORT (superuser, no password).
  std::string url(std::string_view database) const;
  // The same as kmiph_pw with its password in the URL.
  std::string password_url(std::string_view database) const;
};

class server {
 public:
  // initdb + pg_ctl start -w. The error says which step failed, with its output.
  static common::expected<std::unique_ptr<server>, std::string> start();
  ~server();  // pg_ctl stop -m immediate, then the folder is removed (when owned)
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  const server_info& info() const { return info_; }
  // Writes the info file a later process attaches with attach(); the server then outlives this object.
  common::expected<void, std::string> detach_to(const std::filesystem::path& info_file);
  // The server an info file names; `own`: this object stops and removes it when destroyed.
  static common::expected<std::unique_ptr<server>, std::string> attach(const std::filesystem::path& info_file,
                                                                       bool own);

 private:
  server() = default;
  server_info info_;
  bool owned_ = true;
};

// The server of this test process (see the top of this file). The error tells why none is available.
common::expected<server_info, std::string> shared();

// Runs SQL (one or more statements) through libpq; the error carries the server's message.
common::expected<void, std::string> execute(const std::string& url, const std::string& sql);

// Creates an empty database with a name unique to this process (`hint` makes it readable in logs), owned by
// `owner` when given. Returns its name.
common::expected<std::string, std::string> create_database(std::string_view hint, std::string_view owner = {});

}  // namespace tests::postgres
