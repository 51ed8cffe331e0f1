#!/usr/bin/env bash
# Installs every Debian package Sluice needs to build, test, benchmark and demo.
# Idempotent: when everything is present it returns in well under a second.
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake ninja-build make pkg-config ccache clang libclang-rt-14-dev
  # libraries
  libuv1-dev libpq-dev libspdlog-dev libfmt-dev libtomlplusplus-dev nlohmann-json3-dev
  libcli11-dev libssl-dev libxxhash-dev libpg-query-dev librocksdb-dev libcpp-httplib-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev liburing-dev linux-perf
  # headless browser check of the advisor's HTML report
  chromium
  # servers and clients used by the tests, the demo and the benchmarks
  postgresql-15 postgresql-client-15 postgresql-15-hypopg pgbouncer openssl procps
  # MariaDB 10.11 (the MySQL-side test server and client), MySQL Connector/C++ (legacy 1.1 API), sysbench
  mariadb-server mariadb-client libmysqlcppconn-dev sysbench
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The Debian package starts a cluster on 5432 and pgbouncer on 6432; tests and the demo start
# their own throwaway servers, so stop the system ones to keep the ports and the CPU free.
if command -v pg_lsclusters >/dev/null; then
  $SUDO pg_ctlcluster 15 main stop 2>/dev/null || true
fi
$SUDO service pgbouncer stop >/dev/null 2>&1 || true
# Same for MariaDB: the package starts mariadbd on 3306 and enables it at boot; the tests start
# their own throwaway mariadbd (tests/fixtures/mariadb_server.*).
if dpkg-query -W -f='${Status}' mariadb-server 2>/dev/null | grep -q "install ok installed"; then
  $SUDO service mariadb stop >/dev/null 2>&1 || true
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now mariadb >/dev/null 2>&1 || true
  else
    $SUDO update-rc.d mariadb disable >/dev/null 2>&1 || true
  fi
fi
echo "install-deps: done"
