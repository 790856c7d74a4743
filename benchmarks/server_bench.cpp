// Micro benchmarks of kmipd's hot paths without a network: the engine's bytes-in/bytes-out entry for Get and Create
// (over the memory store, over SQLite behind the cache of hot objects, and a durable Create on SQLite), the
// stores' insert and lookup, and AES key wrap (kmipd's RFC 3394/5649 and esxi_sim's RFC 5649 DEK wrap).
// A SQLite insert is one transaction with synchronous=FULL: one fsync of the WAL, which is what bounds durable
// Create; BM_FsyncAppend and BM_FsyncOverwrite measure a bare fdatasync on the same file system for comparison.
// The files live under $KMIPH_BENCH_DIR, or the temp folder (set it to the disk kmipd uses: /tmp may be a RAM
// disk).
// Compare runs as ratios, never as bare times.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "esxi_sim/key_wrap.hpp"
#include "kmip/model/message.hpp"
#include "server/core/audit.hpp"
#include "server/core/engine.hpp"
#include "server/core/key_wrap.hpp"
#include "server/core/memory_store.hpp"
#include "server/store/caching_store.hpp"
#include "server/store/sqlite_store.hpp"

namespace {

namespace fs = std::filesystem;
namespace model = kmip::model;
using namespace kmipd;

// The benchmarks audit nothing: a file audit adds its own write (and, for Create, its own fdatasync).
class null_audit final : public core::audit_sink {
 public:
  void record(const core::audit_record&) noexcept override {}
};

fs::path bench_dir() {
  static const fs::path dir = [] {
    const char* env = std::getenv("KMIPH_BENCH_DIR");
    fs::path d = fs::path(env ? env : fs::temp_directory_path().string()) /
                 ("kmiph-server-bench-" + std::to_string(::getpid()));
    fs::create_directories(d);
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(fs::path(std::getenv("KMIPH_BENCH_DIR") ? std::getenv("KMIPH_BENCH_DIR")
                                                              : fs::temp_directory_path().string()) /
                         ("kmiph-server-bench-" + std::to_string(::getpid())),
                     ec);
    });
    return d;
  }();
  return dir;
}

std::unique_ptr<core::object_store> sqlite(const std::string& name) {
  const fs::path dir = bench_dir() / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto s = store::sqlite_store::open({dir / "kmipd.sqlite", dir / "master.key"});
  if (!s) throw std::runtime_error(s.error().message);
  return std::move(*s);
}

common::secure_bytes bytes_of(model::request_message m) {
  m.header.protocol_version = {1, 1};
  auto b = model::to_bytes(m);
  if (!b) throw std::runtime_error(b.error().to_string());
  return std::move(*b);
}

common::secure_bytes create_request() {
  model::create_request r;
  r.object_type = kmip::spec::object_type::symmetric_key;
  r.template_attribute.attributes = {model::attr::cryptographic_algorithm(kmip::spec::cryptographic_algorithm::aes),
                                     model::attr::cryptographic_length(256),
                                     model::attr::cryptographic_usage_mask(kmip::spec::cryptographic_usage_mask::encrypt |
                                                                           kmip::spec::cryptographic_usage_mask::decrypt)};
  model::request_message m;
  m.batch_items.push_back(model::make_request_item(std::move(r)));
  return bytes_of(std::move(m));
}

common::secure_bytes get_request(const std::string& id) {
  model::get_request g;
  g.unique_identifier = id;
  model::request_message m;
  m.batch_items.push_back(model::make_request_item(std::move(g)));
  return bytes_of(std::move(m));
}

const core::request_context ctx{"vcenter", "127.0.0.1:50000", "bench"};

std::unique_ptr<core::engine> make_engine(std::unique_ptr<core::object_store> s) {
  return std::make_unique<core::engine>(core::engine_options{}, std::move(s),
                                        core::environment::production(std::make_shared<null_audit>()));
}

// The Unique Identifier of the key a Create response names.
std::string created(core::engine& e) {
  auto r = model::response_from_bytes(e.handle_bytes(create_request(), ctx));
  if (!r || r->batch_items.empty() || !r->batch_items[0].payload) throw std::runtime_error("Create failed");
  return std::get<model::create_response>(*r->batch_items[0].payload).unique_identifier;
}

void get_loop(benchmark::State& state, core::engine& e, const common::secure_bytes& request) {
  for (auto _ : state) {
    auto response = e.handle_bytes(request, ctx);
    benchmark::DoNotOptimize(response.data());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_EngineGet_MemoryStore(benchmark::State& state) {
  static auto e = make_engine(std::make_unique<core::memory_store>());
  static const auto request = get_request(created(*e));
  (void)e->handle_bytes(request, ctx);  // the first Get clears Fresh (a write); measure the steady state
  get_loop(state, *e, request);
}
BENCHMARK(BM_EngineGet_MemoryStore)->Threads(1)->Threads(2)->UseRealTime();

void BM_EngineGet_SqliteCached(benchmark::State& state) {
  static auto e = make_engine(std::make_unique<store::caching_store>(sqlite("get-cached"), 10000));
  static const auto request = get_request(created(*e));
  (void)e->handle_bytes(request, ctx);
  get_loop(state, *e, request);
}
BENCHMARK(BM_EngineGet_SqliteCached)->Threads(1)->Threads(2)->UseRealTime();

void BM_EngineGet_SqliteUncached(benchmark::State& state) {
  static auto e = make_engine(sqlite("get-uncached"));
  static const auto request = get_request(created(*e));
  (void)e->handle_bytes(request, ctx);
  get_loop(state, *e, request);
}
BENCHMARK(BM_EngineGet_SqliteUncached)->Threads(1)->UseRealTime();

void BM_EngineCreate_MemoryStore(benchmark::State& state) {
  auto e = make_engine(std::make_unique<core::memory_store>());
  const auto request = create_request();
  for (auto _ : state) {
    auto response = e->handle_bytes(request, ctx);
    benchmark::DoNotOptimize(response.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EngineCreate_MemoryStore);

// Durable: the response is produced only after SQLite's commit (WAL fsync) returned.
void BM_EngineCreate_SqliteDurable(benchmark::State& state) {
  auto e = make_engine(sqlite("create"));
  const auto request = create_request();
  for (auto _ : state) {
    auto response = e->handle_bytes(request, ctx);
    benchmark::DoNotOptimize(response.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EngineCreate_SqliteDurable)->UseRealTime();

core::stored_object record(std::uint64_t n) {
  core::stored_object o;
  o.id = "bench-" + std::to_string(n);
  o.owner = "vcenter";
  o.attributes = {model::attr::cryptographic_algorithm(kmip::spec::cryptographic_algorithm::aes),
                  model::attr::cryptographic_length(256), model::attr::state(kmip::spec::state::active)};
  o.key_material = common::secure_bytes(32, 0x11);
  return o;
}

void BM_StoreInsert_Sqlite(benchmark::State& state) {
  auto s = sqlite("insert");
  std::uint64_t n = 0;
  for (auto _ : state)
    if (!s->put(record(n++))) state.SkipWithError("insert failed");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StoreInsert_Sqlite)->UseRealTime();

void BM_StoreInsert_Memory(benchmark::State& state) {
  core::memory_store s;
  std::uint64_t n = 0;
  for (auto _ : state)
    if (!s.put(record(n++))) state.SkipWithError("insert failed");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StoreInsert_Memory);

template <bool Cached>
void store_lookup(benchmark::State& state) {
  std::unique_ptr<core::object_store> s = sqlite(Cached ? "lookup-cached" : "lookup");
  if (Cached) s = std::make_unique<store::caching_store>(std::move(s), 10000);
  constexpr std::uint64_t keys = 1000;
  for (std::uint64_t i = 0; i < keys; ++i) (void)s->put(record(i));
  std::uint64_t n = 0;
  for (auto _ : state) {
    auto r = s->get("bench-" + std::to_string(n++ % keys));
    if (!r || !*r) state.SkipWithError("lookup failed");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_StoreLookup_Sqlite(benchmark::State& s) { store_lookup<false>(s); }
void BM_StoreLookup_SqliteCached(benchmark::State& s) { store_lookup<true>(s); }
BENCHMARK(BM_StoreLookup_Sqlite);
BENCHMARK(BM_StoreLookup_SqliteCached);

// What one durable commit costs at least, on the file system of the stores above: a 4 KiB page rewritten in place
// and fdatasync'd (a preallocated log), and a 4 KiB append and fdatasync (a growing log, as SQLite's WAL between
// checkpoints: the file's size changes, so the file system journals its metadata too).
template <bool Append>
void fsync_loop(benchmark::State& state) {
  const fs::path f = bench_dir() / (Append ? "fsync-append.bin" : "fsync-overwrite.bin");
  const int fd = ::open(f.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  std::vector<char> page(4096, 'x');
  if (fd < 0 || ::pwrite(fd, page.data(), page.size(), 0) != static_cast<ssize_t>(page.size()) || ::fsync(fd) != 0)
    state.SkipWithError("cannot prepare the file");
  off_t at = 0;
  for (auto _ : state) {
    if (Append) at += static_cast<off_t>(page.size());
    if (::pwrite(fd, page.data(), page.size(), at) != static_cast<ssize_t>(page.size())) state.SkipWithError("write");
    ::fdatasync(fd);
  }
  ::close(fd);
  state.SetItemsProcessed(state.iterations());
}
void BM_FsyncOverwrite(benchmark::State& s) { fsync_loop<false>(s); }
void BM_FsyncAppend(benchmark::State& s) { fsync_loop<true>(s); }
BENCHMARK(BM_FsyncOverwrite)->UseRealTime();
BENCHMARK(BM_FsyncAppend)->UseRealTime();

void BM_KeyWrap_Kmipd_RFC3394(benchmark::State& state) {
  const std::vector<std::uint8_t> kek(32, 0x42), key(32, 0x24);
  for (auto _ : state) {
    auto w = core::aes_key_wrap(kek, key, core::aes_wrap_mode::rfc3394);
    benchmark::DoNotOptimize(w);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_KeyWrap_Kmipd_RFC3394);

// esxi_sim's DEK wrap: a 512-bit XTS key under the 256-bit KEK (RFC 5649), and back.
void BM_KeyWrap_EsxiDek_RFC5649(benchmark::State& state) {
  const std::vector<std::uint8_t> kek(32, 0x42), dek(64, 0x24);
  for (auto _ : state) {
    auto w = esxi_sim::wrap_key(kek, dek);
    benchmark::DoNotOptimize(w);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_KeyWrap_EsxiDek_RFC5649);

void BM_KeyUnwrap_EsxiDek_RFC5649(benchmark::State& state) {
  const std::vector<std::uint8_t> kek(32, 0x42), dek(64, 0x24);
  const auto wrapped = *esxi_sim::wrap_key(kek, dek);
  for (auto _ : state) {
    auto k = esxi_sim::unwrap_key(kek, wrapped);
    benchmark::DoNotOptimize(k);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_KeyUnwrap_EsxiDek_RFC5649);

}  // namespace

BENCHMARK_MAIN();
