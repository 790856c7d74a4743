// The SQLite object store: kmipd's default, one database file (DESIGN.md "Storage").
//
// Schema (versioned; schema_version holds one row; open() migrates older files forward, step by step, in one
// transaction each; a newer file than this build knows is refused):
//   schema_version(version INTEGER)
//   meta(name TEXT PRIMARY KEY, value BLOB)        -- 'master_key_check': proves the master key matches
//   objects(seq INTEGER PRIMARY KEY AUTOINCREMENT, -- creation order, for Locate
//           id TEXT UNIQUE, version INTEGER, owner TEXT, object_type INTEGER, secret_data_type INTEGER,
//           attributes BLOB,                      -- TTLV, core::encode_attributes (no key material)
//           material BLOB)                        -- AES-256-GCM(master key; nonce 12 || ciphertext || tag 16;
//                                                 --   AAD = "kmipd-object:" + id), NULL once destroyed
//
// Key material at rest: every object's material is sealed with AES-256-GCM under the server master key, with
// the object's id as additional data, so a copied database file leaks no key and a sealed blob moved to
// another row does not open. The master key is 32 random bytes in a file created on first start with mode
// 0600 (O_EXCL, fsync'd); open() refuses a master key file that group or others can read or write, and a key
// that does not open the database's check value ("wrong master key"). Nonces come from OpenSSL's DRBG.
//
// Durability: journal_mode=WAL with synchronous=FULL. In WAL mode, NORMAL only syncs at checkpoints, so a
// power loss can drop the last acknowledged transactions (a process crash cannot); FULL syncs the WAL at every
// commit, so once commit() returns — and hence before Create, Register or Destroy is answered — the write is
// on stable storage. Cost: one fsync per commit. With sqlite_options::group_commit (kmipd's setting) a commit
// runs with NORMAL and sync() fdatasyncs the WAL once for every writer waiting on it (core::group_sync): the
// engine calls sync() after leaving its lock and before answering, so an acknowledged write is on stable
// storage exactly as with FULL, and concurrent writers share the sync.
//
// Errors: open() returns a store_error whose message names the file (a corrupt database, "file is not a
// database", a wrong master key, unsafe permissions). Thread safety: one connection behind a mutex; every
// statement is prepared once.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>

#include "server/core/group_sync.hpp"
#include "server/core/object_store.hpp"
#include "server/store/sealing.hpp"  // load_or_create_master_key

struct sqlite3;

namespace kmipd::store {

struct sqlite_options {
  std::filesystem::path database;    // created if absent
  std::filesystem::path master_key;  // created (0600) if absent
  int busy_timeout_ms = 5000;
  // Group commit: commit() returns once the transaction is in the WAL (visible, not yet synced) and sync()
  // makes it durable, sharing one fdatasync of the WAL among the writers that sync together. Only for a caller
  // that calls sync() before acknowledging a write (kmipd's engine does); off, every commit() is durable.
  bool group_commit = false;
};

class sqlite_store final : public core::object_store {
 public:
  static constexpr int schema_version = 1;

  static core::store_result<std::unique_ptr<sqlite_store>> open(const sqlite_options& options);
  ~sqlite_store() override;
  sqlite_store(const sqlite_store&) = delete;
  sqlite_store& operator=(const sqlite_store&) = delete;

  core::store_result<std::optional<core::stored_object>> get(std::string_view id) override;
  core::store_result<void> commit(std::vector<core::write_op> writes) override;
  core::store_result<std::vector<std::string>> locate(const core::locate_filter& filter) override;
  core::store_result<void> sync() override;
  void sync_async(std::function<void(core::store_result<void>)> done) override;

  // The commit queue with group_commit (its counters: writes, sync groups), else null.
  core::group_sync* group_commit() noexcept { return group_.get(); }

 private:
  struct statements;
  sqlite_store() = default;
  core::store_result<void> init(const sqlite_options& options);
  core::store_error db_error(std::string_view what) const;

  std::mutex mutex_;
  sqlite3* db_ = nullptr;
  std::unique_ptr<statements> st_;
  common::secure_bytes master_key_;
  std::string path_;
  int wal_fd_ = -1;
  std::unique_ptr<core::group_sync> group_;
};

}  // namespace kmipd::store
