// Re-key: shallow leaves every sector's ciphertext as it was, deep changes every allocated one; data reads back
// identical after both; a deep re-key interrupted at seeded points (clean or torn writes) recovers on the next
// power-on to the right data under the new DEK only, and is locked (files untouched) without both KEKs.
#include "esxi_sim/vm.hpp"

#include <gtest/gtest.h>

#include "esxi_sim/host.hpp"
#include "esxi_sim/rekey_journal.hpp"
#include "esxi_sim/test_util.hpp"

namespace esxi_sim {
namespace {

struct VmRekeyTest : ::testing::Test {
  test::temp_dir ds;
  common::seeded_random rnd{7};
  host h{"esx-01", rnd};
  std::vector<std::uint8_t> kek1 = key(), kek2 = key();
  std::vector<std::uint64_t> caps{200 * 1024, 123457};

  std::vector<std::uint8_t> key() {
    std::vector<std::uint8_t> k(32);
    rnd.fill(k);
    return k;
  }
  // A powered-off VM holding seeded random data, and the model of that data.
  std::pair<vm*, test::guest_model> populated(const std::string& name, std::uint32_t sector = 4096) {
    h.push_kek("kek-1", kek1);
    h.push_kek("kek-2", kek2);
    auto v = h.create_vm(ds.path(), {name, "kms-a", "kek-1", caps, sector});
    EXPECT_TRUE(v);
    EXPECT_TRUE((*v)->power_on(h.keys()));
    test::guest_model m(caps);
    m.random_io(**v, rnd, 60);
    EXPECT_TRUE((*v)->power_off(h.keys()));
    return {*v, std::move(m)};
  }
  // The extents' bytes, per (disk, sector): ciphertext, empty when unallocated (all zero).
  std::vector<std::vector<std::vector<std::uint8_t>>> sectors_of(vm& v) {
    std::vector<std::vector<std::vector<std::uint8_t>>> out;
    const std::size_t ss = v.descriptor().sector_size;
    for (const auto& di : v.descriptor().disks) {
      auto bytes = test::read_all(v.dir() / di.extent);
      auto& disk = out.emplace_back();
      for (std::size_t off = 0; off < bytes.size(); off += ss) {
        std::vector<std::uint8_t> s(bytes.begin() + static_cast<std::ptrdiff_t>(off),
                                    bytes.begin() + static_cast<std::ptrdiff_t>(off + ss));
        disk.push_back(all_zero(s) ? std::vector<std::uint8_t>{} : s);
      }
    }
    return out;
  }
};

TEST_F(VmRekeyTest, ShallowRekeyRewrapsOnlyPoweredOnAndOff) {
  auto [v, model] = populated("vm-shallow");
  const auto before = sectors_of(*v);
  ASSERT_TRUE(v->shallow_rekey(h.keys(), "kek-2"));  // powered off
  EXPECT_EQ(v->descriptor().locator.kek_id, "kek-2");
  EXPECT_TRUE(before == sectors_of(*v));
  h.evict_kek("kek-1");
  ASSERT_TRUE(v->power_on(h.keys()));
  model.expect_matches(*v);
  h.push_kek("kek-3", kek1);
  ASSERT_TRUE(v->shallow_rekey(h.keys(), "kek-3"));  // powered on, DEK from the cache
  ASSERT_TRUE(v->power_off(h.keys()));
  EXPECT_TRUE(before == sectors_of(*v));
  h.reboot();
  h.push_kek("kek-2", kek2);
  EXPECT_FALSE(v->power_on(h.keys()));  // old KEK no longer opens it
  h.push_kek("kek-3", kek1);
  ASSERT_TRUE(v->power_on(h.keys()));
  model.expect_matches(*v);
}

TEST_F(VmRekeyTest, DeepRekeyChangesEveryAllocatedSector) {
  for (std::uint32_t sector : {4096u, 512u}) {
    SCOPED_TRACE(sector);
    auto [v, model] = populated("vm-deep-" + std::to_string(sector), sector);
    const auto before = sectors_of(*v);
    const auto old_locator = v->descriptor().locator;
    ASSERT_TRUE(v->deep_rekey(h.keys(), "kek-2", rnd));
    EXPECT_EQ(v->descriptor().locator.kek_id, "kek-2");
    EXPECT_FALSE(v->descriptor().rekey);
    EXPECT_FALSE(std::filesystem::exists(v->dir() / rekey_journal::file_name));
    const auto after = sectors_of(*v);
    std::size_t allocated = 0;
    for (std::size_t d = 0; d < before.size(); ++d) {
      for (std::size_t s = 0; s < before[d].size(); ++s) {
        EXPECT_EQ(before[d][s].empty(), after[d][s].empty()) << d << ":" << s;  // allocation preserved
        if (!before[d][s].empty()) {
          ++allocated;
          EXPECT_NE(before[d][s], after[d][s]) << d << ":" << s;
        }
      }
    }
    EXPECT_GT(allocated, 10u);
    h.evict_kek("kek-1");
    ASSERT_TRUE(v->power_on(h.keys()));
    model.expect_matches(*v);
    ASSERT_TRUE(v->power_off(h.keys()));
    h.push_kek("kek-1", kek1);
    h.push_kek("kek-x", kek1);
    // The old locator with the old KEK no longer describes this data: the new DEK is a different key.
    EXPECT_NE(old_locator.wrapped_dek, v->descriptor().locator.wrapped_dek);
  }
}

TEST_F(VmRekeyTest, DeepRekeyRefusedWhilePoweredOnOrWithoutNewKek) {
  auto [v, model] = populated("vm-refuse");
  ASSERT_TRUE(v->power_on(h.keys()));
  EXPECT_EQ(v->deep_rekey(h.keys(), "kek-2", rnd).error().code, errc::bad_state);
  ASSERT_TRUE(v->power_off(h.keys()));
  EXPECT_EQ(v->deep_rekey(h.keys(), "kek-none", rnd).error().code, errc::locked);
}

// Seeded interruption points over the whole write sequence (descriptor, journal, extent, commit), clean and torn.
TEST_F(VmRekeyTest, InterruptedDeepRekeyRecoversUnderExactlyOneDek) {
  // Count the writes of an uninterrupted run once.
  std::uint64_t total_writes = 0;
  {
    auto [v, model] = populated("vm-count");
    fault_injector never(~std::uint64_t{0}, false);
    ASSERT_TRUE(v->deep_rekey(h.keys(), "kek-2", rnd, &never));
    total_writes = never.writes_done();
    ASSERT_GT(total_writes, 4u);
  }
  common::seeded_random points(2024);
  for (int trial = 0; trial < 24; ++trial) {
    const std::uint64_t n = trial < 3 ? static_cast<std::uint64_t>(trial) : points.below(total_writes + 1);
    const bool tear = trial % 2 == 1;
    SCOPED_TRACE("interrupt after " + std::to_string(n) + " writes, torn=" + std::to_string(tear));
    h.push_kek("kek-1", kek1);
    auto [v, model] = populated("vm-crash-" + std::to_string(trial));
    fault_injector faults(n, tear);
    auto r = v->deep_rekey(h.keys(), "kek-2", rnd, &faults);
    if (faults.fired()) {  // each VM's data differs, so n may lie past this run's last write
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error().code, errc::injected_fault);
    } else {
      ASSERT_TRUE(r);
    }
    h.reboot();  // crash: nothing in RAM survives
    const auto files = test::snapshot_files(v->dir());
    h.push_kek("kek-1", kek1);
    const bool rekey_pending = load_descriptor(v->dir())->rekey.has_value();
    if (rekey_pending) {
      auto locked = v->power_on(h.keys());  // the new KEK is needed to finish
      ASSERT_FALSE(locked);
      EXPECT_EQ(locked.error().code, errc::locked);
      EXPECT_TRUE(files == test::snapshot_files(v->dir()));
    }
    h.push_kek("kek-2", kek2);
    auto on = v->power_on(h.keys());
    ASSERT_TRUE(on) << on.error().message();
    model.expect_matches(*v);
    const auto& d = v->descriptor();
    EXPECT_FALSE(d.rekey);
    EXPECT_FALSE(std::filesystem::exists(v->dir() / rekey_journal::file_name));
    // Exactly one DEK: either the commit happened (new KEK) or nothing started (old KEK, never a mixture).
    if (d.locator.kek_id == "kek-1") {
      EXPECT_FALSE(rekey_pending);
    }
    ASSERT_TRUE(v->power_off(h.keys()));
    h.unregister_vm(d.name);
  }
}

}  // namespace
}  // namespace esxi_sim
