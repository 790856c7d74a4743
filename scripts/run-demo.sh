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
# PyKMIP logs a request as two lines: the 8-byte header, then the body.
hex=$(grep -A1 "Request encoding: b'4200780100000" "$log" | grep -o "b'[0-9a-f]*'" | tr -d "b'" \
      | awk 'NR%2==1{h=$0; next} {print h $0}' | grep -m1 '42005c05000000040000000100000000')
echo "$hex" | "$cli" ttlv decode --in hex --out text -
