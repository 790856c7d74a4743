// Shallow and deep re-key of a VM, and recovery of an interrupted deep re-key (docs/esxi-sim.md, "Crash safety").
//
// Deep re-key order, each step durable before the next:
//   1. descriptor gets `rekey` {id, new locator}  (atomic replace; old locator still primary)
//   2. for each batch of sectors in (disk, sector) order: journal <- old ciphertext of the batch (synced),
//      then batch <- new ciphertext (synced)
//   3. descriptor gets the new locator as primary and no `rekey`  (atomic replace: the commit point)
//   4. journal removed
// Invariant while `rekey` is present: with (d, s) = the last valid journal record's batch start (or (0, 0) if
// none), every sector before (d, s) is under the new DEK and every sector from (d, s) on is under the old DEK once
// the recorded batch is restored from the journal. Recovery restores that batch, then resumes step 2 from (d, s).
#include "esxi_sim/vm.hpp"

#include "common/hex.hpp"
#include "esxi_sim/dek.hpp"
#include "esxi_sim/key_locator.hpp"
#include "esxi_sim/rekey_journal.hpp"
#include "esxi_sim/sealed_stream.hpp"

namespace esxi_sim {

result<void> vm::shallow_rekey(key_cache& keys, const std::string& new_kek_id) {
  if (desc_.rekey) return fail(errc::bad_state, dir_.string(), "a deep re-key is in progress; power on to finish it");
  const auto* new_kek = keys.kek(new_kek_id);
  if (!new_kek) return fail(errc::locked, "", "new KEK '" + new_kek_id + "' is not in the host key cache");
  common::secure_bytes dek;
  if (const auto* cached = keys.dek(id()); state_ == power_state::powered_on && cached) {
    dek = *cached;
  } else {
    auto d = unlock(keys, desc_.locator);
    if (!d) return common::unexpected<error>{d.error()};
    dek = std::move(*d);
  }
  auto loc = seal_locator(desc_.locator.key_provider, new_kek_id, *new_kek, dek);
  if (!loc) return common::unexpected<error>{loc.error()};
  vm_descriptor next = desc_;
  next.locator = std::move(*loc);
  if (auto r = save_descriptor(dir_, next); !r) return r;
  desc_ = std::move(next);
  return {};
}

result<void> vm::deep_rekey(key_cache& keys, const std::string& new_kek_id, common::random_source& random,
                            fault_injector* faults) {
  if (state_ == power_state::powered_on) {
    return fail(errc::bad_state, dir_.string(), "deep re-key requires the VM to be powered off");
  }
  if (desc_.suspended) return fail(errc::bad_state, dir_.string(), "deep re-key is refused while the VM is suspended");
  if (!desc_.snapshots.empty()) {
    return fail(errc::bad_state, dir_.string(), "deep re-key is refused while the VM has snapshots (consolidate first)");
  }
  if (desc_.rekey) return fail(errc::bad_state, dir_.string(), "a deep re-key is in progress; power on to finish it");
  const auto* new_kek = keys.kek(new_kek_id);
  if (!new_kek) return fail(errc::locked, "", "new KEK '" + new_kek_id + "' is not in the host key cache");
  auto old_dek = unlock(keys, desc_.locator);
  if (!old_dek) return common::unexpected<error>{old_dek.error()};
  // Validate the extents before changing anything.
  for (const auto& di : desc_.disks) {
    auto d = encrypted_disk::open(dir_ / di.extent, di.capacity_bytes, desc_.sector_size, *old_dek);
    if (!d) return common::unexpected<error>{d.error()};
  }
  const auto new_dek = generate_dek(random);
  auto loc = seal_locator(desc_.locator.key_provider, new_kek_id, *new_kek, new_dek);
  if (!loc) return common::unexpected<error>{loc.error()};
  std::vector<std::uint8_t> id_bytes(16);
  random.fill(id_bytes);
  vm_descriptor next = desc_;
  next.rekey = rekey_info{common::to_hex(id_bytes), std::move(*loc)};
  if (auto r = save_descriptor(dir_, next, faults); !r) return r;  // step 1
  desc_ = std::move(next);
  return reencrypt_and_commit(*old_dek, new_dek, 0, 0, 0, faults);
}

result<void> vm::recover_deep_rekey(key_cache& keys) {
  auto old_dek = unlock(keys, desc_.locator);
  if (!old_dek) return common::unexpected<error>{old_dek.error()};
  auto new_dek = unlock(keys, desc_.rekey->new_locator);
  if (!new_dek) return common::unexpected<error>{new_dek.error()};
  auto journal = rekey_journal::open(dir_, desc_.rekey->id, desc_.sector_size);
  if (!journal) return common::unexpected<error>{journal.error()};
  auto last = journal->last();
  if (!last) return common::unexpected<error>{last.error()};
  if (!*last) return reencrypt_and_commit(*old_dek, *new_dek, 0, 0, 0, nullptr);
  const auto& rec = **last;
  if (rec.disk >= desc_.disks.size()) {
    return fail(errc::corrupt, (dir_ / rekey_journal::file_name).string(), "journal names a disk that does not exist");
  }
  const auto& di = desc_.disks[rec.disk];
  auto extent = file::open(dir_ / di.extent, file::mode::read_write);
  if (!extent) return common::unexpected<error>{extent.error()};
  const auto sectors = encrypted_disk::sectors_for(di.capacity_bytes, desc_.sector_size);
  if (rec.first_sector + rec.old_ciphertext.size() / desc_.sector_size > sectors) {
    return fail(errc::corrupt, (dir_ / rekey_journal::file_name).string(), "journal batch lies past the extent end");
  }
  // Put the batch back under the old DEK; everything before it is under the new DEK.
  if (auto r = extent->write_at(rec.first_sector * desc_.sector_size, rec.old_ciphertext); !r) return r;
  if (auto r = extent->sync(); !r) return r;
  return reencrypt_and_commit(*old_dek, *new_dek, rec.disk, rec.first_sector, rec.seq + 1, nullptr);
}

result<void> vm::reencrypt_and_commit(const common::secure_bytes& old_dek, const common::secure_bytes& new_dek,
                                      std::size_t start_disk, std::uint64_t start_sector, std::uint64_t next_seq,
                                      fault_injector* faults) {
  const std::size_t ss = desc_.sector_size;
  auto old_c = xts_cipher::create(old_dek, ss);
  auto new_c = xts_cipher::create(new_dek, ss);
  if (!old_c || !new_c) return fail(errc::crypto, dir_.string(), "cannot set up XTS for re-key");
  auto journal = rekey_journal::open(dir_, desc_.rekey->id, ss);
  if (!journal) return common::unexpected<error>{journal.error()};
  std::vector<std::uint8_t> old_ct(rekey_journal::max_batch_sectors * ss), new_ct(old_ct.size());
  common::secure_bytes plain(ss);
  std::uint64_t seq = next_seq;
  for (std::size_t d = start_disk; d < desc_.disks.size(); ++d) {
    const auto& di = desc_.disks[d];
    auto extent = file::open(dir_ / di.extent, file::mode::read_write);
    if (!extent) return common::unexpected<error>{extent.error()};
    const std::uint64_t sectors = encrypted_disk::sectors_for(di.capacity_bytes, ss);
    std::uint64_t s = d == start_disk ? start_sector : 0;
    while (s < sectors) {
      const auto data = extent->next_data(s * ss);
      if (!data || *data >= sectors * ss) break;
      s = std::max(s, *data / ss);
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(rekey_journal::max_batch_sectors, sectors - s));
      auto batch_old = std::span(old_ct).first(n * ss);
      if (auto r = extent->read_at(s * ss, batch_old); !r) return r;
      if (all_zero(batch_old)) {
        s += n;
        continue;
      }
      rekey_journal::record rec{seq, static_cast<std::uint32_t>(d), s, {batch_old.begin(), batch_old.end()}};
      if (auto r = journal->append(rec, faults); !r) return r;  // step 2a: old ciphertext is safe
      auto batch_new = std::span(new_ct).first(n * ss);
      for (std::size_t i = 0; i < n; ++i) {
        auto in = batch_old.subspan(i * ss, ss);
        auto out = batch_new.subspan(i * ss, ss);
        if (all_zero(in)) {  // unallocated stays unallocated
          std::fill(out.begin(), out.end(), std::uint8_t{0});
          continue;
        }
        if (auto r = old_c->decrypt(s + i, in, plain); !r) return r;
        if (auto r = new_c->encrypt(s + i, plain, out); !r) return r;
      }
      if (auto r = extent->write_at(s * ss, batch_new, faults); !r) return r;  // step 2b
      if (auto r = extent->sync(); !r) return r;
      ++seq;
      s += n;
    }
  }
  if (desc_.vmx) {  // step 2c: the configuration re-sealed under the new DEK, staged beside the live one
    auto config = read_config_with(old_dek);
    if (!config) return common::unexpected<error>{config.error()};
    // The salt is derived from the new DEK: recovery re-seals the same configuration to the same bytes, and this
    // DEK seals nothing else under that salt.
    std::array<std::uint8_t, 32> salt{};
    if (auto r = hkdf_sha256(new_dek, {}, "esxi_sim.vmx.rekey_salt.v2", salt); !r) return r;
    if (auto r = write_config_with(dir_ / (*desc_.vmx + ".new"), *config, new_dek, salt, faults); !r) return r;
  }
  vm_descriptor next = desc_;
  next.locator = next.rekey->new_locator;
  next.rekey.reset();
  if (auto r = save_descriptor(dir_, next, faults); !r) return r;  // step 3: commit
  desc_ = std::move(next);
  if (auto r = finish_vmx_rekey(); !r) return r;  // step 4: staged .vmx in place, journal removed
  rekey_journal::remove(dir_);
  return {};
}

}  // namespace esxi_sim
