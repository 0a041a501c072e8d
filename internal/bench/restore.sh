#!/usr/bin/env bash
# Benchmark: `pilotlight restore` (with and without verify, from file:// and from MinIO)
# versus `myloader -t THREADS` on mydumper's dump versus `zstd -dc | mariadb` on
# mariadb-dump's, on one sysbench data set, the same thread count, into a fresh database
# each time. Reports the median wall time of RUNS runs and the peak RSS of each, and
# rewrites the "restore" section of docs/BENCHMARKS.md. The last pilotlight restore is
# compared with the source (CHECKSUM TABLE), so a fast but wrong restore cannot pass.
#   make bench-restore   (or: RUNS=3 TABLES=8 TABLE_SIZE=200000 THREADS=2 bash internal/bench/restore.sh)
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
bench_init mariadbd mariadb mariadb-dump mydumper myloader sysbench zstd minio aws python3 /usr/bin/time "$PL"

mdb_start primary 1
mdb_start target 2
P="${MDB_PORT[primary]}" T="${MDB_PORT[target]}"
step "sysbench prepare: $TABLES tables x $TABLE_SIZE rows"
mdb_sql primary -e 'CREATE DATABASE sbtest'
sysbench oltp_write_only --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$P" --mysql-user=root \
  --mysql-db=sbtest --tables="$TABLES" --table-size="$TABLE_SIZE" --threads=2 prepare >"$work/prepare.log"
mdb_sql primary -e "ANALYZE TABLE $(seq -s, -f 'sbtest.sbtest%g' "$TABLES")" >/dev/null
raw_mb="$(mdb_sql primary -N -e "SELECT ROUND(SUM(DATA_LENGTH)/1e6) FROM information_schema.TABLES WHERE TABLE_SCHEMA='sbtest'")"

minio_start "$work/minio"
minio_pid="$MINIO_PID" endpoint="$MINIO_ENDPOINT"
src="mysql://root@127.0.0.1:$P/" dst="mysql://root@127.0.0.1:$T/"
s3="s3://bench/snap?endpoint=$endpoint&path_style=true&region=us-east-1"
export XDG_STATE_HOME="$work/state"

step "the dumps, once: pilotlight snapshot (file:// and MinIO), mydumper, mariadb-dump | zstd"
"$PL" snapshot --source "$src" --threads "$THREADS" --to "file://$work/snap" --to "$s3" --log-level warn
mydumper -h 127.0.0.1 -P "$P" -u root -B sbtest -t "$THREADS" -o "$work/mydumper" >/dev/null 2>&1
mariadb-dump --no-defaults -h127.0.0.1 -P"$P" -uroot --single-transaction --databases sbtest | zstd -1 -q >"$work/dump.sql.zst"

results="$work/results"
# fresh: an empty target (no sbtest, no restore state), not timed.
fresh() { mdb_sql target -e 'DROP DATABASE IF EXISTS sbtest; DROP DATABASE IF EXISTS pilotlight'; }
# measure NAME CMD...: appends "NAME seconds maxrss_kib" to results.
measure() {
  local name="$1"; shift
  fresh
  sync
  /usr/bin/time -f "%e %M" -o "$work/time" bash -c "$*" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  read -r secs rss <"$work/time"
  echo "$name $secs $rss" >>"$results"
}
for i in $(seq "$RUNS"); do
  step "round $i of $RUNS"
  measure myloader myloader -h 127.0.0.1 -P "$T" -u root -d "$work/mydumper" -t "$THREADS"
  measure plain "zstd -dc $work/dump.sql.zst | mariadb --no-defaults -h127.0.0.1 -P$T -uroot"
  measure plnoverify "$PL" restore --from "file://$work/snap" --target "$dst" --threads "$THREADS" --verify=false
  measure pls3 "$PL" restore --from "'$s3'" --target "$dst" --threads "$THREADS"
  measure plfile "$PL" restore --from "file://$work/snap" --target "$dst" --threads "$THREADS"
done

step "check: the last restore against the source (CHECKSUM TABLE)"
tables="$(seq -s, -f 'sbtest.sbtest%g' "$TABLES")"
a="$(mdb_sql primary -N -e "CHECKSUM TABLE ${tables//,/, }")"; b="$(mdb_sql target -N -e "CHECKSUM TABLE ${tables//,/, }")"
if [ "$a" != "$b" ]; then echo "bench: the restored copy differs from the source" >&2; exit 1; fi
echo "identical"

report="$(python3 - "$results" <<'PY'
import sys, statistics
rows = {}
for line in open(sys.argv[1]):
    name, secs, rss = line.split()
    rows.setdefault(name, []).append((float(secs), int(rss)))
def med(n):
    return statistics.median(s for s, _ in rows[n]), max(r for _, r in rows[n]) / 1024
my = med("myloader")[0]; pl = med("plain")[0]
names = [("myloader", "myloader -t T on mydumper's dump (no verification, no resume)"),
         ("plain", "zstd -dc dump.sql.zst \\| mariadb (one thread)"),
         ("plnoverify", "**pilotlight restore** --verify=false, from file://"),
         ("plfile", "**pilotlight restore**, verified, from file://"),
         ("pls3", "**pilotlight restore**, verified, from MinIO (s3://)")]
out = ["| tool | wall time | vs myloader | vs the plain client | peak RSS |", "|---|---|---|---|---|"]
for n, label in names:
    s, r = med(n)
    out.append(f"| {label} | {s:.2f} s | {s/my:.2f}x | {s/pl:.2f}x | {r:.0f} MiB |")
v = med("plfile")[0]; rss = max(med("plfile")[1], med("pls3")[1], med("plnoverify")[1])
out.append("")
out.append(f"Goals: verified restore at most 0.8x myloader's time ({v/my:.2f}x: {'met' if v <= 0.8 * my else '**not met**'}); "
           f"peak RSS under 256 MiB ({rss:.0f} MiB: {'met' if rss < 256 else '**not met**'}).")
print("\n".join(out))
PY
)"
echo "$report"

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) ($(nproc) cores)"
versions="$(mariadbd --version | sed 's/.*Ver \([^ ]*\).*/MariaDB \1/'), mydumper/myloader $(mydumper --version 2>&1 | sed -n 's/^mydumper \([^,]*\).*/\1/p'), $("$PL" version | cut -d' ' -f1-2)"
section="$(cat <<MD
<!-- restore:begin -->
## restore: sysbench ${TABLES} x ${TABLE_SIZE} rows (${raw_mb} MB of InnoDB data), ${THREADS} threads

The same data dumped once by each tool, loaded into an empty database on the same fresh
MariaDB server, the same thread count; median wall time of ${RUNS} runs, peak RSS the largest of
the runs (GNU time). myloader and the plain client verify nothing and start over after a
failure; pilotlight restore checks every chunk's SHA-256 and row count while it loads, commits
each chunk with its progress row (resumable), and with verify compares every table with the
manifest at the end (row counts, and each chunk's rows with their digest). The last pilotlight restore was compared with the source (CHECKSUM TABLE):
identical. The server, the loaders and MinIO share the same cores. ${versions}, $(date -u +%Y-%m-%d), ${cpu}.

${report}

Reproduce: \`make bench-restore\` (or \`RUNS=${RUNS} TABLES=${TABLES} TABLE_SIZE=${TABLE_SIZE} THREADS=${THREADS} bash internal/bench/restore.sh\`).
<!-- restore:end -->
MD
)"
doc=docs/BENCHMARKS.md
write_section "$doc" restore "$section"
