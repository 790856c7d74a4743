// Descriptor JSON (nlohmann::json). Validation is strict: every missing or mistyped field is a corrupt error.
#include "esxi_sim/descriptor.hpp"

#include <nlohmann/json.hpp>

#include "common/hex.hpp"
#include "esxi_sim/file.hpp"

namespace esxi_sim {

namespace {

using json = nlohmann::json;

constexpr std::string_view format_name = "esxi_sim.vm";

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
  for (const auto& disk : d.disks) disks.push_back({{"extent", disk.extent}, {"capacity_bytes", disk.capacity_bytes}});
  json j{{"format", format_name},
         {"version", vm_descriptor::format_version},
         {"name", d.name},
         {"sector_size", d.sector_size},
         {"key_locator", locator_json(d.locator)},
         {"disks", disks},
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
  if (r.ok() && version != vm_descriptor::format_version) {
    r.bad("unsupported descriptor version " + std::to_string(version) + " (this build reads version " +
          std::to_string(vm_descriptor::format_version) + ")");
  }
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
      disk_info di{r.str((*disks)[i], "extent", where), r.num((*disks)[i], "capacity_bytes", where)};
      if (r.ok() && (di.extent.empty() || di.extent.find('/') != std::string::npos || di.extent[0] == '.')) {
        r.bad(where + ".extent must be a plain file name");
      }
      if (r.ok() && di.capacity_bytes == 0) r.bad(where + ".capacity_bytes is zero");
      d.disks.push_back(std::move(di));
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
