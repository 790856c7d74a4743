// SQLite object store: schema and migrations, prepared statements. Sealing and the master key: sealing.hpp.
#include "server/store/sqlite_store.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kmipd::store {

using core::store_errc;
using core::store_error;
using core::store_result;

namespace {

common::unexpected<store_error> err(store_errc c, std::string m) { return common::unexpected(store_error{c, std::move(m)}); }

struct stmt_deleter {
  void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};
using stmt_ptr = std::unique_ptr<sqlite3_stmt, stmt_deleter>;

// Resets a statement (and clears its bindings) on scope exit.
struct reset_guard {
  sqlite3_stmt* s;
  ~reset_guard() {
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
  }
};

}  // namespace

struct sqlite_store::statements {
  stmt_ptr get, insert, update, erase, version_of, locate_all, begin, commit, rollback;
};

store_error sqlite_store::db_error(std::string_view what) const {
  return {store_errc::io, "database " + path_ + ": " + std::string(what) + ": " + (db_ ? sqlite3_errmsg(db_) : "")};
}

store_result<std::unique_ptr<sqlite_store>> sqlite_store::open(const sqlite_options& options) {
  std::unique_ptr<sqlite_store> s(new sqlite_store());
  if (auto ok = s->init(options); !ok) return common::unexpected(ok.error());
  return s;
}

sqlite_store::~sqlite_store() {
  group_.reset();  // completes pending syncs while the WAL's descriptor is open
  st_.reset();
  if (db_) sqlite3_close_v2(db_);
  if (wal_fd_ >= 0) ::close(wal_fd_);
}

store_result<void> sqlite_store::init(const sqlite_options& options) {
  path_ = options.database.string();
  auto key = load_or_create_master_key(options.master_key);
  if (!key) return common::unexpected(key.error());
  master_key_ = std::move(*key);
  if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK)
    return common::unexpected(db_error("cannot open"));
  sqlite3_busy_timeout(db_, options.busy_timeout_ms);
  auto exec = [&](const char* sql) -> store_result<void> {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
      std::string m = msg ? msg : "error";
      sqlite3_free(msg);
      return err(store_errc::corrupt, "database " + path_ + ": " + m);
    }
    return {};
  };
  for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
                          "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)"})
    if (auto ok = exec(sql); !ok) return ok;

  // Migrations: index i takes a file from version i to i+1.
  static constexpr const char* migrations[] = {
      "CREATE TABLE meta(name TEXT PRIMARY KEY, value BLOB NOT NULL);"
      "CREATE TABLE objects(seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,"
      " version INTEGER NOT NULL, owner TEXT NOT NULL, object_type INTEGER NOT NULL, secret_data_type INTEGER,"
      " attributes BLOB NOT NULL, material BLOB);"
      "CREATE INDEX objects_type ON objects(object_type, owner);",
  };
  static_assert(std::size(migrations) == schema_version);
  int version = 0;
  {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_, "SELECT version FROM schema_version", -1, &raw, nullptr) != SQLITE_OK)
      return common::unexpected(db_error("reading schema_version"));
    stmt_ptr q(raw);
    if (sqlite3_step(q.get()) == SQLITE_ROW) version = sqlite3_column_int(q.get(), 0);
  }
  if (version > schema_version)
    return err(store_errc::corrupt, "database " + path_ + " has schema version " + std::to_string(version) +
                                        ", newer than this kmipd (" + std::to_string(schema_version) + ")");
  for (int v = version; v < schema_version; ++v) {
    if (auto ok = exec("BEGIN IMMEDIATE"); !ok) return ok;
    auto step = exec(migrations[v]);
    if (step) step = exec(v == 0 ? "INSERT INTO schema_version(version) VALUES (1)" : "SELECT 1");
    if (step && v > 0) step = exec(("UPDATE schema_version SET version = " + std::to_string(v + 1)).c_str());
    if (!step) {
      (void)exec("ROLLBACK");
      return step;
    }
    if (auto ok = exec("COMMIT"); !ok) return ok;
  }

  auto prepare = [&](const char* sql, stmt_ptr& out) -> store_result<void> {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr) != SQLITE_OK)
      return common::unexpected(db_error("preparing statements"));
    out.reset(raw);
    return {};
  };
  st_ = std::make_unique<statements>();
  for (auto [sql, target] : std::initializer_list<std::pair<const char*, stmt_ptr*>>{
           {"SELECT id, version, owner, object_type, secret_data_type, attributes, material FROM objects WHERE id = ?1",
            &st_->get},
           {"INSERT INTO objects(id, version, owner, object_type, secret_data_type, attributes, material)"
            " VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6)",
            &st_->insert},
           {"UPDATE objects SET version = version + 1, owner = ?2, object_type = ?3, secret_data_type = ?4,"
            " attributes = ?5, material = ?6 WHERE id = ?1 AND version = ?7",
            &st_->update},
           {"DELETE FROM objects WHERE id = ?1 AND version = ?2", &st_->erase},
           {"SELECT version FROM objects WHERE id = ?1", &st_->version_of},
           {"SELECT id, object_type, owner FROM objects ORDER BY seq", &st_->locate_all},
           {"BEGIN IMMEDIATE", &st_->begin},
           {"COMMIT", &st_->commit},
           {"ROLLBACK", &st_->rollback}})
    if (auto ok = prepare(sql, *target); !ok) return ok;

  // Master key check: seal a constant on first use, then require it to open.
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT value FROM meta WHERE name = 'master_key_check'", -1, &raw, nullptr) != SQLITE_OK)
    return common::unexpected(db_error("reading meta"));
  stmt_ptr q(raw);
  if (sqlite3_step(q.get()) == SQLITE_ROW) {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(q.get(), 0));
    std::span<const std::uint8_t> sealed(p, static_cast<std::size_t>(sqlite3_column_bytes(q.get(), 0)));
    if (!master_key_check_opens(master_key_, sealed))
      return err(store_errc::corrupt, "database " + path_ + " was written with another master key than " +
                                          options.master_key.string());
  } else {
    auto sealed = seal_master_key_check(master_key_);
    if (!sealed) return common::unexpected(sealed.error());
    sqlite3_stmt* ins = nullptr;
    if (sqlite3_prepare_v2(db_, "INSERT INTO meta(name, value) VALUES ('master_key_check', ?1)", -1, &ins, nullptr) !=
        SQLITE_OK)
      return common::unexpected(db_error("writing meta"));
    stmt_ptr i(ins);
    sqlite3_bind_blob(i.get(), 1, sealed->data(), static_cast<int>(sealed->size()), SQLITE_TRANSIENT);
    if (sqlite3_step(i.get()) != SQLITE_DONE) return common::unexpected(db_error("writing meta"));
  }
  if (options.group_commit) {
    // Commits stop syncing the WAL themselves (NORMAL still syncs it before each checkpoint and the database
    // after); sync() fdatasyncs the WAL for every commit that returned before it, one sync per group. The WAL
    // stays the same file while this connection is open (it is only removed when the last connection closes),
    // and fdatasync through any descriptor flushes the file's pages.
    if (auto ok = exec("PRAGMA synchronous=NORMAL"); !ok) return ok;
    const std::string wal = path_ + "-wal";
    wal_fd_ = ::open(wal.c_str(), O_RDONLY | O_CLOEXEC);
    if (wal_fd_ < 0)
      return err(store_errc::io, "database " + path_ + ": cannot open its write-ahead log " + wal + ": " +
                                     std::strerror(errno));
    group_ = std::make_unique<core::group_sync>([fd = wal_fd_] { return ::fdatasync(fd) == 0; });
  }
  return {};
}

store_result<std::optional<core::stored_object>> sqlite_store::get(std::string_view id) {
  std::lock_guard lock(mutex_);
  auto* s = st_->get.get();
  reset_guard g{s};
  sqlite3_bind_text(s, 1, id.data(), static_cast<int>(id.size()), SQLITE_TRANSIENT);
  const int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return std::optional<core::stored_object>{};
  if (rc != SQLITE_ROW) return common::unexpected(db_error("reading object"));
  core::stored_object o;
  o.id = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  o.version = sqlite3_column_int64(s, 1);
  o.owner = reinterpret_cast<const char*>(sqlite3_column_text(s, 2));
  o.object_type = static_cast<kmip::spec::object_type>(sqlite3_column_int64(s, 3));
  if (sqlite3_column_type(s, 4) != SQLITE_NULL)
    o.secret_data_type = static_cast<kmip::spec::secret_data_type>(sqlite3_column_int64(s, 4));
  auto blob = [&](int col) {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, col));
    return std::span<const std::uint8_t>(p, static_cast<std::size_t>(sqlite3_column_bytes(s, col)));
  };
  auto attrs = core::decode_attributes(blob(5));
  if (!attrs) return err(store_errc::corrupt, "database " + path_ + ", object " + o.id + ": " + attrs.error().message);
  o.attributes = std::move(*attrs);
  if (sqlite3_column_type(s, 6) != SQLITE_NULL) {
    auto material = open_sealed(master_key_, blob(6), object_aad(o.id));
    if (!material)
      return err(store_errc::corrupt, "database " + path_ + ", object " + o.id + ": " + material.error().message);
    o.key_material = std::move(*material);
  }
  return std::optional<core::stored_object>{std::move(o)};
}

store_result<void> sqlite_store::commit(std::vector<core::write_op> writes) {
  std::lock_guard lock(mutex_);
  auto run = [&](sqlite3_stmt* s) {
    reset_guard g{s};
    return sqlite3_step(s);
  };
  if (run(st_->begin.get()) != SQLITE_DONE) return common::unexpected(db_error("begin"));
  auto rollback = [&](store_error e) -> store_result<void> {
    run(st_->rollback.get());
    return common::unexpected(std::move(e));
  };
  for (const auto& w : writes) {
    const auto& o = w.object;
    sqlite3_stmt* s = nullptr;
    switch (w.op) {
      case core::write_op::kind::insert: s = st_->insert.get(); break;
      case core::write_op::kind::update: s = st_->update.get(); break;
      case core::write_op::kind::erase: s = st_->erase.get(); break;
    }
    reset_guard g{s};
    sqlite3_bind_text(s, 1, o.id.data(), static_cast<int>(o.id.size()), SQLITE_TRANSIENT);
    std::vector<std::uint8_t> sealed;
    common::secure_bytes attrs;
    if (w.op == core::write_op::kind::erase) {
      sqlite3_bind_int64(s, 2, o.version);
    } else {
      sqlite3_bind_text(s, 2, o.owner.data(), static_cast<int>(o.owner.size()), SQLITE_TRANSIENT);
      sqlite3_bind_int64(s, 3, static_cast<std::int64_t>(o.object_type));
      if (o.secret_data_type) sqlite3_bind_int64(s, 4, static_cast<std::int64_t>(*o.secret_data_type));
      else sqlite3_bind_null(s, 4);
      attrs = core::encode_attributes(o.attributes);
      sqlite3_bind_blob(s, 5, attrs.data(), static_cast<int>(attrs.size()), SQLITE_STATIC);
      if (o.key_material.empty()) {
        sqlite3_bind_null(s, 6);
      } else {
        auto sealed_or = seal(master_key_, o.key_material, object_aad(o.id));
        if (!sealed_or) return rollback(sealed_or.error());
        sealed = std::move(*sealed_or);
        sqlite3_bind_blob(s, 6, sealed.data(), static_cast<int>(sealed.size()), SQLITE_STATIC);
      }
      if (w.op == core::write_op::kind::update) sqlite3_bind_int64(s, 7, o.version);
    }
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_CONSTRAINT) return rollback({store_errc::already_exists, "object " + o.id + " exists"});
    if (rc != SQLITE_DONE) return rollback(db_error("writing object " + o.id));
    if (w.op != core::write_op::kind::insert && sqlite3_changes(db_) == 0) {
      auto* v = st_->version_of.get();
      reset_guard vg{v};
      sqlite3_bind_text(v, 1, o.id.data(), static_cast<int>(o.id.size()), SQLITE_TRANSIENT);
      const bool exists = sqlite3_step(v) == SQLITE_ROW;
      return rollback(exists ? store_error{store_errc::conflict, "object " + o.id + " changed meanwhile"}
                             : store_error{store_errc::not_found, "no object " + o.id});
    }
  }
  if (run(st_->commit.get()) != SQLITE_DONE) return rollback(db_error("commit"));
  if (group_) group_->wrote();  // under mutex_: no reader sees the commit before a later sync() covers it
  return {};
}

namespace {
store_result<void> wal_sync_result(bool ok, const std::string& path) {
  if (ok) return {};
  return err(store_errc::io, "database " + path + ": fdatasync of the write-ahead log failed; writes since the "
                                                  "last successful sync may be lost (restart kmipd)");
}
}  // namespace

store_result<void> sqlite_store::sync() { return wal_sync_result(!group_ || group_->sync(), path_); }

void sqlite_store::sync_async(std::function<void(store_result<void>)> done) {
  if (!group_) return done(store_result<void>{});
  group_->sync_async([done = std::move(done), path = path_](bool ok) { done(wal_sync_result(ok, path)); });
}

store_result<std::vector<std::string>> sqlite_store::locate(const core::locate_filter& filter) {
  std::lock_guard lock(mutex_);
  auto* s = st_->locate_all.get();
  reset_guard g{s};
  std::vector<std::string> ids;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    if (filter.object_type && sqlite3_column_int64(s, 1) != static_cast<std::int64_t>(*filter.object_type)) continue;
    if (filter.owner && *filter.owner != reinterpret_cast<const char*>(sqlite3_column_text(s, 2))) continue;
    ids.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
  }
  if (rc != SQLITE_DONE) return common::unexpected(db_error("locating objects"));
  return ids;
}

}  // namespace kmipd::store
