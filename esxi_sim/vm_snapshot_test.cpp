// Snapshots: seeded guest writes read back identical through a chain and after consolidation (powered on and
// off); the chain is enforced (deep re-key refused with snapshots, shallow allowed); deltas are encrypted under
// their own keys; a corrupt delta is reported by name; two-core I/O gives the single-core bytes.
#include "esxi_sim/vm.hpp"

#include <gtest/gtest.h>

#include "esxi_sim/host.hpp"
#include "esxi_sim/test_util.hpp"

namespace esxi_sim {
namespace {

struct VmSnapshotTest : ::testing::Test {
  test::temp_dir ds;
  common::seeded_random rnd{11};
  host h{"esx-01", rnd};
  std::vector<std::uint8_t> kek1 = key(), kek2 = key();
  std::vector<std::uint64_t> caps{160 * 1024, 70001};

  std::vector<std::uint8_t> key() {
    std::vector<std::uint8_t> k(32);
    rnd.fill(k);
    return k;
  }
  vm* make(const std::string& name, std::uint32_t sector = 4096) {
    h.push_kek("kek-1", kek1);
    h.push_kek("kek-2", kek2);
    auto v = h.create_vm(ds.path(), {name, "kms-a", "kek-1", caps, sector});
    EXPECT_TRUE(v) << v.error().message();
    return v ? *v : nullptr;
  }
};

TEST_F(VmSnapshotTest, ChainReadsThroughAndConsolidatesBack) {
  for (std::uint32_t sector : {4096u, 512u}) {
    SCOPED_TRACE(sector);
    vm* v = make("vm-chain-" + std::to_string(sector), sector);
    ASSERT_TRUE(v->power_on(h.keys()));
    test::guest_model model(caps);
    model.random_io(*v, rnd, 60);
    const auto base0 = test::read_all(v->dir() / v->descriptor().disks[0].extent);
    ASSERT_TRUE(v->create_snapshot(h.keys(), "s1"));  // powered on
    model.random_io(*v, rnd, 60);
    model.expect_matches(*v);
    EXPECT_EQ(test::read_all(v->dir() / v->descriptor().disks[0].extent), base0);  // writes went to the delta
    ASSERT_TRUE(v->power_off(h.keys()));
    ASSERT_TRUE(v->create_snapshot(h.keys(), "s2"));  // powered off
    ASSERT_EQ(v->descriptor().snapshots.size(), 2u);
    ASSERT_TRUE(v->power_on(h.keys()));
    model.expect_matches(*v);
    model.random_io(*v, rnd, 60);  // includes trims, which must hide the parents' data
    model.expect_matches(*v);
    ASSERT_TRUE(v->consolidate(h.keys()));  // powered on
    EXPECT_TRUE(v->descriptor().snapshots.empty());
    model.expect_matches(*v);
    model.random_io(*v, rnd, 20);
    ASSERT_TRUE(v->power_off(h.keys()));
    for (const auto& e : std::filesystem::directory_iterator(v->dir())) {
      EXPECT_EQ(e.path().string().find("-delta.vmdk"), std::string::npos) << e.path();
    }
    h.reboot();
    h.push_kek("kek-1", kek1);
    ASSERT_TRUE(v->power_on(h.keys()));
    model.expect_matches(*v);
    ASSERT_TRUE(v->create_snapshot(h.keys(), "s3"));
    model.random_io(*v, rnd, 40);
    ASSERT_TRUE(v->power_off(h.keys()));
    ASSERT_TRUE(v->consolidate(h.keys()));  // powered off: needs the KEK
    ASSERT_TRUE(v->power_on(h.keys()));
    model.expect_matches(*v);
    ASSERT_TRUE(v->power_off(h.keys()));
  }
}

TEST_F(VmSnapshotTest, ShallowRekeyAllowedDeepRefusedWithSnapshots) {
  vm* v = make("vm-rekey");
  ASSERT_TRUE(v->power_on(h.keys()));
  test::guest_model model(caps);
  model.random_io(*v, rnd, 40);
  ASSERT_TRUE(v->create_snapshot(h.keys(), "s1"));
  model.random_io(*v, rnd, 40);
  ASSERT_TRUE(v->shallow_rekey(h.keys(), "kek-2"));  // powered on, with a single chain
  ASSERT_TRUE(v->power_off(h.keys()));
  auto deep = v->deep_rekey(h.keys(), "kek-1", rnd);
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error().code, errc::bad_state);
  EXPECT_NE(deep.error().what.find("snapshots"), std::string::npos);
  h.reboot();
  h.push_kek("kek-2", kek2);  // only the new KEK opens it now, deltas included
  ASSERT_TRUE(v->power_on(h.keys()));
  model.expect_matches(*v);
  ASSERT_TRUE(v->consolidate(h.keys()));
  ASSERT_TRUE(v->power_off(h.keys()));
  h.push_kek("kek-3", key());
  ASSERT_TRUE(v->deep_rekey(h.keys(), "kek-3", rnd));  // allowed once consolidated
  ASSERT_TRUE(v->power_on(h.keys()));
  model.expect_matches(*v);
}

TEST_F(VmSnapshotTest, DeltaCiphertextDiffersFromBaseForSameData) {
  vm* v = make("vm-domains");
  ASSERT_TRUE(v->power_on(h.keys()));
  const std::vector<std::uint8_t> page(4096, 0x42);
  ASSERT_TRUE(v->write(0, 0, page));
  ASSERT_TRUE(v->create_snapshot(h.keys(), "s1"));
  ASSERT_TRUE(v->write(0, 0, page));  // same data, same sector, now in the delta
  ASSERT_TRUE(v->power_off(h.keys()));
  const auto& di = v->descriptor().disks[0];
  const auto base = test::read_all(v->dir() / di.extent);
  const auto delta = test::read_all(v->dir() / di.deltas[0]);
  EXPECT_FALSE(all_zero(std::span(delta).first(4096)));
  EXPECT_FALSE(std::equal(base.begin(), base.begin() + 4096, delta.begin()));
}

TEST_F(VmSnapshotTest, CorruptDeltaNamesTheFileAndLockedLeavesFilesUnchanged) {
  vm* v = make("vm-bad-delta");
  ASSERT_TRUE(v->create_snapshot(h.keys(), "s1"));
  const auto delta = v->dir() / v->descriptor().disks[1].deltas[0];
  std::filesystem::resize_file(delta, 4096);
  auto r = v->power_on(h.keys());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::corrupt);
  EXPECT_EQ(r.error().file, delta.string());
  EXPECT_NE(r.error().what.find("truncated"), std::string::npos);
  std::filesystem::remove(delta);
  r = v->power_on(h.keys());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::not_found);
  EXPECT_EQ(r.error().file, delta.string());

  vm* w = make("vm-locked-snap");
  ASSERT_TRUE(w->create_snapshot(h.keys(), "s1"));
  h.reboot();
  const auto before = test::snapshot_files(w->dir());
  EXPECT_EQ(w->power_on(h.keys()).error().code, errc::locked);
  EXPECT_EQ(w->consolidate(h.keys()).error().code, errc::locked);
  EXPECT_EQ(w->create_snapshot(h.keys(), "s2").error().code, errc::locked);
  EXPECT_TRUE(before == test::snapshot_files(w->dir()));
}

// Two cores give exactly the single-core ciphertext (every sector depends only on key, tweak and data).
TEST(EncryptedDisk, TwoThreadsWriteTheSameBytesAsOne) {
  test::temp_dir ds;
  common::seeded_random rnd(3);
  std::vector<std::uint8_t> dek(64);
  rnd.fill(dek);
  const std::uint64_t cap = 1u << 20;
  crypto_helper helper;
  ASSERT_TRUE(encrypted_disk::create_extent(ds.path() / "one", cap, 4096));
  ASSERT_TRUE(encrypted_disk::create_extent(ds.path() / "two", cap, 4096));
  auto one = encrypted_disk::open(ds.path() / "one", cap, 4096, dek);
  auto two = encrypted_disk::open(ds.path() / "two", cap, 4096, dek, &helper);
  ASSERT_TRUE(one && two);
  std::vector<std::uint8_t> data(cap);
  rnd.fill(data);
  for (std::size_t len : {std::size_t{4096} * 8, std::size_t{4096} * 9 + 17, std::size_t{cap}}) {
    ASSERT_TRUE(one->write(0, std::span(data).first(len)));
    ASSERT_TRUE(two->write(0, std::span(data).first(len)));
  }
  ASSERT_TRUE(one->trim(4096 * 3, 4096 * 20));
  ASSERT_TRUE(two->trim(4096 * 3, 4096 * 20));
  EXPECT_EQ(test::read_all(ds.path() / "one"), test::read_all(ds.path() / "two"));
  std::vector<std::uint8_t> a(cap), b(cap);
  ASSERT_TRUE(one->read(0, a));
  ASSERT_TRUE(two->read(0, b));
  EXPECT_EQ(a, b);
  std::fill(data.begin() + 4096 * 3, data.begin() + 4096 * 23, std::uint8_t{0});
  EXPECT_EQ(b, data);
}

}  // namespace
}  // namespace esxi_sim
