// Google Benchmark: XTS sector encryption (4 KiB and 512 B data units, one sector per call as guest I/O does)
// and a sequential guest write through encrypted_disk on one thread and on two (a crypto_helper lends the second
// core; 1 MiB requests are split in two halves). benchmarks/esxi_vs_openssl.sh compares the figures with
// `openssl speed -evp aes-256-xts`.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <vector>

#include "common/random.hpp"
#include "esxi_sim/dek.hpp"
#include "esxi_sim/encrypted_disk.hpp"
#include "esxi_sim/xts_cipher.hpp"

namespace {

void sector_encrypt(benchmark::State& state) {
  const auto unit = static_cast<std::size_t>(state.range(0));
  common::seeded_random rnd(1);
  auto c = esxi_sim::xts_cipher::create(esxi_sim::generate_dek(rnd), unit);
  std::vector<std::uint8_t> in(unit, 0x5a), out(unit);
  std::uint64_t sector = 0;
  for (auto _ : state) {
    (void)c->encrypt(sector++, in, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(unit));
}
BENCHMARK(sector_encrypt)->Arg(4096)->Arg(512);

// range(0): threads (1 or 2).
void sequential_guest_write(benchmark::State& state) {
  const std::size_t capacity = 64u << 20, block = 1u << 20;
  const auto p = std::filesystem::temp_directory_path() / ("esxi_xts_bench-" + std::to_string(::getpid()));
  std::filesystem::remove(p);
  (void)esxi_sim::encrypted_disk::create_extent(p, capacity, 4096);
  common::seeded_random rnd(2);
  esxi_sim::crypto_helper helper;
  auto disk = esxi_sim::encrypted_disk::open(p, capacity, 4096, esxi_sim::generate_dek(rnd),
                                             state.range(0) == 2 ? &helper : nullptr);
  std::vector<std::uint8_t> data(block, 0x33);
  std::uint64_t off = 0;
  for (auto _ : state) {
    (void)disk->write(off, data);
    off = (off + block) % capacity;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(block));
  std::filesystem::remove(p);
}
BENCHMARK(sequential_guest_write)->Arg(1)->Arg(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
