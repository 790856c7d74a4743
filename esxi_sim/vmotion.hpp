// vMotion: moving a running VM between two hosts that share its datastore (DESIGN.md, "ESXi simulation";
// reference/vcenter-kmip.md §5). vCenter makes a migration_spec holding a one-time AES-256 key and 96-bit nonce
// drawn from its random source and hands it to both hosts. The source streams the VM's RAM and device state
// sealed with AES-256-GCM under that key (chunked, sealed_stream.hpp; the AAD binds the VM and both host names);
// the destination must hold the VM's KEK (pushed by vCenter) and authenticate the stream before the source lets
// go. Order, so that every failure leaves the VM running on the source:
//   1. source: vmotion_send      (VM keeps running)
//   2. destination: vmotion_receive  (KEK check -> locked; authentication -> corrupt; nothing written, nothing
//      registered on failure; on success the decrypted state is held in the destination's RAM)
//   3. source: vmotion_release   (disks flushed and closed, swap deleted, VM unregistered from the source)
//   4. destination: vmotion_resume   (disks opened, fresh swap, VM powered on with the received state)
// Disk data is not streamed: the disks stay on the shared datastore, encrypted under the same DEK.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "common/random.hpp"
#include "common/secure.hpp"
#include "esxi_sim/error.hpp"
#include "esxi_sim/host.hpp"

namespace esxi_sim {

struct migration_spec {
  std::string vm_name;
  std::filesystem::path vm_dir;  // on the shared datastore
  std::string source_host;
  std::string destination_host;
  common::secure_bytes key;           // one-time AES-256-GCM key (32 bytes)
  std::array<std::uint8_t, 12> nonce{};  // one-time base nonce
};

// vCenter's part: a fresh key and nonce for one migration. errc::not_found if the VM is not on `source`.
result<migration_spec> make_migration_spec(common::random_source& vcenter_random, host& source,
                                           const host& destination, const std::string& vm_name);

// Step 1 on the source: the sealed stream (plaintext length u64 LE, then the GCM chunks). errc::bad_state unless
// the VM is powered on.
result<std::vector<std::uint8_t>> vmotion_send(host& source, const migration_spec& spec);
// Step 2 on the destination.
result<void> vmotion_receive(host& destination, const migration_spec& spec, std::span<const std::uint8_t> stream);
// Step 3 on the source.
result<void> vmotion_release(host& source, const migration_spec& spec);
// Step 4 on the destination: returns the running VM.
result<vm*> vmotion_resume(host& destination, const migration_spec& spec);

// All four steps. `on_the_wire` (a test hook) may alter the stream in flight. On failure before step 3 the VM is
// still running on the source and the destination holds nothing.
result<vm*> vmotion(host& source, host& destination, const migration_spec& spec,
                    const std::function<void(std::vector<std::uint8_t>&)>& on_the_wire = {});

}  // namespace esxi_sim
