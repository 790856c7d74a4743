// Micro benchmarks of the hot codec paths on real vCenter traffic: decoding and encoding the Create request
// and the Get response that vCenter 7.0.3 exchanged with a KMS (tests/testdata/captures). Throughput is reported
// as messages/s (items_per_second) and bytes/s; compare runs as ratios, never as bare times.
#include <benchmark/benchmark.h>

#include <stdexcept>

#include "kmip/model/message.hpp"
#include "kmip/ttlv/reader.hpp"
#include "kmip/ttlv/writer.hpp"
#include "tests/support/vectors.hpp"

namespace {

using kmip::ttlv::tree;

// The first captured message whose (first) batch item has this operation.
std::vector<std::uint8_t> captured(bool request, kmip::spec::operation op) {
  for (const auto& log : kmiph::testdata::capture_logs()) {
    for (const auto& m : kmiph::testdata::capture_messages(log)) {
      if (m.request != request) continue;
      auto t = kmip::ttlv::decode_message(m.bytes);
      if (!t) continue;
      auto item = t->root().find(kmip::spec::tag::batch_item);
      if (!item) continue;
      auto o = item->find(kmip::spec::tag::operation);
      if (o && o->as_enumeration() == static_cast<std::uint32_t>(op)) return m.bytes;
    }
  }
  throw std::runtime_error("no such message in the captures");
}

void decode_bench(benchmark::State& state, const std::vector<std::uint8_t>& bytes) {
  for (auto _ : state) {
    auto t = kmip::ttlv::decode_message(bytes);
    benchmark::DoNotOptimize(t);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes.size()));
}

void encode_bench(benchmark::State& state, const std::vector<std::uint8_t>& bytes) {
  const tree t = *kmip::ttlv::decode_message(bytes);
  common::secure_bytes out;
  for (auto _ : state) {
    out.clear();
    auto r = kmip::ttlv::encode_into(t.root(), out);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes.size()));
}

void BM_TtlvDecode_VcenterCreateRequest(benchmark::State& s) {
  static const auto m = captured(true, kmip::spec::operation::create);
  decode_bench(s, m);
}
void BM_TtlvEncode_VcenterCreateRequest(benchmark::State& s) {
  static const auto m = captured(true, kmip::spec::operation::create);
  encode_bench(s, m);
}
void BM_TtlvDecode_VcenterGetResponse(benchmark::State& s) {
  static const auto m = captured(false, kmip::spec::operation::get);
  decode_bench(s, m);
}
void BM_TtlvEncode_VcenterGetResponse(benchmark::State& s) {
  static const auto m = captured(false, kmip::spec::operation::get);
  encode_bench(s, m);
}

// The typed layer on top: bytes -> typed message and back, the full cost a server or client pays.
void BM_ModelDecode_VcenterCreateRequest(benchmark::State& s) {
  static const auto m = captured(true, kmip::spec::operation::create);
  for (auto _ : s) {
    auto r = kmip::model::request_from_bytes(m);
    benchmark::DoNotOptimize(r);
  }
  s.SetItemsProcessed(s.iterations());
  s.SetBytesProcessed(s.iterations() * static_cast<std::int64_t>(m.size()));
}
void BM_ModelEncode_VcenterCreateRequest(benchmark::State& s) {
  static const auto m = captured(true, kmip::spec::operation::create);
  const auto message = *kmip::model::request_from_bytes(m);
  for (auto _ : s) {
    auto r = kmip::model::to_bytes(message);
    benchmark::DoNotOptimize(r);
  }
  s.SetItemsProcessed(s.iterations());
  s.SetBytesProcessed(s.iterations() * static_cast<std::int64_t>(m.size()));
}
void BM_ModelDecode_VcenterGetResponse(benchmark::State& s) {
  static const auto m = captured(false, kmip::spec::operation::get);
  for (auto _ : s) {
    auto r = kmip::model::response_from_bytes(m);
    benchmark::DoNotOptimize(r);
  }
  s.SetItemsProcessed(s.iterations());
  s.SetBytesProcessed(s.iterations() * static_cast<std::int64_t>(m.size()));
}
void BM_ModelEncode_VcenterGetResponse(benchmark::State& s) {
  static const auto m = captured(false, kmip::spec::operation::get);
  const auto message = *kmip::model::response_from_bytes(m);
  for (auto _ : s) {
    auto r = kmip::model::to_bytes(message);
    benchmark::DoNotOptimize(r);
  }
  s.SetItemsProcessed(s.iterations());
  s.SetBytesProcessed(s.iterations() * static_cast<std::int64_t>(m.size()));
}

BENCHMARK(BM_TtlvDecode_VcenterCreateRequest);
BENCHMARK(BM_TtlvEncode_VcenterCreateRequest);
BENCHMARK(BM_TtlvDecode_VcenterGetResponse);
BENCHMARK(BM_TtlvEncode_VcenterGetResponse);
BENCHMARK(BM_ModelDecode_VcenterCreateRequest);
BENCHMARK(BM_ModelEncode_VcenterCreateRequest);
BENCHMARK(BM_ModelDecode_VcenterGetResponse);
BENCHMARK(BM_ModelEncode_VcenterGetResponse);

}  // namespace

BENCHMARK_MAIN();
