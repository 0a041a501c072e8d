# shellcheck shell=bash
# Shared pieces of the benchmark scripts (sourced, not run).
#
#   source internal/bench/common.sh
#   minio_start "$work/minio"      # sets MINIO_ENDPOINT and MINIO_PID, exports AWS_*, makes s3://bench
#   write_section docs/BENCHMARKS.md snapshot "$section"

# free_port: a loopback TCP port nobody listens on now.
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# minio_start DIR: a MinIO server on free loopback ports with data in DIR, answering, with a
# bucket named bench; the caller kills $MINIO_PID when done.
minio_start() {
  local dir="$1" port cport
  port="$(free_port)"; cport="$(free_port)"
  MINIO_ENDPOINT="http://127.0.0.1:$port"
  export AWS_ACCESS_KEY_ID=minioadmin AWS_SECRET_ACCESS_KEY=minioadmin AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
  MINIO_ROOT_USER=minioadmin MINIO_ROOT_PASSWORD=minioadmin \
    minio server "$dir" --address "127.0.0.1:$port" --console-address "127.0.0.1:$cport" >"$dir.log" 2>&1 &
  MINIO_PID=$!
  for _ in $(seq 100); do curl -fsS "$MINIO_ENDPOINT/minio/health/live" >/dev/null 2>&1 && break; sleep 0.2; done
  aws --endpoint-url "$MINIO_ENDPOINT" s3 mb s3://bench >/dev/null
}

# write_section DOC NAME TEXT: replaces the part of DOC between <!-- NAME:begin --> and
# <!-- NAME:end --> (which TEXT holds too) with TEXT, or appends TEXT; creates DOC if missing.
write_section() {
  local doc="$1" name="$2" text="$3"
  # shellcheck disable=SC2016 # the backquotes are Markdown
  [ -f "$doc" ] || printf '# Benchmarks\n\nEvery figure here comes from `make bench` on one machine, in one run, side by side with\nthe tool a user would otherwise pick. Ratios, not absolute numbers, are the point.\n\n' >"$doc"
  python3 - "$doc" "$name" "$text" <<'PY'
import sys, re
doc, name, section = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(doc).read()
pat = re.compile(r"<!-- " + re.escape(name) + r":begin -->.*?<!-- " + re.escape(name) + r":end -->", re.S)
text = pat.sub(lambda _: section, text) if pat.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(doc, "w").write(text)
PY
  echo "wrote $doc"
}

# bench_init TOOL...: the common start of a benchmark that runs MariaDB servers: each TOOL must
# be on PATH (else the fix is named), $work is a fresh temp directory with $MDB_ROOT under it,
# mariadb.sh is sourced, and at exit every server and the MinIO of $minio_pid (when set) are
# stopped and $work removed. step prints a heading.
bench_init() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing: run make deps (and make build)" >&2; exit 1; }
  done
  work="$(mktemp -d)"
  MDB_ROOT="$work/mdb"
  mkdir -p "$MDB_ROOT"
  # shellcheck source=internal/bench/mariadb.sh
  source internal/bench/mariadb.sh
  minio_pid=""
  trap bench_cleanup EXIT
}

bench_cleanup() {
  [ -n "${minio_pid:-}" ] && kill "$minio_pid" 2>/dev/null
  mdb_stop_all 2>/dev/null || true
  wait 2>/dev/null
  rm -rf "$work"
}

step() { echo; echo "== $*"; }
