// The scenario runner (docs/scenario-runner.md): plays a parsed scenario step by step against vcenter_sim and a
// KMS (an embedded kmipd, or an external one through --kms), checks every expectation, prints one progress line
// per step, and fills a reports::run (one suite, one case per scenario; on a failed step the decoded KMIP
// exchanges of that step, key material redacted).
//
// Contract: a failing step ends its scenario (the remaining steps are reported as not run) and the next scenario
// still runs; a KMS that is unreachable or misbehaves gives a failed step with the reason, never a hang (every
// wait is bounded by the key provider's timeouts) or a crash. KMS-side faults (kms_stop/start/restart,
// partition, heal) need a controllable backend; against an external KMS they are reported as SKIP with the
// reason. `for_each` with `parallel: N` runs up to N iterations at once (worker threads that take turns with
// vcenter_sim and overlap their KMS exchanges); every for_each iteration draws its random choices from its own
// seed; `report_rate` prints iterations per second.
// Thread safety: run_scenario may be called from one thread at a time (it starts and joins its own workers).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "reports/report.hpp"
#include "scenarios/kms_backend.hpp"
#include "scenarios/scenario.hpp"

namespace scenarios {

struct runner_options {
  kms_factory kms;                              // a fresh KMS per scenario
  std::optional<std::uint64_t> seed;            // overrides every scenario's seed
  std::optional<kms_profile> profile;           // overrides every scenario's profile
  std::filesystem::path work_dir;               // datastores (one folder per scenario, removed after it)
  std::ostream* progress = nullptr;             // progress lines; null: quiet
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds io_timeout{5000};
  std::size_t max_evidence = 16;                // KMIP exchanges kept for a failed step (the last ones)
};

struct scenario_outcome {
  std::string name;
  reports::verdict verdict = reports::verdict::pass;
  // The failing step: its index among the scenario's top-level steps (0-based; nullopt when setup failed or
  // nothing failed), its name (inside a loop: "<loop> [iteration] <inner step>"), and why.
  std::optional<std::size_t> failed_step;
  std::string failed_step_name;
  std::string message;
  std::vector<std::pair<std::string, double>> rates;  // report_rate label -> iterations per second
  // Each top-level loop that ran: its step index, iterations completed, iterations run at once (at most; 1 for a
  // serial loop), the most vCenter KMS exchanges seen in flight at the same time, and — the rate's same-run
  // reference — the wall time with at least one KMS exchange in flight, of the loop's wall time.
  struct loop_run {
    std::size_t step = 0;
    std::size_t iterations = 0;
    unsigned workers = 1;
    int most_kms_exchanges = 0;
    double kms_busy_seconds = 0;
    double seconds = 0;
  };
  std::vector<loop_run> loops;
  reports::case_result result;
};

// Runs one scenario. Never throws for KMS or simulator failures (they are failed steps).
scenario_outcome run_scenario(const scenario& s, const runner_options& options);

// Runs them in order into one run (tool scenario, one suite "scenarios"); `outcomes` receives each scenario's.
reports::run run_scenarios(const std::vector<scenario>& list, const runner_options& options, std::string title,
                           std::vector<scenario_outcome>* outcomes = nullptr);

}  // namespace scenarios
