#!/usr/bin/env bash
# Runs the micro benchmarks and writes their JSON beside the build: BUILD/bench/*.json.
set -euo pipefail
build=${1:-build}
mkdir -p "$build/bench"
for b in "$build"/benchmarks/kmip_*_bench; do
  [ -x "$b" ] || continue
  name=$(basename "$b")
  "$b" --benchmark_out="$build/bench/$name.json" --benchmark_out_format=json --benchmark_min_time=0.2
done
echo "benchmark JSON in $build/bench/"
