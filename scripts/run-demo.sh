#!/usr/bin/env bash
# `make run`: every scenario in scenarios/ played by the simulated vCenter against the embedded kmipd (fresh
# certificates, a fresh SQLite store per scenario, 127.0.0.1 only), with progress on the terminal and the
# reports in $build/reports. Exits with the runner's status: 0 only if every expectation held
# (docs/scenario-runner.md).
set -euo pipefail
build=${1:-build}
# The runner prints where the report is (report.html, junit.xml, report.json).
exec "$build/tools/kmip-harness" scenario run scenarios/ --report-dir "$build/reports"
