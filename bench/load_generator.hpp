// The KEK-throughput load generator behind `kmip-harness bench` (docs/benchmarks.md). It reaches the KMS only over
// the wire, with kmip/client for the single-operation profiles and vcenter_sim's key_provider for the vCenter
// conversations, so the messages are exactly those the simulated vCenter sends.
//
// A run: set-up (create and activate `keys` AES-256 keys over one connection), then for each concurrency of the
// sweep a warm-up followed by the measured interval, `connections` workers in parallel. A worker is a thread with
// blocking connections: the measured KMS, not the generator, must be the bottleneck, and a handful of threads per
// core costs less than a KMS's TLS work per request (the TLS ceiling of docs/benchmarks.md measures the generator
// and the TLS stack alone, with the same workers). While the workers leave CPUs to spare, each spins briefly for
// its response instead of sleeping (busy_poll_at), so that a fast KMS is not charged for waking the generator.
//
// Closed loop (rate unset): each worker sends its next task as soon as the previous one is answered; latency is
// from send to answer. Open loop (rate R tasks/s over all workers): task n is due at start + n/R; a worker takes
// the next due task, waits for its time if early, and its latency is measured from the time it was DUE, not the
// time it was sent, so a KMS that falls behind is charged for the queue it causes (no coordinated omission).
// Tasks still not sent when the interval ends are counted as `late`.
//
// Every wait is bounded: each exchange and connect by `timeout`; a stalled KMS shows up as timeouts and the run
// ends at most one `timeout` after each interval.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/histogram.hpp"
#include "common/expected.hpp"
#include "kmip/net/tls_context.hpp"

namespace kmiph::bench {

enum class profile : std::uint8_t {
  get,               // Get of a random key of the key set (a host fetching a KEK)
  create,            // Create of an AES-256 key (durable: acknowledged only once stored)
  vcenter_power_on,  // vCenter's per-VM fetch: new TLS connection, Discover Versions, Get, GetAttributes(State)
  vcenter_encrypt,   // vCenter's key creation: Create, product tagging, fetch, identity tagging (4 connections)
  mix,               // 90% get, 10% create, on the same connections
};
std::string_view to_string(profile p) noexcept;  // "vcenter-power-on"
std::optional<profile> parse_profile(std::string_view s) noexcept;
bool is_vcenter(profile p) noexcept;  // the vCenter profiles open a connection per task, as vCenter does

enum class connection_mode : std::uint8_t {
  persistent,  // each worker keeps one connection (reconnecting after a failure)
  per_task,    // a new TLS connection per task (always so for the vCenter profiles)
};
std::string_view to_string(connection_mode m) noexcept;

struct options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 5696;
  kmip::net::client_tls_options tls;
  bench::profile profile = profile::get;
  connection_mode mode = connection_mode::persistent;
  std::vector<unsigned> connections{1};  // the concurrency sweep, one measured interval per entry
  std::optional<double> rate;            // open loop: tasks/s offered over all workers; unset: closed loop
  std::chrono::milliseconds warmup{2000};
  std::chrono::milliseconds duration{10000};
  std::size_t keys = 100;  // the key set Get and the vCenter fetch pick from (uniformly, seeded)
  std::chrono::milliseconds timeout{5000};
  std::uint64_t seed = 1;
  // The workers' busy polling while they wait for a response (kmip::client::connection_options::busy_poll).
  // Unset: automatic, see busy_poll_at.
  std::optional<std::chrono::microseconds> busy_poll;
};

// The busy polling the workers of an interval with `connections` workers use: `o.busy_poll` when set; otherwise
// 50 us while the workers leave at least half the hardware threads they may use to others (connections * 2 <=
// hardware_threads), and none beyond. A worker that sleeps until its response arrives is woken by an
// inter-processor interrupt, which on a VM costs about as much as a fast KMS's whole answer: with a CPU to spare
// the generator should not charge that to the KMS; without one, spinning would take the KMS's CPU.
std::chrono::microseconds busy_poll_at(const options& o, unsigned connections, unsigned hardware_threads) noexcept;
// The hardware threads this process may run on (its CPU affinity, as taskset sets it), which run() gives
// busy_poll_at.
unsigned usable_cpus() noexcept;

// Live counters, read by the progress line while workers write them.
struct progress {
  std::atomic<unsigned> connections{0};
  std::atomic<bool> warming{false};
  std::atomic<std::uint64_t> tasks{0};   // measured tasks completed (ok or not)
  std::atomic<std::uint64_t> errors{0};  // of which failed (timeouts included)
  std::atomic<std::uint64_t> timeouts{0};
};

// The figures of one operation kind (the mix has two; the others one).
struct operation_figures {
  std::uint64_t ok = 0;
  histogram latency;  // ns, successful tasks only
};

// The figures of one measured interval.
struct point {
  unsigned connections = 0;
  double seconds = 0;            // the measured interval's length
  std::uint64_t tasks = 0;       // completed (ok + errors)
  std::uint64_t ok = 0;
  std::uint64_t errors = 0;      // every failed task, timeouts included
  std::uint64_t timeouts = 0;
  std::uint64_t late = 0;        // open loop: due within the interval but not sent by its end
  std::uint64_t handshakes = 0;  // TLS connections opened during the interval
  std::chrono::microseconds busy_poll{0};  // the workers' busy polling (busy_poll_at)
  std::map<std::string, std::uint64_t> errors_by_reason;  // "Item Not Found", "timeout", "connect", ...
  std::string first_error;                                // one full message, for the report
  histogram latency;                                      // ns, successful tasks
  std::map<std::string, operation_figures> operations;    // per kind ("get", "create", "vcenter-power-on")
  double ops_per_second() const { return seconds > 0 ? static_cast<double>(ok) / seconds : 0; }
  double handshakes_per_second() const { return seconds > 0 ? static_cast<double>(handshakes) / seconds : 0; }
};

struct result {
  std::vector<point> points;
  double setup_seconds = 0;
  std::size_t keys = 0;
  std::string tls_session;  // "TLSv1.3 TLS_AES_256_GCM_SHA384", from the set-up connection
};

// Runs the sweep. The error (set-up failed: no TLS files, KMS unreachable, keys not created) says what and where;
// failures during the measured intervals are results, not errors. `live` (optional) is updated as tasks finish.
common::expected<result, std::string> run(const options& o, progress* live = nullptr);

}  // namespace kmiph::bench
