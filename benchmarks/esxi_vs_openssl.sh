#!/bin/sh
# Runs the esxi_sim XTS sector benchmark beside `openssl speed -evp aes-256-xts` on one core and prints
# esxi_sim / OpenSSL throughput for 4 KiB and 512 B data units (issue 4 target: >= 85% at 4 KiB).
# Usage: benchmarks/esxi_vs_openssl.sh [path/to/esxi_xts_bench]   (build it with -DCMAKE_BUILD_TYPE=Release)
set -eu
bench=${1:-build/esxi_sim/esxi_xts_bench}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
taskset -c 0 "$bench" --benchmark_filter=sector_encrypt --benchmark_min_time=1 \
  --benchmark_format=json --benchmark_out="$tmp/esxi.json" >/dev/null
taskset -c 0 openssl speed -evp aes-256-xts -bytes 512 -seconds 2 -mr 2>/dev/null >"$tmp/o512.txt"
taskset -c 0 openssl speed -evp aes-256-xts -bytes 4096 -seconds 2 -mr 2>/dev/null >"$tmp/o4096.txt"
python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
ours = {}
for b in json.load(open(f"{tmp}/esxi.json"))["benchmarks"]:
    ours[int(b["name"].split("/")[1])] = b["bytes_per_second"]
for unit in (4096, 512):
    theirs = None
    for line in open(f"{tmp}/o{unit}.txt"):
        if line.startswith("+F:"):          # +F:idx:name:bytes-per-second per size
            theirs = float(line.strip().split(":")[3])
    print(f"{unit:5d} B units: esxi_sim {ours[unit]/1e6:9.1f} MB/s  openssl {theirs/1e6:9.1f} MB/s  "
          f"ratio {ours[unit]/theirs:6.1%}")
PY
