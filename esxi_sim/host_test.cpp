// Host key cache: KEKs by ID, replaced and evicted on demand, all forgotten on reboot; VMs stay registered.
#include "esxi_sim/host.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace esxi_sim
