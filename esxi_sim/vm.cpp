// VM folder lifecycle, power states and guest I/O. Re-keying is in vm_rekey.cpp.
#include "esxi_sim/vm.hpp"

#include "common/hex.hpp"
#include "esxi_sim/dek.hpp"
#include "esxi_sim/key_locator.hpp"

namespace esxi_sim {

result<std::unique_ptr<vm>> vm::create(const std::filesystem::path& datastore, const vm_spec& spec, key_cache& keys,
                                       common::random_source& random) {
  if (spec.name.empty() || spec.name.find('/') != std::string::npos || spec.name[0] == '.') {
    return fail(errc::invalid_argument, "", "a VM name is a plain folder name");
  }
  if (spec.sector_size != 512 && spec.sector_size != 4096) {
    return fail(errc::invalid_argument, "", "sector size must be 512 or 4096");
  }
  if (spec.disk_capacities.empty()) return fail(errc::invalid_argument, "", "a VM needs at least one disk");
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
  d.locator = std::move(*loc);
  for (std::size_t i = 0; i < spec.disk_capacities.size(); ++i) {
    if (spec.disk_capacities[i] == 0) return cleanup(), fail(errc::invalid_argument, "", "disk capacity is zero");
    disk_info di{spec.name + "-" + std::to_string(i) + "-flat.vmdk", spec.disk_capacities[i]};
    if (auto r = encrypted_disk::create_extent(dir / di.extent, di.capacity_bytes, d.sector_size); !r) {
      return cleanup(), common::unexpected<error>{r.error()};
    }
    d.disks.push_back(std::move(di));
  }
  if (auto r = save_descriptor(dir, d); !r) return cleanup(), common::unexpected<error>{r.error()};
  return std::unique_ptr<vm>(new vm(dir, std::move(d)));
}

result<std::unique_ptr<vm>> vm::open(const std::filesystem::path& dir) {
  auto d = load_descriptor(dir);
  if (!d) return common::unexpected<error>{d.error()};
  return std::unique_ptr<vm>(new vm(dir, std::move(*d)));
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

result<void> vm::lock(error e) {
  state_ = power_state::locked;
  lock_reason_ = e;
  return common::unexpected<error>{std::move(e)};
}

result<void> vm::power_on(key_cache& keys) {
  if (state_ == power_state::powered_on) return fail(errc::bad_state, dir_.string(), "VM is already powered on");
  auto d = load_descriptor(dir_);
  if (!d) return common::unexpected<error>{d.error()};
  desc_ = std::move(*d);
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
  std::vector<encrypted_disk> disks;
  for (const auto& di : desc_.disks) {
    auto disk = encrypted_disk::open(dir_ / di.extent, di.capacity_bytes, desc_.sector_size, *dek);
    if (!disk) return common::unexpected<error>{disk.error()};
    disks.push_back(std::move(*disk));
  }
  keys.put_dek(id(), std::move(*dek));
  disks_ = std::move(disks);
  state_ = power_state::powered_on;
  lock_reason_.reset();
  return {};
}

result<void> vm::power_off(key_cache&) {
  if (state_ != power_state::powered_on) {
    state_ = power_state::powered_off;
    return {};
  }
  for (auto& d : disks_) {
    if (auto r = d.flush(); !r) return r;
  }
  disks_.clear();
  state_ = power_state::powered_off;
  return {};
}

void vm::drop() noexcept {
  disks_.clear();
  state_ = power_state::powered_off;
  lock_reason_.reset();
}

result<encrypted_disk*> vm::guest_disk(std::size_t disk) {
  if (state_ != power_state::powered_on) return fail(errc::bad_state, dir_.string(), "VM is not powered on");
  if (disk >= disks_.size()) return fail(errc::not_found, dir_.string(), "no disk " + std::to_string(disk));
  return &disks_[disk];
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

}  // namespace esxi_sim
