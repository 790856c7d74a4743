// Suspend/resume, the swap file and the encrypted .vmx: guest disk data, RAM and device state survive suspend and
// resume (also across a host reboot); resume without the KEK is locked and writes nothing; corrupt .vmss/.vmem are
// reported by name and change nothing; the .vmx keeps its encryption lines readable and nothing else.
#include "esxi_sim/vm.hpp"

#include <gtest/gtest.h>

#include "esxi_sim/host.hpp"
#include "esxi_sim/test_util.hpp"

namespace esxi_sim {
namespace {

struct VmSuspendTest : ::testing::Test {
  test::temp_dir ds;
  common::seeded_random rnd{23};
  host h{"esx-01", rnd};
  std::vector<std::uint8_t> kek1 = key();
  std::vector<std::uint64_t> caps{96 * 1024, 50000};

  std::vector<std::uint8_t> key() {
    std::vector<std::uint8_t> k(32);
    rnd.fill(k);
    return k;
  }
  vm* make(const std::string& name) {
    h.push_kek("kek-1", kek1);
    vm_spec spec{name, "kms-a", "kek-1", caps, 4096};
    spec.memory_bytes = 200000;  // not a page multiple
    auto v = h.create_vm(ds.path(), spec);
    EXPECT_TRUE(v) << v.error().message();
    return v ? *v : nullptr;
  }
  std::vector<std::uint8_t> memory_of(vm& v) {
    std::vector<std::uint8_t> m(static_cast<std::size_t>(v.descriptor().memory_bytes));
    EXPECT_TRUE(v.read_memory(0, m));
    return m;
  }
};

TEST_F(VmSuspendTest, SuspendResumeRestoresDisksMemoryAndDeviceState) {
  vm* v = make("vm-s");
  ASSERT_TRUE(v->power_on(h.keys()));
  EXPECT_TRUE(std::filesystem::exists(v->dir() / v->vswp_name()));
  test::guest_model model(caps);
  model.random_io(*v, rnd, 80);
  std::vector<std::uint8_t> ram(200000), dev(777);
  rnd.fill(ram);
  rnd.fill(dev);
  ASSERT_TRUE(v->write_memory(0, ram));
  ASSERT_TRUE(v->set_device_state(dev));
  ASSERT_TRUE(v->suspend(h.keys(), rnd));
  EXPECT_EQ(v->state(), power_state::suspended);
  EXPECT_TRUE(v->descriptor().suspended);
  EXPECT_FALSE(std::filesystem::exists(v->dir() / v->vswp_name()));
  EXPECT_TRUE(std::filesystem::exists(v->dir() / v->vmss_name()));
  EXPECT_FALSE(v->read_memory(0, std::span(ram).first(1)));
  EXPECT_EQ(v->deep_rekey(h.keys(), "kek-1", rnd).error().code, errc::bad_state);
  h.reboot();  // the suspended state is on disk
  EXPECT_EQ(v->state(), power_state::suspended);
  const auto before = test::snapshot_files(v->dir());
  auto locked = v->resume(h.keys());
  ASSERT_FALSE(locked);
  EXPECT_EQ(locked.error().code, errc::locked);
  EXPECT_EQ(v->state(), power_state::locked);
  EXPECT_TRUE(before == test::snapshot_files(v->dir()));
  h.push_kek("kek-1", kek1);
  auto on = v->power_on(h.keys());  // power-on of a suspended VM resumes it
  ASSERT_TRUE(on) << on.error().message();
  EXPECT_EQ(v->state(), power_state::powered_on);
  EXPECT_FALSE(v->descriptor().suspended);
  EXPECT_FALSE(std::filesystem::exists(v->dir() / v->vmss_name()));
  EXPECT_FALSE(std::filesystem::exists(v->dir() / v->vmem_name()));
  EXPECT_EQ(memory_of(*v), ram);
  EXPECT_TRUE(std::equal(dev.begin(), dev.end(), v->device_state().begin(), v->device_state().end()));
  model.expect_matches(*v);
  // Swap out and back in: RAM unchanged.
  ASSERT_TRUE(v->swap_out());
  ASSERT_TRUE(v->write_memory(0, std::vector<std::uint8_t>(100, 0)));
  ASSERT_TRUE(v->swap_in());
  EXPECT_EQ(memory_of(*v), ram);
  ASSERT_TRUE(v->power_off(h.keys()));
  EXPECT_FALSE(std::filesystem::exists(v->dir() / v->vswp_name()));
}

TEST_F(VmSuspendTest, CorruptSuspendFilesNameTheFileAndChangeNothing) {
  vm* v = make("vm-c");
  ASSERT_TRUE(v->power_on(h.keys()));
  ASSERT_TRUE(v->write_memory(100, std::vector<std::uint8_t>(5000, 0x77)));
  ASSERT_TRUE(v->set_device_state(std::vector<std::uint8_t>(64, 1)));
  ASSERT_TRUE(v->suspend(h.keys(), rnd));
  const auto vmss = v->dir() / v->vmss_name();
  const auto vmem = v->dir() / v->vmem_name();
  const auto good_vmss = test::read_all(vmss), good_vmem = test::read_all(vmem);
  auto put = [](const std::filesystem::path& p, const std::vector<std::uint8_t>& b) {
    std::ofstream(p, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(b.data()),
                                                               static_cast<std::streamsize>(b.size()));
  };
  struct bad_case {
    std::filesystem::path file;
    std::vector<std::uint8_t> bytes;
    std::string expect;
  };
  auto flip = [](std::vector<std::uint8_t> b, std::size_t at) {
    b[at] ^= 1;
    return b;
  };
  std::vector<bad_case> cases = {
      {vmss, flip(good_vmss, good_vmss.size() - 3), "authentication"},
      {vmss, flip(good_vmss, 20), "authentication"},  // the length field: size mismatch or tag failure
      {vmem, flip(good_vmem, 70000), "authentication"},
      {vmem, std::vector<std::uint8_t>(good_vmem.begin(), good_vmem.end() - 100), "truncated"},
      {vmem, std::vector<std::uint8_t>(good_vmem.begin(), good_vmem.begin() + 10), "truncated"},
      {vmem, good_vmss, "another kind"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file.string() + ": " + c.expect);
    put(c.file, c.bytes);
    const auto before = test::snapshot_files(v->dir());
    auto r = v->power_on(h.keys());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, errc::corrupt);
    EXPECT_EQ(r.error().file, c.file.string());
    if (c.expect != "authentication") {
      EXPECT_NE(r.error().what.find(c.expect), std::string::npos) << r.error().what;
    } else {
      EXPECT_TRUE(r.error().what.find("authentication") != std::string::npos ||
                  r.error().what.find("implies") != std::string::npos)
          << r.error().what;
    }
    EXPECT_TRUE(before == test::snapshot_files(v->dir()));
    EXPECT_TRUE(v->descriptor().suspended);
    put(vmss, good_vmss);
    put(vmem, good_vmem);
  }
  std::filesystem::remove(vmem);
  auto missing = v->power_on(h.keys());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().file, vmem.string());
  put(vmem, good_vmem);
  ASSERT_TRUE(v->power_on(h.keys()));
  std::vector<std::uint8_t> got(5000);
  ASSERT_TRUE(v->read_memory(100, got));
  EXPECT_EQ(got, std::vector<std::uint8_t>(5000, 0x77));
}

TEST_F(VmSuspendTest, VmxKeepsEncryptionLinesReadableAndSurvivesDeepRekey) {
  vm* v = make("vm-x");
  ASSERT_TRUE(v->set_config(h.keys(), "guestinfo.note", "hello", rnd));
  const auto vmx = v->dir() / "vm-x.vmx";
  const auto text = test::read_all(vmx);
  const std::string s(text.begin(), text.end());
  EXPECT_NE(s.find("encryption.bundle = \"descriptor.json\""), std::string::npos) << s;
  EXPECT_NE(s.find("encryption.data = \""), std::string::npos);
  EXPECT_EQ(s.find("displayName"), std::string::npos);
  EXPECT_EQ(s.find("hello"), std::string::npos);
  auto c = v->read_config(h.keys());
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->at("guestinfo.note"), "hello");
  EXPECT_EQ(c->at("memSize"), "200000");
  EXPECT_FALSE(v->set_config(h.keys(), "encryption.data", "x", rnd));  // reserved
  EXPECT_FALSE(v->set_config(h.keys(), "a", "quote\"", rnd));
  h.push_kek("kek-2", key());
  ASSERT_TRUE(v->deep_rekey(h.keys(), "kek-2", rnd));
  EXPECT_FALSE(std::filesystem::exists(v->dir() / "vm-x.vmx.new"));
  h.evict_kek("kek-1");
  c = v->read_config(h.keys());
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->at("guestinfo.note"), "hello");
  // A damaged .vmx is named.
  auto bad = text;
  bad[bad.size() - 5] = bad[bad.size() - 5] == 'a' ? 'b' : 'a';
  std::ofstream(vmx, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(bad.data()),
                                                              static_cast<std::streamsize>(bad.size()));
  auto r = v->read_config(h.keys());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::corrupt);
  EXPECT_EQ(r.error().file, vmx.string());
}

}  // namespace
}  // namespace esxi_sim
