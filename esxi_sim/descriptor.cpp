// Descriptor JSON (nlohmann::json). Validation is strict: every missing or mistyped field is a corrupt error.
#include "esxi_sim/descriptor.hpp"

#include <nlohmann/json.hpp>

#include "common/hex.hpp"
#include "esxi_sim/file.hpp"

namespace esxi_sim {

namespace {

using json = nlohmann::json;

constexpr std::string_view format_name = "esxi_sim.vm";

bool plain_name(const std::string& n) { return !n.empty() && n.find('/') == std::string::npos && n[0] != '.'; }

json locator_json(const key_locator& l) {
  return json{{"key_provider", l.key_provider},
              {"kek_id", l.kek_id},
              {"wrapped_dek", common::to_hex(l.wrapped_dek)},
              {"mac_algorithm", "HMAC-SHA-256"},
              {"mac", common::to_hex(l.mac)}};
}

// Field access that reports the path of the bad field.
class reader {
 public:
  explicit reader(const std::string& file) : file_(file) {}

  const json* field(const json& obj, const char* key, json::value_t type, const std::string& where) {
    if (!ok()) return nullptr;
    if (!obj.is_object()) return bad(where + " is not an object");
    auto it = obj.find(key);
    if (it == obj.end()) return bad("missing field " + where + "." + key);
    const bool type_ok = it->type() == type ||
                         (type == json::value_t::number_unsigned && it->type() == json::value_t::number_integer &&
                          it->get<std::int64_t>() >= 0);
    if (!type_ok) return bad("field " + where + "." + key + " has the wrong type (" + it->type_name() + ")");
    return &*it;
  }
  std::string str(const json& obj, const char* key, const std::string& where) {
    const json* j = field(obj, key, json::value_t::string, where);
    return j ? j->get<std::string>() : std::string();
  }
  std::uint64_t num(const json& obj, const char* key, const std::string& where) {
    const json* j = field(obj, key, json::value_t::number_unsigned, where);
    return j ? j->get<std::uint64_t>() : 0;
  }
  std::vector<std::uint8_t> hex(const json& obj, const char* key, const std::string& where) {
    const std::string s = str(obj, key, where);
    if (!ok()) return {};
    auto b = common::from_hex(s);
    if (!b) {
      bad("field " + where + "." + key + " is not hex (" + b.error().what + " at " +
          std::to_string(b.error().offset) + ")");
      return {};
    }
    return std::move(*b);
  }
  key_locator locator(const json& obj, const std::string& where) {
    key_locator l;
    l.key_provider = str(obj, "key_provider", where);
    l.kek_id = str(obj, "kek_id", where);
    l.wrapped_dek = hex(obj, "wrapped_dek", where);
    if (ok() && str(obj, "mac_algorithm", where) != "HMAC-SHA-256") bad(where + ".mac_algorithm is not HMAC-SHA-256");
    auto mac = hex(obj, "mac", where);
    if (ok() && mac.size() != l.mac.size()) bad(where + ".mac is not 32 bytes");
    if (ok()) std::copy(mac.begin(), mac.end(), l.mac.begin());
    if (ok() && (l.wrapped_dek.size() < 16 || l.wrapped_dek.size() % 8 != 0)) {
      bad(where + ".wrapped_dek has an impossible length for RFC 5649 (" + std::to_string(l.wrapped_dek.size()) +
          " bytes)");
    }
    return l;
  }

  std::nullptr_t bad(std::string what) {
    if (ok()) err_ = error{errc::corrupt, file_, std::move(what)};
    return nullptr;
  }
  bool ok() const { return !err_; }
  const error& err() const { return *err_; }

 private:
  std::string file_;
  std::optional<error> err_;
};

}  // namespace

std::string to_json(const vm_descriptor& d) {
  json disks = json::array();
  for (const auto& disk : d.disks) {
    disks.push_back({{"extent", disk.extent}, {"capacity_bytes", disk.capacity_bytes}, {"deltas", disk.deltas}});
  }
  json snaps = json::array();
  for (const auto& s : d.snapshots) snaps.push_back({{"name", s.name}});
  json j{{"format", format_name},
         {"version", vm_descriptor::format_version},
         {"name", d.name},
         {"sector_size", d.sector_size},
         {"memory_bytes", d.memory_bytes},
         {"vmx", d.vmx ? json(*d.vmx) : json(nullptr)},
         {"key_locator", locator_json(d.locator)},
         {"disks", disks},
         {"snapshots", snaps},
         {"suspended", d.suspended},
         {"rekey", nullptr}};
  if (d.rekey) j["rekey"] = json{{"id", d.rekey->id}, {"new_key_locator", locator_json(d.rekey->new_locator)}};
  return j.dump(2) + "\n";
}

result<vm_descriptor> parse_descriptor(std::string_view text, const std::string& file) {
  if (text.empty()) return fail(errc::corrupt, file, "descriptor is empty (truncated?)");
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    return fail(errc::corrupt, file, "not valid JSON (truncated or damaged) at byte " + std::to_string(e.byte));
  }
  reader r(file);
  vm_descriptor d;
  if (r.str(j, "format", "descriptor") != format_name && r.ok()) r.bad("format is not \"esxi_sim.vm\"");
  const auto version = r.num(j, "version", "descriptor");
  if (r.ok() && version != 1 && version != vm_descriptor::format_version) {
    r.bad("unsupported descriptor version " + std::to_string(version) + " (this build reads versions 1 and " +
          std::to_string(vm_descriptor::format_version) + ")");
  }
  const bool v2 = version == 2;
  d.name = r.str(j, "name", "descriptor");
  const auto sector = r.num(j, "sector_size", "descriptor");
  if (r.ok() && sector != 512 && sector != 4096) r.bad("sector_size must be 512 or 4096, not " + std::to_string(sector));
  d.sector_size = static_cast<std::uint32_t>(sector);
  if (const json* loc = r.field(j, "key_locator", json::value_t::object, "descriptor")) {
    d.locator = r.locator(*loc, "key_locator");
  }
  if (const json* disks = r.field(j, "disks", json::value_t::array, "descriptor")) {
    for (std::size_t i = 0; i < disks->size() && r.ok(); ++i) {
      const std::string where = "disks[" + std::to_string(i) + "]";
      disk_info di{r.str((*disks)[i], "extent", where), r.num((*disks)[i], "capacity_bytes", where), {}};
      if (r.ok() && !plain_name(di.extent)) {
        r.bad(where + ".extent must be a plain file name");
      }
      if (r.ok() && di.capacity_bytes == 0) r.bad(where + ".capacity_bytes is zero");
      if (const json* deltas = v2 ? r.field((*disks)[i], "deltas", json::value_t::array, where) : nullptr) {
        for (std::size_t k = 0; k < deltas->size() && r.ok(); ++k) {
          const json& e = (*deltas)[k];
          if (!e.is_string() || !plain_name(e.get<std::string>())) {
            r.bad(where + ".deltas[" + std::to_string(k) + "] must be a plain file name");
          } else {
            di.deltas.push_back(e.get<std::string>());
          }
        }
      }
      d.disks.push_back(std::move(di));
    }
  }
  if (v2) {
    const auto memory = r.num(j, "memory_bytes", "descriptor");
    if (r.ok() && (memory == 0 || memory > (std::uint64_t{1} << 32))) r.bad("memory_bytes must be in [1, 4 GiB]");
    d.memory_bytes = memory;
    if (r.ok()) {
      auto it = j.find("vmx");
      if (it == j.end()) {
        r.bad("missing field descriptor.vmx");
      } else if (it->is_string() && plain_name(it->get<std::string>())) {
        d.vmx = it->get<std::string>();
      } else if (!it->is_null()) {
        r.bad("field descriptor.vmx must be a plain file name or null");
      }
    }
    if (const json* snaps = r.field(j, "snapshots", json::value_t::array, "descriptor")) {
      for (std::size_t k = 0; k < snaps->size() && r.ok(); ++k) {
        d.snapshots.push_back({r.str((*snaps)[k], "name", "snapshots[" + std::to_string(k) + "]")});
      }
    }
    if (const json* susp = r.field(j, "suspended", json::value_t::boolean, "descriptor")) d.suspended = susp->get<bool>();
    if (r.ok() && d.snapshots.size() > vm_descriptor::max_snapshots) r.bad("more than 32 snapshots in the chain");
    for (std::size_t i = 0; i < d.disks.size() && r.ok(); ++i) {
      if (d.disks[i].deltas.size() != d.snapshots.size()) {
        r.bad("disks[" + std::to_string(i) + "].deltas has " + std::to_string(d.disks[i].deltas.size()) +
              " entries for " + std::to_string(d.snapshots.size()) + " snapshots (one linear chain is required)");
      }
    }
  }
  if (r.ok()) {
    auto it = j.find("rekey");
    if (it != j.end() && !it->is_null()) {
      rekey_info ri;
      ri.id = r.str(*it, "id", "rekey");
      if (const json* nl = r.field(*it, "new_key_locator", json::value_t::object, "rekey")) {
        ri.new_locator = r.locator(*nl, "rekey.new_key_locator");
      }
      d.rekey = std::move(ri);
    }
  }
  if (!r.ok()) return common::unexpected<error>{r.err()};
  return d;
}

result<vm_descriptor> load_descriptor(const std::filesystem::path& vm_dir) {
  const auto p = vm_dir / vm_descriptor::file_name;
  auto text = read_small_file(p);
  if (!text) return common::unexpected<error>{text.error()};
  return parse_descriptor(*text, p.string());
}

result<void> save_descriptor(const std::filesystem::path& vm_dir, const vm_descriptor& d, fault_injector* faults) {
  const std::string text = to_json(d);
  return write_file_atomically(vm_dir / vm_descriptor::file_name,
                               std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), faults);
}

}  // namespace esxi_sim
