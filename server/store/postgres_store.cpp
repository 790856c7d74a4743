// PostgreSQL object store: connection and session settings, schema and migrations, prepared statements, the
// compare-and-swap writes. See postgres_store.hpp for the contract.
#include "server/store/postgres_store.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace kmipd::store {

using core::store_errc;
using core::store_error;
using core::store_result;

namespace {

common::unexpected<store_error> err(store_errc c, std::string m) { return common::unexpected(store_error{c, std::move(m)}); }

struct result_deleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using result_ptr = std::unique_ptr<PGresult, result_deleter>;

// SQLSTATE classes the writes tell apart (PostgreSQL Appendix A).
constexpr std::string_view unique_violation = "23505", serialization_failure = "40001", deadlock_detected = "40P01";

std::string_view sqlstate(const PGresult* r) {
  const char* s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  return s ? s : "";
}

// Big-endian integers of binary-format results.
std::int64_t be_int(const char* p, int len) {
  std::uint64_t v = 0;
  for (int i = 0; i < len; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  if (len == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
  return static_cast<std::int64_t>(v);
}

std::span<const std::uint8_t> bytes_of(const PGresult* r, int row, int col) {
  return {reinterpret_cast<const std::uint8_t*>(PQgetvalue(r, row, col)), static_cast<std::size_t>(PQgetlength(r, row, col))};
}

std::string text_of(const PGresult* r, int row, int col) {
  return {PQgetvalue(r, row, col), static_cast<std::size_t>(PQgetlength(r, row, col))};
}

constexpr std::int64_t migration_lock_key = 0x6b6d697064;  // "kmipd": serialises schema set-up between instances

// Index i takes a database from version i to i+1.
constexpr const char* migrations[] = {
    "CREATE TABLE kmipd_meta(name text PRIMARY KEY, value bytea NOT NULL);"
    "CREATE TABLE kmipd_objects(seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id text NOT NULL UNIQUE,"
    " version bigint NOT NULL, owner text NOT NULL, object_type integer NOT NULL, secret_data_type integer,"
    " attributes bytea NOT NULL, material bytea);"
    "CREATE INDEX kmipd_objects_type ON kmipd_objects(object_type, owner);",
};
static_assert(std::size(migrations) == postgres_store::schema_version);

struct statement {
  const char* name;
  const char* sql;
};
constexpr statement statements[] = {
    {"kmipd_get",
     "SELECT id, version, owner, object_type, secret_data_type, attributes, material FROM kmipd_objects WHERE id = $1"},
    {"kmipd_insert",
     "INSERT INTO kmipd_objects(id, version, owner, object_type, secret_data_type, attributes, material)"
     " VALUES ($1, 1, $2, $3::integer, $4::integer, $5::bytea, $6::bytea)"},
    {"kmipd_update",
     "UPDATE kmipd_objects SET version = version + 1, owner = $2, object_type = $3::integer,"
     " secret_data_type = $4::integer, attributes = $5::bytea, material = $6::bytea"
     " WHERE id = $1 AND version = $7::bigint"},
    {"kmipd_erase", "DELETE FROM kmipd_objects WHERE id = $1 AND version = $2::bigint"},
    {"kmipd_version_of", "SELECT version FROM kmipd_objects WHERE id = $1"},
    {"kmipd_locate",
     "SELECT id FROM kmipd_objects WHERE ($1::integer IS NULL OR object_type = $1::integer)"
     " AND ($2::text IS NULL OR owner = $2::text) ORDER BY seq"},
};

// Runs a prepared statement: text parameters except those flagged binary; binary results.
result_ptr exec_prepared(PGconn* c, const char* name, const std::vector<std::optional<std::string_view>>& params,
                         std::initializer_list<int> binary_params = {}) {
  std::vector<const char*> values;
  std::vector<std::string> texts;  // NUL-terminated copies of text parameters
  texts.reserve(params.size());
  std::vector<int> lengths, formats;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const bool binary = std::find(binary_params.begin(), binary_params.end(), static_cast<int>(i)) != binary_params.end();
    formats.push_back(binary ? 1 : 0);
    if (!params[i]) {
      values.push_back(nullptr);
      lengths.push_back(0);
    } else if (binary) {
      values.push_back(params[i]->data());
      lengths.push_back(static_cast<int>(params[i]->size()));
    } else {
      texts.emplace_back(*params[i]);
      values.push_back(texts.back().c_str());
      lengths.push_back(0);
    }
  }
  return result_ptr(PQexecPrepared(c, name, static_cast<int>(params.size()), values.data(), lengths.data(),
                                   formats.data(), 1));
}

std::string_view as_view(std::span<const std::uint8_t> b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

}  // namespace

std::string redact_database_url(std::string_view url) {
  std::string out(url);
  // URI userinfo: scheme://user:password@host...
  if (auto scheme = out.find("://"); scheme != std::string::npos) {
    const auto start = scheme + 3;
    const auto end = std::min(out.find_first_of("/?", start), out.size());
    const auto at = out.rfind('@', end == 0 ? 0 : end - 1);
    if (at != std::string::npos && at >= start) {
      const auto colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // password=... as a URI query parameter (&-separated) or a key=value pair (space-separated, maybe quoted).
  for (std::size_t pos = 0; (pos = out.find("password", pos)) != std::string::npos;) {
    auto eq = pos + 8;
    while (eq < out.size() && out[eq] == ' ') ++eq;
    const bool starts_key = pos == 0 || out[pos - 1] == '?' || out[pos - 1] == '&' || out[pos - 1] == ' ';
    if (!starts_key || eq >= out.size() || out[eq] != '=') {
      pos += 8;
      continue;
    }
    auto v = eq + 1;
    while (v < out.size() && out[v] == ' ') ++v;
    auto e = v;
    if (e < out.size() && out[e] == '\'') {
      for (++e; e < out.size() && out[e] != '\''; ++e)
        if (out[e] == '\\') ++e;
      e = std::min(e + 1, out.size());
    } else {
      while (e < out.size() && out[e] != '&' && out[e] != ' ') ++e;
    }
    out.replace(v, e - v, "***");
    pos = v + 3;
  }
  return out;
}

store_error postgres_store::db_error(std::string_view what, store_errc code) const {
  std::string m = conn_ ? PQerrorMessage(conn_) : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  for (std::size_t p; password_.size() >= 3 && (p = m.find(password_)) != std::string::npos;) m.replace(p, password_.size(), "***");
  // libpq's message spans lines ("FATAL:  ...\n\tIs the server running ..."): one line, single spaces.
  std::string line;
  for (char ch : m) {
    if (ch == '\n' || ch == '\t') ch = ' ';
    if (ch != ' ' || (!line.empty() && line.back() != ' ')) line += ch;
  }
  m = std::move(line);
  return {code, "PostgreSQL " + where_ + ": " + std::string(what) + (m.empty() ? "" : ": " + m)};
}

store_result<std::unique_ptr<postgres_store>> postgres_store::open(const postgres_options& options) {
  std::unique_ptr<postgres_store> s(new postgres_store());
  if (auto ok = s->init(options); !ok) return common::unexpected(ok.error());
  return s;
}

postgres_store::~postgres_store() {
  if (conn_) PQfinish(conn_);
}

store_result<void> postgres_store::init(const postgres_options& options) {
  url_ = options.url;
  lock_timeout_ = options.lock_timeout;
  connect_timeout_ = options.connect_timeout;
  where_ = redact_database_url(url_);
  if (url_.empty()) return err(store_errc::io, "PostgreSQL: no database_url given");
  {
    char* parse_error = nullptr;
    PQconninfoOption* parsed = PQconninfoParse(url_.c_str(), &parse_error);
    if (!parsed) {
      std::string m = parse_error ? parse_error : "out of memory";
      PQfreemem(parse_error);
      while (!m.empty() && m.back() == '\n') m.pop_back();
      // libpq may quote the offending part of the URL: never show it.
      return err(store_errc::io, "PostgreSQL database_url is not a valid connection URL (" +
                                     redact_database_url(m) + ")");
    }
    std::string user, host, port, dbname;
    for (auto* o = parsed; o->keyword; ++o) {
      if (!o->val) continue;
      const std::string_view k = o->keyword;
      if (k == "password") password_ = o->val;
      else if (k == "user") user = o->val;
      else if (k == "host" || (k == "hostaddr" && host.empty())) host = o->val;
      else if (k == "port") port = o->val;
      else if (k == "dbname") dbname = o->val;
    }
    PQconninfoFree(parsed);
    where_ = (user.empty() ? "" : user + "@") + (host.empty() ? "localhost" : host) + (port.empty() ? "" : ":" + port) +
             "/" + (dbname.empty() ? user : dbname);
  }
  auto key = load_or_create_master_key(options.master_key);
  if (!key) return common::unexpected(key.error());
  master_key_ = std::move(*key);
  std::lock_guard lock(mutex_);
  return connect();
}

store_result<void> postgres_store::connect() {
  if (conn_) {
    PQfinish(conn_);
    conn_ = nullptr;
  }
  const std::string timeout = std::to_string(connect_timeout_.count());
  const std::array<const char*, 4> keys{"dbname", "connect_timeout", "fallback_application_name", nullptr};
  const std::array<const char*, 4> values{url_.c_str(), timeout.c_str(), "kmipd", nullptr};
  conn_ = PQconnectdbParams(keys.data(), values.data(), 1);
  if (!conn_) return err(store_errc::io, "PostgreSQL " + where_ + ": cannot connect: out of memory");
  if (PQstatus(conn_) != CONNECTION_OK) return common::unexpected(db_error("cannot connect"));
  PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);  // "relation already exists, skipping"
  where_ = std::string(PQuser(conn_)) + "@" + PQhost(conn_) + ":" + PQport(conn_) + "/" + PQdb(conn_);

  auto exec = [&](const std::string& sql, std::string_view what) -> store_result<result_ptr> {
    result_ptr r(PQexec(conn_, sql.c_str()));
    const auto st = PQresultStatus(r.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return common::unexpected(db_error(what));
    return r;
  };
  // Session: durable commits whatever the server or role default, bounded lock waits, committed reads.
  if (auto r = exec("SET synchronous_commit = on; SET lock_timeout = " + std::to_string(lock_timeout_.count()) +
                        "; SET default_transaction_isolation = 'read committed'",
                    "setting up the session");
      !r)
    return common::unexpected(r.error());

  // Schema: created or migrated under an advisory lock, so that instances starting together do it once.
  auto rollback = [&](store_error e) -> store_result<void> {
    result_ptr(PQexec(conn_, "ROLLBACK"));
    return common::unexpected(std::move(e));
  };
  if (auto r = exec("BEGIN", "beginning the schema check"); !r) return common::unexpected(r.error());
  for (const std::string& sql : {"SELECT pg_advisory_xact_lock(" + std::to_string(migration_lock_key) + ")",
                                std::string("CREATE TABLE IF NOT EXISTS kmipd_schema_version(version integer NOT NULL)")})
    if (auto r = exec(sql, "creating the schema (may this role create tables in the database?)"); !r)
      return rollback(r.error());
  int version = 0;
  {
    auto r = exec("SELECT version FROM kmipd_schema_version", "reading kmipd_schema_version");
    if (!r) return rollback(r.error());
    if (PQntuples(r->get()) > 0) version = std::atoi(PQgetvalue(r->get(), 0, 0));
  }
  if (version > postgres_store::schema_version)
    return rollback({store_errc::corrupt, "PostgreSQL " + where_ + " has kmipd schema version " +
                                              std::to_string(version) + ", newer than this kmipd (" +
                                              std::to_string(postgres_store::schema_version) + "); upgrade kmipd"});
  for (int v = version; v < postgres_store::schema_version; ++v) {
    if (auto r = exec(migrations[v], "migrating the schema to version " + std::to_string(v + 1)); !r)
      return rollback(r.error());
  }
  if (version < postgres_store::schema_version) {
    const std::string sql = version == 0 ? "INSERT INTO kmipd_schema_version(version) VALUES (" +
                                               std::to_string(postgres_store::schema_version) + ")"
                                         : "UPDATE kmipd_schema_version SET version = " +
                                               std::to_string(postgres_store::schema_version);
    if (auto r = exec(sql, "recording the schema version"); !r) return rollback(r.error());
  }
  // Master key check: sealed on first use, then required to open.
  {
    result_ptr r(PQexecParams(conn_, "SELECT value FROM kmipd_meta WHERE name = 'master_key_check'", 0, nullptr,
                              nullptr, nullptr, nullptr, 1));
    if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) return rollback(db_error("reading kmipd_meta"));
    if (PQntuples(r.get()) > 0) {
      if (!master_key_check_opens(master_key_, bytes_of(r.get(), 0, 0)))
        return rollback({store_errc::corrupt,
                         "PostgreSQL " + where_ + " was written with another master key than the one of this kmipd"});
    } else {
      auto sealed = seal_master_key_check(master_key_);
      if (!sealed) return rollback(sealed.error());
      const char* v = reinterpret_cast<const char*>(sealed->data());
      const int len = static_cast<int>(sealed->size()), fmt = 1;
      result_ptr w(PQexecParams(conn_, "INSERT INTO kmipd_meta(name, value) VALUES ('master_key_check', $1::bytea)", 1,
                                nullptr, &v, &len, &fmt, 0));
      if (PQresultStatus(w.get()) != PGRES_COMMAND_OK) return rollback(db_error("writing kmipd_meta"));
    }
  }
  if (auto r = exec("COMMIT", "committing the schema"); !r) return common::unexpected(r.error());

  for (const auto& s : statements) {
    result_ptr r(PQprepare(conn_, s.name, s.sql, 0, nullptr));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
      return common::unexpected(db_error(std::string("preparing statement ") + s.name));
  }
  return {};
}

store_result<void> postgres_store::ensure_connected() {
  if (conn_ && PQstatus(conn_) == CONNECTION_OK) return {};
  return connect();
}

store_result<std::optional<core::stored_object>> postgres_store::get(std::string_view id) {
  std::lock_guard lock(mutex_);
  result_ptr r;
  for (int attempt = 0; attempt < 2; ++attempt) {  // a read may be retried once on a fresh connection
    if (auto ok = ensure_connected(); !ok) return common::unexpected(ok.error());
    r = exec_prepared(conn_, "kmipd_get", {id});
    if (PQresultStatus(r.get()) == PGRES_TUPLES_OK || PQstatus(conn_) == CONNECTION_OK) break;
  }
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) return common::unexpected(db_error("reading object " + std::string(id)));
  if (PQntuples(r.get()) == 0) return std::optional<core::stored_object>{};
  const PGresult* row = r.get();
  core::stored_object o;
  o.id = text_of(row, 0, 0);
  o.version = be_int(PQgetvalue(row, 0, 1), PQgetlength(row, 0, 1));
  o.owner = text_of(row, 0, 2);
  o.object_type = static_cast<kmip::spec::object_type>(be_int(PQgetvalue(row, 0, 3), PQgetlength(row, 0, 3)));
  if (!PQgetisnull(row, 0, 4))
    o.secret_data_type = static_cast<kmip::spec::secret_data_type>(be_int(PQgetvalue(row, 0, 4), PQgetlength(row, 0, 4)));
  auto attrs = core::decode_attributes(bytes_of(row, 0, 5));
  if (!attrs) return err(store_errc::corrupt, "PostgreSQL " + where_ + ", object " + o.id + ": " + attrs.error().message);
  o.attributes = std::move(*attrs);
  if (!PQgetisnull(row, 0, 6)) {
    auto material = open_sealed(master_key_, bytes_of(row, 0, 6), object_aad(o.id));
    if (!material)
      return err(store_errc::corrupt, "PostgreSQL " + where_ + ", object " + o.id + ": " + material.error().message);
    o.key_material = std::move(*material);
  }
  return std::optional<core::stored_object>{std::move(o)};
}

store_result<void> postgres_store::commit(std::vector<core::write_op> writes) {
  std::lock_guard lock(mutex_);
  // BEGIN may be retried once on a fresh connection: nothing of this commit has reached the server before it.
  for (int attempt = 0;; ++attempt) {
    if (auto ok = ensure_connected(); !ok) return common::unexpected(ok.error());
    result_ptr b(PQexec(conn_, "BEGIN"));
    if (PQresultStatus(b.get()) == PGRES_COMMAND_OK) break;
    if (attempt > 0 || PQstatus(conn_) == CONNECTION_OK) return common::unexpected(db_error("beginning a transaction"));
  }
  auto rollback = [&](store_error e) -> store_result<void> {
    result_ptr(PQexec(conn_, "ROLLBACK"));
    return common::unexpected(std::move(e));
  };
  for (const auto& w : writes) {
    const auto& o = w.object;
    const std::string version = std::to_string(o.version);
    result_ptr r;
    const char* name = "kmipd_erase";
    if (w.op == core::write_op::kind::erase) {
      r = exec_prepared(conn_, name, {o.id, version});
    } else {
      name = w.op == core::write_op::kind::insert ? "kmipd_insert" : "kmipd_update";
      const std::string type = std::to_string(static_cast<std::int64_t>(o.object_type));
      const std::optional<std::string> secret_type =
          o.secret_data_type ? std::optional(std::to_string(static_cast<std::int64_t>(*o.secret_data_type))) : std::nullopt;
      const auto attrs = core::encode_attributes(o.attributes);
      std::optional<std::vector<std::uint8_t>> sealed;
      if (!o.key_material.empty()) {
        auto s = seal(master_key_, o.key_material, object_aad(o.id));
        if (!s) return rollback(s.error());
        sealed = std::move(*s);
      }
      std::vector<std::optional<std::string_view>> params{
          o.id, o.owner, type, secret_type ? std::optional<std::string_view>(*secret_type) : std::nullopt,
          as_view(attrs), sealed ? std::optional<std::string_view>(as_view(*sealed)) : std::nullopt};
      if (w.op == core::write_op::kind::update) params.emplace_back(version);
      r = exec_prepared(conn_, name, params, {4, 5});
    }
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
      const auto state = sqlstate(r.get());
      if (state == unique_violation) return rollback({store_errc::already_exists, "object " + o.id + " exists"});
      if (state == serialization_failure || state == deadlock_detected)
        return rollback({store_errc::conflict, "object " + o.id + " changed meanwhile"});
      return rollback(db_error("writing object " + o.id));
    }
    if (w.op != core::write_op::kind::insert && std::strcmp(PQcmdTuples(r.get()), "0") == 0) {
      auto v = exec_prepared(conn_, "kmipd_version_of", {o.id});
      if (PQresultStatus(v.get()) != PGRES_TUPLES_OK) return rollback(db_error("reading object " + o.id));
      return rollback(PQntuples(v.get()) > 0 ? store_error{store_errc::conflict, "object " + o.id + " changed meanwhile"}
                                             : store_error{store_errc::not_found, "no object " + o.id});
    }
  }
  result_ptr c(PQexec(conn_, "COMMIT"));
  if (PQresultStatus(c.get()) != PGRES_COMMAND_OK) {
    const auto state = sqlstate(c.get());
    if (state == serialization_failure || state == deadlock_detected)
      return rollback({store_errc::conflict, "a written object changed meanwhile"});
    return rollback(db_error("commit (its outcome is unknown if the connection was lost)"));
  }
  return {};
}

store_result<std::vector<std::string>> postgres_store::locate(const core::locate_filter& filter) {
  std::lock_guard lock(mutex_);
  const std::optional<std::string> type =
      filter.object_type ? std::optional(std::to_string(static_cast<std::int64_t>(*filter.object_type))) : std::nullopt;
  std::vector<std::optional<std::string_view>> params{
      type ? std::optional<std::string_view>(*type) : std::nullopt,
      filter.owner ? std::optional<std::string_view>(*filter.owner) : std::nullopt};
  result_ptr r;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (auto ok = ensure_connected(); !ok) return common::unexpected(ok.error());
    r = exec_prepared(conn_, "kmipd_locate", params);
    if (PQresultStatus(r.get()) == PGRES_TUPLES_OK || PQstatus(conn_) == CONNECTION_OK) break;
  }
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) return common::unexpected(db_error("locating objects"));
  std::vector<std::string> ids;
  ids.reserve(static_cast<std::size_t>(PQntuples(r.get())));
  for (int i = 0; i < PQntuples(r.get()); ++i) ids.push_back(text_of(r.get(), i, 0));
  return ids;
}

}  // namespace kmipd::store
