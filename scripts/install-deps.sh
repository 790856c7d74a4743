#!/usr/bin/env bash
# Installs the Debian 12 packages kmip-harness needs, only those missing. Idempotent; needs root (or sudo).
set -euo pipefail

packages=(
  g++ make cmake ninja-build pkg-config ccache
  libboost1.81-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libyaml-cpp-dev libsqlite3-dev libpq-dev
  libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libtomlplusplus-dev
  python3-pykmip openssl curl
  postgresql  # the server the PostgreSQL store tests start (initdb, pg_ctl); kmipd itself needs only libpq
  tshark
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# tshark (the pcap importer and its test): answer wireshark-common's question up front (no setuid dumpcap; the
# capture test runs as root in CI).
echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
