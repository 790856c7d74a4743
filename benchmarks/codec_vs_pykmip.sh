#!/usr/bin/env bash
# The codec benchmarks beside PyKMIP's own codec on the same message, in the same run: vCenter 7.0.3's Create
# request from tests/testdata/captures, decoded and encoded. Prints messages/s and our/PyKMIP ratios.
# Usage: benchmarks/codec_vs_pykmip.sh [BUILD]   (a RelWithDebInfo or Release build; PyKMIP from Debian's python3-pykmip)
set -euo pipefail
build=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$build/benchmarks/kmip_codec_bench" --benchmark_filter=CreateRequest --benchmark_min_time=0.5 \
  --benchmark_format=json --benchmark_out="$tmp/ours.json" > /dev/null
/usr/bin/python3 - "$tmp" tests/testdata/captures/vcenter-7.0.3-pykmip/vmware-2.log <<'PY'
import json, re, sys, time
from kmip.core.messages import messages
from kmip.core import utils

tmp, log = sys.argv[1], sys.argv[2]
head, create = {}, None
for line in open(log):  # PyKMIP logs a request as a header line then a body line, per session
    m = re.search(r"session\.(\d+) - DEBUG - Request encoding: b'([0-9a-f]+)'", line)
    if not m:
        continue
    session, part = m.groups()
    if session not in head:
        head[session] = part
        continue
    message = head.pop(session) + part
    if "42005c05000000040000000100000000" in message:  # Operation: Create
        create = bytes.fromhex(message)
        break

def rate(fn, seconds=2.0):
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        n += 1
    return n / (time.perf_counter() - start)

parsed = messages.RequestMessage()
parsed.read(utils.BytearrayStream(create))
def decode():
    messages.RequestMessage().read(utils.BytearrayStream(create))
def encode():
    parsed.write(utils.BytearrayStream())
theirs = {"Decode": rate(decode), "Encode": rate(encode)}

ours = {b["name"]: b["items_per_second"] for b in json.load(open(f"{tmp}/ours.json"))["benchmarks"]}
print(f"vCenter Create request ({len(create)} bytes), messages/s, same run:")
for op in ("Decode", "Encode"):
    p = theirs[op]
    print(f"  {op.lower()}: PyKMIP {p:10.0f}")
    for layer in ("Ttlv", "Model"):
        v = ours[f"BM_{layer}{op}_VcenterCreateRequest"]
        print(f"          {layer.lower():5s}  {v:10.0f}   {v / p:6.1f} x PyKMIP")
PY
