#!/usr/bin/env bash
# `make run`: what the harness can show today. The KMIP library is in place; kmipd, the simulated vCenter and
# ESXi hosts and the scenario suite are the next parts (docs/architecture.md). Until they land, this decodes
# the real vCenter conversation from the recorded capture with the project's own codec, and says so.
set -euo pipefail
build=${1:-build}
cli="$build/tools/kmip-harness"
log=tests/testdata/captures/vcenter-7.0.3-pykmip/vmware-2.log

echo "kmip-harness: the scenario suite (embedded kmipd, simulated vCenter and ESXi hosts) is not built yet."
echo "make run will start the embedded kmipd and run scenarios/ once they exist."
echo
echo "Meanwhile, the KMIP codec on real traffic: vCenter 7.0.3's first Create request, from $log"
echo
# PyKMIP logs a request as two lines per session: the 8-byte header, then the body.
hex=$(awk '/Request encoding: b/ {
         match($0, /session\.[0-9]+/); session = substr($0, RSTART, RLENGTH)
         match($0, /b.[0-9a-f]+/); bytes = substr($0, RSTART + 2, RLENGTH - 2)
         if (!(session in head)) { head[session] = bytes; next }
         message = head[session] bytes; delete head[session]
         if (message ~ /42005c05000000040000000100000000/) { print message; exit }   # Operation: Create
       }' "$log")
echo "$hex" | "$cli" ttlv decode --in hex --out text -
