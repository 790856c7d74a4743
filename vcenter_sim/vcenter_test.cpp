// vcenter_sim's orchestration against kmipd in-process over real TLS: power-on, re-keys, vMotion, the revocation
// kill-switch, destroyed keys, KMS outage, cluster failover, host encryption mode. Seeded; no sleeps.
#include "vcenter_sim/vcenter.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <map>

#include "vcenter_sim/test_kms.hpp"

namespace vcenter_sim {
namespace {

using namespace std::chrono_literals;
using kmip::spec::state;

std::vector<std::uint8_t> pattern(std::uint8_t seed, std::size_t n = 8192) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(seed + i * 7);
  return v;
}

std::map<std::string, std::vector<std::uint8_t>> files_of(const std::filesystem::path& dir) {
  std::map<std::string, std::vector<std::uint8_t>> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file()) {
      std::ifstream in(e.path(), std::ios::binary);
      out[e.path().filename().string()] = {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }
  return out;
}

// One KMS listener, one vCenter with hosts esx-1 and esx-2 and VM vm1 (powered on, data written at 4096).
struct world {
  testing::test_kms kms;
  std::unique_ptr<key_provider> kp;
  common::seeded_random rnd{42};
  std::unique_ptr<vcenter> vc;
  std::vector<std::uint8_t> data = pattern(3);

  explicit world(profile p = profile::vcenter_7_0, std::size_t listeners = 1) {
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < listeners; ++i) idx.push_back(kms.start_listener());
    kp = std::make_unique<key_provider>(kms.provider(p, idx));
    vc = std::make_unique<vcenter>(*kp, rnd, vcenter_options{kms.datastore()});
    vc->add_host("esx-1");
    vc->add_host("esx-2");
  }
  void make_vm(const std::string& name = "vm1", const std::string& host = "esx-1") {
    auto c = vc->create_encrypted_vm(host, {name, {1u << 16}, 4096, 1u << 16, {}});
    ASSERT_TRUE(c) << c.error().to_string();
    auto on = vc->power_on(name);
    ASSERT_TRUE(on) << on.error().to_string();
    ASSERT_TRUE(vc->esxi_vm(name)->write(0, 4096, data));
  }
  std::vector<std::uint8_t> read(const std::string& name = "vm1") {
    std::vector<std::uint8_t> out(data.size());
    auto r = vc->esxi_vm(name)->read(0, 4096, out);
    EXPECT_TRUE(r) << (r ? "" : r.error().message());
    return out;
  }
  vm_status st(const std::string& name = "vm1") { return *vc->status(name); }
  std::string kek(const std::string& name = "vm1") { return st(name).kek_id; }
};

TEST(Vcenter, EncryptAndPowerOnFetchesTheKeyAfterReboot) {
  world w;
  w.make_vm();
  EXPECT_EQ(w.st().state, vm_state::powered_on);
  EXPECT_EQ(w.kms.state(w.kek()), state::active);
  EXPECT_EQ(w.vc->key_status(w.kek()), key_state::available);
  ASSERT_TRUE(w.vc->reboot_host("esx-1"));
  EXPECT_EQ(w.st().state, vm_state::powered_off);
  EXPECT_EQ(w.vc->host("esx-1")->keys().kek_count(), 0u);
  auto on = w.vc->power_on("vm1");
  ASSERT_TRUE(on) << on.error().to_string();
  EXPECT_EQ(w.read(), w.data);
}

TEST(Vcenter, RevocationKillSwitch) {
  world w;
  w.make_vm();
  const auto kek = w.kek();
  ASSERT_TRUE(w.kms.revoke(kek));
  EXPECT_EQ(w.kms.state(kek), state::deactivated);
  // The running VM is unaffected: it never asks the KMS.
  EXPECT_EQ(w.st().state, vm_state::powered_on);
  EXPECT_EQ(w.read(), w.data);
  ASSERT_TRUE(w.vc->power_off("vm1"));
  const auto dir = w.vc->esxi_vm("vm1")->dir();
  ASSERT_TRUE(w.vc->reboot_host("esx-1"));
  const auto before = files_of(dir);
  auto on = w.vc->power_on("vm1");
  ASSERT_FALSE(on);
  EXPECT_EQ(on.error().code, errc::locked);
  EXPECT_EQ(on.error().key, key_state::not_active_or_enabled);
  EXPECT_EQ(w.st().state, vm_state::locked);
  EXPECT_EQ(w.st().key, key_state::not_active_or_enabled);
  EXPECT_EQ(w.vc->key_status(kek), key_state::not_active_or_enabled);
  // Data intact at rest: the refused power-on wrote nothing. A revoked key cannot be re-activated in KMIP
  // (Deactivated -> Active is not a transition), so vSphere's "reactivate the key" is the KMS's business; the
  // ciphertext, descriptor and wrapped DEK are exactly as they were.
  EXPECT_EQ(files_of(dir), before);
  // Other VMs keep working: a new VM gets a new KEK.
  w.make_vm("vm2");
  EXPECT_EQ(w.st("vm2").state, vm_state::powered_on);
}

TEST(Vcenter, DestroyedKeyIsMissingInKms) {
  world w;
  w.make_vm();
  const auto kek = w.kek();
  ASSERT_TRUE(w.vc->power_off("vm1"));
  ASSERT_TRUE(w.kms.revoke(kek));
  ASSERT_TRUE(w.kms.destroy(kek));
  ASSERT_TRUE(w.vc->reboot_host("esx-1"));
  auto on = w.vc->power_on("vm1");
  ASSERT_FALSE(on);
  EXPECT_EQ(on.error().code, errc::locked);
  EXPECT_EQ(on.error().key, key_state::missing_in_kms) << on.error().to_string();
  EXPECT_EQ(w.vc->key_status(kek), key_state::missing_in_kms);
}

TEST(Vcenter, KmsOutageRunningVmsKeepRunningUncachedKeysLock) {
  world w;
  w.make_vm();
  w.make_vm("vm2", "esx-2");
  ASSERT_TRUE(w.vc->power_off("vm2"));
  ASSERT_TRUE(w.vc->reboot_host("esx-2"));
  w.kms.stop(0);
  EXPECT_EQ(w.st().state, vm_state::powered_on);
  EXPECT_EQ(w.read(), w.data);
  auto on = w.vc->power_on("vm2");
  ASSERT_FALSE(on);
  EXPECT_EQ(on.error().key, key_state::cluster_unreachable);
  EXPECT_EQ(w.st("vm2").state, vm_state::locked);
  w.vc->advance(301s);
  ASSERT_EQ(w.vc->polls().size(), 1u);
  EXPECT_FALSE(w.vc->polls()[0].ok);
  // vm1's key is cached on esx-1: power-off and power-on work without the KMS.
  ASSERT_TRUE(w.vc->power_off("vm1"));
  ASSERT_TRUE(w.vc->power_on("vm1"));
  w.kms.restart(0);
  w.vc->advance(300s);
  EXPECT_TRUE(w.vc->polls().back().ok);
  auto again = w.vc->power_on("vm2");
  ASSERT_TRUE(again) << again.error().to_string();
  EXPECT_EQ(w.st("vm2").state, vm_state::powered_on);
  EXPECT_EQ(w.read("vm2"), w.data);
}

TEST(Vcenter, TwoServerClusterFailsOverInOrder) {
  world w(profile::vcenter_7_0, 2);  // two listeners on one engine and store
  std::vector<std::size_t> used;
  std::size_t refused = 0;
  w.kp->set_recorder([&](const wire_event& e) {
    if (e.what == wire_event::kind::request) used.push_back(e.server);
    if (e.what == wire_event::kind::connect_failed) ++refused;
  });
  w.make_vm();
  ASSERT_FALSE(used.empty());
  EXPECT_EQ(used.front(), 0u);
  w.kms.stop(0);
  used.clear();
  ASSERT_TRUE(w.vc->power_off("vm1"));
  ASSERT_TRUE(w.vc->reboot_host("esx-1"));
  auto on = w.vc->power_on("vm1");  // the key, created on A, is fetched from B
  ASSERT_TRUE(on) << on.error().to_string();
  EXPECT_GE(refused, 1u);
  ASSERT_FALSE(used.empty());
  for (auto s : used) EXPECT_EQ(s, 1u);
  w.make_vm("vm2");
  EXPECT_EQ(w.read(), w.data);
  w.kms.stop(1);
  ASSERT_TRUE(w.vc->power_off("vm2"));
  ASSERT_TRUE(w.vc->reboot_host("esx-1"));
  EXPECT_EQ(w.vc->power_on("vm2").error().key, key_state::cluster_unreachable);
}

TEST(Vcenter, ShallowRekeyOfARunningVmWithASnapshot) {
  world w;
  w.make_vm();
  ASSERT_TRUE(w.vc->snapshot("vm1", "s1"));
  const auto more = pattern(9, 4096);
  ASSERT_TRUE(w.vc->esxi_vm("vm1")->write(0, 32768, more));
  const auto old_kek = w.kek();
  auto r = w.vc->shallow_rekey("vm1");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_NE(w.kek(), old_kek);
  EXPECT_EQ(w.st().state, vm_state::powered_on);
  EXPECT_EQ(w.st().snapshots, 1u);
  EXPECT_EQ(w.kms.state(old_kek), state::active);  // vCenter never revokes the old key
  ASSERT_TRUE(w.vc->power_off("vm1"));
  ASSERT_TRUE(w.vc->reboot_host("esx-1"));
  ASSERT_TRUE(w.vc->power_on("vm1"));
  EXPECT_EQ(w.vc->host("esx-1")->keys().kek(old_kek), nullptr);  // only the new KEK was fetched
  EXPECT_EQ(w.read(), w.data);
  std::vector<std::uint8_t> back(more.size());
  ASSERT_TRUE(w.vc->esxi_vm("vm1")->read(0, 32768, back));
  EXPECT_EQ(back, more);
}

TEST(Vcenter, DeepRekeyPreconditionsAndData) {
  world w;
  w.make_vm();
  auto on = w.vc->deep_rekey("vm1");
  ASSERT_FALSE(on);
  EXPECT_EQ(on.error().code, errc::precondition);
  EXPECT_NE(on.error().message.find("powered off"), std::string::npos);
  ASSERT_TRUE(w.vc->snapshot("vm1", "s1"));
  ASSERT_TRUE(w.vc->power_off("vm1"));
  auto snap = w.vc->deep_rekey("vm1");
  ASSERT_FALSE(snap);
  EXPECT_EQ(snap.error().code, errc::precondition);
  EXPECT_NE(snap.error().message.find("snapshots"), std::string::npos);
  ASSERT_TRUE(w.vc->power_on("vm1"));
  ASSERT_TRUE(w.vc->esxi_vm("vm1")->consolidate(w.vc->host("esx-1")->keys()));
  ASSERT_TRUE(w.vc->power_off("vm1"));
  ASSERT_TRUE(w.vc->reboot_host("esx-1"));  // the old KEK must be fetched for the re-key
  const auto old_kek = w.kek();
  const auto base_before = files_of(w.vc->esxi_vm("vm1")->dir())["vm1-0-flat.vmdk"];
  auto deep = w.vc->deep_rekey("vm1");
  ASSERT_TRUE(deep) << deep.error().to_string();
  EXPECT_NE(w.kek(), old_kek);
  EXPECT_NE(files_of(w.vc->esxi_vm("vm1")->dir())["vm1-0-flat.vmdk"], base_before);  // new DEK: new ciphertext
  ASSERT_TRUE(w.vc->reboot_host("esx-1"));
  ASSERT_TRUE(w.vc->power_on("vm1"));
  EXPECT_EQ(w.read(), w.data);
}

TEST(Vcenter, VmotionWithAndWithoutTheKeyOnTheDestination) {
  world w;
  w.make_vm();
  // esx-2 lacks the KEK: vCenter fetches it for the destination.
  EXPECT_EQ(w.vc->host("esx-2")->keys().kek(w.kek()), nullptr);
  auto m = w.vc->vmotion("vm1", "esx-2");
  ASSERT_TRUE(m) << m.error().to_string();
  EXPECT_EQ(w.st().host, "esx-2");
  EXPECT_EQ(w.st().state, vm_state::powered_on);
  EXPECT_EQ(w.read(), w.data);
  // Back to esx-1, which still has it: no KMS needed, even when it is down.
  w.kms.stop(0);
  auto back = w.vc->vmotion("vm1", "esx-1");
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(w.st().host, "esx-1");
  EXPECT_EQ(w.read(), w.data);
  // To a rebooted esx-2 with the KMS down: refused, and the VM keeps running on esx-1.
  ASSERT_TRUE(w.vc->reboot_host("esx-2"));  // not crypto safe: nothing to fetch
  auto refused = w.vc->vmotion("vm1", "esx-2");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().key, key_state::cluster_unreachable);
  EXPECT_EQ(w.st().host, "esx-1");
  EXPECT_EQ(w.st().state, vm_state::powered_on);
}

TEST(Vcenter, HostEncryptionModeAndEncryptedCoreDump) {
  world w;
  ASSERT_TRUE(w.vc->enable_host_encryption("esx-1"));
  auto* h = w.vc->host("esx-1");
  ASSERT_TRUE(h->crypto_safe());
  const auto host_key = h->host_key_id();
  EXPECT_EQ(w.kms.state(host_key), state::active);
  w.make_vm();
  const auto dump = w.kms.datastore() / "esx-1.dump";
  ASSERT_TRUE(w.vc->write_host_core_dump("esx-1", dump));
  EXPECT_TRUE(std::filesystem::exists(dump));
  // After a reboot vCenter pushes the host key again; without the KMS it cannot, and no dump can be written.
  ASSERT_TRUE(w.vc->reboot_host("esx-1"));
  EXPECT_NE(h->keys().kek(host_key), nullptr);
  ASSERT_TRUE(w.vc->write_host_core_dump("esx-1", dump));
  w.kms.stop(0);
  auto r = w.vc->reboot_host("esx-1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().key, key_state::cluster_unreachable);
  EXPECT_FALSE(w.vc->write_host_core_dump("esx-1", dump));
}

TEST(Vcenter, RegisterAndCloneGetTheirKeys) {
  world w;
  w.make_vm();
  ASSERT_TRUE(w.vc->power_off("vm1"));
  auto c = w.vc->clone("vm1", "vm1-clone", "esx-2");
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_NE(w.kek("vm1-clone"), w.kek());
  EXPECT_EQ(w.st().state, vm_state::powered_off);
  ASSERT_TRUE(w.vc->power_on("vm1-clone"));
  EXPECT_EQ(w.read("vm1-clone"), w.data);
  // A folder already registered is refused by the host.
  ASSERT_TRUE(w.vc->power_off("vm1-clone"));
  EXPECT_EQ(w.vc->register_vm("esx-1", w.kms.datastore() / "vm1").error().code, errc::host);
}

TEST(Vcenter, LockedVmOnRegistrationWhenTheKeyIsRevoked) {
  world w;
  w.make_vm();
  ASSERT_TRUE(w.vc->power_off("vm1"));
  const auto dir = w.vc->esxi_vm("vm1")->dir();
  ASSERT_TRUE(w.kms.revoke(w.kek()));
  // A second vCenter registers the folder on its own host.
  key_provider kp2(w.kms.provider(profile::vcenter_7_0));
  common::seeded_random rnd2(7);
  vcenter vc2(kp2, rnd2, {w.kms.datastore()});
  vc2.add_host("esx-9");
  auto r = vc2.register_vm("esx-9", dir);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().key, key_state::not_active_or_enabled);
  EXPECT_EQ(vc2.status("vm1")->state, vm_state::locked);
}

}  // namespace
}  // namespace vcenter_sim
