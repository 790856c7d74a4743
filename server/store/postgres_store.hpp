// The PostgreSQL object store: several kmipd instances serving one key set (DESIGN.md "Storage"), over libpq.
//
// Schema (versioned; open() migrates an older database forward inside one transaction that holds a
// transaction-level advisory lock, so instances starting together migrate it once; a database newer than this
// build knows is refused):
//   kmipd_schema_version(version integer)           -- one row
//   kmipd_meta(name text PRIMARY KEY, value bytea)  -- 'master_key_check': proves the master key matches
//   kmipd_objects(seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- creation order, for Locate
//                 id text UNIQUE, version bigint, owner text, object_type integer, secret_data_type integer,
//                 attributes bytea,                 -- TTLV, core::encode_attributes (no key material)
//                 material bytea)                   -- sealed as in sqlite_store (sealing.hpp), NULL once destroyed
// The tables carry a kmipd_ prefix so that the store can live in a database (or schema, with search_path in
// the URL) shared with other applications.
//
// Concurrency between instances: every write is a compare-and-swap on (id, version) — UPDATE/DELETE ... WHERE
// id = $1 AND version = $2, INSERT under the UNIQUE id — inside one READ COMMITTED transaction per commit().
// PostgreSQL takes the row lock and re-checks the WHERE clause against the newest committed row, so of two
// instances writing the same version one succeeds and the other gets store_errc::conflict (as does a deadlock
// or serialization failure); two inserts of one id give one row and already_exists. No write is lost and no
// partial commit is visible. Reads see committed data only.
//
// Durability: the session sets synchronous_commit = on, so COMMIT returns only once the commit record is flushed
// (and, where synchronous standbys are configured, on them): an acknowledged Create, Register or Destroy survives
// a crash of kmipd or of the database server.
//
// Errors name what failed and where ("PostgreSQL kmipd@127.0.0.1:5432/kms: cannot connect: ..."); the password of
// the URL is never part of a message (display_url()). A lost connection is re-established once per call, with
// the statements prepared again; a commit whose outcome is unknown is reported, not retried.
//
// Thread safety: one connection behind a mutex; every statement is prepared once per connection.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "server/core/object_store.hpp"
#include "server/store/sealing.hpp"

struct pg_conn;

namespace kmipd::store {

struct postgres_options {
  std::string url;                   // postgresql://user:password@host:port/dbname?options, or key=value pairs
  std::filesystem::path master_key;  // created (0600) if absent; every instance sharing the database needs a copy
  std::chrono::seconds connect_timeout{10};
  std::chrono::milliseconds lock_timeout{10000};  // a write waiting longer for a row lock fails (store_errc::io)
};

class postgres_store final : public core::object_store {
 public:
  static constexpr int schema_version = 1;

  static core::store_result<std::unique_ptr<postgres_store>> open(const postgres_options& options);
  ~postgres_store() override;
  postgres_store(const postgres_store&) = delete;
  postgres_store& operator=(const postgres_store&) = delete;

  core::store_result<std::optional<core::stored_object>> get(std::string_view id) override;
  core::store_result<void> commit(std::vector<core::write_op> writes) override;
  // A commit is durable when it returns (PostgreSQL's synchronous_commit): nothing to do.
  core::store_result<void> sync() override { return {}; }
  core::store_result<std::vector<std::string>> locate(const core::locate_filter& filter) override;

  // "user@host:port/dbname", for logs: never the password.
  const std::string& where() const { return where_; }

 private:
  postgres_store() = default;
  core::store_result<void> init(const postgres_options& options);
  core::store_result<void> connect();
  core::store_result<void> ensure_connected();
  core::store_error db_error(std::string_view what, core::store_errc code = core::store_errc::io) const;

  std::mutex mutex_;
  pg_conn* conn_ = nullptr;
  std::string url_;
  std::string password_;  // only to scrub it from libpq's messages
  std::string where_;
  std::chrono::milliseconds lock_timeout_{};
  std::chrono::seconds connect_timeout_{};
  common::secure_bytes master_key_;
};

// The URL with any password replaced by "***" (userinfo "user:***@", password=*** in query or key=value form).
std::string redact_database_url(std::string_view url);

}  // namespace kmipd::store
