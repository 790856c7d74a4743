// kmipd configuration parsing with toml++; see config.hpp and docs/kmipd.md.
#include "server/config.hpp"

#include <fstream>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "server/core/credentials.hpp"

namespace kmipd {
namespace {

using fail = common::unexpected<config_error>;

std::size_t line_of(const toml::node& n) { return static_cast<std::size_t>(n.source().begin.line); }

// One table of the file: typed getters that remember which keys were read, so that the rest can be reported as
// unknown. Each getter leaves `out` alone when the key is absent.
class section {
 public:
  section(const toml::table& t, std::string name, const std::filesystem::path& base)
      : table_(t), name_(std::move(name)), base_(base) {}

  std::string key(std::string_view k) const { return name_.empty() ? std::string(k) : name_ + "." + std::string(k); }

  const toml::node* find(std::string_view k) {
    known_.insert(std::string(k));
    return table_.get(k);
  }

  common::expected<void, config_error> get(std::string_view k, std::string& out) {
    const toml::node* n = find(k);
    if (!n) return {};
    if (!n->is_string()) return fail{config_error{key(k), line_of(*n), "must be a string"}};
    out = n->as_string()->get();
    return {};
  }

  common::expected<void, config_error> get(std::string_view k, bool& out) {
    const toml::node* n = find(k);
    if (!n) return {};
    if (!n->is_boolean()) return fail{config_error{key(k), line_of(*n), "must be true or false"}};
    out = n->as_boolean()->get();
    return {};
  }

  common::expected<std::int64_t, config_error> integer(const toml::node& n, std::string_view k, std::int64_t lo,
                                                       std::int64_t hi) {
    if (!n.is_integer()) return fail{config_error{key(k), line_of(n), "must be an integer"}};
    const std::int64_t v = n.as_integer()->get();
    if (v < lo || v > hi)
      return fail{config_error{key(k), line_of(n),
                               "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + " (got " +
                                   std::to_string(v) + ")"}};
    return v;
  }

  template <class Int>
  common::expected<void, config_error> get(std::string_view k, Int& out, std::int64_t lo, std::int64_t hi) {
    const toml::node* n = find(k);
    if (!n) return {};
    auto v = integer(*n, k, lo, hi);
    if (!v) return fail{v.error()};
    out = static_cast<Int>(*v);
    return {};
  }

  // Seconds, integer or float, within [lo, hi].
  common::expected<void, config_error> get_seconds(std::string_view k, std::chrono::milliseconds& out, double lo,
                                                   double hi) {
    const toml::node* n = find(k);
    if (!n) return {};
    double v = 0;
    if (n->is_integer())
      v = static_cast<double>(n->as_integer()->get());
    else if (n->is_floating_point())
      v = n->as_floating_point()->get();
    else
      return fail{config_error{key(k), line_of(*n), "must be a number of seconds"}};
    if (!(v >= lo && v <= hi)) {
      std::ostringstream m;
      m << "must be between " << lo << " and " << hi << " seconds (got " << v << ")";
      return fail{config_error{key(k), line_of(*n), m.str()}};
    }
    out = std::chrono::milliseconds(static_cast<std::int64_t>(v * 1000.0));
    return {};
  }

  common::expected<void, config_error> get_path(std::string_view k, std::filesystem::path& out) {
    std::string s;
    const toml::node* n = table_.get(k);
    if (auto r = get(k, s); !r) return r;
    if (!n) return {};
    if (s.empty()) return fail{config_error{key(k), line_of(*n), "must not be empty"}};
    out = resolve(s);
    return {};
  }

  // A path or an array of paths.
  common::expected<void, config_error> get_paths(std::string_view k, std::vector<std::filesystem::path>& out) {
    const toml::node* n = find(k);
    if (!n) return {};
    out.clear();
    if (n->is_string()) {
      if (n->as_string()->get().empty()) return fail{config_error{key(k), line_of(*n), "must not be empty"}};
      out.push_back(resolve(n->as_string()->get()));
      return {};
    }
    if (!n->is_array()) return fail{config_error{key(k), line_of(*n), "must be a path or an array of paths"}};
    for (const toml::node& e : *n->as_array()) {
      if (!e.is_string() || e.as_string()->get().empty())
        return fail{config_error{key(k), line_of(e), "every element must be a non-empty path"}};
      out.push_back(resolve(e.as_string()->get()));
    }
    if (out.empty()) return fail{config_error{key(k), line_of(*n), "must name at least one file"}};
    return {};
  }

  // Every key not read by a getter is an error.
  common::expected<void, config_error> finish() const {
    for (const auto& [k, v] : table_) {
      if (!known_.contains(std::string(k.str())))
        return fail{config_error{key(k.str()), line_of(v), "unknown key" + std::string(v.is_table() ? " (table)" : "")}};
    }
    return {};
  }

  std::filesystem::path resolve(const std::string& s) const {
    std::filesystem::path p(s);
    return p.is_absolute() ? p : (base_ / p).lexically_normal();
  }

 private:
  const toml::table& table_;
  std::string name_;
  const std::filesystem::path& base_;
  std::set<std::string> known_;
};

#define KMIPD_TRY(expr)                          \
  do {                                           \
    if (auto r_ = (expr); !r_) return fail{r_.error()}; \
  } while (false)

// The table at `name` (absent: an empty one); a non-table is an error.
common::expected<const toml::table*, config_error> subtable(section& root, const toml::table& doc,
                                                            std::string_view name) {
  const toml::node* n = root.find(name);
  if (!n) {
    static const toml::table empty;
    return &empty;
  }
  if (!n->is_table()) return fail{config_error{std::string(name), line_of(*n), "must be a table"}};
  (void)doc;
  return n->as_table();
}

constexpr std::int64_t max_port = 65535;

}  // namespace

std::string config_error::describe(std::string_view file) const {
  std::string out(file.empty() ? "<config>" : file);
  if (line) out += ":" + std::to_string(line);
  out += ": ";
  if (!key.empty()) out += key + ": ";
  out += message;
  return out;
}

std::filesystem::path config::sqlite_file() const {
  std::error_code ec;
  if (std::filesystem::is_directory(sqlite_path, ec)) return sqlite_path / "kmipd.sqlite";
  return sqlite_path;
}

common::expected<config, config_error> parse_config(std::string_view text, const std::filesystem::path& source) {
  toml::table doc;
  try {
    doc = toml::parse(text, source.string());
  } catch (const toml::parse_error& e) {
    return fail{config_error{"", static_cast<std::size_t>(e.source().begin.line), std::string(e.description())}};
  }

  config c;
  c.source = source;
  std::error_code ec;
  const std::filesystem::path base =
      std::filesystem::absolute(source.has_parent_path() ? source.parent_path() : std::filesystem::path("."), ec);

  section root(doc, "", base);
  KMIPD_TRY(root.get("default_username", c.default_username));
  // Our extension: also accepted at the top level, where DESIGN.md lists it.
  KMIPD_TRY(root.get("socket_server_start", c.socket_server_start));

  auto socket_t = subtable(root, doc, "socket_server");
  if (!socket_t) return fail{socket_t.error()};
  section socket(**socket_t, "socket_server", base);
  KMIPD_TRY(socket.get("socket_server_start", c.socket_server_start));
  KMIPD_TRY(socket.get("socket_server_hostname", c.socket_server_hostname));
  KMIPD_TRY(socket.get("socket_server_port", c.socket_server_port, 0, max_port));
  KMIPD_TRY(socket.finish());

  auto tls_t = subtable(root, doc, "tls");
  if (!tls_t) return fail{tls_t.error()};
  section tls(**tls_t, "tls", base);
  KMIPD_TRY(tls.get_path("tls_p12_file", c.tls_p12_file));
  {
    std::string password;
    KMIPD_TRY(tls.get("tls_p12_password", password));
    c.tls_p12_password.assign(password.begin(), password.end());
    std::fill(password.begin(), password.end(), '\0');
  }
  KMIPD_TRY(tls.get_paths("clients_ca_cert_file", c.clients_ca_cert_file));
  KMIPD_TRY(tls.finish());

  auto http_t = subtable(root, doc, "http");
  if (!http_t) return fail{http_t.error()};
  section http(**http_t, "http", base);
  KMIPD_TRY(http.get("start", c.http_start));
  KMIPD_TRY(http.get("hostname", c.http_hostname));
  KMIPD_TRY(http.get("port", c.http_port, 0, max_port));
  KMIPD_TRY(http.get("tls", c.http_tls));
  KMIPD_TRY(http.finish());

  auto db_t = subtable(root, doc, "db");
  if (!db_t) return fail{db_t.error()};
  section db(**db_t, "db", base);
  if (const toml::node* n = (**db_t).get("database_type")) {
    std::string type;
    KMIPD_TRY(db.get("database_type", type));
    if (type == "sqlite")
      c.db_type = database_type::sqlite;
    else if (type == "postgresql")
      c.db_type = database_type::postgresql;
    else
      return fail{config_error{"db.database_type", line_of(*n), "must be \"sqlite\" or \"postgresql\" (got \"" + type + "\")"}};
  }
  KMIPD_TRY(db.get("database_url", c.database_url));
  KMIPD_TRY(db.get_path("sqlite_path", c.sqlite_path));
  KMIPD_TRY(db.finish());
  if (c.db_type == database_type::sqlite && c.sqlite_path.is_relative()) c.sqlite_path = db.resolve(c.sqlite_path.string());

  auto ours_t = subtable(root, doc, "kmipd");
  if (!ours_t) return fail{ours_t.error()};
  section ours(**ours_t, "kmipd", base);
  KMIPD_TRY(ours.get_path("master_key_file", c.master_key_file));
  KMIPD_TRY(ours.get_path("audit_file", c.audit_file));
  KMIPD_TRY(ours.get_path("record_trace", c.record_trace));
  if (const toml::node* n = (**ours_t).get("tls_p12_password_file")) {
    std::filesystem::path file;
    KMIPD_TRY(ours.get_path("tls_p12_password_file", file));
    if (!c.tls_p12_password.empty())
      return fail{config_error{"kmipd.tls_p12_password_file", line_of(*n), "tls.tls_p12_password is set as well: use one"}};
    std::ifstream in(file, std::ios::binary);
    if (!in) return fail{config_error{"kmipd.tls_p12_password_file", line_of(*n), "cannot read " + file.string()}};
    std::string password((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) password.pop_back();
    c.tls_p12_password.assign(password.begin(), password.end());
    std::fill(password.begin(), password.end(), '\0');
  }
  if (const toml::node* n = (**ours_t).get("tls_min_version")) {
    KMIPD_TRY(ours.get("tls_min_version", c.tls_min_version));
    if (c.tls_min_version != "1.2" && c.tls_min_version != "1.3")
      return fail{config_error{"kmipd.tls_min_version", line_of(*n), "must be \"1.2\" or \"1.3\" (got \"" + c.tls_min_version + "\")"}};
  }
  KMIPD_TRY(ours.get("tls_cipher_list", c.tls_cipher_list));
  KMIPD_TRY(ours.get("tls13_ciphersuites", c.tls13_ciphersuites));
  KMIPD_TRY(ours.get("allow_aes128_sha256", c.allow_aes128_sha256));
  KMIPD_TRY(ours.get("require_client_auth_eku", c.require_client_auth_eku));
  if (const toml::node* n = ours.find("test_fault_personalities")) {
    // TEST-ONLY (server/core/faults.hpp): each name must be a known personality.
    const auto* list = n->as_array();
    if (!list) return fail{config_error{"kmipd.test_fault_personalities", line_of(*n), "must be an array of strings"}};
    for (const auto& e : *list) {
      const auto* name = e.as_string();
      auto f = name ? core::parse_fault(name->get()) : std::nullopt;
      if (!f) {
        std::string known;
        for (const auto& i : core::all_faults()) known += (known.empty() ? "" : ", ") + std::string(i.name);
        return fail{config_error{"kmipd.test_fault_personalities", line_of(e),
                                 "unknown fault personality" + (name ? " \"" + name->get() + "\"" : std::string()) +
                                     " (known: " + known + ")"}};
      }
      c.test_faults.enable(*f);
    }
  }
  if (const toml::node* n = ours.find("credentials")) {
    if (!n->is_table()) return fail{config_error{"kmipd.credentials", line_of(*n), "must be a table"}};
    section creds(*n->as_table(), "kmipd.credentials", base);
    KMIPD_TRY(creds.get("required", c.credentials_required));
    if (const toml::node* u = creds.find("users")) {
      if (!u->is_table()) return fail{config_error{"kmipd.credentials.users", line_of(*u), "must be a table"}};
      for (const auto& [name, hash] : *u->as_table()) {
        const std::string key = "kmipd.credentials.users." + std::string(name.str());
        if (!hash.is_string()) return fail{config_error{key, line_of(hash), "must be a password hash string"}};
        // The line itself is not repeated: it might be a clear password put there by mistake.
        if (auto ok = core::check_password_hash(hash.as_string()->get()); !ok)
          return fail{config_error{key, line_of(hash), ok.error() + " (make one with kmipd --hash-password)"}};
        c.credential_users.emplace(std::string(name.str()), hash.as_string()->get());
      }
    }
    KMIPD_TRY(creds.finish());
    if (c.credentials_required && c.credential_users.empty())
      return fail{config_error{"kmipd.credentials.required", line_of(*n), "is true but no users are configured"}};
  }
  KMIPD_TRY(ours.get("threads", c.threads, 0, 256));
  KMIPD_TRY(ours.get("test_first_sync_group", c.test_first_sync_group, 0, 100000));
  {
    std::int64_t us = c.busy_poll.count();
    KMIPD_TRY(ours.get("busy_poll_us", us, 0, 10000));
    c.busy_poll = std::chrono::microseconds{us};
  }
  KMIPD_TRY(ours.get("object_cache_size", c.object_cache_size, 0, 10000000));
  KMIPD_TRY(ours.get("max_connections", c.max_connections, 1, 1000000));
  KMIPD_TRY(ours.get("max_message_size", c.max_message_size, 64, std::int64_t{64} << 20));
  KMIPD_TRY(ours.get_seconds("handshake_timeout_seconds", c.handshake_timeout, 0.01, 3600));
  KMIPD_TRY(ours.get_seconds("idle_timeout_seconds", c.idle_timeout, 0.01, 86400));
  KMIPD_TRY(ours.get_seconds("write_timeout_seconds", c.write_timeout, 0.01, 3600));
  KMIPD_TRY(ours.get_seconds("shutdown_timeout_seconds", c.shutdown_timeout, 0, 3600));
  if (const toml::node* n = (**ours_t).get("log_level")) {
    KMIPD_TRY(ours.get("log_level", c.log_level));
    static const std::set<std::string> levels{"trace", "debug", "info", "warn", "error", "off"};
    if (!levels.contains(c.log_level))
      return fail{config_error{"kmipd.log_level", line_of(*n),
                               "must be one of trace, debug, info, warn, error, off (got \"" + c.log_level + "\")"}};
  }
  KMIPD_TRY(ours.finish());

  KMIPD_TRY(root.finish());

  // Defaults that are paths are relative to the config file too.
  if (c.master_key_file.is_relative()) c.master_key_file = root.resolve(c.master_key_file.string());
  if (c.audit_file.is_relative()) c.audit_file = root.resolve(c.audit_file.string());
  if (!c.record_trace.empty() && c.record_trace.is_relative()) c.record_trace = root.resolve(c.record_trace.string());
  return c;
}

common::expected<config, config_error> load_config(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail{config_error{"", 0, "cannot read the configuration file " + file.string()}};
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), file);
}

common::expected<void, config_error> check_startable(const config& c) {
  if (c.db_type == database_type::postgresql) {
    // The URL itself is not repeated: it may hold a password.
    if (c.database_url.empty())
      return fail{config_error{"db.database_url", 0, "is required with database_type = \"postgresql\""}};
    if (!c.database_url.starts_with("postgresql://") && !c.database_url.starts_with("postgres://"))
      return fail{config_error{"db.database_url", 0, "must be a postgresql:// URL"}};
  }
  if (c.socket_server_start || c.http_tls) {
    if (c.tls_p12_file.empty())
      return fail{config_error{"tls.tls_p12_file", 0, "is required to serve KMIP over TLS (or set "
                                                      "socket_server.socket_server_start = false)"}};
  }
  if (c.socket_server_start && c.clients_ca_cert_file.empty())
    return fail{config_error{"tls.clients_ca_cert_file", 0,
                             "is required: the KMIP socket server authenticates clients by certificate"}};
  return {};
}

}  // namespace kmipd
