// The scenario reader: yaml-cpp builds a node tree with positions (YAML::Mark, 0-based), and this file walks
// it once into the typed structs of scenario.hpp. Checks happen in two passes: the first reads each mapping
// against its list of known keys and each value against its type and range; the second walks the steps in
// run order, loops unrolled with their placeholders bound, and checks every host, VM and KMS server a step names
// against what is declared at that point (a clone declares its VM for the steps after it). Internally a failure
// is thrown and caught once, in parse_scenario(); callers get a parse_error value.
#include "scenarios/scenario_parser.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <set>
#include <span>
#include <sstream>

#include "kmip/spec/spec.hpp"

namespace scenarios {

std::string parse_error::to_string() const {
  const auto w = where.to_string();
  return w.empty() ? message : w + ": " + message;
}

namespace {

struct failure {
  source_location where;
  std::string message;
};

std::string join(std::span<const std::string_view> names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

std::string in_quotes(std::string_view s) {
  std::string out = "'";
  for (const char c : s.substr(0, 60)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
  if (s.size() > 60) out += "...";
  return out + "'";
}

std::string describe(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "nothing (null)";
  if (n.IsScalar()) return "the scalar " + in_quotes(n.Scalar());
  if (n.IsSequence()) return "a sequence";
  if (n.IsMap()) return "a mapping";
  return "an unknown node";
}

constexpr std::string_view top_keys[] = {"version", "name", "description", "seed", "kms", "hosts", "vms", "steps"};
constexpr std::string_view kms_keys[] = {"servers", "profile", "credentials", "store"};
constexpr std::string_view server_keys[] = {"name", "address"};
constexpr std::string_view credential_keys[] = {"username", "password"};
constexpr std::string_view host_keys[] = {"name", "generate", "encryption_mode", "key_persistence"};
constexpr std::string_view vm_keys[] = {"name", "generate", "host", "placement", "disk", "sector_size"};
constexpr std::string_view generate_keys[] = {"pattern", "from", "count"};
constexpr std::string_view expect_keys[] = {"vm", "host", "vm_state", "key_state", "data", "host_crypto_state",
                                            "error", "kms_result"};
constexpr std::string_view step_common_keys[] = {"name", "expect"};
constexpr std::string_view action_keys[] = {
    "encrypt_vm", "enable_host_encryption", "power_on", "power_off", "suspend", "resume", "reboot_host",
    "register_vm", "snapshot", "consolidate", "shallow_rekey", "deep_rekey", "vmotion", "clone",
    "guest_write", "guest_read", "advance_clock", "core_dump", "verify", "revoke_key", "destroy_key",
    "kms_stop", "kms_start", "kms_restart", "partition", "heal", "repeat", "for_each"};
constexpr std::string_view profiles[] = {"vcenter-6.7", "vcenter-7.0", "vcenter-8.0"};
constexpr std::string_view stores[] = {"shared", "separate"};
constexpr std::string_view placements[] = {"round_robin"};
constexpr std::string_view vm_states[] = {"powered_on", "powered_off", "suspended", "locked"};
constexpr std::string_view key_states[] = {"available",
                                           "KeyStateMissingInCache",
                                           "KeyStateClusterInvalid",
                                           "KeyStateClusterUnreachable",
                                           "KeyStateMissingInKMS",
                                           "KeyStateNotActiveOrEnabled",
                                           "WrappingKeyMissingInKMS"};
constexpr std::string_view data_states[] = {"intact", "unreadable"};
constexpr std::string_view host_crypto_states[] = {"incapable", "prepared", "safe"};
constexpr std::string_view revocation_reasons[] = {"unspecified",         "key_compromise",         "ca_compromise",
                                                   "affiliation_changed", "superseded",             "cessation_of_operation",
                                                   "privilege_withdrawn"};

// A mapping whose keys were checked against a list: lookups by key name.
class map_view {
 public:
  const YAML::Node* find(std::string_view key) const {
    for (const auto& [k, v] : entries_)
      if (k == key) return &v;
    return nullptr;
  }
  const YAML::Node& self() const { return self_; }
  std::vector<std::pair<std::string, YAML::Node>> entries_;
  std::map<std::string, YAML::Node, std::less<>> key_nodes_;
  YAML::Node self_;
};

class parser {
 public:
  parser(std::string file, const parse_limits& limits) : file_(std::move(file)), limits_(limits) {}

  scenario read(const YAML::Node& root);

 private:
  source_location at(const YAML::Node& n) const {
    source_location w{file_, 0, 0};
    const auto m = n.Mark();
    if (!m.is_null() && m.line >= 0) {
      w.line = m.line + 1;
      w.column = m.column + 1;
    }
    return w;
  }
  [[noreturn]] void fail(const YAML::Node& n, std::string message) const { throw failure{at(n), std::move(message)}; }
  [[noreturn]] void fail_at(source_location w, std::string message) const { throw failure{std::move(w), std::move(message)}; }

  map_view mapping(const YAML::Node& n, std::string_view what, std::span<const std::string_view> allowed) const;
  std::string string_value(const YAML::Node& n, std::string_view key) const;
  std::string name_value(const YAML::Node& n, std::string_view key) const;
  std::uint64_t uint_value(const YAML::Node& n, std::string_view key, std::uint64_t min, std::uint64_t max,
                           bool size_suffix = false) const;
  bool bool_value(const YAML::Node& n, std::string_view key) const;
  std::size_t enum_value(const YAML::Node& n, std::string_view key, std::span<const std::string_view> values) const;
  const YAML::Node& required(const map_view& m, std::string_view key, std::string_view what) const;
  std::vector<std::string> generated_names(const YAML::Node& n) const;
  std::vector<std::string> name_list(const map_view& m, std::string_view what, const YAML::Node** first) const;

  kms_config read_kms(const YAML::Node& n) const;
  std::vector<host_spec> read_hosts(const YAML::Node& n) const;
  std::vector<vm_spec> read_vms(const YAML::Node& n, const std::vector<host_spec>& hosts) const;
  std::vector<step> read_steps(const YAML::Node& n, std::size_t depth, const scenario& s) const;
  step read_step(const YAML::Node& n, std::size_t depth, const scenario& s) const;
  action read_action(std::string_view kind, const YAML::Node& key, const YAML::Node& v, std::size_t depth,
                     const scenario& s) const;
  expectation read_expect(const YAML::Node& n) const;

  // Pass two.
  struct check_state {
    std::set<std::string, std::less<>> vms;
    std::set<std::string, std::less<>> hosts;
    std::set<std::string, std::less<>> servers;
    std::size_t expanded = 0;
  };
  void check_steps(const std::vector<step>& steps, const binding& b, check_state& st) const;
  void check_name(const std::string& name, std::string_view what, const std::set<std::string, std::less<>>& known,
                  const source_location& w) const;

  std::string file_;
  parse_limits limits_;
};

map_view parser::mapping(const YAML::Node& n, std::string_view what, std::span<const std::string_view> allowed) const {
  if (!n.IsMap()) fail(n, "expected a mapping for " + std::string(what) + ", got " + describe(n));
  map_view m;
  m.self_ = n;
  for (auto it = n.begin(); it != n.end(); ++it) {
    const YAML::Node& k = it->first;
    if (!k.IsScalar()) fail(k, "expected a plain key in " + std::string(what) + ", got " + describe(k));
    const std::string key = k.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      fail(k, "unknown key " + in_quotes(key) + " in " + std::string(what) + "; expected one of: " + join(allowed));
    if (const auto prev = m.key_nodes_.find(key); prev != m.key_nodes_.end())
      fail(k, "duplicate key " + in_quotes(key) + " in " + std::string(what) + " (first at " +
                  std::to_string(at(prev->second).line) + ":" + std::to_string(at(prev->second).column) + ")");
    m.key_nodes_.emplace(key, k);
    m.entries_.emplace_back(key, it->second);
  }
  return m;
}

const YAML::Node& parser::required(const map_view& m, std::string_view key, std::string_view what) const {
  if (const auto* v = m.find(key)) return *v;
  fail(m.self(), "missing required key " + in_quotes(key) + " in " + std::string(what));
}

std::string parser::string_value(const YAML::Node& n, std::string_view key) const {
  if (!n.IsScalar()) fail(n, "expected a string for '" + std::string(key) + "', got " + describe(n));
  return n.Scalar();
}

// Names become file and folder names of the simulated datastore: keep them plain.
std::string parser::name_value(const YAML::Node& n, std::string_view key) const {
  std::string s = string_value(n, key);
  const bool ok = !s.empty() && s.size() <= 64 && s[0] != '.' && s[0] != '-' &&
                  std::all_of(s.begin(), s.end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                           c == '_' || c == '.' || c == '{' || c == '}' || c == ':';
                  });
  if (!ok)
    fail(n, "bad name " + in_quotes(s) + " for '" + std::string(key) +
                "'; expected 1 to 64 characters from A-Z a-z 0-9 . _ - (not starting with . or -)");
  return s;
}

std::uint64_t parser::uint_value(const YAML::Node& n, std::string_view key, std::uint64_t min, std::uint64_t max,
                                 bool size_suffix) const {
  const std::string expected = "expected " + std::string(size_suffix ? "a size in bytes (suffix KiB, MiB or GiB allowed)"
                                                                     : "an integer") +
                               " from " + std::to_string(min) + " to " + std::to_string(max) + " for '" +
                               std::string(key) + "'";
  if (!n.IsScalar() || n.Tag() == "!") fail(n, expected + ", got " + describe(n));
  std::string_view text = n.Scalar();
  std::uint64_t unit = 1;
  if (size_suffix) {
    for (const auto& [suffix, mult] : {std::pair<std::string_view, std::uint64_t>{"KiB", 1ull << 10},
                                       {"MiB", 1ull << 20}, {"GiB", 1ull << 30}}) {
      if (text.size() > suffix.size() && text.ends_with(suffix)) {
        unit = mult;
        text.remove_suffix(suffix.size());
        break;
      }
    }
  }
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec == std::errc::invalid_argument || end != text.data() + text.size())
    fail(n, expected + ", got " + describe(n));
  if (ec == std::errc::result_out_of_range || (unit > 1 && v > max / unit) || v * unit < min || v * unit > max)
    fail(n, "value " + in_quotes(n.Scalar()) + " out of range for '" + std::string(key) + "'; " + expected);
  return v * unit;
}

bool parser::bool_value(const YAML::Node& n, std::string_view key) const {
  if (n.IsScalar() && n.Tag() != "!") {
    if (n.Scalar() == "true") return true;
    if (n.Scalar() == "false") return false;
  }
  fail(n, "expected true or false for '" + std::string(key) + "', got " + describe(n));
}

std::size_t parser::enum_value(const YAML::Node& n, std::string_view key,
                               std::span<const std::string_view> values) const {
  if (!n.IsScalar()) fail(n, "expected one of " + join(values) + " for '" + std::string(key) + "', got " + describe(n));
  const auto it = std::find(values.begin(), values.end(), n.Scalar());
  if (it == values.end())
    fail(n, "bad value " + in_quotes(n.Scalar()) + " for '" + std::string(key) + "'; expected one of: " + join(values));
  return static_cast<std::size_t>(it - values.begin());
}

// {pattern: "vm-{i:03}", from: 1, count: 500}: "vm-001" .. "vm-500".
std::vector<std::string> parser::generated_names(const YAML::Node& n) const {
  const auto m = mapping(n, "generate", generate_keys);
  const auto& pat_node = required(m, "pattern", "generate");
  const std::string pattern = string_value(pat_node, "pattern");
  const auto open = pattern.find("{i");
  const auto close = open == std::string::npos ? std::string::npos : pattern.find('}', open);
  std::size_t width = 0;
  if (close != std::string::npos) {
    const std::string_view spec = std::string_view(pattern).substr(open + 2, close - open - 2);
    if (!spec.empty()) {
      if (spec.size() < 3 || spec[0] != ':' || spec[1] != '0' ||
          std::from_chars(spec.data() + 2, spec.data() + spec.size(), width).ptr != spec.data() + spec.size() ||
          width > 9)
        fail(pat_node, "bad placeholder in pattern " + in_quotes(pattern) + "; expected {i} or {i:0N} with N from 1 to 9");
    }
  }
  if (close == std::string::npos) fail(pat_node, "pattern " + in_quotes(pattern) + " has no {i} placeholder; expected e.g. 'vm-{i:03}'");
  const std::uint64_t from = m.find("from") ? uint_value(*m.find("from"), "from", 0, 1000000) : 1;
  const std::uint64_t count = uint_value(required(m, "count", "generate"), "count", 1, limits_.max_vms);
  std::vector<std::string> names;
  names.reserve(count);
  for (std::uint64_t i = from; i < from + count; ++i) {
    std::string num = std::to_string(i);
    if (num.size() < width) num.insert(0, width - num.size(), '0');
    names.push_back(pattern.substr(0, open) + num + pattern.substr(close + 1));
  }
  // The names themselves must be plain.
  for (const auto& nm : names) {
    const bool ok = std::all_of(nm.begin(), nm.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    });
    if (!ok || nm.size() > 64) fail(pat_node, "pattern " + in_quotes(pattern) + " makes the bad name " + in_quotes(nm) +
                                                   "; expected characters from A-Z a-z 0-9 . _ -");
  }
  return names;
}

kms_config parser::read_kms(const YAML::Node& n) const {
  const auto m = mapping(n, "kms", kms_keys);
  kms_config k;
  if (const auto* p = m.find("profile")) k.profile = static_cast<kms_profile>(enum_value(*p, "profile", profiles));
  if (const auto* st = m.find("store")) k.store = static_cast<kms_store>(enum_value(*st, "store", stores));
  if (const auto* c = m.find("credentials")) {
    const auto cm = mapping(*c, "credentials", credential_keys);
    k.credentials = kms_credentials{string_value(required(cm, "username", "credentials"), "username"),
                                    string_value(required(cm, "password", "credentials"), "password")};
  }
  if (const auto* s = m.find("servers")) {
    if (!s->IsSequence()) fail(*s, "expected a sequence of servers for 'servers', got " + describe(*s));
    if (s->size() == 0 || s->size() > limits_.max_servers)
      fail(*s, "expected 1 to " + std::to_string(limits_.max_servers) + " servers, got " + std::to_string(s->size()));
    for (const auto& e : *s) {
      const auto sm = mapping(e, "server", server_keys);
      kms_server srv;
      srv.name = name_value(required(sm, "name", "server"), "name");
      if (const auto* a = sm.find("address")) {
        srv.address = string_value(*a, "address");
        const auto colon = srv.address->rfind(':');
        std::uint32_t port = 0;
        const auto* pe = srv.address->data() + srv.address->size();
        if (colon == std::string::npos || colon == 0 ||
            std::from_chars(srv.address->data() + colon + 1, pe, port).ptr != pe || port == 0 || port > 65535)
          fail(*a, "bad address " + in_quotes(*srv.address) + "; expected HOST:PORT, e.g. kms.example:5696");
      }
      srv.where = at(e);
      for (const auto& prev : k.servers)
        if (prev.name == srv.name)
          fail(required(sm, "name", "server"), "duplicate server name " + in_quotes(srv.name) + " (first at " +
                                                   std::to_string(prev.where.line) + ":" +
                                                   std::to_string(prev.where.column) + ")");
      k.servers.push_back(std::move(srv));
    }
  }
  if (k.credentials && k.profile != kms_profile::vcenter_8_0)
    fail(*m.find("credentials"), "credentials need profile vcenter-8.0 (earlier vCenters send none)");
  if (k.servers.empty()) k.servers.push_back(kms_server{"kms-1", std::nullopt, at(n)});
  return k;
}

std::vector<host_spec> parser::read_hosts(const YAML::Node& n) const {
  if (!n.IsSequence()) fail(n, "expected a sequence of hosts for 'hosts', got " + describe(n));
  std::vector<host_spec> hosts;
  std::map<std::string, source_location, std::less<>> seen;
  for (const auto& e : n) {
    const auto m = mapping(e, "host", host_keys);
    const auto* nm = m.find("name");
    const auto* gen = m.find("generate");
    if ((nm != nullptr) == (gen != nullptr)) fail(e, "a host needs exactly one of 'name' or 'generate'");
    const auto names = nm ? std::vector<std::string>{name_value(*nm, "name")} : generated_names(*gen);
    for (const auto& name : names) {
      host_spec h;
      h.name = name;
      h.where = at(nm ? *nm : *gen);
      if (const auto* v = m.find("encryption_mode")) h.encryption_mode = bool_value(*v, "encryption_mode");
      if (const auto* v = m.find("key_persistence")) h.key_persistence = bool_value(*v, "key_persistence");
      if (const auto [it, fresh] = seen.emplace(name, h.where); !fresh)
        fail_at(h.where, "duplicate host name " + in_quotes(name) + " (first at " + std::to_string(it->second.line) + ":" +
                             std::to_string(it->second.column) + ")");
      hosts.push_back(std::move(h));
      if (hosts.size() > limits_.max_hosts)
        fail(e, "too many hosts: more than " + std::to_string(limits_.max_hosts));
    }
  }
  if (hosts.empty()) fail(n, "expected at least one host");
  return hosts;
}

std::vector<vm_spec> parser::read_vms(const YAML::Node& n, const std::vector<host_spec>& hosts) const {
  if (!n.IsSequence()) fail(n, "expected a sequence of VMs for 'vms', got " + describe(n));
  std::vector<vm_spec> vms;
  std::map<std::string, source_location, std::less<>> seen;
  std::size_t next_host = 0;
  for (const auto& e : n) {
    const auto m = mapping(e, "vm", vm_keys);
    const auto* nm = m.find("name");
    const auto* gen = m.find("generate");
    if ((nm != nullptr) == (gen != nullptr)) fail(e, "a VM needs exactly one of 'name' or 'generate'");
    const auto* host = m.find("host");
    const auto* placement = m.find("placement");
    if ((host != nullptr) == (placement != nullptr))
      fail(e, "a VM needs exactly one of 'host' or 'placement: round_robin'");
    std::string host_name;
    if (host) {
      host_name = name_value(*host, "host");
      if (std::none_of(hosts.begin(), hosts.end(), [&](const host_spec& h) { return h.name == host_name; }))
        fail(*host, "undefined host " + in_quotes(host_name) + "; declare it under 'hosts'");
    } else {
      enum_value(*placement, "placement", placements);
    }
    const auto names = nm ? std::vector<std::string>{name_value(*nm, "name")} : generated_names(*gen);
    for (const auto& name : names) {
      vm_spec v;
      v.name = name;
      v.where = at(nm ? *nm : *gen);
      v.host = host ? host_name : hosts[next_host++ % hosts.size()].name;
      if (const auto* d = m.find("disk")) v.disk_bytes = uint_value(*d, "disk", 64 << 10, limits_.max_disk_bytes, true);
      if (const auto* s = m.find("sector_size")) {
        const auto sz = uint_value(*s, "sector_size", 512, 4096);
        if (sz != 512 && sz != 4096) fail(*s, "bad value " + in_quotes(s->Scalar()) + " for 'sector_size'; expected 512 or 4096");
        v.sector_size = static_cast<std::uint32_t>(sz);
      }
      if (v.disk_bytes % v.sector_size != 0)
        fail(m.find("disk") ? *m.find("disk") : e, "disk size must be a multiple of the sector size " +
                                                       std::to_string(v.sector_size));
      if (const auto [it, fresh] = seen.emplace(name, v.where); !fresh)
        fail_at(v.where, "duplicate VM name " + in_quotes(name) + " (first at " + std::to_string(it->second.line) + ":" +
                             std::to_string(it->second.column) + ")");
      vms.push_back(std::move(v));
      if (vms.size() > limits_.max_vms) fail(e, "too many VMs: more than " + std::to_string(limits_.max_vms));
    }
  }
  return vms;
}

expectation parser::read_expect(const YAML::Node& n) const {
  const auto m = mapping(n, "expect", expect_keys);
  expectation x;
  x.where = at(n);
  if (const auto* v = m.find("vm")) x.vm = name_value(*v, "vm");
  if (const auto* v = m.find("host")) x.host = name_value(*v, "host");
  if (const auto* v = m.find("vm_state")) x.vm_state = static_cast<vm_state>(enum_value(*v, "vm_state", vm_states));
  if (const auto* v = m.find("key_state")) x.key_state = static_cast<key_state>(enum_value(*v, "key_state", key_states));
  if (const auto* v = m.find("data")) x.data = static_cast<data_state>(enum_value(*v, "data", data_states));
  if (const auto* v = m.find("host_crypto_state"))
    x.host_crypto_state = static_cast<host_crypto_state>(enum_value(*v, "host_crypto_state", host_crypto_states));
  if (const auto* v = m.find("error")) {
    if (v->IsNull()) x.error = std::string{};
    else x.error = string_value(*v, "error");
  }
  if (const auto* v = m.find("kms_result")) {
    const std::string name = string_value(*v, "kms_result");
    if (name == "Success") {
      x.kms_result = kms_result{"Success", std::nullopt};
    } else {
      const auto& table = kmip::spec::info(kmip::spec::enumeration_id::result_reason);
      const auto* val = kmip::spec::find_value(table, name);
      if (!val)
        fail(*v, "bad value " + in_quotes(name) +
                     " for 'kms_result'; expected Success or a KMIP Result Reason such as ItemNotFound, "
                     "PermissionDenied, WrongKeyLifecycleState (spec or CamelCase name)");
      x.kms_result = kms_result{std::string(val->camel), val->value};
    }
  }
  if (x.empty()) fail(n, "empty expect; expected at least one of: vm_state, key_state, data, host_crypto_state, error, kms_result");
  return x;
}

std::vector<step> parser::read_steps(const YAML::Node& n, std::size_t depth, const scenario& s) const {
  if (!n.IsSequence()) fail(n, "expected a sequence of steps for 'steps', got " + describe(n));
  if (n.size() == 0) fail(n, "expected at least one step");
  std::vector<step> steps;
  steps.reserve(n.size());
  for (const auto& e : n) steps.push_back(read_step(e, depth, s));
  return steps;
}

step parser::read_step(const YAML::Node& n, std::size_t depth, const scenario& s) const {
  std::vector<std::string_view> allowed(std::begin(step_common_keys), std::end(step_common_keys));
  allowed.insert(allowed.end(), std::begin(action_keys), std::end(action_keys));
  const auto m = mapping(n, "step", allowed);
  step st;
  st.where = at(n);
  const YAML::Node* action_key = nullptr;
  const YAML::Node* action_value = nullptr;
  std::string kind;
  for (const auto& [key, value] : m.entries_) {
    if (key == "name" || key == "expect") continue;
    const YAML::Node& k = m.key_nodes_.at(key);
    if (action_key)
      fail(k, "step has two actions, " + in_quotes(kind) + " and " + in_quotes(key) + "; a step has exactly one");
    action_key = &k;
    action_value = &value;
    kind = key;
  }
  if (!action_key) fail(n, "step has no action; expected one of: " + join(action_keys));
  st.what = read_action(kind, *action_key, *action_value, depth, s);
  if (const auto* nm = m.find("name")) {
    st.name = string_value(*nm, "name");
    if (st.name.empty()) fail(*nm, "empty step name");
  } else {
    st.name = kind;
    std::visit(
        [&](const auto& a) {
          if constexpr (requires { a.vm; }) {
            if constexpr (std::is_same_v<std::decay_t<decltype(a.vm)>, std::string>) st.name += " " + a.vm;
          } else if constexpr (requires { a.host; }) {
            if constexpr (std::is_same_v<std::decay_t<decltype(a.host)>, std::string>) st.name += " " + a.host;
          } else if constexpr (requires { a.server; }) {
            if constexpr (std::is_same_v<std::decay_t<decltype(a.server)>, std::string>) st.name += " " + a.server;
            else if (a.server) st.name += " " + *a.server;
          } else if constexpr (requires { a.key; }) {
            st.name += a.key.vm ? " key of " + *a.key.vm : " host key of " + *a.key.host;
          }
        },
        st.what);
  }
  if (const auto* e = m.find("expect")) st.expect = read_expect(*e);
  return st;
}

action parser::read_action(std::string_view kind, const YAML::Node& key, const YAML::Node& v, std::size_t depth,
                           const scenario& s) const {
  const std::string what = std::string(kind);
  // Single-subject actions accept a scalar shorthand: `power_on: vm-1` means `power_on: {vm: vm-1}`.
  auto subject = [&](std::string_view field, std::span<const std::string_view> extra = {},
                     bool shorthand = true) -> std::pair<std::string, map_view> {
    if (v.IsScalar()) {
      if (!shorthand) fail(v, "expected a mapping for " + what + ", got " + describe(v));
      return {name_value(v, field), map_view{}};
    }
    std::vector<std::string_view> keys{field};
    keys.insert(keys.end(), extra.begin(), extra.end());
    auto m = mapping(v, what, keys);
    return {name_value(required(m, field, what), field), std::move(m)};
  };
  auto optional_string = [&](const map_view& m, std::string_view field) -> std::optional<std::string> {
    if (const auto* x = m.find(field)) return name_value(*x, field);
    return std::nullopt;
  };
  auto io = [&](auto a) {
    constexpr std::string_view keys[] = {"vm", "offset", "length", "pattern"};
    const auto m = mapping(v, what, keys);
    a.vm = name_value(required(m, "vm", what), "vm");
    if (const auto* x = m.find("offset")) a.offset = uint_value(*x, "offset", 0, limits_.max_disk_bytes - 1, true);
    a.length = uint_value(required(m, "length", what), "length", 1, limits_.max_disk_bytes, true);
    if (const auto* x = m.find("pattern")) a.pattern = uint_value(*x, "pattern", 0, UINT32_MAX);
    return a;
  };
  auto key_of = [&](auto a) {
    constexpr std::string_view keys[] = {"vm", "host", "reason"};
    const auto m = mapping(v, what, keys);
    if (const auto* x = m.find("vm")) a.key.vm = name_value(*x, "vm");
    if (const auto* x = m.find("host")) a.key.host = name_value(*x, "host");
    if (a.key.vm.has_value() == a.key.host.has_value())
      fail(v, what + " needs exactly one of 'vm' (that VM's KEK) or 'host' (that host's host key)");
    if (const auto* x = m.find("reason")) {
      if constexpr (requires { a.reason; })
        a.reason = static_cast<revocation_reason>(enum_value(*x, "reason", revocation_reasons));
      else
        fail(m.key_nodes_.at("reason"), "unknown key 'reason' in " + what + "; expected one of: vm, host");
    }
    return a;
  };
  auto server_opt = [&](auto a) {
    if (v.IsNull()) return a;  // `kms_stop:` alone: every server
    if (v.IsScalar()) { a.server = name_value(v, "server"); return a; }
    constexpr std::string_view keys[] = {"server"};
    const auto m = mapping(v, what, keys);
    a.server = optional_string(m, "server");
    return a;
  };
  auto loop_body = [&](const map_view& m) {
    if (depth + 1 > limits_.max_nesting)
      fail(key, "loops nested too deeply: more than " + std::to_string(limits_.max_nesting));
    return read_steps(required(m, "steps", what), depth + 1, s);
  };
  auto rate = [&](const map_view& m) -> std::optional<std::string> {
    if (const auto* x = m.find("report_rate")) return string_value(*x, "report_rate");
    return std::nullopt;
  };

  if (kind == "encrypt_vm") return encrypt_vm{subject("vm").first};
  if (kind == "enable_host_encryption") return enable_host_encryption{subject("host").first};
  if (kind == "power_on") return power_on{subject("vm").first};
  if (kind == "power_off") return power_off{subject("vm").first};
  if (kind == "suspend") return suspend{subject("vm").first};
  if (kind == "resume") return resume{subject("vm").first};
  if (kind == "reboot_host") return reboot_host{subject("host").first};
  if (kind == "consolidate") return consolidate{subject("vm").first};
  if (kind == "shallow_rekey") return shallow_rekey{subject("vm").first};
  if (kind == "deep_rekey") return deep_rekey{subject("vm").first};
  if (kind == "register_vm") {
    constexpr std::string_view extra[] = {"host"};
    auto [vm, m] = subject("vm", extra, false);
    return register_vm{vm, name_value(required(m, "host", what), "host")};
  }
  if (kind == "snapshot") {
    constexpr std::string_view extra[] = {"name"};
    auto [vm, m] = subject("vm", extra);
    return snapshot{vm, optional_string(m, "name").value_or("snapshot")};
  }
  if (kind == "vmotion") {
    constexpr std::string_view extra[] = {"to"};
    auto [vm, m] = subject("vm", extra, false);
    return vmotion{vm, name_value(required(m, "to", what), "to")};
  }
  if (kind == "clone") {
    constexpr std::string_view extra[] = {"as", "host"};
    auto [vm, m] = subject("vm", extra, false);
    return clone{vm, name_value(required(m, "as", what), "as"), optional_string(m, "host")};
  }
  if (kind == "guest_write") return io(guest_write{});
  if (kind == "guest_read") return io(guest_read{});
  if (kind == "advance_clock") {
    if (v.IsScalar()) return advance_clock{uint_value(v, "seconds", 1, limits_.max_clock_seconds)};
    constexpr std::string_view keys[] = {"seconds"};
    const auto m = mapping(v, what, keys);
    return advance_clock{uint_value(required(m, "seconds", what), "seconds", 1, limits_.max_clock_seconds)};
  }
  if (kind == "core_dump") {
    constexpr std::string_view extra[] = {"vm"};
    auto [host, m] = subject("host", extra);
    return core_dump{host, optional_string(m, "vm")};
  }
  if (kind == "verify") {
    constexpr std::string_view keys[] = {"vm", "host"};
    const auto m = mapping(v, what, keys);
    verify a{optional_string(m, "vm"), optional_string(m, "host")};
    if (!a.vm && !a.host) fail(v, "verify needs 'vm' or 'host'");
    return a;
  }
  if (kind == "revoke_key") return key_of(revoke_key{});
  if (kind == "destroy_key") return key_of(destroy_key{});
  if (kind == "kms_stop") return server_opt(kms_stop{});
  if (kind == "kms_start") return server_opt(kms_start{});
  if (kind == "kms_restart") return server_opt(kms_restart{});
  if (kind == "partition") return partition{subject("server").first};
  if (kind == "heal") return heal{subject("server").first};
  if (kind == "repeat") {
    constexpr std::string_view keys[] = {"count", "steps", "report_rate"};
    const auto m = mapping(v, what, keys);
    repeat r;
    r.count = static_cast<std::uint32_t>(uint_value(required(m, "count", what), "count", 1, limits_.max_repeat));
    r.report_rate = rate(m);
    r.steps = loop_body(m);
    return r;
  }
  if (kind == "for_each") {
    constexpr std::string_view keys[] = {"vm", "host", "parallel", "steps", "report_rate"};
    const auto m = mapping(v, what, keys);
    for_each f;
    const auto* over_vm = m.find("vm");
    const auto* over_host = m.find("host");
    if ((over_vm != nullptr) == (over_host != nullptr))
      fail(v, "for_each needs exactly one of 'vm' or 'host' (all, a list of names, or generate)");
    f.over = over_vm ? loop_over::vms : loop_over::hosts;
    const YAML::Node& sel = over_vm ? *over_vm : *over_host;
    const std::string field = over_vm ? "vm" : "host";
    if (sel.IsScalar() && sel.Scalar() == "all") {
      if (over_vm)
        for (const auto& x : s.vms) f.names.push_back(x.name);
      else
        for (const auto& x : s.hosts) f.names.push_back(x.name);
    } else if (sel.IsSequence()) {
      if (sel.size() == 0) fail(sel, "empty list for '" + field + "'");
      for (const auto& x : sel) f.names.push_back(name_value(x, field));
    } else if (sel.IsMap()) {
      constexpr std::string_view gkeys[] = {"generate"};
      const auto gm = mapping(sel, field, gkeys);
      f.names = generated_names(required(gm, "generate", field));
    } else {
      fail(sel, "expected all, a list of names, or {generate: ...} for '" + field + "', got " + describe(sel));
    }
    if (const auto* p = m.find("parallel"))
      f.parallel = static_cast<std::uint32_t>(uint_value(*p, "parallel", 1, limits_.max_parallel));
    f.report_rate = rate(m);
    f.steps = loop_body(m);
    return f;
  }
  fail(key, "unknown action " + in_quotes(kind));  // unreachable: mapping() checked the key
}

void parser::check_name(const std::string& name, std::string_view what,
                        const std::set<std::string, std::less<>>& known, const source_location& w) const {
  if (known.contains(name)) return;
  if (name.find('{') != std::string::npos)
    fail_at(w, "unbound placeholder in " + in_quotes(name) +
                   "; {vm} and {host} work only inside a for_each over them, {i} only inside a loop");
  fail_at(w, "undefined " + std::string(what) + " " + in_quotes(name) +
                 (what == "VM" ? "; declare it under 'vms' or create it with 'clone' first"
                               : what == "host" ? "; declare it under 'hosts'" : "; declare it under 'kms: servers'"));
}

void parser::check_steps(const std::vector<step>& steps, const binding& b, check_state& st) const {
  for (const auto& raw : steps) {
    if (const auto* r = std::get_if<repeat>(&raw.what)) {
      const step bound = bind(raw, b);
      const auto& body = std::get<repeat>(bound.what).steps;
      for (std::uint32_t i = 0; i < r->count; ++i) {
        binding inner = b;
        inner.i = i;
        check_steps(body, inner, st);
      }
      continue;
    }
    if (const auto* f = std::get_if<for_each>(&raw.what)) {
      for (const auto& n : f->names)
        check_name(n, f->over == loop_over::vms ? "VM" : "host", f->over == loop_over::vms ? st.vms : st.hosts, raw.where);
      const step bound = bind(raw, b);
      const auto& body = std::get<for_each>(bound.what).steps;
      for (std::size_t i = 0; i < f->names.size(); ++i) {
        binding inner = b;
        inner.i = i;
        (f->over == loop_over::vms ? inner.vm : inner.host) = f->names[i];
        check_steps(body, inner, st);
      }
      continue;
    }
    if (++st.expanded > limits_.max_expanded_steps)
      fail_at(raw.where, "too many steps once loops are unrolled: more than " +
                             std::to_string(limits_.max_expanded_steps));
    const step s = bind(raw, b);
    const auto& w = s.where;
    std::visit(
        [&](const auto& a) {
          using A = std::decay_t<decltype(a)>;
          if constexpr (std::is_same_v<A, clone>) {
            check_name(a.vm, "VM", st.vms, w);
            if (a.host) check_name(*a.host, "host", st.hosts, w);
            if (st.vms.contains(a.as)) fail_at(w, "clone target " + in_quotes(a.as) + " already names a VM");
            if (a.as.find('{') != std::string::npos) check_name(a.as, "VM", st.vms, w);
            st.vms.insert(a.as);
          } else if constexpr (requires { a.key; }) {
            if (a.key.vm) check_name(*a.key.vm, "VM", st.vms, w);
            if (a.key.host) check_name(*a.key.host, "host", st.hosts, w);
          } else {
            auto check = [&](const auto& field, std::string_view what, const auto& known) {
              if constexpr (std::is_same_v<std::decay_t<decltype(field)>, std::string>) check_name(field, what, known, w);
              else if (field) check_name(*field, what, known, w);
            };
            if constexpr (requires { a.vm; }) check(a.vm, "VM", st.vms);
            if constexpr (requires { a.host; }) check(a.host, "host", st.hosts);
            if constexpr (requires { a.to; }) check(a.to, "host", st.hosts);
            if constexpr (requires { a.server; }) check(a.server, "KMS server", st.servers);
          }
        },
        s.what);
    const auto& x = s.expect;
    if (x.vm) check_name(*x.vm, "VM", st.vms, x.where);
    if (x.host) check_name(*x.host, "host", st.hosts, x.where);
    // An expectation about a VM or host needs a subject: the step's own, or one named in expect.
    bool has_vm = x.vm.has_value();
    bool has_host = x.host.has_value();
    std::visit(
        [&](const auto& a) {
          if constexpr (requires { a.vm; }) {
            if constexpr (std::is_same_v<std::decay_t<decltype(a.vm)>, std::string>) has_vm = true;
            else has_vm = has_vm || a.vm.has_value();
          }
          if constexpr (requires { a.host; }) {
            if constexpr (std::is_same_v<std::decay_t<decltype(a.host)>, std::string>) has_host = true;
            else has_host = has_host || a.host.has_value();
          }
          if constexpr (requires { a.key; }) {
            has_vm = has_vm || a.key.vm.has_value();
            has_host = has_host || a.key.host.has_value();
          }
        },
        s.what);
    // A core dump's `data` is the dump itself (decrypts with the host key, or the VM key for a VM dump).
    if (std::holds_alternative<core_dump>(s.what)) has_vm = has_vm || x.data.has_value();
    if ((x.vm_state || x.data) && !has_vm)
      fail_at(x.where, std::string("expect '") + (x.vm_state ? "vm_state" : "data") +
                           "' needs a VM and this step names none; add 'vm:' to expect");
    if (x.key_state && !has_vm && !has_host)
      fail_at(x.where, "expect 'key_state' needs a VM or a host and this step names none; add 'vm:' or 'host:' to expect");
    if (x.host_crypto_state && !has_host && !has_vm)
      fail_at(x.where, "expect 'host_crypto_state' needs a host and this step names none; add 'host:' to expect");
  }
}

scenario parser::read(const YAML::Node& root) {
  if (!root.IsDefined() || root.IsNull())
    fail_at(source_location{file_, 1, 1}, "empty scenario; expected a mapping starting with 'version: 1'");
  const auto m = mapping(root, "the top level", top_keys);
  scenario s;
  s.where = source_location{file_, 0, 0};
  const auto* ver = m.find("version");
  if (!ver) fail(root, "missing required key 'version' at the top level; expected 'version: 1'");
  const auto v = uint_value(*ver, "version", 0, 1000000);
  if (v != static_cast<std::uint64_t>(schema_version))
    fail(*ver, "unsupported scenario version " + std::to_string(v) + "; this harness reads version " +
                   std::to_string(schema_version));
  s.version = schema_version;
  s.name = string_value(required(m, "name", "the top level"), "name");
  if (s.name.empty()) fail(*m.find("name"), "empty scenario name");
  if (const auto* d = m.find("description")) s.description = string_value(*d, "description");
  if (const auto* sd = m.find("seed")) s.seed = uint_value(*sd, "seed", 0, UINT64_MAX);
  s.kms = m.find("kms") ? read_kms(*m.find("kms")) : read_kms(YAML::Node(YAML::NodeType::Map));
  s.hosts = read_hosts(required(m, "hosts", "the top level"));
  if (const auto* vms = m.find("vms")) s.vms = read_vms(*vms, s.hosts);
  s.steps = read_steps(required(m, "steps", "the top level"), 0, s);

  check_state st;
  for (const auto& h : s.hosts) st.hosts.insert(h.name);
  for (const auto& x : s.vms) st.vms.insert(x.name);
  for (const auto& x : s.kms.servers) st.servers.insert(x.name);
  check_steps(s.steps, binding{}, st);
  return s;
}

}  // namespace

parse_result<scenario> parse_scenario(std::string_view yaml, std::string file, const parse_limits& limits) {
  if (yaml.size() > limits.max_input_size)
    return common::unexpected(parse_error{source_location{file, 0, 0},
                                          "file too large: " + std::to_string(yaml.size()) + " bytes, at most " +
                                              std::to_string(limits.max_input_size)});
  try {
    YAML::Node root;
    try {
      root = YAML::Load(std::string(yaml));
    } catch (const YAML::ParserException& e) {
      source_location w{file, 0, 0};
      if (!e.mark.is_null()) {
        w.line = e.mark.line + 1;
        w.column = e.mark.column + 1;
      }
      return common::unexpected(parse_error{std::move(w), "YAML syntax error: " + e.msg});
    }
    parser p(file, limits);
    scenario s = p.read(root);
    s.where = source_location{std::move(file), 0, 0};
    return s;
  } catch (const failure& f) {
    return common::unexpected(parse_error{f.where, f.message});
  } catch (const YAML::Exception& e) {
    return common::unexpected(parse_error{source_location{file, 0, 0}, std::string("YAML error: ") + e.msg});
  }
}

parse_result<scenario> load_scenario(const std::filesystem::path& path, const parse_limits& limits) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return common::unexpected(parse_error{source_location{path.string(), 0, 0}, "cannot open the file"});
  std::ostringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), path.string(), limits);
}

}  // namespace scenarios
