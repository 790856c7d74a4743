// Snapshots: one linear chain of delta extents per disk, and consolidation back into the base
// (docs/esxi-sim.md, "Snapshots").
//
// Create: delta extents are created empty (all holes), then the descriptor lists them (the commit point). A crash
// before the commit leaves unreferenced empty deltas, replaced by the next create.
// Consolidate: for every sector that any delta holds, the chain's view of it is written into the base extent (or
// the base's hole punched if the view is zeros); the base is synced; then the descriptor drops the deltas (the
// commit point); then the delta files are deleted. Until the commit every rewritten base sector is shadowed by a
// delta holding the same data, so a crash at any point leaves the guest's view unchanged, and consolidation simply
// runs again.
#include "esxi_sim/vm.hpp"

namespace esxi_sim {

result<void> vm::create_snapshot(key_cache& keys, const std::string& name) {
  if (desc_.suspended) {
    return fail(errc::bad_state, dir_.string(), "snapshots need the VM powered on or off, not suspended");
  }
  if (desc_.rekey) return fail(errc::bad_state, dir_.string(), "a deep re-key is in progress; power on to finish it");
  if (desc_.snapshots.size() >= vm_descriptor::max_snapshots) {
    return fail(errc::invalid_argument, dir_.string(), "the snapshot chain already has 32 snapshots");
  }
  if (name.empty()) return fail(errc::invalid_argument, "", "a snapshot needs a name");
  auto dek = current_dek(keys);
  if (!dek) return common::unexpected<error>{dek.error()};
  const std::size_t level = desc_.snapshots.size() + 1;
  vm_descriptor next = desc_;
  next.snapshots.push_back({name});
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "-%06zu", level);
  for (std::size_t i = 0; i < next.disks.size(); ++i) {
    auto& di = next.disks[i];
    const std::string delta = desc_.name + "-" + std::to_string(i) + suffix + "-delta.vmdk";
    std::error_code ec;
    std::filesystem::remove(dir_ / delta, ec);  // unreferenced: left by a create that crashed before its commit
    if (auto r = encrypted_disk::create_extent(dir_ / delta, di.capacity_bytes, desc_.sector_size); !r) return r;
    di.deltas.push_back(delta);
  }
  for (auto& c : disks_) {
    for (auto& l : c.layers) {
      if (auto r = l->flush(); !r) return r;
    }
  }
  if (auto r = save_descriptor(dir_, next); !r) return r;  // commit
  desc_ = std::move(next);
  if (state_ == power_state::powered_on) {  // new writes go to the new deltas
    auto chains = open_chains(*dek);
    if (!chains) return common::unexpected<error>{chains.error()};
    disks_ = std::move(*chains);
  }
  return {};
}

result<void> vm::merge_chains(std::vector<disk_chain>& chains) {
  const std::size_t ss = desc_.sector_size;
  common::secure_bytes buf(ss);
  for (std::size_t d = 0; d < chains.size(); ++d) {
    auto& base = *chains[d].layers.front();
    auto& top = *chains[d].layers.back();
    const std::uint64_t sectors = base.sector_count();
    for (std::size_t l = 1; l < chains[d].layers.size(); ++l) {
      const file& delta = chains[d].layers[l]->extent();
      std::uint64_t s = 0;
      for (std::uint64_t guard = 0; s < sectors && guard <= sectors; ++guard) {
        const auto data = delta.next_data(s * ss);
        if (!data || *data >= sectors * ss) break;
        s = std::max(s, *data / ss);
        const std::uint64_t off = s * ss;
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(ss, base.capacity() - off));
        auto view = std::span(buf).first(n);
        if (auto r = top.read(off, view); !r) return r;
        if (all_zero(view)) {
          if (auto r = base.trim(off, n); !r) return r;
        } else if (auto r = base.write(off, view); !r) {
          return r;
        }
        ++s;
      }
    }
    if (auto r = base.flush(); !r) return r;
  }
  return {};
}

result<void> vm::consolidate(key_cache& keys) {
  if (desc_.suspended) return fail(errc::bad_state, dir_.string(), "consolidation needs the VM powered on or off");
  if (desc_.snapshots.empty()) return {};
  auto dek = current_dek(keys);
  if (!dek) return common::unexpected<error>{dek.error()};
  std::vector<disk_chain> closed;
  std::vector<disk_chain>* chains = &disks_;
  if (state_ != power_state::powered_on) {
    auto opened = open_chains(*dek);
    if (!opened) return common::unexpected<error>{opened.error()};
    closed = std::move(*opened);
    chains = &closed;
  }
  if (auto r = merge_chains(*chains); !r) return r;
  vm_descriptor next = desc_;
  next.snapshots.clear();
  std::vector<std::string> deltas;
  for (auto& di : next.disks) {
    deltas.insert(deltas.end(), di.deltas.begin(), di.deltas.end());
    di.deltas.clear();
  }
  if (auto r = save_descriptor(dir_, next); !r) return r;  // commit
  desc_ = std::move(next);
  for (auto& c : *chains) c.layers.resize(1);  // base layers only
  for (const auto& f : deltas) {
    std::error_code ec;
    std::filesystem::remove(dir_ / f, ec);
  }
  return {};
}

}  // namespace esxi_sim
