// A bench run as the neutral result model (reports/report.hpp): one suite per run, one case per concurrency of the
// sweep, and the figures as charts (docs/benchmarks.md, "The report", lists them; scripts read report.json).
#pragma once

#include <chrono>
#include <string>

#include "bench/load_generator.hpp"
#include "reports/report.hpp"

namespace kmiph::bench {

// `title` is the command line; `setup_error` set means the run stopped in set-up (a failed case says why).
reports::run to_report(const options& o, const result* r, const std::string& setup_error, const std::string& title,
                       std::chrono::system_clock::time_point started, double duration_s);

// "12.3 ms", "850 us", for one-line summaries.
std::string format_ns(std::uint64_t ns);

}  // namespace kmiph::bench
