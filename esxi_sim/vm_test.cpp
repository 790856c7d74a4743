// VM lifecycle on a datastore: data integrity across power cycles and reboots, encryption at rest, locked VMs
// (missing KEK, wrong KEK, tampered locator) leaving files unchanged, and corrupt files reported by name.
#include "esxi_sim/vm.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/hex.hpp"
#include "esxi_sim/file.hpp"
#include "esxi_sim/host.hpp"
#include "esxi_sim/test_util.hpp"

namespace esxi_sim {
namespace {

using test::guest_model;

struct VmTest : ::testing::Test {
  test::temp_dir ds;
  common::seeded_random rnd{42};
  host h{"esx-01", rnd};
  std::vector<std::uint8_t> kek1 = key(), kek2 = key();
  std::vector<std::uint64_t> caps{300 * 1024, 1000003};  // one aligned, one odd-sized disk

  std::vector<std::uint8_t> key() {
    std::vector<std::uint8_t> k(32);
    rnd.fill(k);
    return k;
  }
  vm* make(std::uint32_t sector = 4096) {
    h.push_kek("kek-1", kek1);
    auto v = h.create_vm(ds.path(), {"vm1", "kms-a", "kek-1", caps, sector});
    EXPECT_TRUE(v) << v.error().message();
    return v ? *v : nullptr;
  }
};

TEST_F(VmTest, RandomWritesSurvivePowerCycleAndReboot) {
  for (std::uint32_t sector : {4096u, 512u}) {
    SCOPED_TRACE(sector);
    test::temp_dir local;
    host hh{"esx", rnd};
    hh.push_kek("kek-1", kek1);
    auto v = hh.create_vm(local.path(), {"vm", "kms-a", "kek-1", caps, sector});
    ASSERT_TRUE(v);
    ASSERT_TRUE((*v)->power_on(hh.keys()));
    guest_model model(caps);
    model.random_io(**v, rnd, 200);
    model.expect_matches(**v);
    ASSERT_TRUE((*v)->power_off(hh.keys()));
    ASSERT_TRUE((*v)->power_on(hh.keys()));
    model.expect_matches(**v);
    hh.reboot();
    EXPECT_EQ(hh.keys().kek_count(), 0u);
    EXPECT_EQ(hh.keys().dek_count(), 0u);
    auto locked = (*v)->power_on(hh.keys());
    ASSERT_FALSE(locked);
    EXPECT_EQ((*v)->state(), power_state::locked);
    hh.push_kek("kek-1", kek1);
    ASSERT_TRUE((*v)->power_on(hh.keys()));
    model.expect_matches(**v);
  }
}

TEST_F(VmTest, UnwrittenSectorsReadZeroAndTrimDeallocates) {
  vm* v = make();
  auto on = v->power_on(h.keys());
  ASSERT_TRUE(on) << on.error().message();
  std::vector<std::uint8_t> buf(8192, 0xaa);
  ASSERT_TRUE(v->write(0, 4096, buf));
  ASSERT_TRUE(v->trim(0, 4096, 8192));
  std::vector<std::uint8_t> got(16384, 1);
  ASSERT_TRUE(v->read(0, 0, got));
  EXPECT_TRUE(std::all_of(got.begin(), got.end(), [](auto b) { return b == 0; }));
  const auto extent = test::read_all(ds.path() / "vm1" / "vm1-0-flat.vmdk");
  EXPECT_TRUE(all_zero(extent));
  EXPECT_FALSE(v->write(1, caps[1] - 1, std::vector<std::uint8_t>(2)));  // past the end
  EXPECT_TRUE(v->write(1, caps[1] - 1, std::vector<std::uint8_t>(1, 7)));
}

TEST_F(VmTest, NoPlaintextPatternOrKeyBytesAtRest) {
  vm* v = make();
  ASSERT_TRUE(v->power_on(h.keys()));
  const std::string marker = "KMIP-HARNESS-GUEST-SECRET-0123456789";
  std::vector<std::uint8_t> pattern;
  while (pattern.size() < 64 * 1024) pattern.insert(pattern.end(), marker.begin(), marker.end());
  ASSERT_TRUE(v->write(0, 0, pattern));
  ASSERT_TRUE(v->write(1, 12345, pattern));  // unaligned
  std::vector<std::uint8_t> zeros_then_marker(5000, 0);
  std::copy(marker.begin(), marker.end(), zeros_then_marker.begin() + 4090);  // straddles a sector boundary
  ASSERT_TRUE(v->write(1, 500000, zeros_then_marker));
  const common::secure_bytes dek = *h.keys().dek(v->dir().string());
  ASSERT_TRUE(v->power_off(h.keys()));
  const auto files = test::snapshot_files(ds.path());
  const std::span<const std::uint8_t> m(reinterpret_cast<const std::uint8_t*>(marker.data()), 16);
  for (const auto& [name, bytes] : files) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(test::contains(bytes, m));
    EXPECT_FALSE(test::contains(bytes, std::span(dek).first(16)));
    EXPECT_FALSE(test::contains(bytes, std::span(dek).last(16)));
    EXPECT_FALSE(test::contains(bytes, std::span(kek1).first(16)));
    // Also not as hex text in the descriptor.
    const std::string hex_dek = common::to_hex(std::span(dek).first(16));
    const std::string text(bytes.begin(), bytes.end());
    EXPECT_EQ(text.find(hex_dek), std::string::npos);
    EXPECT_EQ(text.find(common::to_hex(std::span(kek1).first(16))), std::string::npos);
  }
}

TEST_F(VmTest, LockedWithoutKekWithWrongKekOrTamperedLocatorAndFilesUnchanged) {
  vm* v = make();
  ASSERT_TRUE(v->power_on(h.keys()));
  ASSERT_TRUE(v->write(0, 0, std::vector<std::uint8_t>(10000, 5)));
  ASSERT_TRUE(v->power_off(h.keys()));
  h.reboot();
  const auto before = test::snapshot_files(ds.path());

  auto missing = v->power_on(h.keys());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, errc::locked);
  EXPECT_EQ(v->state(), power_state::locked);
  EXPECT_NE(missing.error().message().find("kek-1"), std::string::npos) << missing.error().message();
  std::vector<std::uint8_t> ten(10);
  EXPECT_FALSE(v->read(0, 0, ten));  // no garbage data: no I/O at all

  h.push_kek("kek-1", kek2);  // wrong key under the right ID
  auto wrong = v->power_on(h.keys());
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, errc::locked);

  h.push_kek("kek-1", kek1);
  auto d = load_descriptor(v->dir());
  ASSERT_TRUE(d);
  d->locator.wrapped_dek[3] ^= 0x10;
  ASSERT_TRUE(save_descriptor(v->dir(), *d));
  const auto tampered_files = test::snapshot_files(ds.path());
  auto tampered = v->power_on(h.keys());
  ASSERT_FALSE(tampered);
  EXPECT_EQ(tampered.error().code, errc::locked);
  EXPECT_EQ(v->state(), power_state::locked);
  EXPECT_TRUE(tampered_files == test::snapshot_files(ds.path()));

  d->locator.wrapped_dek[3] ^= 0x10;  // restore
  ASSERT_TRUE(save_descriptor(v->dir(), *d));
  EXPECT_TRUE(before == test::snapshot_files(ds.path()));
  ASSERT_TRUE(v->power_on(h.keys()));
}

TEST_F(VmTest, CorruptDescriptorsAndExtentsNameTheFile) {
  vm* v = make();
  const auto desc_path = v->dir() / "descriptor.json";
  const auto good = test::read_all(desc_path);
  auto write_text = [&](std::string_view t) {
    std::ofstream(desc_path, std::ios::binary | std::ios::trunc) << t;
  };
  struct bad_case {
    std::string text;
    std::string expect;
  };
  std::string s(good.begin(), good.end());
  std::vector<bad_case> cases = {
      {"", "empty"},
      {s.substr(0, s.size() / 2), "not valid JSON"},
      {std::string(s).replace(s.find("\"version\": 2"), 12, "\"version\": 9"), "unsupported descriptor version 9"},
      {std::string(s).replace(s.find("\"sector_size\""), 13, "\"sector_sizz\""), "missing field descriptor.sector_size"},
      {std::string(s).replace(s.find("\"mac\": \"") + 8, 2, "zz"), "key_locator.mac is not hex"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.expect);
    write_text(c.text);
    h.reboot();
    h.push_kek("kek-1", kek1);
    auto r = v->power_on(h.keys());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, errc::corrupt);
    EXPECT_EQ(r.error().file, desc_path.string());
    EXPECT_NE(r.error().what.find(c.expect), std::string::npos) << r.error().what;
    EXPECT_EQ(test::read_all(desc_path), std::vector<std::uint8_t>(c.text.begin(), c.text.end()));  // not rewritten
    auto opened = vm::open(v->dir());
    EXPECT_FALSE(opened);
  }
  write_text(s);
  const auto extent = v->dir() / "vm1-1-flat.vmdk";
  std::filesystem::resize_file(extent, 4096);
  auto r = v->power_on(h.keys());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::corrupt);
  EXPECT_EQ(r.error().file, extent.string());
  EXPECT_NE(r.error().what.find("truncated"), std::string::npos);
}

}  // namespace
}  // namespace esxi_sim

namespace esxi_sim {
namespace {

// Every file of the datastore, whatever state produced it: descriptor, .vmx, extents, deltas, .vswp (swapped-out
// RAM), .vmss/.vmem. The marker goes in through the guest's disk, RAM, device state and the .vmx; it must appear
// nowhere, and neither may DEK, KEK or host-key bytes (raw or hex).
TEST_F(VmTest, NoMarkerOrKeyInAnyDatastoreFile) {
  vm* v = make();
  ASSERT_TRUE(v->power_on(h.keys()));
  const std::string marker = "KMIP-HARNESS-AT-REST-MARKER-0123456789";
  const std::span<const std::uint8_t> m(reinterpret_cast<const std::uint8_t*>(marker.data()), marker.size());
  std::vector<std::uint8_t> pattern;
  while (pattern.size() < 40000) pattern.insert(pattern.end(), marker.begin(), marker.end());
  ASSERT_TRUE(v->write(0, 100, pattern));
  ASSERT_TRUE(v->create_snapshot(h.keys(), "s1"));
  ASSERT_TRUE(v->write(1, 7777, pattern));
  ASSERT_TRUE(v->write_memory(0, pattern));
  ASSERT_TRUE(v->set_device_state(pattern));
  ASSERT_TRUE(v->set_config(h.keys(), "guestinfo.secret", marker, rnd));
  ASSERT_TRUE(v->swap_out());
  std::vector<std::uint8_t> host_key(32);
  rnd.fill(host_key);
  h.push_kek("host-key", host_key);
  ASSERT_TRUE(h.enable_encryption_mode("host-key"));
  ASSERT_TRUE(h.write_core_dump(ds.path() / "esx-01-core.dump"));
  ASSERT_TRUE(h.write_vm_core_dump("vm1", v->dir() / "vm1-zdump.000"));
  const common::secure_bytes dek = *h.keys().dek(v->dir().string());
  auto scan = [&](const char* when) {
    SCOPED_TRACE(when);
    const auto files = test::snapshot_files(ds.path());
    EXPECT_GE(files.size(), 6u);
    for (const auto& [name, bytes] : files) {
      SCOPED_TRACE(name);
      const std::string text(bytes.begin(), bytes.end());
      EXPECT_FALSE(test::contains(bytes, m.first(16)));
      for (auto k : {std::span<const std::uint8_t>(dek).first(16), std::span<const std::uint8_t>(dek).last(16),
                     std::span<const std::uint8_t>(kek1).first(16), std::span<const std::uint8_t>(host_key).first(16)}) {
        EXPECT_FALSE(test::contains(bytes, k));
        EXPECT_EQ(text.find(common::to_hex(k)), std::string::npos);
      }
    }
  };
  scan("running with a snapshot and swapped-out RAM");  // .vswp and the deltas are there now
  EXPECT_TRUE(std::filesystem::exists(v->dir() / v->vswp_name()));
  ASSERT_TRUE(v->suspend(h.keys(), rnd));
  scan("suspended");  // .vmss and .vmem
  ASSERT_TRUE(v->power_on(h.keys()));
  ASSERT_TRUE(v->consolidate(h.keys()));
  ASSERT_TRUE(v->power_off(h.keys()));
  scan("consolidated and off");
}

// A version-1 descriptor (no .vmx, memory, snapshots or suspended flag) still opens, and is written back as
// version 2 at the next descriptor change.
TEST_F(VmTest, VersionOneDescriptorIsMigrated) {
  vm* v = make();
  ASSERT_TRUE(v->power_on(h.keys()));
  ASSERT_TRUE(v->write(0, 0, std::vector<std::uint8_t>(5000, 3)));
  ASSERT_TRUE(v->power_off(h.keys()));
  const auto p = v->dir() / "descriptor.json";
  auto j = nlohmann::json::parse(*read_small_file(p));
  j["version"] = 1;
  for (const char* k : {"memory_bytes", "snapshots", "suspended", "vmx"}) j.erase(k);
  for (auto& d : j["disks"]) d.erase("deltas");
  std::filesystem::remove(v->dir() / "vm1.vmx");
  const std::string s = j.dump(2);
  std::ofstream(p, std::ios::binary | std::ios::trunc) << s;
  const auto dir = v->dir();
  h.unregister_vm("vm1");  // destroys *v
  auto reg = h.register_vm(dir);
  ASSERT_TRUE(reg) << reg.error().message() << "\n" << s;
  vm* w = *reg;
  EXPECT_FALSE(w->descriptor().vmx);
  ASSERT_TRUE(w->power_on(h.keys()));
  std::vector<std::uint8_t> got(5000);
  ASSERT_TRUE(w->read(0, 0, got));
  EXPECT_EQ(got, std::vector<std::uint8_t>(5000, 3));
  ASSERT_TRUE(w->set_config(h.keys(), "guestinfo.x", "1", rnd));  // creates the .vmx and saves version 2
  EXPECT_TRUE(std::filesystem::exists(w->dir() / "vm1.vmx"));
  const auto after = test::read_all(p);
  EXPECT_NE(std::string(after.begin(), after.end()).find("\"version\": 2"), std::string::npos);
}

}  // namespace
}  // namespace esxi_sim
