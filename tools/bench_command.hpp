// `kmip-harness bench --kms HOST:PORT --ca F --cert F --key F --profile P [--connections N,N...] [--per-task]
// [--rate R] [--warmup S] [--duration S] [--keys N] [--timeout S] [--seed N] [--report-dir DIR] [--quiet]`
// (docs/benchmarks.md): the KEK-throughput load generator (bench/). Prints a progress line while it runs and one
// summary line per concurrency; writes junit.xml, report.json and report.html when asked, even when the KMS fails
// or stalls. Exit 0 when every concurrency completed tasks without error, 1 when some failed (the report says
// which), 2 when set-up failed (TLS files, KMS unreachable, keys not created).
#pragma once

#include "tools/command.hpp"

namespace CLI {
class App;
}

namespace kmiph::tools {

void add_bench_command(CLI::App& app, action& chosen);

}  // namespace kmiph::tools
