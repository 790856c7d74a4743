// The load generator: see load_generator.hpp for the model (closed and open loop, warm-up, bounded waits).
#include "bench/load_generator.hpp"

#include <sched.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "kmip/client/client.hpp"
#include "kmip/client/typed.hpp"
#include "vcenter_sim/key_provider.hpp"

namespace kmiph::bench {
namespace {

using clock = std::chrono::steady_clock;

constexpr std::string_view profile_names[] = {"get", "create", "vcenter-power-on", "vcenter-encrypt", "mix"};

// What one task came to.
struct outcome {
  bool ok = true;
  bool timeout = false;
  std::string reason;   // errors_by_reason key
  std::string message;  // the full error
  std::uint64_t handshakes = 0;
  std::string_view operation;
};

outcome failure_of(const kmip::client::client_error& e) {
  outcome o;
  o.ok = false;
  o.message = e.to_string();
  if (e.category == kmip::client::errc::operation_failed && e.result_reason) {
    o.reason = std::string(kmip::spec::name_of(*e.result_reason));
  } else if (e.category == kmip::client::errc::operation_failed) {
    o.reason = "operation failed (no Result Reason)";
  } else {
    o.timeout = e.category == kmip::client::errc::timeout;
    o.reason = std::string(kmip::client::to_string(e.category));
  }
  return o;
}

outcome failure_of(const vcenter_sim::kms_error& e) {
  outcome o;
  o.ok = false;
  o.message = e.to_string();
  if (e.reason) {
    o.reason = std::string(kmip::spec::name_of(*e.reason));
  } else if (e.message.find("timeout") != std::string::npos) {
    // The provider folds transport failures into KeyStateClusterUnreachable; its message keeps the client's
    // category ("kms: timeout: ...").
    o.timeout = true;
    o.reason = "timeout";
  } else {
    o.reason = std::string(vcenter_sim::to_string(e.state));
  }
  return o;
}

kmip::client::connection_options connection_options_of(const options& o,
                                                        std::chrono::microseconds busy_poll = std::chrono::microseconds{0}) {
  kmip::client::connection_options co;
  co.busy_poll = busy_poll;
  co.host = o.host;
  co.port = o.port;
  co.tls = o.tls;
  co.connect_timeout = o.timeout;
  co.io_timeout = o.timeout;
  co.close_timeout = std::min(o.timeout, std::chrono::milliseconds{1000});
  return co;
}

// Everything the workers of one interval share; read-only but for the atomics.
struct interval {
  const options& o;
  const kmip::net::tls_context_ptr& tls;
  const std::vector<std::string>& keys;
  progress* live;
  clock::time_point start;         // warm-up begins
  clock::time_point measure_from;  // warm-up ends
  clock::time_point end;
  std::optional<clock::duration> period;  // open loop: time between due tasks over all workers
  std::chrono::microseconds busy_poll{0};
  std::atomic<std::uint64_t> next_due{0};
};

// One worker: its connections, its random source, its share of the figures.
class worker {
 public:
  worker(interval& iv, unsigned index) : iv_(iv), rng_(iv.o.seed * 1000003u + index * 7919u + iv.o.connections.size()) {
    if (is_vcenter(iv.o.profile)) {
      vcenter_sim::key_provider_options po;
      po.name = "bench";
      po.servers = {{"kms", iv.o.host, iv.o.port}};
      po.tls = iv.o.tls;
      po.profile = vcenter_sim::profile::vcenter_7_0;
      po.connect_timeout = iv.o.timeout;
      po.io_timeout = iv.o.timeout;
      po.busy_poll = iv.busy_poll;
      provider_ = std::make_unique<vcenter_sim::key_provider>(std::move(po));
      provider_->set_recorder([this](const vcenter_sim::wire_event& e) {
        if (e.what == vcenter_sim::wire_event::kind::connected) ++handshakes_;
      });
    }
  }

  void run() {
    for (;;) {
      clock::time_point due;
      if (iv_.period) {
        const std::uint64_t n = iv_.next_due.fetch_add(1);
        due = iv_.start + *iv_.period * static_cast<std::int64_t>(n);
        if (due >= iv_.end || clock::now() >= iv_.end) break;
        std::this_thread::sleep_until(due);
      } else {
        due = clock::now();
        if (due >= iv_.end) break;
      }
      handshakes_ = 0;
      outcome r = task();
      const auto done = clock::now();
      if (due < iv_.measure_from) continue;  // warm-up
      last_done_ = std::max(last_done_, done);
      account(r, static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(done - due).count()));
    }
    if (client_) client_->conn().close();
  }

  point figures;
  clock::time_point last_done_{};

 private:
  void account(outcome& r, std::uint64_t ns) {
    ++figures.tasks;
    figures.handshakes += r.handshakes;
    if (r.ok) {
      ++figures.ok;
      figures.latency.record(ns);
      auto& op = figures.operations[std::string(r.operation)];
      ++op.ok;
      op.latency.record(ns);
    } else {
      ++figures.errors;
      if (r.timeout) ++figures.timeouts;
      ++figures.errors_by_reason[r.reason];
      if (figures.first_error.empty()) figures.first_error = std::string(r.operation) + ": " + r.message;
      if (iv_.live) ++iv_.live->errors;
      if (iv_.live && r.timeout) ++iv_.live->timeouts;
    }
    if (iv_.live) ++iv_.live->tasks;
  }

  const std::string& random_key() {
    std::uniform_int_distribution<std::size_t> pick(0, iv_.keys.size() - 1);
    return iv_.keys[pick(rng_)];
  }

  outcome task() {
    switch (iv_.o.profile) {
      case profile::get:
        return single(false);
      case profile::create:
        return single(true);
      case profile::mix:
        return single(std::uniform_int_distribution<int>(0, 9)(rng_) == 0);
      case profile::vcenter_power_on: {
        auto k = provider_->fetch_key(random_key());
        outcome r = k ? outcome{} : failure_of(k.error());
        r.handshakes = handshakes_;
        r.operation = "vcenter-power-on";
        return r;
      }
      case profile::vcenter_encrypt: {
        vcenter_sim::key_tags tags{"bench-vm-" + std::to_string(rng_()), "Virtual Machine", "bench-vm"};
        auto k = provider_->generate_key(tags);
        outcome r = k ? outcome{} : failure_of(k.error());
        r.handshakes = handshakes_;
        r.operation = "vcenter-encrypt";
        return r;
      }
    }
    return {};
  }

  // Get or Create on the worker's connection (persistent), or on a new one (per task).
  outcome single(bool create) {
    const std::string_view op = create ? "create" : "get";
    outcome r;
    if (iv_.o.mode == connection_mode::per_task || !client_ || !client_->conn().is_open()) {
      client_.emplace(kmip::client::connection(connection_options_of(iv_.o, iv_.busy_poll), iv_.tls));
      if (auto c = client_->conn().connect(); !c) {
        r = failure_of(c.error());
        r.operation = op;
        client_.reset();
        return r;
      }
      r.handshakes = 1;
    }
    kmip::client::typed_client t(*client_);
    if (create) {
      if (auto id = t.create_symmetric_key(); !id) r = failure_of(id.error()), r.handshakes = 0;
    } else {
      if (auto k = t.get(random_key()); !k) r = failure_of(k.error()), r.handshakes = 0;
    }
    r.operation = op;
    if (iv_.o.mode == connection_mode::per_task) {
      client_->conn().close();
      client_.reset();
    }
    return r;
  }

  interval& iv_;
  std::mt19937_64 rng_;
  std::optional<kmip::client::client> client_;
  std::unique_ptr<vcenter_sim::key_provider> provider_;
  std::uint64_t handshakes_ = 0;
};

// Creates and activates the key set over one connection (Activate so that the vCenter fetch is Get +
// GetAttributes(State), as for a VM whose key is in use).
common::expected<std::vector<std::string>, std::string> make_keys(const options& o, const kmip::net::tls_context_ptr& tls,
                                                                  std::string& tls_session) {
  kmip::client::client c(kmip::client::connection(connection_options_of(o), tls));
  if (auto r = c.conn().connect(); !r)
    return common::unexpected{"set-up: cannot connect to " + o.host + ":" + std::to_string(o.port) + ": " +
                              r.error().to_string()};
  tls_session = c.conn().tls_session();
  kmip::client::typed_client t(c);
  std::vector<std::string> keys;
  keys.reserve(o.keys);
  for (std::size_t i = 0; i < o.keys; ++i) {
    auto id = t.create_symmetric_key();
    if (!id) return common::unexpected{"set-up: Create of key " + std::to_string(i + 1) + " failed: " + id.error().to_string()};
    if (auto a = t.activate(*id); !a)
      return common::unexpected{"set-up: Activate " + *id + " failed: " + a.error().to_string()};
    keys.push_back(std::move(*id));
  }
  c.conn().close();
  return keys;
}

}  // namespace

std::string_view to_string(profile p) noexcept { return profile_names[static_cast<std::size_t>(p)]; }

std::optional<profile> parse_profile(std::string_view s) noexcept {
  for (std::size_t i = 0; i < std::size(profile_names); ++i)
    if (profile_names[i] == s) return static_cast<profile>(i);
  return std::nullopt;
}

bool is_vcenter(profile p) noexcept { return p == profile::vcenter_power_on || p == profile::vcenter_encrypt; }

unsigned usable_cpus() noexcept {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) return static_cast<unsigned>(CPU_COUNT(&set));
  return std::thread::hardware_concurrency();
}

std::chrono::microseconds busy_poll_at(const options& o, unsigned connections, unsigned hardware_threads) noexcept {
  if (o.busy_poll) return *o.busy_poll;
  return std::uint64_t{connections} * 2 <= hardware_threads ? std::chrono::microseconds{50} : std::chrono::microseconds{0};
}

std::string_view to_string(connection_mode m) noexcept {
  return m == connection_mode::persistent ? "persistent" : "per-task";
}

common::expected<result, std::string> run(const options& o, progress* live) {
  auto tls = kmip::net::make_client_context(o.tls);
  if (!tls) return common::unexpected{"TLS: " + tls.error().message};
  result out;
  const auto setup_start = clock::now();
  std::vector<std::string> keys;
  if (o.profile != profile::create && o.profile != profile::vcenter_encrypt) {
    auto k = make_keys(o, *tls, out.tls_session);
    if (!k) return common::unexpected{std::move(k).error()};
    keys = std::move(*k);
  } else {
    kmip::client::connection probe(connection_options_of(o), *tls);
    if (auto r = probe.connect(); !r)
      return common::unexpected{"set-up: cannot connect to " + o.host + ":" + std::to_string(o.port) + ": " +
                                r.error().to_string()};
    out.tls_session = probe.tls_session();
    probe.close();
  }
  out.keys = keys.size();
  out.setup_seconds = std::chrono::duration<double>(clock::now() - setup_start).count();

  for (unsigned n : o.connections) {
    interval iv{o, *tls, keys, live, {}, {}, {}, {}, busy_poll_at(o, n, usable_cpus()), {}};
    if (o.rate)
      iv.period = std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(1.0 / *o.rate));
    std::vector<std::unique_ptr<worker>> workers;
    for (unsigned i = 0; i < n; ++i) workers.push_back(std::make_unique<worker>(iv, i));
    if (live) {
      live->connections = n;
      live->tasks = 0;
      live->errors = 0;
      live->timeouts = 0;
      live->warming = o.warmup.count() > 0;
    }
    iv.start = clock::now();
    iv.measure_from = iv.start + o.warmup;
    iv.end = iv.measure_from + o.duration;
    {
      std::vector<std::jthread> threads;
      for (auto& w : workers) threads.emplace_back([&w] { w->run(); });
      if (live && o.warmup.count() > 0) {
        std::this_thread::sleep_until(iv.measure_from);  // the progress line's phase, not synchronisation
        live->warming = false;
      }
    }
    point p;
    p.connections = n;
    p.busy_poll = iv.busy_poll;
    clock::time_point last = iv.end;
    for (auto& w : workers) {
      const point& f = w->figures;
      p.tasks += f.tasks;
      p.ok += f.ok;
      p.errors += f.errors;
      p.timeouts += f.timeouts;
      p.handshakes += f.handshakes;
      p.latency.merge(f.latency);
      for (const auto& [k, v] : f.errors_by_reason) p.errors_by_reason[k] += v;
      for (const auto& [k, v] : f.operations) {
        p.operations[k].ok += v.ok;
        p.operations[k].latency.merge(v.latency);
      }
      if (p.first_error.empty()) p.first_error = f.first_error;
      last = std::max(last, w->last_done_);
    }
    // Tasks that finished after the interval's end were still measured; the throughput divides by the time
    // until the last of them finished.
    p.seconds = std::chrono::duration<double>(last - iv.measure_from).count();
    if (o.rate) {
      const auto due = static_cast<std::uint64_t>(std::ceil(std::chrono::duration<double>(o.duration).count() * *o.rate));
      p.late = due > p.tasks ? due - p.tasks : 0;
    }
    out.points.push_back(std::move(p));
  }
  return out;
}

}  // namespace kmiph::bench
