#!/usr/bin/env bash
# Benchmark: `pilotlight sink cp` versus `aws s3 cp` moving one 1 GiB file to
# a MinIO server and back, on the same server in the same run. Reports the
# median of RUNS runs per direction: throughput, peak RSS and the ratios, and
# rewrites the "sink cp" section of docs/BENCHMARKS.md.
#   make bench            (or: RUNS=7 SIZE_MIB=1024 bash internal/bench/sink_cp.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=internal/bench/common.sh
source internal/bench/common.sh

RUNS="${RUNS:-5}"
SIZE_MIB="${SIZE_MIB:-1024}"
PL="${PL:-bin/pilotlight}"
gobin="$(go env GOBIN)"; [ -n "$gobin" ] || gobin="$(go env GOPATH | cut -d: -f1)/bin"
export PATH="$PATH:$gobin"
for tool in minio aws "$PL" /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing: run make deps (and make build)" >&2; exit 1; }
done

work="$(mktemp -d)"
minio_pid=""
cleanup() { [ -n "$minio_pid" ] && kill "$minio_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

minio_start "$work/minio"
minio_pid="$MINIO_PID" endpoint="$MINIO_ENDPOINT"

src="$work/src.bin"
head -c "$((SIZE_MIB << 20))" /dev/urandom >"$src"
s3url() { echo "s3://bench/$1?endpoint=$endpoint&path_style=true&region=us-east-1"; }

# measure NAME CMD...: appends "NAME seconds maxrss_kib" to results.
results="$work/results"
measure() {
  local name="$1"; shift
  sync
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  echo "$name $(cat "$work/time")" >>"$results"
}

# measure_stdin NAME CMD...: like measure, with the source file as a stream on stdin.
measure_stdin() {
  local name="$1"; shift
  sync
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" <"$src" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  echo "$name $(cat "$work/time")" >>"$results"
}

for i in $(seq "$RUNS"); do
  measure_stdin pl_stream  "$PL" sink cp -q - "$(s3url "pls/$i.bin")"
  measure_stdin aws_stream aws --endpoint-url "$endpoint" s3 cp --quiet - "s3://bench/awss/$i.bin"
  measure pl_up   "$PL" sink cp -q "$src" "$(s3url "pl/$i.bin")"
  measure aws_up  aws --endpoint-url "$endpoint" s3 cp --quiet "$src" "s3://bench/aws/$i.bin"
  measure pl_down "$PL" sink cp -q "$(s3url "pl/$i.bin")" "$work/pl-down.bin"
  measure aws_down aws --endpoint-url "$endpoint" s3 cp --quiet "s3://bench/aws/$i.bin" "$work/aws-down.bin"
  cmp -s "$src" "$work/pl-down.bin" || { echo "bench: pilotlight download differs from the source" >&2; exit 1; }
  cmp -s "$src" "$work/aws-down.bin" || { echo "bench: aws download differs from the source" >&2; exit 1; }
  rm -f "$work/pl-down.bin" "$work/aws-down.bin"
  aws --endpoint-url "$endpoint" s3 rm --quiet --recursive s3://bench/ >/dev/null
done

report="$(python3 - "$results" "$SIZE_MIB" "$RUNS" <<'PY'
import sys, statistics
rows = {}
for line in open(sys.argv[1]):
    name, secs, rss = line.split()
    rows.setdefault(name, []).append((float(secs), int(rss)))
size, runs = int(sys.argv[2]), int(sys.argv[3])
def med(name):
    secs = statistics.median(s for s, _ in rows[name])
    rss = max(r for _, r in rows[name]) / 1024
    return size / secs, rss
out = ["| direction | pilotlight MiB/s | aws s3 cp MiB/s | throughput ratio | pilotlight peak RSS | aws peak RSS | RSS ratio |",
       "|---|---|---|---|---|---|---|"]
names = {"up": "upload (file)", "stream": "upload (stream on stdin)", "down": "download (to file)"}
for d in ("up", "stream", "down"):
    pt, pr = med("pl_" + d); at, ar = med("aws_" + d)
    out.append(f"| {names[d]} | {pt:.0f} | {at:.0f} | **{pt/at:.2f}x** | {pr:.0f} MiB | {ar:.0f} MiB | {pr/ar:.2f}x |")
print("\n".join(out))
PY
)"
echo "$report"

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) ($(nproc) cores)"
section="$(cat <<MD
<!-- sink-cp:begin -->
## sink cp: ${SIZE_MIB} MiB to MinIO and back, versus \`aws s3 cp\`

Same MinIO server, same file, same run; median throughput of ${RUNS} runs per direction, peak RSS
is the largest of the runs (GNU time). Ratios are pilotlight / aws (throughput: higher is better;
RSS: lower is better). pilotlight defaults: 8 MiB parts, 4 in flight, SHA-256 computed on upload
and verified on download. A file is hashed first and its parts are read in parallel straight from
it; a stream (stdin, and later snapshots) is cut into at most 4 part buffers and its SHA-256 is
stored by a server-side copy from a staging name, which MinIO performs at about the cost of a
second upload. $(aws --version 2>&1 | cut -d' ' -f1), $(date -u +%Y-%m-%d), ${cpu}.

${report}

Reproduce: \`make bench\` (or \`RUNS=5 SIZE_MIB=1024 bash internal/bench/sink_cp.sh\`).
<!-- sink-cp:end -->
MD
)"
doc=docs/BENCHMARKS.md
write_section "$doc" sink-cp "$section"
