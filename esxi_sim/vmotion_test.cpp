// vMotion: a running VM moves between host objects; disk data, RAM and device state written before the move read
// back after it; without the KEK at the destination the migration fails locked and the source keeps running; a
// tampered stream fails authentication; every migration has a fresh key and nonce; the stream holds no plaintext.
#include "esxi_sim/vmotion.hpp"

#include <gtest/gtest.h>

#include "esxi_sim/test_util.hpp"

namespace esxi_sim {
namespace {

struct VmotionTest : ::testing::Test {
  test::temp_dir ds;
  common::seeded_random rnd{31}, vcenter{99};
  host src{"esx-src", rnd}, dst{"esx-dst", rnd};
  std::vector<std::uint8_t> kek1 = key();
  std::vector<std::uint64_t> caps{128 * 1024, 40000};
  const std::string marker = "KMIP-HARNESS-VMOTION-MARKER-42";

  std::vector<std::uint8_t> key() {
    std::vector<std::uint8_t> k(32);
    rnd.fill(k);
    return k;
  }
  std::span<const std::uint8_t> marker_bytes() const {
    return {reinterpret_cast<const std::uint8_t*>(marker.data()), marker.size()};
  }
  vm* running(test::guest_model& model) {
    src.push_kek("kek-1", kek1);
    auto v = src.create_vm(ds.path(), {"vm-m", "kms-a", "kek-1", caps, 4096});
    EXPECT_TRUE(v);
    EXPECT_TRUE((*v)->power_on(src.keys()));
    model.random_io(**v, rnd, 60);
    EXPECT_TRUE((*v)->write_memory(1000, marker_bytes()));
    EXPECT_TRUE((*v)->set_device_state(marker_bytes()));
    return *v;
  }
};

TEST_F(VmotionTest, MovesRunningVmAndDataReadsBack) {
  test::guest_model model(caps);
  vm* v = running(model);
  dst.push_kek("kek-1", kek1);  // vCenter pushes the VM's KEK to the destination first
  auto spec = make_migration_spec(vcenter, src, dst, "vm-m");
  ASSERT_TRUE(spec);
  std::vector<std::uint8_t> wire;
  auto moved = vmotion(src, dst, *spec, [&](std::vector<std::uint8_t>& s) { wire = s; });
  ASSERT_TRUE(moved) << moved.error().message();
  EXPECT_EQ(src.find("vm-m"), nullptr);
  EXPECT_EQ(dst.find("vm-m"), *moved);
  (void)v;  // the source's vm object is gone with its registration
  vm& w = **moved;
  EXPECT_EQ(w.state(), power_state::powered_on);
  model.expect_matches(w);
  std::vector<std::uint8_t> got(marker.size());
  ASSERT_TRUE(w.read_memory(1000, got));
  EXPECT_TRUE(std::equal(got.begin(), got.end(), marker_bytes().begin()));
  EXPECT_TRUE(std::equal(w.device_state().begin(), w.device_state().end(), marker_bytes().begin(),
                         marker_bytes().end()));
  EXPECT_FALSE(test::contains(wire, marker_bytes()));
  EXPECT_FALSE(test::contains(wire, spec->key));
  model.random_io(w, rnd, 20);  // keeps running on the destination
  model.expect_matches(w);
  // And back, under a fresh key and nonce.
  auto back = make_migration_spec(vcenter, dst, src, "vm-m");
  ASSERT_TRUE(back);
  EXPECT_NE(back->key, spec->key);
  EXPECT_NE(back->nonce, spec->nonce);
  auto home = vmotion(dst, src, *back);
  ASSERT_TRUE(home) << home.error().message();
  model.expect_matches(**home);
  ASSERT_TRUE((*home)->power_off(src.keys()));
}

TEST_F(VmotionTest, WithoutKekAtDestinationFailsLockedAndSourceKeepsRunning) {
  test::guest_model model(caps);
  vm* v = running(model);
  auto spec = make_migration_spec(vcenter, src, dst, "vm-m");
  ASSERT_TRUE(spec);
  ASSERT_TRUE(v->power_off(src.keys()));  // snapshot the files in a quiescent state, then run again
  ASSERT_TRUE(v->power_on(src.keys()));
  ASSERT_TRUE(v->write_memory(1000, marker_bytes()));
  const auto before = test::snapshot_files(v->dir());
  auto r = vmotion(src, dst, *spec);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::locked);
  EXPECT_NE(r.error().message().find("kek-1"), std::string::npos);
  EXPECT_EQ(dst.find("vm-m"), nullptr);
  EXPECT_EQ(src.find("vm-m"), v);
  EXPECT_EQ(v->state(), power_state::powered_on);
  EXPECT_TRUE(before == test::snapshot_files(v->dir()));
  model.expect_matches(*v);
  // A wrong key under the right ID is also locked.
  dst.push_kek("kek-1", key());
  EXPECT_EQ(vmotion(src, dst, *spec).error().code, errc::locked);
  dst.push_kek("kek-1", kek1);
  auto ok = vmotion(src, dst, *spec);
  ASSERT_TRUE(ok) << ok.error().message();
  model.expect_matches(**ok);
}

TEST_F(VmotionTest, TamperedStreamOrWrongSpecFailsAuthentication) {
  test::guest_model model(caps);
  vm* v = running(model);
  dst.push_kek("kek-1", kek1);
  auto spec = make_migration_spec(vcenter, src, dst, "vm-m");
  ASSERT_TRUE(spec);
  common::seeded_random where(5);
  for (int i = 0; i < 6; ++i) {
    auto r = vmotion(src, dst, *spec, [&](std::vector<std::uint8_t>& s) {
      if (i == 5) {
        s.resize(s.size() - 1);  // truncated
      } else {
        s[8 + where.below(s.size() - 8)] ^= 0x01;
      }
    });
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, errc::corrupt) << r.error().message();
    EXPECT_EQ(v->state(), power_state::powered_on);
    EXPECT_EQ(src.find("vm-m"), v);
  }
  auto wrong = *spec;
  wrong.destination_host = "esx-evil";  // bound into the AAD
  auto stream = vmotion_send(src, *spec);
  ASSERT_TRUE(stream);
  EXPECT_EQ(vmotion_receive(dst, wrong, *stream).error().code, errc::corrupt);
  auto other_key = *spec;
  other_key.key[0] ^= 1;
  EXPECT_EQ(vmotion_receive(dst, other_key, *stream).error().code, errc::corrupt);
  model.expect_matches(*v);
  ASSERT_TRUE(vmotion(src, dst, *spec));
}

}  // namespace
}  // namespace esxi_sim
