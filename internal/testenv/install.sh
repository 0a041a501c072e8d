#!/usr/bin/env bash
# Installs the servers and tools that internal/testenv starts. Idempotent: a tool already on
# the machine is left alone, so a second run takes well under a second.
#   bash internal/testenv/install.sh        (what `make deps` runs; needs root for apt-get)
#   bash internal/testenv/install.sh demo   (only what `make demo` needs: MariaDB and zstd)
set -euo pipefail

MINIO_MOD=github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c
FAKEGCS_MOD=github.com/fsouza/fake-gcs-server@v1.52.2
AZURITE_PKG=azurite@3.35.0
MOTO_PKG='moto[server]==5.2.1'

gobin="$(go env GOBIN)"
[ -n "$gobin" ] || gobin="$(go env GOPATH | cut -d: -f1)/bin"
export PATH="$PATH:$gobin:/usr/sbin:/usr/local/sbin"

say() { printf '%-18s %s\n' "$1" "$2"; }
have() { command -v "$1" >/dev/null 2>&1; }

sudo=""
if [ "$(id -u)" != 0 ] && have sudo; then sudo="sudo"; fi
apt_updated=""
apt_install() { # package...
  if [ -z "$apt_updated" ]; then
    $sudo apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Debian packages: tool to probe -> package that provides it.
apt_tools=(mariadbd:mariadb-server mariadb:mariadb-client redis-server:redis-server
  named:bind9 dig:bind9-dnsutils nsupdate:bind9-dnsutils sysbench:sysbench mydumper:mydumper
  pt-table-checksum:percona-toolkit zstd:zstd npm:npm)
if [ "${1:-}" = demo ]; then
  apt_tools=(mariadbd:mariadb-server mariadb:mariadb-client mariadb-dump:mariadb-client zstd:zstd)
fi
missing=()
for pair in "${apt_tools[@]}"; do
  tool="${pair%%:*}" pkg="${pair#*:}"
  if have "$tool"; then
    say "$tool" present
  else
    missing+=("$pkg")
  fi
done
# MariaDB's own test suites (mariadb-test-run and main/, suite/), the workload of
# cmd/pilotlight's TestReplicateMariaDBTestSuites: no command in PATH to probe, so probe
# the runner. It needs mysqltest (mariadb-test, same package), the mariadb client and
# perl with its core modules (Memoize, Storable, Time::HiRes: the perl package, a
# dependency of mariadb-test-data).
if [ "${1:-}" != demo ]; then
  mtr=""
  for d in /usr/share/mysql/mysql-test /usr/share/mariadb/mariadb-test; do
    [ -x "$d/mariadb-test-run" ] && have mariadb-test && { mtr="$d"; break; }
  done
  if [ -n "$mtr" ] && perl -MMemoize -MStorable -MTime::HiRes -MIO::Socket::INET -e 1 2>/dev/null; then
    say mariadb-test "present ($mtr)"
  else
    missing+=(mariadb-test perl)
  fi
fi
if [ "${#missing[@]}" -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  apt_install "${missing[@]}"
  for pkg in "${missing[@]}"; do say "$pkg" "installed (apt)"; done
fi

[ "${1:-}" = demo ] && exit 0

go_tool() { # name module
  if have "$1"; then
    say "$1" present
  else
    GOBIN="$gobin" go install "$2"
    say "$1" "installed ($gobin/$1)"
  fi
}
go_tool minio "$MINIO_MOD"
go_tool fake-gcs-server "$FAKEGCS_MOD"

if have azurite-blob || [ -x "$(npm prefix -g 2>/dev/null)/bin/azurite-blob" ]; then
  say azurite present
else
  npm install -g --no-audit --no-fund --loglevel=error "$AZURITE_PKG" >/dev/null
  say azurite "installed (npm -g $AZURITE_PKG)"
fi

# moto and the aws CLI come from PyPI, which not every machine can reach: warn, do not fail
# (the tests that need moto then say so themselves).
pip_pkgs=()
if have moto_server; then say moto_server present; else pip_pkgs+=("$MOTO_PKG"); fi
if have aws; then say aws present; else pip_pkgs+=(awscli); fi
if [ "${#pip_pkgs[@]}" -gt 0 ]; then
  pip=""
  for p in pip3 pip; do have "$p" && { pip="$p"; break; }; done
  if [ -n "$pip" ] && "$pip" install -q --disable-pip-version-check --timeout 20 --retries 1 "${pip_pkgs[@]}" >/dev/null 2>&1; then
    hash -r
    for p in "${pip_pkgs[@]}"; do say "${p%%[*}" "installed (pip)"; done
  else
    if ! have aws && apt_install awscli 2>/dev/null; then
      say aws "installed (apt)"
    fi
    have aws || say aws "WARNING: not installed: neither pip nor apt-get could install it"
    have moto_server || say moto_server "WARNING: not installed: pip could not install $MOTO_PKG (no PyPI?); moto tests will skip, or fail when CI=true"
  fi
fi
