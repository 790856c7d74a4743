// Host key cache: KEKs by ID, replaced and evicted on demand, all forgotten on reboot (kept with key persistence);
// VMs stay registered.
#include "esxi_sim/host.hpp"

#include <gtest/gtest.h>

#include "esxi_sim/sealed_stream.hpp"
#include "esxi_sim/test_util.hpp"

namespace esxi_sim {
namespace {

TEST(Host, KeyCacheEvictReplaceAndReboot) {
  test::temp_dir ds;
  common::seeded_random rnd(5);
  host h("esx-02", rnd);
  std::vector<std::uint8_t> a(32, 1), b(32, 2);
  h.push_kek("k", a);
  ASSERT_NE(h.keys().kek("k"), nullptr);
  h.push_kek("k", b);
  EXPECT_EQ((*h.keys().kek("k"))[0], 2);
  auto v = h.create_vm(ds.path(), {"vm", "p", "k", {8192}, 512});
  ASSERT_TRUE(v);
  ASSERT_TRUE((*v)->power_on(h.keys()));
  EXPECT_EQ(h.keys().dek_count(), 1u);
  EXPECT_TRUE(h.evict_kek("k"));
  EXPECT_FALSE(h.evict_kek("k"));
  // A running VM keeps running without its KEK (vSphere: losing the KMS does not stop running VMs).
  EXPECT_TRUE((*v)->write(0, 100, std::vector<std::uint8_t>(10, 9)));
  h.reboot();
  EXPECT_EQ(h.keys().kek_count(), 0u);
  EXPECT_EQ(h.keys().dek_count(), 0u);
  EXPECT_EQ((*v)->state(), power_state::powered_off);
  EXPECT_EQ(h.find("vm"), *v);
  auto again = h.register_vm(ds.path() / "vm");
  EXPECT_FALSE(again);  // already registered
  EXPECT_FALSE(h.create_vm(ds.path(), {"vm2", "p", "missing", {4096}, 4096}));
  EXPECT_FALSE(std::filesystem::exists(ds.path() / "vm2"));
}

// Key persistence: the KEKs survive a reboot (the DEKs do not), so the VM powers on again from the cache alone;
// without it, the same reboot leaves nothing to power on with.
TEST(Host, KeyPersistenceKeepsTheKeksAcrossAReboot) {
  test::temp_dir ds;
  common::seeded_random rnd(6);
  host h("esx-03", rnd);
  EXPECT_FALSE(h.key_persistence());
  h.set_key_persistence(true);
  std::vector<std::uint8_t> k(32, 7);
  h.push_kek("k", k);
  auto v = h.create_vm(ds.path(), {"vm", "p", "k", {8192}, 512});
  ASSERT_TRUE(v);
  ASSERT_TRUE((*v)->power_on(h.keys()));
  ASSERT_TRUE((*v)->write(0, 0, std::vector<std::uint8_t>(16, 3)));
  ASSERT_TRUE((*v)->power_off(h.keys()));
  h.reboot();
  EXPECT_EQ(h.keys().kek_count(), 1u);
  EXPECT_EQ(h.keys().dek_count(), 0u);
  ASSERT_TRUE((*v)->power_on(h.keys()));
  std::vector<std::uint8_t> back(16);
  ASSERT_TRUE((*v)->read(0, 0, back));
  EXPECT_EQ(back, std::vector<std::uint8_t>(16, 3));

  h.set_key_persistence(false);
  h.reboot();
  EXPECT_EQ(h.keys().kek_count(), 0u);
  EXPECT_FALSE((*v)->power_on(h.keys()));
}

}  // namespace
}  // namespace esxi_sim

namespace esxi_sim {
namespace {

// Host encryption mode and encrypted core dumps: no plaintext marker in either dump; the VM dump opens with the
// VM's DEK only, the host dump with the host key only.
TEST(Host, EncryptionModeAndEncryptedCoreDumps) {
  test::temp_dir ds;
  common::seeded_random rnd(17);
  host h("esx-03", rnd);
  std::vector<std::uint8_t> kek(32), host_key(32);
  rnd.fill(kek);
  rnd.fill(host_key);
  h.push_kek("kek-1", kek);
  auto v = h.create_vm(ds.path(), {"vm", "p", "kek-1", {16384}, 4096});
  ASSERT_TRUE(v);
  ASSERT_TRUE((*v)->power_on(h.keys()));
  const std::string marker = "KMIP-HARNESS-CORE-DUMP-MARKER";
  const std::span<const std::uint8_t> m(reinterpret_cast<const std::uint8_t*>(marker.data()), marker.size());
  ASSERT_TRUE((*v)->write_memory(4096, m));
  ASSERT_TRUE((*v)->set_device_state(m));

  EXPECT_FALSE(h.crypto_safe());
  EXPECT_EQ(h.write_core_dump(ds.path() / "host.dump").error().code, errc::bad_state);  // would be clear
  EXPECT_FALSE(std::filesystem::exists(ds.path() / "host.dump"));
  EXPECT_EQ(h.enable_encryption_mode("host-key").error().code, errc::locked);  // not pushed yet
  h.push_kek("host-key", host_key);
  ASSERT_TRUE(h.enable_encryption_mode("host-key"));
  EXPECT_TRUE(h.crypto_safe());

  ASSERT_TRUE(h.write_core_dump(ds.path() / "host.dump"));
  ASSERT_TRUE(h.write_vm_core_dump("vm", ds.path() / "vm.dump"));
  const common::secure_bytes dek = *h.keys().dek((*v)->dir().string());
  for (const char* f : {"host.dump", "vm.dump"}) {
    const auto bytes = test::read_all(ds.path() / f);
    EXPECT_FALSE(test::contains(bytes, m)) << f;
    EXPECT_FALSE(test::contains(bytes, std::span(dek).first(16))) << f;
    EXPECT_FALSE(test::contains(bytes, std::span(host_key).first(16))) << f;
  }
  auto host_dump = read_sealed_file(ds.path() / "host.dump", sealed_kind::host_core_dump, host_key);
  ASSERT_TRUE(host_dump) << host_dump.error().message();
  EXPECT_TRUE(test::contains(std::vector<std::uint8_t>(host_dump->begin(), host_dump->end()), m));
  auto vm_dump = read_sealed_file(ds.path() / "vm.dump", sealed_kind::vm_core_dump, dek);
  ASSERT_TRUE(vm_dump) << vm_dump.error().message();
  EXPECT_TRUE(test::contains(std::vector<std::uint8_t>(vm_dump->begin(), vm_dump->end()), m));
  // The wrong key (or the wrong kind) opens neither.
  auto wrong = read_sealed_file(ds.path() / "host.dump", sealed_kind::host_core_dump, kek);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, errc::corrupt);
  EXPECT_FALSE(read_sealed_file(ds.path() / "vm.dump", sealed_kind::vm_core_dump, host_key));
  EXPECT_FALSE(read_sealed_file(ds.path() / "vm.dump", sealed_kind::host_core_dump, dek));
  // After a reboot the mode stays, but the host key must be pushed again.
  h.reboot();
  EXPECT_TRUE(h.crypto_safe());
  EXPECT_EQ(h.write_core_dump(ds.path() / "host2.dump").error().code, errc::locked);
}

}  // namespace
}  // namespace esxi_sim
