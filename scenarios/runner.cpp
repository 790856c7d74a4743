// The scenario runner: see runner.hpp and docs/scenario-runner.md.
#include "scenarios/runner.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <ostream>
#include <set>
#include <sstream>
#include <system_error>
#include <thread>
#include <unistd.h>

#include "common/random.hpp"
#include "esxi_sim/sealed_stream.hpp"
#include "kmip/client/client.hpp"
#include "kmip/client/typed.hpp"
#include "kmip/model/message.hpp"
#include "kmip/spec/spec.hpp"
#include "kmip/ttlv/reader.hpp"
#include "kmip/ttlv/text.hpp"
#include "vcenter_sim/key_provider.hpp"
#include "vcenter_sim/vcenter.hpp"

namespace scenarios {

// ---- external KMS ----------------------------------------------------------------------------------------------

namespace {

class external_kms final : public kms_backend {
 public:
  external_kms(std::string host, std::uint16_t port, kmip::net::client_tls_options tls, std::vector<std::string> servers)
      : host_(std::move(host)), port_(port), tls_(std::move(tls)), servers_(std::move(servers)) {
    if (servers_.empty()) servers_.push_back("kms-1");
  }
  std::vector<kms_endpoint> endpoints() const override {
    std::vector<kms_endpoint> out;
    for (const auto& n : servers_) out.push_back({n, host_, port_});
    return out;
  }
  kmip::net::client_tls_options tls() const override { return tls_; }
  std::string describe() const override { return "external KMS " + host_ + ":" + std::to_string(port_); }
  bool controllable(std::string& why) const override {
    why = "the KMS is external (--kms " + host_ + ":" + std::to_string(port_) + "): the harness cannot stop, start or "
          "partition it";
    return false;
  }
  common::expected<void, std::string> stop(std::size_t) override { return refuse(); }
  common::expected<void, std::string> start(std::size_t) override { return refuse(); }
  common::expected<void, std::string> partition(std::size_t) override { return refuse(); }
  common::expected<void, std::string> heal(std::size_t) override { return refuse(); }

 private:
  static common::expected<void, std::string> refuse() {
    return common::unexpected<std::string>("not possible on an external KMS");
  }
  std::string host_;
  std::uint16_t port_;
  kmip::net::client_tls_options tls_;
  std::vector<std::string> servers_;
};

}  // namespace

std::unique_ptr<kms_backend> make_external_kms(std::string host, std::uint16_t port,
                                               kmip::net::client_tls_options tls, std::vector<std::string> servers) {
  return std::make_unique<external_kms>(std::move(host), port, std::move(tls), std::move(servers));
}

namespace {

using clock_type = std::chrono::steady_clock;
using vcenter_sim::vcenter;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

std::string format_duration(double s) {
  char b[32];
  if (s < 1) std::snprintf(b, sizeof b, "%.0f ms", s * 1000);
  else std::snprintf(b, sizeof b, "%.2f s", s);
  return b;
}

// ---- guest data patterns ----------------------------------------------------------------------------------------

std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Byte `x` (absolute disk offset) of pattern `p`: the same byte wherever a write of that pattern covers x.
void fill_pattern(std::uint64_t seed, std::uint64_t p, std::uint64_t offset, std::span<std::uint8_t> out) {
  std::uint64_t word_index = ~0ull, word = 0;
  for (std::size_t k = 0; k < out.size(); ++k) {
    const std::uint64_t x = offset + k;
    if (x / 8 != word_index) {
      word_index = x / 8;
      word = splitmix(seed * 0x100000001b3ull ^ splitmix(p) ^ word_index);
    }
    out[k] = static_cast<std::uint8_t>(word >> ((x % 8) * 8));
  }
}

struct write_record {
  std::uint64_t offset = 0, length = 0, pattern = 0;
};

// What the guest should read at [offset, offset+length): the writes applied in order.
std::vector<std::uint8_t> expected_bytes(std::uint64_t seed, const std::vector<write_record>& writes,
                                         std::uint64_t offset, std::uint64_t length, bool& covered) {
  std::vector<std::uint8_t> out(length, 0);
  std::vector<bool> set(length, false);
  for (const auto& w : writes) {
    const auto lo = std::max(offset, w.offset), hi = std::min(offset + length, w.offset + w.length);
    if (lo >= hi) continue;
    fill_pattern(seed, w.pattern, lo, std::span<std::uint8_t>(out.data() + (lo - offset), hi - lo));
    std::fill(set.begin() + static_cast<std::ptrdiff_t>(lo - offset), set.begin() + static_cast<std::ptrdiff_t>(hi - offset), true);
  }
  covered = std::all_of(set.begin(), set.end(), [](bool b) { return b; });
  return out;
}

// FNV-1a over every file name and content of a VM folder: "unchanged on disk".
std::uint64_t folder_digest(const std::filesystem::path& dir) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&](const char* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) h = (h ^ static_cast<std::uint8_t>(p[i])) * 0x100000001b3ull;
  };
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<char> buf(1 << 16);
  for (const auto& f : files) {
    const auto name = f.filename().string();
    mix(name.data(), name.size());
    std::ifstream in(f, std::ios::binary);
    while (in) {
      in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      mix(buf.data(), static_cast<std::size_t>(in.gcount()));
    }
  }
  return h;
}

// ---- vocabulary ---------------------------------------------------------------------------------------------------

key_state to_scenario(vcenter_sim::key_state k) {
  switch (k) {
    case vcenter_sim::key_state::available: return key_state::available;
    case vcenter_sim::key_state::missing_in_kms: return key_state::KeyStateMissingInKMS;
    case vcenter_sim::key_state::not_active_or_enabled: return key_state::KeyStateNotActiveOrEnabled;
    case vcenter_sim::key_state::cluster_unreachable: return key_state::KeyStateClusterUnreachable;
    case vcenter_sim::key_state::missing_in_cache: return key_state::KeyStateMissingInCache;
  }
  return key_state::available;
}

vm_state to_scenario(vcenter_sim::vm_state s) {
  switch (s) {
    case vcenter_sim::vm_state::powered_off: return vm_state::powered_off;
    case vcenter_sim::vm_state::powered_on: return vm_state::powered_on;
    case vcenter_sim::vm_state::suspended: return vm_state::suspended;
    case vcenter_sim::vm_state::locked: return vm_state::locked;
  }
  return vm_state::powered_off;
}

vcenter_sim::profile to_sim(kms_profile p) {
  switch (p) {
    case kms_profile::vcenter_6_7: return vcenter_sim::profile::vcenter_6_7;
    case kms_profile::vcenter_7_0: return vcenter_sim::profile::vcenter_7_0;
    case kms_profile::vcenter_8_0: return vcenter_sim::profile::vcenter_8_0;
  }
  return vcenter_sim::profile::vcenter_7_0;
}

kmip::spec::revocation_reason_code to_kmip(revocation_reason r) {
  using c = kmip::spec::revocation_reason_code;
  switch (r) {
    case revocation_reason::unspecified: return c::unspecified;
    case revocation_reason::key_compromise: return c::key_compromise;
    case revocation_reason::ca_compromise: return c::ca_compromise;
    case revocation_reason::affiliation_changed: return c::affiliation_changed;
    case revocation_reason::superseded: return c::superseded;
    case revocation_reason::cessation_of_operation: return c::cessation_of_operation;
    case revocation_reason::privilege_withdrawn: return c::privilege_withdrawn;
  }
  return c::unspecified;
}

std::string squash(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != ' ' && c != '_' && c != '-') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The subject VM and host an action names.
std::optional<std::string> action_vm(const action& a) {
  return std::visit([](const auto& x) -> std::optional<std::string> {
    using T = std::decay_t<decltype(x)>;
    if constexpr (requires { x.vm; }) {
      if constexpr (std::is_same_v<decltype(x.vm), std::string>) return x.vm;
      else return x.vm;
    } else if constexpr (requires { x.key; }) {
      return x.key.vm;
    } else {
      (void)sizeof(T);
      return std::nullopt;
    }
  }, a);
}

std::optional<std::string> action_host(const action& a) {
  return std::visit([](const auto& x) -> std::optional<std::string> {
    using T = std::decay_t<decltype(x)>;
    if constexpr (std::is_same_v<T, register_vm>) return x.host;
    else if constexpr (requires { x.host; } && !std::is_same_v<T, clone>) return x.host;
    else if constexpr (requires { x.key; }) return x.key.host;
    else return std::nullopt;
  }, a);
}

// ---- parallel loops -----------------------------------------------------------------------------------------------

// The random source vcenter_sim draws from (instance UUIDs, DEKs, vMotion keys): inside a for_each iteration, that
// iteration's own stream (seeded from the scenario seed, the loop and the index), so what an iteration draws does not
// depend on which iterations run beside it; elsewhere the scenario's stream.
thread_local common::random_source* tl_iteration_random = nullptr;
// Set on a parallel loop's workers: they hold the simulator lock, released around KMS exchanges (vcenter_options).
thread_local bool tl_holds_sim_lock = false;

class dispatching_random final : public common::random_source {
 public:
  explicit dispatching_random(common::random_source& base) : base_(base) {}
  void fill(std::span<std::uint8_t> out) override {
    if (tl_iteration_random) return tl_iteration_random->fill(out);
    std::lock_guard lock(mutex_);
    base_.fill(out);
  }

 private:
  common::random_source& base_;
  std::mutex mutex_;
};

// Sets the calling thread's iteration random source for a scope, restoring the previous one (nested loops).
class iteration_random_scope {
 public:
  explicit iteration_random_scope(common::random_source* r) : saved_(tl_iteration_random) { tl_iteration_random = r; }
  ~iteration_random_scope() { tl_iteration_random = saved_; }
  iteration_random_scope(const iteration_random_scope&) = delete;
  iteration_random_scope& operator=(const iteration_random_scope&) = delete;

 private:
  common::random_source* saved_;
};

std::uint64_t iteration_seed(std::uint64_t scenario_seed, const source_location& loop, std::size_t index) {
  const std::uint64_t loop_id = static_cast<std::uint64_t>(loop.line) << 20 | static_cast<std::uint64_t>(loop.column);
  return splitmix(scenario_seed ^ splitmix(loop_id ^ splitmix(index + 1)));
}

// Why a for_each may not run its iterations at once, or nullopt: every step must act on the loop's own VM (or
// host) and nothing else — no second VM or host, no KMS-side fault, no clock — and compare no kms_result (the
// step's last KMS exchange is not its own while other iterations talk to the KMS).
std::optional<std::string> not_parallelisable(const for_each& fe) {
  const std::string own = fe.over == loop_over::vms ? "{vm}" : "{host}";
  for (const auto& inner : fe.steps) {
    const auto kind = action_name(inner.what);
    const bool vm_action = std::holds_alternative<encrypt_vm>(inner.what) || std::holds_alternative<power_on>(inner.what) ||
                           std::holds_alternative<power_off>(inner.what) || std::holds_alternative<suspend>(inner.what) ||
                           std::holds_alternative<resume>(inner.what) || std::holds_alternative<snapshot>(inner.what) ||
                           std::holds_alternative<consolidate>(inner.what) || std::holds_alternative<shallow_rekey>(inner.what) ||
                           std::holds_alternative<deep_rekey>(inner.what) || std::holds_alternative<guest_write>(inner.what) ||
                           std::holds_alternative<guest_read>(inner.what) || std::holds_alternative<verify>(inner.what) ||
                           std::holds_alternative<revoke_key>(inner.what) || std::holds_alternative<destroy_key>(inner.what);
    const bool host_action = std::holds_alternative<reboot_host>(inner.what) ||
                             std::holds_alternative<enable_host_encryption>(inner.what) ||
                             std::holds_alternative<revoke_key>(inner.what) || std::holds_alternative<destroy_key>(inner.what);
    const bool ok_kind = fe.over == loop_over::vms ? vm_action : host_action;
    if (!ok_kind) return "'" + std::string(kind) + "' is not run in parallel " + (fe.over == loop_over::vms ? "over VMs" : "over hosts");
    const auto subject = fe.over == loop_over::vms ? action_vm(inner.what) : action_host(inner.what);
    if (subject != own) return "step '" + inner.name + "' does not act on " + own;
    if (inner.expect.kms_result) return "step '" + inner.name + "' expects a kms_result";
    if ((inner.expect.vm && *inner.expect.vm != own) || (inner.expect.host && *inner.expect.host != own))
      return "step '" + inner.name + "' checks another VM or host";
  }
  return std::nullopt;
}

// ---- one scenario's run -------------------------------------------------------------------------------------------

struct action_result {
  bool ok = true;
  bool skipped = false;
  std::string message;  // the failure or the skip reason
};

struct loop_stats {
  std::size_t iterations = 0;
  double seconds = 0;
  unsigned workers = 1;         // iterations run at once (at most)
  int most_kms_exchanges = 0;   // KMS exchanges seen in flight at the same time (parallel loops)
  double kms_busy_seconds = 0;  // of `seconds`, the time with at least one KMS exchange in flight
};

class scenario_run {
 public:
  scenario_run(const scenario& s, const runner_options& o)
      : s_(s), o_(o), seed_(o.seed.value_or(s.seed)), random_(seed_), dispatch_(random_) {}

  scenario_outcome run();

 private:
  struct vm_data {
    std::vector<write_record> writes;
    std::optional<std::uint64_t> baseline;  // folder digest before the last attempt to start it
  };
  struct last_read {
    std::string vm;
    std::uint64_t offset = 0, pattern = 0;
    std::vector<std::uint8_t> bytes;
  };
  struct last_dump {
    std::filesystem::path path;
    esxi_sim::sealed_kind kind = esxi_sim::sealed_kind::host_core_dump;
    common::secure_bytes key;
  };
  // A failure somewhere inside a step (a loop iteration's inner step): its name and why.
  struct failure {
    std::string name;
    std::string message;
  };

  std::optional<failure> run_step(const step& st, bool top, double& elapsed, loop_stats* stats);
  action_result execute(const step& st);
  std::optional<std::string> check(const step& st, const action_result& r, std::size_t first_event);
  action_result kms_fault(const std::optional<std::string>& server, const char* what);
  action_result admin(const key_ref& k, bool destroy, revocation_reason reason);
  common::expected<std::string, std::string> key_id(const key_ref& k);
  key_state vm_key_state(const std::string& vm);
  key_state host_key_state(const std::string& host);
  std::optional<std::string> check_data(const step& st, const std::string& vm, data_state want);
  void take_baseline(const std::string& vm);
  std::vector<reports::evidence> evidence(std::size_t first_event);
  void progress(const std::string& line) {
    if (o_.progress) *o_.progress << line << std::flush;
  }

  const scenario& s_;
  const runner_options& o_;
  std::uint64_t seed_;
  common::seeded_random random_;
  dispatching_random dispatch_;
  std::unique_ptr<kms_backend> kms_;
  std::unique_ptr<vcenter_sim::key_provider> provider_;
  std::unique_ptr<vcenter> vc_;
  std::filesystem::path datastore_;
  std::map<std::string, vm_spec> specs_;
  std::map<std::string, vm_data> data_;
  // What the step's action read or dumped, for its checks: per thread (a parallel loop's workers run steps at once).
  struct scratch {
    std::optional<last_read> read;
    std::optional<last_dump> dump;
  };
  scratch& mine() { return scratch_[std::this_thread::get_id()]; }  // under the simulator lock when parallel
  std::map<std::thread::id, scratch> scratch_;
  // Held by a parallel loop's workers while they use vcenter_sim; released during each KMS exchange.
  std::mutex sim_mutex_;
  std::atomic<int> kms_in_flight_{0}, kms_in_flight_most_{0};
  // Wall time with at least one vCenter KMS exchange in flight (the loops' same-run reference).
  std::mutex busy_mutex_;
  int busy_exchanges_ = 0;
  clock_type::time_point busy_since_{};
  double busy_seconds_ = 0;
  double kms_busy_seconds() {
    std::lock_guard lock(busy_mutex_);
    return busy_seconds_ + (busy_exchanges_ > 0 ? seconds_since(busy_since_) : 0);
  }
  std::optional<failure> run_parallel(const step& st, const for_each& fe, loop_stats* stats,
                                      const std::function<std::optional<failure>(std::size_t)>& iteration);
  std::mutex events_mutex_;
  std::vector<vcenter_sim::wire_event> events_;
  std::size_t dumps_ = 0;
  std::vector<std::pair<std::string, double>> rates_;
};

std::string step_label(std::size_t i, std::size_t n) {
  char b[32];
  std::snprintf(b, sizeof b, "  [%2zu/%zu] ", i + 1, n);
  return b;
}

// A loop left unnamed shows what it runs: "for_each vm x500: encrypt_vm {vm}".
std::string display_name(const step& st) {
  const std::vector<step>* body = nullptr;
  std::string head;
  if (const auto* r = std::get_if<repeat>(&st.what)) {
    body = &r->steps;
    head = "repeat x" + std::to_string(r->count);
  } else if (const auto* f = std::get_if<for_each>(&st.what)) {
    body = &f->steps;
    head = std::string("for_each ") + (f->over == loop_over::vms ? "vm" : "host") + " x" + std::to_string(f->names.size());
  }
  if (!body || st.name != action_name(st.what)) return st.name;
  std::string out = head + ":";
  for (std::size_t i = 0; i < body->size(); ++i) out += (i ? ", " : " ") + (*body)[i].name;
  return out;
}

std::string pad(std::string s, std::size_t w) {
  if (s.size() < w) s.append(w - s.size(), ' ');
  return s;
}

scenario_outcome scenario_run::run() {
  scenario_outcome out;
  out.name = s_.name;
  auto& c = out.result;
  c.name = s_.name;
  const auto t0 = clock_type::now();
  progress("scenario " + s_.name + " (" + s_.where.file + ")\n");

  // Setup: a fresh KMS, the key provider, vCenter with its hosts, the KMS cluster added.
  reports::step_result setup{"setup: KMS, key provider, hosts", reports::verdict::pass, 0, {}, {}};
  auto fail_setup = [&](std::string why) {
    setup.verdict = reports::verdict::fail;
    setup.detail = why;
    setup.duration_s = seconds_since(t0);
    c.steps.push_back(setup);
    for (const auto& st : s_.steps) c.steps.push_back({display_name(st), reports::verdict::skip, 0, "not run: setup failed", {}});
    c.verdict = reports::verdict::fail;
    c.message = "setup: " + why;
    c.duration_s = seconds_since(t0);
    out.verdict = reports::verdict::fail;
    out.failed_step_name = setup.name;
    out.message = why;
    progress(step_label(0, 1) + pad(setup.name, 52) + " FAIL " + format_duration(setup.duration_s) + "\n      " + why + "\n");
    return out;
  };
  std::vector<std::string> names;
  for (const auto& sv : s_.kms.servers) names.push_back(sv.name);
  if (names.empty()) names.push_back("kms-1");
  auto k = o_.kms(names, s_.kms.store == kms_store::shared, seed_);
  if (!k) return fail_setup("KMS: " + k.error());
  kms_ = std::move(*k);
  static int counter = 0;
  datastore_ = o_.work_dir / ("datastore-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::error_code ec;
  std::filesystem::remove_all(datastore_, ec);
  std::filesystem::create_directories(datastore_, ec);
  if (ec) return fail_setup("datastore " + datastore_.string() + ": " + ec.message());

  vcenter_sim::key_provider_options kp;
  kp.name = "kms-cluster";
  for (const auto& e : kms_->endpoints()) kp.servers.push_back({e.name, e.host, e.port});
  kp.tls = kms_->tls();
  kp.profile = to_sim(o_.profile.value_or(s_.kms.profile));
  if (s_.kms.credentials) {
    kp.username = s_.kms.credentials->username;
    kp.password = s_.kms.credentials->password;
  }
  kp.connect_timeout = o_.connect_timeout;
  kp.io_timeout = o_.io_timeout;
  provider_ = std::make_unique<vcenter_sim::key_provider>(kp);
  provider_->set_recorder([this](const vcenter_sim::wire_event& e) {
    std::lock_guard lock(events_mutex_);
    events_.push_back(e);
  });
  vcenter_sim::vcenter_options vo{datastore_, std::chrono::seconds(300), true, {}, {}};
  vo.before_kms = [this] {
    const int now = ++kms_in_flight_;
    for (int most = kms_in_flight_most_.load(); now > most && !kms_in_flight_most_.compare_exchange_weak(most, now);) {
    }
    {
      std::lock_guard lock(busy_mutex_);
      if (busy_exchanges_++ == 0) busy_since_ = clock_type::now();
    }
    if (tl_holds_sim_lock) sim_mutex_.unlock();
  };
  vo.after_kms = [this] {
    --kms_in_flight_;
    {
      std::lock_guard lock(busy_mutex_);
      if (--busy_exchanges_ == 0) busy_seconds_ += seconds_since(busy_since_);
    }
    if (tl_holds_sim_lock) sim_mutex_.lock();
  };
  vc_ = std::make_unique<vcenter>(*provider_, dispatch_, std::move(vo));
  for (const auto& h : s_.hosts) {
    vc_->add_host(h.name);
    if (h.key_persistence) vc_->host(h.name)->set_key_persistence(true);
  }
  for (const auto& v : s_.vms) specs_[v.name] = v;
  if (auto r = vc_->add_kms(); !r) {
    setup.evidence = evidence(0);
    return fail_setup(r.error().to_string());
  }
  for (const auto& h : s_.hosts)
    if (h.encryption_mode)
      if (auto r = vc_->enable_host_encryption(h.name); !r) return fail_setup(r.error().to_string());
  setup.duration_s = seconds_since(t0);
  setup.detail = kms_->describe() + "; profile " + std::string(vcenter_sim::to_string(kp.profile));
  c.steps.push_back(setup);
  progress("  " + setup.detail + "\n");

  const std::size_t n = s_.steps.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto& st = s_.steps[i];
    if (out.failed_step) {
      c.steps.push_back({display_name(st), reports::verdict::skip, 0, "not run: step " + std::to_string(*out.failed_step + 1) + " failed", {}});
      continue;
    }
    double elapsed = 0;
    loop_stats stats;
    const std::size_t first_event = events_.size();
    const bool is_loop = std::holds_alternative<repeat>(st.what) || std::holds_alternative<for_each>(st.what);
    const double busy_before = kms_busy_seconds();
    auto f = run_step(st, true, elapsed, is_loop ? &stats : nullptr);
    stats.kms_busy_seconds = kms_busy_seconds() - busy_before;
    reports::step_result r{display_name(st), reports::verdict::pass, elapsed, {}, {}};
    std::string line = step_label(i, n) + pad(r.name, 52);
    if (is_loop) {
      const double rate = stats.seconds > 0 ? static_cast<double>(stats.iterations) / stats.seconds : 0;
      const auto* rr = std::holds_alternative<repeat>(st.what) ? &std::get<repeat>(st.what).report_rate
                                                               : &std::get<for_each>(st.what).report_rate;
      char b[256];
      std::string extra;
      if (stats.workers > 1) {
        extra = ", " + std::to_string(stats.workers) + " at a time";
        if (stats.most_kms_exchanges > 0)
          extra += ", up to " + std::to_string(stats.most_kms_exchanges) + " KMS exchanges at once";
      }
      // The same-run reference: the share of the loop's wall time the KMS exchanges took.
      if (stats.seconds > 0 && stats.kms_busy_seconds > 0)
        extra += ", KMS busy " + std::to_string(static_cast<int>(100 * std::min(1.0, stats.kms_busy_seconds / stats.seconds) + 0.5)) + "%";
      std::snprintf(b, sizeof b, "%zu iterations%s, %.1f/s", stats.iterations, extra.c_str(), rate);
      r.detail = b;
      if (*rr) {
        std::snprintf(b, sizeof b, "%zu iterations%s, %.1f %s/s", stats.iterations, extra.c_str(), rate, (*rr)->c_str());
        r.detail = b;
        rates_.push_back({**rr, rate});
      }
      out.loops.push_back({i, stats.iterations, stats.workers, stats.most_kms_exchanges, stats.kms_busy_seconds, stats.seconds});
    }
    if (f && f->name == "\x01skip") {
      r.verdict = reports::verdict::skip;
      r.detail = f->message;
      line += " SKIP " + format_duration(elapsed) + "\n      " + f->message + "\n";
    } else if (f) {
      r.verdict = reports::verdict::fail;
      r.detail = (f->name != st.name ? f->name + ": " : std::string{}) + f->message;
      r.evidence = evidence(first_event);
      out.failed_step = i;
      out.failed_step_name = f->name;
      out.message = f->message;
      line += " FAIL " + format_duration(elapsed) + "\n      " + r.detail + "\n";
    } else {
      line += " PASS " + format_duration(elapsed) + (r.detail.empty() ? "" : "  (" + r.detail + ")") + "\n";
    }
    progress(line);
    c.steps.push_back(std::move(r));
    // Events of passing steps are not kept: memory stays flat over a long scale run.
    if (!out.failed_step) {
      std::lock_guard lock(events_mutex_);
      events_.clear();
    }
  }
  out.rates = rates_;
  c.duration_s = seconds_since(t0);
  if (out.failed_step) {
    c.verdict = out.verdict = reports::verdict::fail;
    c.message = "step " + std::to_string(*out.failed_step + 1) + " (" + out.failed_step_name + "): " + out.message;
  }
  progress(std::string("  ") + (out.failed_step ? "FAIL " : "PASS ") + s_.name + " in " + format_duration(c.duration_s) + "\n");
  vc_.reset();
  provider_.reset();
  kms_.reset();
  std::filesystem::remove_all(datastore_, ec);
  return out;
}

// Runs a step (a loop: every iteration); nullopt when everything held. A skipped step returns a failure named
// "\x01skip" at top level only.
std::optional<scenario_run::failure> scenario_run::run_step(const step& st, bool top, double& elapsed, loop_stats* stats) {
  const auto t0 = clock_type::now();
  auto run_body = [&](const std::vector<step>& body, const binding& b, const std::string& label) -> std::optional<failure> {
    for (const auto& inner : body) {
      const step bound = bind(inner, b);
      double e = 0;
      if (auto f = run_step(bound, false, e, nullptr)) {
        if (f->name == "\x01skip") continue;
        return failure{st.name + " [" + label + "] " + f->name, f->message};
      }
    }
    return std::nullopt;
  };
  if (const auto* r = std::get_if<repeat>(&st.what)) {
    for (std::uint32_t i = 0; i < r->count; ++i) {
      if (auto f = run_body(r->steps, binding{std::nullopt, std::nullopt, i}, "i=" + std::to_string(i))) {
        elapsed = seconds_since(t0);
        return f;
      }
      if (stats) ++stats->iterations;
    }
    elapsed = seconds_since(t0);
    if (stats) stats->seconds = elapsed;
    return std::nullopt;
  }
  if (const auto* fe = std::get_if<for_each>(&st.what)) {
    // Iteration i: its own random stream, its name bound.
    auto iteration = [&](std::size_t i) {
      common::seeded_random r(iteration_seed(seed_, st.where, i));
      iteration_random_scope scope(&r);
      binding b;
      (fe->over == loop_over::vms ? b.vm : b.host) = fe->names[i];
      b.i = i;
      return run_body(fe->steps, b, fe->names[i]);
    };
    // Loops inside a parallel loop's iteration run one iteration at a time.
    if (fe->parallel > 1 && fe->names.size() > 1 && !tl_holds_sim_lock) {
      if (auto why = not_parallelisable(*fe)) {
        elapsed = seconds_since(t0);
        return failure{st.name, "parallel: " + std::to_string(fe->parallel) + " cannot be honoured: " + *why};
      }
      auto f = run_parallel(st, *fe, stats, iteration);
      elapsed = seconds_since(t0);
      if (stats) stats->seconds = elapsed;
      return f;
    }
    for (std::size_t i = 0; i < fe->names.size(); ++i) {
      if (auto f = iteration(i)) {
        elapsed = seconds_since(t0);
        return f;
      }
      if (stats) ++stats->iterations;
    }
    elapsed = seconds_since(t0);
    if (stats) stats->seconds = elapsed;
    return std::nullopt;
  }
  std::size_t first_event;
  {
    std::lock_guard lock(events_mutex_);
    first_event = events_.size();
  }
  auto r = execute(st);
  if (r.skipped) {
    elapsed = seconds_since(t0);
    return failure{"\x01skip", "SKIP: " + r.message};
  }
  auto why = check(st, r, first_event);
  elapsed = seconds_since(t0);
  (void)top;
  if (why) return failure{st.name, *why};
  return std::nullopt;
}

// Up to `parallel` workers take iterations in index order. A worker holds the simulator lock while it drives
// vcenter_sim and lets go of it during each KMS exchange, so the KMS sees up to `parallel` exchanges at once while
// the simulators stay single-threaded. After a failure no iteration with a higher index is started; every lower
// one has been, so the failure reported (the lowest index that failed) is the one a serial run reports.
std::optional<scenario_run::failure> scenario_run::run_parallel(
    const step& st, const for_each& fe, loop_stats* stats, const std::function<std::optional<failure>(std::size_t)>& iteration) {
  (void)st;
  const std::size_t n = fe.names.size();
  const unsigned workers = static_cast<unsigned>(std::min<std::size_t>(fe.parallel, n));
  std::vector<std::optional<failure>> results(n);
  std::size_t next = 0, done = 0;                      // under sim_mutex_
  std::size_t first_failed = n;                        // under sim_mutex_
  kms_in_flight_most_ = 0;
  auto work = [&] {
    std::unique_lock lock(sim_mutex_);
    tl_holds_sim_lock = true;
    while (next < n && next < first_failed) {
      const std::size_t i = next++;
      results[i] = iteration(i);
      if (results[i]) first_failed = std::min(first_failed, i);
      else ++done;
    }
    tl_holds_sim_lock = false;
    scratch_.erase(std::this_thread::get_id());
  };
  std::vector<std::thread> pool;
  pool.reserve(workers);
  for (unsigned w = 0; w < workers; ++w) pool.emplace_back(work);
  for (auto& t : pool) t.join();
  if (stats) {
    stats->iterations = done;
    stats->workers = workers;
    stats->most_kms_exchanges = kms_in_flight_most_.load();
  }
  if (first_failed < n) return results[first_failed];
  return std::nullopt;
}

template <class T>
action_result from(const vcenter_sim::result<T>& r) {
  if (r) return {};
  return {false, false, r.error().to_string()};
}

action_result fail(std::string m) { return {false, false, std::move(m)}; }

action_result scenario_run::execute(const step& st) {
  return std::visit([&](const auto& a) -> action_result {
    using T = std::decay_t<decltype(a)>;
    auto running = [&](const std::string& vm) {
      auto s = vc_->status(vm);
      return s && s->state == vcenter_sim::vm_state::powered_on;
    };
    if constexpr (std::is_same_v<T, encrypt_vm>) {
      auto it = specs_.find(a.vm);
      if (it == specs_.end()) return fail("VM " + a.vm + " is not declared");
      vcenter_sim::new_vm spec;
      spec.name = a.vm;
      spec.disk_capacities = {it->second.disk_bytes};
      spec.sector_size = it->second.sector_size;
      spec.memory_bytes = 64u << 10;  // small guest RAM: suspend, vMotion and dumps stay fast at scale
      return from(vc_->create_encrypted_vm(it->second.host, spec));
    } else if constexpr (std::is_same_v<T, enable_host_encryption>) {
      return from(vc_->enable_host_encryption(a.host));
    } else if constexpr (std::is_same_v<T, power_on>) {
      if (!running(a.vm)) take_baseline(a.vm);
      return from(vc_->power_on(a.vm));
    } else if constexpr (std::is_same_v<T, power_off>) {
      return from(vc_->power_off(a.vm));
    } else if constexpr (std::is_same_v<T, suspend>) {
      return from(vc_->suspend(a.vm));
    } else if constexpr (std::is_same_v<T, resume>) {
      auto s = vc_->status(a.vm);
      if (!s) return fail(s.error().to_string());
      if (s->state != vcenter_sim::vm_state::suspended && !(s->state == vcenter_sim::vm_state::locked))
        return fail("precondition: resume of " + a.vm + " needs a suspended VM (it is " +
                    std::string(vcenter_sim::to_string(s->state)) + ")");
      take_baseline(a.vm);
      return from(vc_->power_on(a.vm));  // vCenter's power-on of a suspended VM resumes it
    } else if constexpr (std::is_same_v<T, reboot_host>) {
      return from(vc_->reboot_host(a.host));
    } else if constexpr (std::is_same_v<T, register_vm>) {
      auto* v = vc_->esxi_vm(a.vm);
      if (!v) return fail("VM " + a.vm + " has no files on the datastore yet");
      return from(vc_->register_vm(a.host, v->dir()));
    } else if constexpr (std::is_same_v<T, snapshot>) {
      return from(vc_->snapshot(a.vm, a.name.empty() ? "snapshot-" + std::to_string(++dumps_) : a.name));
    } else if constexpr (std::is_same_v<T, consolidate>) {
      auto s = vc_->status(a.vm);
      if (!s) return fail(s.error().to_string());
      auto* h = vc_->host(s->host);
      auto* v = vc_->esxi_vm(a.vm);
      if (!h || !v) return fail("VM " + a.vm + " is not registered");
      if (s->state != vcenter_sim::vm_state::powered_on && !h->keys().kek(s->kek_id))
        return fail("consolidate of " + a.vm + " needs its KEK on " + s->host + " (power the VM on first)");
      auto r = v->consolidate(h->keys());
      if (!r) return fail("host: " + r.error().message());
      return {};
    } else if constexpr (std::is_same_v<T, shallow_rekey>) {
      return from(vc_->shallow_rekey(a.vm));
    } else if constexpr (std::is_same_v<T, deep_rekey>) {
      return from(vc_->deep_rekey(a.vm));
    } else if constexpr (std::is_same_v<T, vmotion>) {
      return from(vc_->vmotion(a.vm, a.to));
    } else if constexpr (std::is_same_v<T, clone>) {
      auto s = vc_->status(a.vm);
      if (!s) return fail(s.error().to_string());
      auto r = vc_->clone(a.vm, a.as, a.host.value_or(s->host));
      if (r) {
        auto spec = specs_.count(a.vm) ? specs_[a.vm] : vm_spec{};
        spec.name = a.as;
        spec.host = a.host.value_or(s->host);
        specs_[a.as] = spec;
        data_[a.as].writes = data_[a.vm].writes;
      }
      return from(r);
    } else if constexpr (std::is_same_v<T, guest_write>) {
      auto* v = vc_->esxi_vm(a.vm);
      if (!v) return fail("no VM " + a.vm);
      std::vector<std::uint8_t> buf(a.length);
      fill_pattern(seed_, a.pattern, a.offset, buf);
      if (auto r = v->write(0, a.offset, buf); !r) return fail("guest write: " + r.error().message());
      data_[a.vm].writes.push_back({a.offset, a.length, a.pattern});
      return {};
    } else if constexpr (std::is_same_v<T, guest_read>) {
      auto* v = vc_->esxi_vm(a.vm);
      if (!v) return fail("no VM " + a.vm);
      last_read lr{a.vm, a.offset, a.pattern, std::vector<std::uint8_t>(a.length)};
      if (auto r = v->read(0, a.offset, lr.bytes); !r) return fail("guest read: " + r.error().message());
      mine().read = std::move(lr);
      return {};
    } else if constexpr (std::is_same_v<T, advance_clock>) {
      vc_->advance(std::chrono::seconds(a.seconds));
      return {};
    } else if constexpr (std::is_same_v<T, core_dump>) {
      auto* h = vc_->host(a.host);
      if (!h) return fail("no host " + a.host);
      const auto p = datastore_ / ("dump-" + std::to_string(++dumps_) + ".zdump");
      if (!a.vm) {
        auto r = vc_->write_host_core_dump(a.host, p);
        if (!r) return from(r);
        const auto* k = h->keys().kek(h->host_key_id());
        mine().dump = last_dump{p, esxi_sim::sealed_kind::host_core_dump, k ? *k : common::secure_bytes{}};
        return {};
      }
      auto* v = h->find(*a.vm);
      if (!v) return fail("VM " + *a.vm + " is not on host " + a.host);
      if (auto r = h->write_vm_core_dump(*a.vm, p); !r) return fail("host: " + r.error().message());
      const auto* dek = h->keys().dek(v->dir().string());
      mine().dump = last_dump{p, esxi_sim::sealed_kind::vm_core_dump, dek ? *dek : common::secure_bytes{}};
      return {};
    } else if constexpr (std::is_same_v<T, verify>) {
      return {};
    } else if constexpr (std::is_same_v<T, revoke_key>) {
      return admin(a.key, false, a.reason);
    } else if constexpr (std::is_same_v<T, destroy_key>) {
      return admin(a.key, true, revocation_reason::cessation_of_operation);
    } else if constexpr (std::is_same_v<T, kms_stop>) {
      return kms_fault(a.server, "stop");
    } else if constexpr (std::is_same_v<T, kms_start>) {
      return kms_fault(a.server, "start");
    } else if constexpr (std::is_same_v<T, kms_restart>) {
      return kms_fault(a.server, "restart");
    } else if constexpr (std::is_same_v<T, partition>) {
      return kms_fault(a.server, "partition");
    } else if constexpr (std::is_same_v<T, heal>) {
      return kms_fault(a.server, "heal");
    } else {
      return fail("internal: loops are run by run_step");
    }
  }, st.what);
}

action_result scenario_run::kms_fault(const std::optional<std::string>& server, const char* what) {
  std::string why;
  if (!kms_->controllable(why)) return {true, true, std::string(what) + " skipped: " + why};
  const auto eps = kms_->endpoints();
  std::vector<std::size_t> which;
  for (std::size_t i = 0; i < eps.size(); ++i)
    if (!server || eps[i].name == *server) which.push_back(i);
  if (which.empty()) return fail("no KMS server " + server.value_or("?"));
  const std::string w = what;
  for (auto i : which) {
    common::expected<void, std::string> r;
    if (w == "stop") r = kms_->stop(i);
    else if (w == "start") r = kms_->start(i);
    else if (w == "partition") r = kms_->partition(i);
    else if (w == "heal") r = kms_->heal(i);
    else {
      r = kms_->stop(i);
      if (r) r = kms_->start(i);
    }
    if (!r) return fail("KMS " + eps[i].name + " " + w + ": " + r.error());
  }
  return {};
}

common::expected<std::string, std::string> scenario_run::key_id(const key_ref& k) {
  if (k.vm) {
    auto s = vc_->status(*k.vm);
    if (!s) return common::unexpected<std::string>(s.error().to_string());
    if (s->kek_id.empty()) return common::unexpected<std::string>("VM " + *k.vm + " has no KEK");
    return s->kek_id;
  }
  auto* h = k.host ? vc_->host(*k.host) : nullptr;
  if (!h) return common::unexpected<std::string>("no host " + k.host.value_or("?"));
  if (h->host_key_id().empty()) return common::unexpected<std::string>("host " + h->name() + " has no host key");
  return h->host_key_id();
}

// KMS-side administration: its own TLS connection (vCenter's certificate: the keys' owner), to the first server
// that accepts it, bounded by the runner's timeouts.
action_result scenario_run::admin(const key_ref& k, bool destroy, revocation_reason reason) {
  auto id = key_id(k);
  if (!id) return fail(id.error());
  std::string errors;
  for (const auto& e : kms_->endpoints()) {
    kmip::client::connection_options o;
    o.host = e.host;
    o.port = e.port;
    o.tls = kms_->tls();
    o.connect_timeout = o_.connect_timeout;
    o.io_timeout = o_.io_timeout;
    kmip::client::client c{kmip::client::connection(o)};
    if (auto r = c.conn().connect(); !r) {
      errors += (errors.empty() ? "" : "; ") + e.name + ": " + r.error().to_string();
      continue;
    }
    kmip::client::typed_client t(c);
    action_result out;
    if (destroy) {
      (void)t.revoke(*id, kmip::spec::revocation_reason_code::cessation_of_operation, "kmip-harness destroy_key");
      if (auto r = t.destroy(*id); !r) out = fail("KMS admin: Destroy " + *id + ": " + r.error().to_string());
    } else if (auto r = t.revoke(*id, to_kmip(reason), "kmip-harness revoke_key"); !r) {
      out = fail("KMS admin: Revoke " + *id + ": " + r.error().to_string());
    }
    c.conn().close();
    return out;
  }
  return fail("KMS admin: no server reachable (" + errors + ")");
}

// vCenter's key status for a VM: the lock's reason when locked; else what the KMS says of the KEK; a key the KMS
// serves but the VM's host does not hold is KeyStateMissingInCache.
key_state scenario_run::vm_key_state(const std::string& vm) {
  auto s = vc_->status(vm);
  if (!s) return key_state::KeyStateMissingInKMS;
  if (s->state == vcenter_sim::vm_state::locked) return to_scenario(s->key);
  const auto ks = vc_->key_status(s->kek_id);
  if (ks != vcenter_sim::key_state::available) return to_scenario(ks);
  auto* h = vc_->host(s->host);
  if (!h || !h->keys().kek(s->kek_id)) return key_state::KeyStateMissingInCache;
  return key_state::available;
}

key_state scenario_run::host_key_state(const std::string& host) {
  auto* h = vc_->host(host);
  if (!h || h->host_key_id().empty()) return key_state::KeyStateMissingInKMS;
  const auto ks = vc_->key_status(h->host_key_id());
  if (ks != vcenter_sim::key_state::available) return to_scenario(ks);
  if (!h->keys().kek(h->host_key_id())) return key_state::KeyStateMissingInCache;
  return key_state::available;
}

void scenario_run::take_baseline(const std::string& vm) {
  auto it = data_.find(vm);
  auto* v = vc_->esxi_vm(vm);
  if (it == data_.end() || it->second.writes.empty() || !v) return;
  it->second.baseline = folder_digest(v->dir());
}

std::optional<std::string> scenario_run::check_data(const step& st, const std::string& vm, data_state want) {
  auto verdict = [&](bool intact, const std::string& how) -> std::optional<std::string> {
    if (intact == (want == data_state::intact)) return std::nullopt;
    return "data: expected " + std::string(to_string(want)) + ", but " + how;
  };
  const auto& read_ = mine().read;
  const auto& dump_ = mine().dump;
  if (std::holds_alternative<guest_read>(st.what) && read_ && read_->vm == vm) {
    std::vector<std::uint8_t> want_bytes(read_->bytes.size());
    fill_pattern(seed_, read_->pattern, read_->offset, want_bytes);
    const bool same = want_bytes == read_->bytes;
    return verdict(same, same ? "the guest read back pattern " + std::to_string(read_->pattern)
                              : "the bytes read differ from pattern " + std::to_string(read_->pattern));
  }
  if (std::holds_alternative<core_dump>(st.what) && dump_) {
    auto r = esxi_sim::read_sealed_file(dump_->path, dump_->kind, dump_->key);
    return verdict(r.has_value(), r ? "the dump decrypts with the right key" : "the dump does not decrypt: " + r.error().message());
  }
  auto s = vc_->status(vm);
  auto* v = vc_->esxi_vm(vm);
  if (!s || !v) return "data: no VM " + vm;
  const auto& d = data_[vm];
  if (s->state == vcenter_sim::vm_state::powered_on) {
    for (const auto& w : d.writes) {
      bool covered = false;
      auto expect = expected_bytes(seed_, d.writes, w.offset, w.length, covered);
      std::vector<std::uint8_t> got(w.length);
      if (auto r = v->read(0, w.offset, got); !r) return verdict(false, "reading it back failed: " + r.error().message());
      if (got != expect)
        return verdict(false, "the guest reads different bytes at offset " + std::to_string(w.offset) + " (pattern " +
                                  std::to_string(w.pattern) + ")");
    }
    return verdict(true, "every pattern written reads back (" + std::to_string(d.writes.size()) + " writes)");
  }
  // At rest (docs/vcenter-sim.md, "data intact"): the files are unchanged since the last attempt to start the VM,
  // and its KEK still exists somewhere the harness can reach (the host's cache or the KMS, in any state).
  auto* h = vc_->host(s->host);
  const bool cached = h && h->keys().kek(s->kek_id);
  const auto ks = vc_->key_status(s->kek_id);
  const bool kms_has = ks == vcenter_sim::key_state::available || ks == vcenter_sim::key_state::not_active_or_enabled;
  if (!cached && !kms_has)
    return verdict(false, "the KEK " + s->kek_id + " is neither cached nor on the KMS (" +
                              std::string(vcenter_sim::to_string(ks)) + ")");
  if (d.baseline && folder_digest(v->dir()) != *d.baseline)
    return verdict(false, "the VM's files changed since the refused start");
  return verdict(true, "the files are unchanged and the KEK still exists");
}

std::optional<std::string> scenario_run::check(const step& st, const action_result& r, std::size_t first_event) {
  const auto& e = st.expect;
  if (e.error) {
    if (r.ok) return "expected the step to fail" + (e.error->empty() ? std::string{} : " with '" + *e.error + "'") + ", but it succeeded";
    if (r.message.find(*e.error) == std::string::npos)
      return "expected an error containing '" + *e.error + "', got: " + r.message;
  } else if (!r.ok) {
    return r.message;
  }
  // The step's last KMS exchange, before the checks below add their own.
  std::optional<std::string> last_result;
  std::string last_error;
  {
    std::lock_guard lock(events_mutex_);
    for (std::size_t i = events_.size(); i > first_event; --i) {
      const auto& ev = events_[i - 1];
      if (ev.what != vcenter_sim::wire_event::kind::request) continue;
      if (!ev.response) {
        last_error = ev.error;
        break;
      }
      last_result = "Success";
      for (const auto& item : ev.response->batch_items)
        if (item.result_status != kmip::spec::result_status::success) {
          last_result = item.result_reason ? std::string(kmip::spec::name_of(*item.result_reason))
                                           : std::string(kmip::spec::name_of(item.result_status));
          break;
        }
      break;
    }
  }
  const auto subject_vm = e.vm ? e.vm : action_vm(st.what);
  std::optional<std::string> subject_host = e.host ? e.host : action_host(st.what);
  if (!subject_host && subject_vm)
    if (auto s = vc_->status(*subject_vm)) subject_host = s->host;
  if (e.vm_state) {
    if (!subject_vm) return "vm_state: no subject VM";
    auto s = vc_->status(*subject_vm);
    if (!s) return "vm_state: " + s.error().to_string();
    if (to_scenario(s->state) != *e.vm_state)
      return "vm_state of " + *subject_vm + ": expected " + std::string(to_string(*e.vm_state)) + ", got " +
             std::string(vcenter_sim::to_string(s->state)) + (s->lock_reason.empty() ? "" : " (" + s->lock_reason + ")");
  }
  if (e.key_state) {
    const bool of_vm = subject_vm.has_value();
    if (!of_vm && !subject_host) return "key_state: no subject VM or host";
    const auto got = of_vm ? vm_key_state(*subject_vm) : host_key_state(*subject_host);
    if (got != *e.key_state)
      return "key_state of " + (of_vm ? "VM " + *subject_vm : "host " + *subject_host) + ": expected " +
             std::string(to_string(*e.key_state)) + ", got " + std::string(to_string(got));
  }
  if (e.data) {
    if (!subject_vm && !std::holds_alternative<core_dump>(st.what)) return "data: no subject VM";
    if (auto f = check_data(st, subject_vm.value_or(""), *e.data)) return f;
  }
  if (e.host_crypto_state) {
    auto* h = subject_host ? vc_->host(*subject_host) : nullptr;
    if (!h) return "host_crypto_state: no subject host";
    const auto got = h->crypto_safe() ? host_crypto_state::safe : host_crypto_state::incapable;
    if (got != *e.host_crypto_state)
      return "host_crypto_state of " + *subject_host + ": expected " + std::string(to_string(*e.host_crypto_state)) +
             ", got " + std::string(to_string(got));
  }
  if (e.kms_result) {
    if (!last_result)
      return "kms_result: expected " + e.kms_result->name + ", but " +
             (last_error.empty() ? std::string("the step made no KMS request") : "the last request failed: " + last_error);
    if (squash(*last_result) != squash(e.kms_result->name))
      return "kms_result: expected " + e.kms_result->name + ", got " + *last_result;
  }
  return std::nullopt;
}

// The decoded KMIP exchanges of a step (the last max_evidence), key material redacted.
std::vector<reports::evidence> scenario_run::evidence(std::size_t first_event) {
  std::lock_guard lock(events_mutex_);
  std::vector<reports::evidence> out;
  const std::size_t begin = std::max(first_event, events_.size() > o_.max_evidence ? events_.size() - o_.max_evidence : 0);
  const auto eps = kms_ ? kms_->endpoints() : std::vector<kms_endpoint>{};
  for (std::size_t i = begin; i < events_.size(); ++i) {
    const auto& ev = events_[i];
    const std::string server = ev.server < eps.size() ? eps[ev.server].name : "server " + std::to_string(ev.server);
    reports::evidence x;
    x.title = "connection " + std::to_string(ev.connection) + " to " + server;
    switch (ev.what) {
      case vcenter_sim::wire_event::kind::connected: continue;
      case vcenter_sim::wire_event::kind::bare_connection: x.title += ": bare TLS connection (health poll)"; break;
      case vcenter_sim::wire_event::kind::connect_failed: x.title += ": connect failed"; x.response = ev.error; break;
      case vcenter_sim::wire_event::kind::request: {
        auto t = kmip::ttlv::decode(ev.request);
        x.request = t ? kmip::ttlv::to_text(t->root()) : "(undecodable request: " + t.error().message() + ")";
        if (ev.response) {
          if (!ev.response->batch_items.empty() && ev.response->batch_items[0].operation)
            x.title += ": " + std::string(kmip::spec::name_of(*ev.response->batch_items[0].operation));
          auto rt = kmip::model::encode(*ev.response);
          x.response = rt ? kmip::ttlv::to_text(rt->root()) : "(response not re-encodable)";
        } else {
          x.response = "(no response: " + ev.error + ")";
        }
        break;
      }
    }
    out.push_back(std::move(x));
  }
  return out;
}

}  // namespace

scenario_outcome run_scenario(const scenario& s, const runner_options& options) {
  scenario_run r(s, options);
  return r.run();
}

reports::run run_scenarios(const std::vector<scenario>& list, const runner_options& options, std::string title,
                           std::vector<scenario_outcome>* outcomes) {
  reports::run run;
  run.tool = reports::tool_kind::scenario;
  run.title = std::move(title);
  run.started = std::chrono::system_clock::now();
  run.seed = options.seed.value_or(0);
  const auto t0 = clock_type::now();
  reports::suite_result suite{"scenarios", {}};
  reports::chart rates{"Loop rates", reports::chart_kind::bar, "loop", "iterations/s", {}, {{"rate", {}}}};
  reports::chart durations{"Scenario durations", reports::chart_kind::bar, "scenario", "seconds", {}, {{"duration", {}}}};
  for (const auto& s : list) {
    auto o = run_scenario(s, options);
    for (const auto& [label, rate] : o.rates) {
      rates.categories.push_back(s.name + ": " + label);
      rates.series[0].points.push_back({0, rate});
    }
    durations.categories.push_back(s.name);
    durations.series[0].points.push_back({0, o.result.duration_s});
    suite.cases.push_back(o.result);
    if (outcomes) outcomes->push_back(std::move(o));
  }
  run.suites.push_back(std::move(suite));
  if (!rates.categories.empty()) run.metrics.push_back(std::move(rates));
  run.metrics.push_back(std::move(durations));
  run.duration_s = seconds_since(t0);
  return run;
}

}  // namespace scenarios
