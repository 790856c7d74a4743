// Test helpers for esxi_sim tests: a unique temporary datastore folder removed on destruction, a guest-data model
// to compare reads against, and helpers that read every datastore byte (for at-rest checks).
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "common/random.hpp"
#include "esxi_sim/vm.hpp"

namespace esxi_sim::test {

class temp_dir {
 public:
  temp_dir() {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = "esxi_sim-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    if (info) name += std::string("-") + info->name();
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::vector<std::uint8_t> read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Every regular file under root with its bytes (for at-rest scans and "files unchanged" checks).
inline std::map<std::string, std::vector<std::uint8_t>> snapshot_files(const std::filesystem::path& root) {
  std::map<std::string, std::vector<std::uint8_t>> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) out[e.path().string()] = read_all(e.path());
  }
  return out;
}

inline bool contains(const std::vector<std::uint8_t>& hay, std::span<const std::uint8_t> needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

// What the guest should read back: one byte vector per disk.
struct guest_model {
  std::vector<std::vector<std::uint8_t>> disks;

  explicit guest_model(const std::vector<std::uint64_t>& capacities) {
    for (auto c : capacities) disks.emplace_back(static_cast<std::size_t>(c), 0);
  }

  // `ops` seeded random writes (and some trims) through v, mirrored in the model. Bounded lengths.
  void random_io(vm& v, common::seeded_random& rnd, int ops) {
    for (int i = 0; i < ops; ++i) {
      const auto d = static_cast<std::size_t>(rnd.below(disks.size()));
      auto& m = disks[d];
      const auto off = rnd.below(m.size());
      const auto len = 1 + rnd.below(std::min<std::uint64_t>(m.size() - off, 3 * 4096 + 123));
      if (rnd.below(8) == 0) {
        ASSERT_TRUE(v.trim(d, off, len));
        std::fill_n(m.begin() + static_cast<std::ptrdiff_t>(off), len, std::uint8_t{0});
      } else {
        std::vector<std::uint8_t> data(static_cast<std::size_t>(len));
        rnd.fill(data);
        auto r = v.write(d, off, data);
        ASSERT_TRUE(r) << r.error().message();
        std::copy(data.begin(), data.end(), m.begin() + static_cast<std::ptrdiff_t>(off));
      }
    }
  }

  void expect_matches(vm& v) const {
    for (std::size_t d = 0; d < disks.size(); ++d) {
      std::vector<std::uint8_t> got(disks[d].size());
      auto r = v.read(d, 0, got);
      ASSERT_TRUE(r) << r.error().message();
      EXPECT_TRUE(got == disks[d]) << "disk " << d << " differs";
    }
  }
};

}  // namespace esxi_sim::test
