#!/usr/bin/env bash
# `make run`: what the harness can show today. The KMIP library, kmipd and the simulated ESXi hosts are in
# place; the simulated vCenter and the scenario suite are the next parts (docs/architecture.md). Until they land,
# this decodes the real vCenter conversation from the recorded capture with the project's own codec, then starts
# the embedded kmipd on loopback with fresh certificates, shows it answering, and stops it; and says so.
set -euo pipefail
build=${1:-build}
cli="$build/tools/kmip-harness"
log=tests/testdata/captures/vcenter-7.0.3-pykmip/vmware-2.log

echo "kmip-harness: the scenario suite (simulated vCenter driving simulated ESXi hosts) is not built yet;"
echo "make run will run scenarios/ against the embedded kmipd once it exists."
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

# The embedded kmipd: fresh certificates and a temporary store, loopback only, ports chosen by the system.
run_dir="$build/run"
rm -rf "$run_dir" && mkdir -p "$run_dir"
"$build/tools/kmip-harness" certs --out "$run_dir/certs" > /dev/null
cat > "$run_dir/kms.toml" <<TOML
[socket_server]
socket_server_start = true
socket_server_port = 0
socket_server_hostname = "127.0.0.1"
[tls]
tls_p12_file = "certs/server.p12"
clients_ca_cert_file = "certs/ca.crt"
[http]
port = 0
hostname = "127.0.0.1"
[db]
database_type = "sqlite"
sqlite_path = "data/kmipd.sqlite"
[kmipd]
tls_p12_password_file = "certs/server.p12.password"
master_key_file = "data/master.key"
audit_file = "data/audit.jsonl"
TOML
"$build/server/kmipd" --config "$run_dir/kms.toml" --ready-file "$run_dir/ready.json" > "$run_dir/kmipd.log" 2>&1 &
kmipd_pid=$!
trap 'kill -TERM $kmipd_pid 2>/dev/null; wait $kmipd_pid 2>/dev/null' EXIT
for _ in $(seq 100); do [ -f "$run_dir/ready.json" ] && break; kill -0 $kmipd_pid 2>/dev/null || break; sleep 0.1; done
if [ ! -f "$run_dir/ready.json" ]; then
  echo "kmipd did not start; its log:" >&2; cat "$run_dir/kmipd.log" >&2; exit 1
fi
http_port=$(sed -n 's/.*"http_port":\([0-9]*\).*/\1/p' "$run_dir/ready.json")
kmip_port=$(sed -n 's/.*"kmip_port":\([0-9]*\).*/\1/p' "$run_dir/ready.json")
echo
echo "Embedded kmipd: KMIP/TLS on 127.0.0.1:$kmip_port, HTTP on 127.0.0.1:$http_port (files in $run_dir)"
echo "  GET /version: $(curl -s "http://127.0.0.1:$http_port/version" 2>/dev/null || echo '(curl missing)')"
echo "  GET /health:  $(curl -s "http://127.0.0.1:$http_port/health" 2>/dev/null || echo '(curl missing)')"
echo "kmipd stops now; the scenario suite will run against it here once it exists."
