// VM folder lifecycle, power states, guest I/O, guest RAM and swap, suspend/resume and the encrypted .vmx.
// Re-keying is in vm_rekey.cpp, snapshots in vm_snapshot.cpp.
#include "esxi_sim/vm.hpp"

#include <cstring>

#include "common/hex.hpp"
#include "esxi_sim/dek.hpp"
#include "esxi_sim/key_locator.hpp"
#include "esxi_sim/sealed_stream.hpp"

namespace esxi_sim {

namespace {

constexpr std::size_t page_size = 4096;  // .vswp data unit

result<common::secure_bytes> derive_xts_key(std::span<const std::uint8_t> dek, std::string_view label) {
  common::secure_bytes k(xts_cipher::key_size);
  if (auto r = hkdf_sha256(dek, {}, label, k); !r) return common::unexpected<error>{r.error()};
  return k;
}

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

bool valid_config_key(const std::string& k) {
  if (k.empty() || k.rfind("encryption.", 0) == 0 || k[0] == '.') return false;
  for (char c : k) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) return false;
  }
  return true;
}
bool valid_config_value(const std::string& v) {
  for (char c : v) {
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return false;
  }
  return true;
}

// `key = "value"` lines -> map; `file` names errors.
result<vm_config> parse_vmx_lines(std::string_view text, const std::string& file) {
  vm_config out;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.empty()) continue;
    const auto eq = line.find(" = \"");
    if (eq == std::string_view::npos || line.back() != '"' || line.size() < eq + 5) {
      return fail(errc::corrupt, file, "line " + std::to_string(line_no) + " is not key = \"value\"");
    }
    out.emplace(std::string(line.substr(0, eq)), std::string(line.substr(eq + 4, line.size() - eq - 5)));
  }
  return out;
}

constexpr std::string_view vmx_label = "esxi_sim.vmx.v2";

}  // namespace

result<std::unique_ptr<vm>> vm::create(const std::filesystem::path& datastore, const vm_spec& spec, key_cache& keys,
                                       common::random_source& random, crypto_helper* helper) {
  if (spec.name.empty() || spec.name.find('/') != std::string::npos || spec.name[0] == '.') {
    return fail(errc::invalid_argument, "", "a VM name is a plain folder name");
  }
  if (spec.sector_size != 512 && spec.sector_size != 4096) {
    return fail(errc::invalid_argument, "", "sector size must be 512 or 4096");
  }
  if (spec.disk_capacities.empty()) return fail(errc::invalid_argument, "", "a VM needs at least one disk");
  if (spec.memory_bytes == 0 || spec.memory_bytes > (std::uint64_t{1} << 32)) {
    return fail(errc::invalid_argument, "", "memory must be in [1, 4 GiB]");
  }
  const auto* kek = keys.kek(spec.kek_id);
  if (!kek) return fail(errc::locked, "", "KEK '" + spec.kek_id + "' is not in the host key cache");
  const auto dir = datastore / spec.name;
  std::error_code ec;
  if (!std::filesystem::create_directory(dir, ec)) {
    return fail(errc::invalid_argument, dir.string(), ec ? ec.message() : "VM folder already exists");
  }
  auto cleanup = [&] { std::filesystem::remove_all(dir, ec); };
  const auto dek = generate_dek(random);
  auto loc = seal_locator(spec.key_provider, spec.kek_id, *kek, dek);
  if (!loc) return cleanup(), common::unexpected<error>{loc.error()};
  vm_descriptor d;
  d.name = spec.name;
  d.sector_size = spec.sector_size;
  d.memory_bytes = spec.memory_bytes;
  d.vmx = spec.name + ".vmx";
  d.locator = std::move(*loc);
  for (std::size_t i = 0; i < spec.disk_capacities.size(); ++i) {
    if (spec.disk_capacities[i] == 0) return cleanup(), fail(errc::invalid_argument, "", "disk capacity is zero");
    disk_info di{spec.name + "-" + std::to_string(i) + "-flat.vmdk", spec.disk_capacities[i], {}};
    if (auto r = encrypted_disk::create_extent(dir / di.extent, di.capacity_bytes, d.sector_size); !r) {
      return cleanup(), common::unexpected<error>{r.error()};
    }
    d.disks.push_back(std::move(di));
  }
  std::unique_ptr<vm> v(new vm(dir, std::move(d), helper));
  const vm_config initial{{"displayName", spec.name},
                          {"memSize", std::to_string(spec.memory_bytes)},
                          {"numvcpus", "2"},
                          {"guestOS", "other-64"}};
  std::array<std::uint8_t, 32> salt{};
  random.fill(salt);
  if (auto r = v->write_config_with(dir / *v->desc_.vmx, initial, dek, salt, nullptr); !r) {
    return cleanup(), common::unexpected<error>{r.error()};
  }
  if (auto r = save_descriptor(dir, v->desc_); !r) return cleanup(), common::unexpected<error>{r.error()};
  return v;
}

result<std::unique_ptr<vm>> vm::open(const std::filesystem::path& dir, crypto_helper* helper) {
  auto d = load_descriptor(dir);
  if (!d) return common::unexpected<error>{d.error()};
  return std::unique_ptr<vm>(new vm(dir, std::move(*d), helper));
}

result<common::secure_bytes> vm::unlock(const key_cache& keys, const key_locator& loc) const {
  const auto desc_file = (dir_ / vm_descriptor::file_name).string();
  const auto* kek = keys.kek(loc.kek_id);
  if (!kek) {
    return fail(errc::locked, desc_file, "KEK '" + loc.kek_id + "' (key provider '" + loc.key_provider +
                                             "') is not in the host key cache");
  }
  auto dek = open_locator(loc, *kek);
  if (!dek) return fail(dek.error().code, desc_file, dek.error().what);
  return dek;
}

result<common::secure_bytes> vm::current_dek(const key_cache& keys) const {
  if (const auto* cached = keys.dek(id()); state_ == power_state::powered_on && cached) return *cached;
  return unlock(keys, desc_.locator);
}

result<void> vm::check_keys(const key_cache& keys) const {
  auto dek = unlock(keys, desc_.locator);
  if (!dek) return common::unexpected<error>{dek.error()};
  return {};
}

result<void> vm::lock(error e) {
  state_ = power_state::locked;
  lock_reason_ = e;
  return common::unexpected<error>{std::move(e)};
}

result<std::vector<vm::disk_chain>> vm::open_chains(std::span<const std::uint8_t> dek) const {
  std::vector<disk_chain> chains;
  for (const auto& di : desc_.disks) {
    disk_chain c;
    auto base = encrypted_disk::open(dir_ / di.extent, di.capacity_bytes, desc_.sector_size, dek, helper_);
    if (!base) return common::unexpected<error>{base.error()};
    c.layers.push_back(std::make_unique<encrypted_disk>(std::move(*base)));
    for (const auto& delta : di.deltas) {
      auto key = derive_xts_key(dek, "esxi_sim.delta.v2/" + delta);
      if (!key) return common::unexpected<error>{key.error()};
      auto d = encrypted_disk::open(dir_ / delta, di.capacity_bytes, desc_.sector_size, *key, helper_);
      if (!d) return common::unexpected<error>{d.error()};
      d->set_parent(c.layers.back().get());
      c.layers.push_back(std::make_unique<encrypted_disk>(std::move(*d)));
    }
    chains.push_back(std::move(c));
  }
  return chains;
}

result<void> vm::start_running(key_cache& keys, common::secure_bytes dek, common::secure_bytes memory,
                               common::secure_bytes device_state) {
  auto chains = open_chains(dek);
  if (!chains) return common::unexpected<error>{chains.error()};
  // A fresh swap file; one left by a crash holds only ciphertext of a past run and is replaced.
  const auto swap_path = dir_ / vswp_name();
  std::error_code ec;
  std::filesystem::remove(swap_path, ec);
  if (auto r = encrypted_disk::create_extent(swap_path, desc_.memory_bytes, page_size); !r) return r;
  auto swap_key = derive_xts_key(dek, "esxi_sim.vswp.v2");
  if (!swap_key) return common::unexpected<error>{swap_key.error()};
  auto swap = encrypted_disk::open(swap_path, desc_.memory_bytes, page_size, *swap_key, helper_);
  if (!swap) return common::unexpected<error>{swap.error()};
  swap_ = std::make_unique<encrypted_disk>(std::move(*swap));
  keys.put_dek(id(), std::move(dek));
  disks_ = std::move(*chains);
  memory_ = std::move(memory);
  device_state_ = std::move(device_state);
  state_ = power_state::powered_on;
  lock_reason_.reset();
  return {};
}

result<void> vm::stop_running() {
  for (auto& c : disks_) {
    for (auto& l : c.layers) {
      if (auto r = l->flush(); !r) return r;
    }
  }
  disks_.clear();
  swap_.reset();
  std::error_code ec;
  std::filesystem::remove(dir_ / vswp_name(), ec);
  memory_ = {};
  device_state_ = {};
  return {};
}

void vm::remove_suspend_files() const {
  std::error_code ec;
  std::filesystem::remove(dir_ / vmss_name(), ec);
  std::filesystem::remove(dir_ / vmem_name(), ec);
}

result<void> vm::power_on(key_cache& keys) {
  if (state_ == power_state::powered_on) return fail(errc::bad_state, dir_.string(), "VM is already powered on");
  auto d = load_descriptor(dir_);
  if (!d) return common::unexpected<error>{d.error()};
  desc_ = std::move(*d);
  if (desc_.suspended) return resume(keys);
  if (desc_.rekey) {
    if (auto r = recover_deep_rekey(keys); !r) {
      if (r.error().code == errc::locked) return lock(r.error());
      return r;
    }
  }
  auto dek = unlock(keys, desc_.locator);
  if (!dek) {
    if (dek.error().code == errc::locked) return lock(dek.error());
    return common::unexpected<error>{dek.error()};
  }
  if (auto r = finish_vmx_rekey(); !r) return r;
  remove_suspend_files();  // left by a suspend that crashed before its commit point: a cold boot ignores them
  return start_running(keys, std::move(*dek), common::secure_bytes(static_cast<std::size_t>(desc_.memory_bytes), 0),
                       {});
}

result<void> vm::power_off(key_cache&) {
  if (state_ == power_state::suspended || (state_ == power_state::locked && desc_.suspended)) {
    vm_descriptor next = desc_;
    next.suspended = false;
    if (auto r = save_descriptor(dir_, next); !r) return r;
    desc_ = std::move(next);
    remove_suspend_files();
    state_ = power_state::powered_off;
    return {};
  }
  if (state_ != power_state::powered_on) {
    state_ = power_state::powered_off;
    return {};
  }
  if (auto r = stop_running(); !r) return r;
  state_ = power_state::powered_off;
  return {};
}

result<void> vm::suspend(key_cache& keys, common::random_source& random) {
  if (state_ != power_state::powered_on) return fail(errc::bad_state, dir_.string(), "VM is not powered on");
  const auto* dek = keys.dek(id());
  if (!dek) return fail(errc::locked, dir_.string(), "the VM's DEK is not in the host key cache");
  for (auto& c : disks_) {
    for (auto& l : c.layers) {
      if (auto r = l->flush(); !r) return r;
    }
  }
  if (auto r = write_sealed_file(dir_ / vmss_name(), sealed_kind::vmss, *dek, device_state_, random); !r) return r;
  if (auto r = write_sealed_file(dir_ / vmem_name(), sealed_kind::vmem, *dek, memory_, random); !r) return r;
  vm_descriptor next = desc_;
  next.suspended = true;
  if (auto r = save_descriptor(dir_, next); !r) return r;  // the commit point
  desc_ = std::move(next);
  if (auto r = stop_running(); !r) return r;
  state_ = power_state::suspended;
  return {};
}

result<void> vm::resume(key_cache& keys) {
  if (!desc_.suspended || state_ == power_state::powered_on) {
    return fail(errc::bad_state, dir_.string(), "VM is not suspended");
  }
  auto dek = unlock(keys, desc_.locator);
  if (!dek) {
    if (dek.error().code == errc::locked) return lock(dek.error());
    return common::unexpected<error>{dek.error()};
  }
  if (auto r = finish_vmx_rekey(); !r) return r;
  auto device = read_sealed_file(dir_ / vmss_name(), sealed_kind::vmss, *dek);
  if (!device) return common::unexpected<error>{device.error()};
  auto memory = read_sealed_file(dir_ / vmem_name(), sealed_kind::vmem, *dek);
  if (!memory) return common::unexpected<error>{memory.error()};
  if (memory->size() != desc_.memory_bytes) {
    return fail(errc::corrupt, (dir_ / vmem_name()).string(),
                "holds " + std::to_string(memory->size()) + " bytes of memory; the VM has " +
                    std::to_string(desc_.memory_bytes));
  }
  vm_descriptor next = desc_;
  next.suspended = false;
  const vm_descriptor prev = desc_;
  desc_ = next;
  if (auto r = start_running(keys, std::move(*dek), std::move(*memory), std::move(*device)); !r) {
    desc_ = prev;
    return r;
  }
  if (auto r = save_descriptor(dir_, next); !r) {
    (void)stop_running();
    desc_ = prev;
    state_ = power_state::suspended;
    return r;
  }
  remove_suspend_files();
  return {};
}

result<void> vm::resume_from(key_cache& keys, std::span<const std::uint8_t> state) {
  if (state_ == power_state::powered_on || desc_.suspended) {
    return fail(errc::bad_state, dir_.string(), "VM is running or suspended");
  }
  auto dek = unlock(keys, desc_.locator);
  if (!dek) return common::unexpected<error>{dek.error()};
  // state: memory_len u64 LE | memory | device_len u64 LE | device state
  auto get_len = [&](std::size_t at) {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= std::uint64_t{state[at + static_cast<std::size_t>(i)]} << (8 * i);
    return v;
  };
  if (state.size() < 16 || get_len(0) != desc_.memory_bytes || state.size() < 16 + desc_.memory_bytes ||
      get_len(8 + desc_.memory_bytes) != state.size() - 16 - desc_.memory_bytes) {
    return fail(errc::corrupt, "", "migration state does not match the VM's memory size");
  }
  const auto mem = state.subspan(8, static_cast<std::size_t>(desc_.memory_bytes));
  const auto dev = state.subspan(16 + static_cast<std::size_t>(desc_.memory_bytes));
  return start_running(keys, std::move(*dek), common::secure_bytes(mem.begin(), mem.end()),
                       common::secure_bytes(dev.begin(), dev.end()));
}

result<common::secure_bytes> vm::running_state() const {
  if (state_ != power_state::powered_on) return fail(errc::bad_state, dir_.string(), "VM is not powered on");
  common::secure_bytes out;
  out.reserve(16 + memory_.size() + device_state_.size());
  auto put_len = [&](std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  put_len(memory_.size());
  out.insert(out.end(), memory_.begin(), memory_.end());
  put_len(device_state_.size());
  out.insert(out.end(), device_state_.begin(), device_state_.end());
  return out;
}

result<void> vm::release() {
  if (state_ != power_state::powered_on) return fail(errc::bad_state, dir_.string(), "VM is not powered on");
  if (auto r = stop_running(); !r) return r;
  state_ = power_state::powered_off;
  return {};
}

result<void> vm::write_core_dump(const std::filesystem::path& p, const key_cache& keys,
                                 common::random_source& random) const {
  auto state = running_state();
  if (!state) return common::unexpected<error>{state.error()};
  const auto* dek = keys.dek(id());
  if (!dek) return fail(errc::locked, dir_.string(), "the VM's DEK is not in the host key cache");
  const std::string head = "esxi_sim vm core dump\nvm=" + desc_.name + "\n";
  state->insert(state->begin(), head.begin(), head.end());
  return write_sealed_file(p, sealed_kind::vm_core_dump, *dek, *state, random);
}

void vm::drop() noexcept {
  disks_.clear();
  swap_.reset();
  memory_ = {};
  device_state_ = {};
  state_ = desc_.suspended ? power_state::suspended : power_state::powered_off;
  lock_reason_.reset();
}

result<encrypted_disk*> vm::guest_disk(std::size_t disk) {
  if (state_ != power_state::powered_on) return fail(errc::bad_state, dir_.string(), "VM is not powered on");
  if (disk >= disks_.size()) return fail(errc::not_found, dir_.string(), "no disk " + std::to_string(disk));
  return disks_[disk].layers.back().get();
}

result<void> vm::write(std::size_t disk, std::uint64_t offset, std::span<const std::uint8_t> data) {
  auto d = guest_disk(disk);
  if (!d) return common::unexpected<error>{d.error()};
  return (*d)->write(offset, data);
}

result<void> vm::read(std::size_t disk, std::uint64_t offset, std::span<std::uint8_t> out) {
  auto d = guest_disk(disk);
  if (!d) return common::unexpected<error>{d.error()};
  return (*d)->read(offset, out);
}

result<void> vm::trim(std::size_t disk, std::uint64_t offset, std::uint64_t len) {
  auto d = guest_disk(disk);
  if (!d) return common::unexpected<error>{d.error()};
  return (*d)->trim(offset, len);
}

result<void> vm::write_memory(std::uint64_t offset, std::span<const std::uint8_t> data) {
  if (state_ != power_state::powered_on) return fail(errc::bad_state, dir_.string(), "VM is not powered on");
  if (offset > memory_.size() || data.size() > memory_.size() - offset) {
    return fail(errc::invalid_argument, dir_.string(), "memory write past the end of guest RAM");
  }
  std::memcpy(memory_.data() + offset, data.data(), data.size());
  return {};
}

result<void> vm::read_memory(std::uint64_t offset, std::span<std::uint8_t> out) const {
  if (state_ != power_state::powered_on) return fail(errc::bad_state, dir_.string(), "VM is not powered on");
  if (offset > memory_.size() || out.size() > memory_.size() - offset) {
    return fail(errc::invalid_argument, dir_.string(), "memory read past the end of guest RAM");
  }
  std::memcpy(out.data(), memory_.data() + offset, out.size());
  return {};
}

result<void> vm::set_device_state(std::span<const std::uint8_t> state) {
  if (state_ != power_state::powered_on) return fail(errc::bad_state, dir_.string(), "VM is not powered on");
  device_state_.assign(state.begin(), state.end());
  return {};
}

result<void> vm::swap_out() {
  if (state_ != power_state::powered_on) return fail(errc::bad_state, dir_.string(), "VM is not powered on");
  if (auto r = swap_->write(0, memory_); !r) return r;
  return swap_->flush();
}

result<void> vm::swap_in() {
  if (state_ != power_state::powered_on) return fail(errc::bad_state, dir_.string(), "VM is not powered on");
  return swap_->read(0, memory_);
}

// ---- .vmx -------------------------------------------------------------------------------------------------------
// Clear lines: .encoding, encryption.bundle (where the key locator is), encryption.cipher, encryption.salt.
// encryption.data = hex(AES-256-GCM(HKDF(DEK, salt, "esxi_sim.vmx.v2"), zero nonce, aad = "esxi_sim.vmx.v2"|salt,
// the other lines)). This mirrors vSphere's .vmx, whose encryption.keySafe is clear and encryption.data sealed.

result<void> vm::write_config_with(const std::filesystem::path& p, const vm_config& c,
                                   std::span<const std::uint8_t> dek, std::span<const std::uint8_t> salt,
                                   fault_injector* faults) const {
  if (salt.size() != 32) return fail(errc::invalid_argument, "", "the .vmx salt is 32 bytes");
  std::string body;
  for (const auto& [k, v] : c) body += k + " = \"" + v + "\"\n";
  common::secure_bytes key(32);
  if (auto r = hkdf_sha256(dek, salt, vmx_label, key); !r) return r;
  std::vector<std::uint8_t> aad(vmx_label.begin(), vmx_label.end());
  aad.insert(aad.end(), salt.begin(), salt.end());
  const std::array<std::uint8_t, 12> zero_nonce{};
  auto sealed = gcm_seal(key, zero_nonce, aad, bytes_of(body));
  common::secure_zero(body.data(), body.size());
  if (!sealed) return common::unexpected<error>{sealed.error()};
  const std::string text = ".encoding = \"UTF-8\"\n"
                           "encryption.bundle = \"" + std::string(vm_descriptor::file_name) + "\"\n"
                           "encryption.cipher = \"AES-256-GCM/HKDF-SHA-256\"\n"
                           "encryption.salt = \"" + common::to_hex(salt) + "\"\n"
                           "encryption.data = \"" + common::to_hex(*sealed) + "\"\n";
  return write_file_atomically(p, bytes_of(text), faults);
}

result<vm_config> vm::read_config_with(std::span<const std::uint8_t> dek) const {
  if (!desc_.vmx) return vm_config{};  // a version-1 VM has no .vmx until set_config writes one
  const auto p = dir_ / *desc_.vmx;
  auto text = read_small_file(p);
  if (!text) return common::unexpected<error>{text.error()};
  auto lines = parse_vmx_lines(*text, p.string());
  if (!lines) return common::unexpected<error>{lines.error()};
  auto field = [&](const char* k) -> const std::string* {
    auto it = lines->find(k);
    return it == lines->end() ? nullptr : &it->second;
  };
  const auto* salt_hex = field("encryption.salt");
  const auto* data_hex = field("encryption.data");
  if (!salt_hex || !data_hex) return fail(errc::corrupt, p.string(), "missing encryption.salt or encryption.data");
  auto salt = common::from_hex(*salt_hex);
  auto data = common::from_hex(*data_hex);
  if (!salt || salt->size() != 32 || !data) {
    return fail(errc::corrupt, p.string(), "encryption.salt or encryption.data is not valid hex of the right size");
  }
  common::secure_bytes key(32);
  if (auto r = hkdf_sha256(dek, *salt, vmx_label, key); !r) return common::unexpected<error>{r.error()};
  std::vector<std::uint8_t> aad(vmx_label.begin(), vmx_label.end());
  aad.insert(aad.end(), salt->begin(), salt->end());
  const std::array<std::uint8_t, 12> zero_nonce{};
  const std::uint64_t len = data->size() >= gcm_tag_bytes ? data->size() - gcm_tag_bytes : 0;
  auto plain = gcm_open(key, zero_nonce, aad, *data, len, p.string());
  if (!plain) return common::unexpected<error>{plain.error()};
  return parse_vmx_lines(std::string_view(reinterpret_cast<const char*>(plain->data()), plain->size()), p.string());
}

result<vm_config> vm::read_config(const key_cache& keys) {
  if (auto r = finish_vmx_rekey(); !r) return common::unexpected<error>{r.error()};
  auto dek = current_dek(keys);
  if (!dek) return common::unexpected<error>{dek.error()};
  return read_config_with(*dek);
}

result<void> vm::set_config(const key_cache& keys, const std::string& key, const std::string& value,
                            common::random_source& random) {
  if (!valid_config_key(key) || !valid_config_value(value)) {
    return fail(errc::invalid_argument, "", "bad .vmx key or value: '" + key + "'");
  }
  if (desc_.rekey) return fail(errc::bad_state, dir_.string(), "a deep re-key is in progress; power on to finish it");
  auto dek = current_dek(keys);
  if (!dek) return common::unexpected<error>{dek.error()};
  auto config = read_config_with(*dek);
  if (!config) return common::unexpected<error>{config.error()};
  (*config)[key] = value;
  vm_descriptor next = desc_;
  if (!next.vmx) next.vmx = desc_.name + ".vmx";
  std::array<std::uint8_t, 32> salt{};
  random.fill(salt);
  if (auto r = write_config_with(dir_ / *next.vmx, *config, *dek, salt, nullptr); !r) return r;
  if (!desc_.vmx) {
    if (auto r = save_descriptor(dir_, next); !r) return r;
    desc_ = std::move(next);
  }
  return {};
}

result<void> vm::finish_vmx_rekey() {
  if (desc_.rekey || !desc_.vmx) return {};
  auto staged = dir_ / (*desc_.vmx + ".new");
  if (!std::filesystem::exists(staged)) return {};
  std::error_code ec;
  std::filesystem::rename(staged, dir_ / *desc_.vmx, ec);
  if (ec) return fail(errc::io, staged.string(), "rename: " + ec.message());
  return {};
}

}  // namespace esxi_sim
