#!/usr/bin/env bash
# Runs the tests labelled `server` or `postgres` of a ThreadSanitizer build (make test-tsan) and fails on any
# ThreadSanitizer report from any process. The tests start kmipd and kmip-harness as child processes whose output
# goes to a log in a temporary folder; a report there would be lost with the folder (and a race while kmipd shuts
# down would not fail a test), so every process writes its reports to BUILD/tsan-reports/report.PID instead.
set -euo pipefail
build=${1:-build-tsan}
jobs=${2:-2}
source_dir=$(cd "$(dirname "$0")/.." && pwd)
reports=$(cd "$build" && pwd)/tsan-reports
rm -rf "$reports"
mkdir -p "$reports"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$source_dir/tests/tsan.supp:log_path=$reports/report"
status=0
(cd "$build" && ctest --output-on-failure -j "$jobs" -L '^(server|postgres)$' --timeout 600) || status=$?
if compgen -G "$reports/report.*" > /dev/null; then
  for r in "$reports"/report.*; do
    echo "==== ThreadSanitizer report $r"
    cat "$r"
  done
  echo "test-tsan: ThreadSanitizer reports above ($(ls "$reports" | wc -l) processes)" >&2
  exit 1
fi
[ "$status" -eq 0 ] && echo "test-tsan: no ThreadSanitizer report"
exit "$status"
