#!/usr/bin/env bash
# Benchmark: `pilotlight snapshot sanitize` versus the naive sed a DBA would otherwise run
#   sed -e '/GTID_PURGED/d' -e '/SQL_LOG_BIN/d' -e 's/DEFINER=[^ ]* //'
# over the same >= 1 GiB dump (mariadb-dump --gtid --master-data=1 of sysbench data plus a
# view, trigger, procedure, function and event with definers and rows that contain those words,
# repeated), plain and zstd-compressed, output to /dev/null. Reports the median of RUNS runs:
# throughput, ratio and peak RSS (GNU time), then checks what each left in or took out, and
# rewrites the "sanitize" section of docs/BENCHMARKS.md.
#   make bench-sanitize   (or: RUNS=3 SIZE_MIB=1024 bash internal/bench/sanitize.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."

RUNS="${RUNS:-3}"
SIZE_MIB="${SIZE_MIB:-1024}"   # the dump is the base dump repeated until it is at least this big
TABLES="${TABLES:-4}"          # sysbench tables ...
TABLE_SIZE="${TABLE_SIZE:-100000}" # ... of this many rows
PL="${PL:-bin/pilotlight}"
for tool in mariadbd mariadb-install-db mariadb mariadb-dump sysbench zstd sed python3 /usr/bin/time "$PL"; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing: run make deps (and make build)" >&2; exit 1; }
done

work="$(mktemp -d)"
export MDB_ROOT="$work/mdb"
mkdir -p "$MDB_ROOT"
# shellcheck source=internal/bench/mariadb.sh
source internal/bench/mariadb.sh
# shellcheck source=internal/bench/common.sh
source internal/bench/common.sh
cleanup() { mdb_stop_all; rm -rf "$work"; }
trap cleanup EXIT
step() { echo "== $*" >&2; }

step "MariaDB and sysbench prepare: $TABLES tables x $TABLE_SIZE rows"
mdb_start src 1
mdb_sql src -e "CREATE DATABASE sbtest CHARACTER SET utf8mb4"
sysbench oltp_read_write --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="${MDB_PORT[src]}" --mysql-user=root \
  --mysql-db=sbtest --tables="$TABLES" --table-size="$TABLE_SIZE" prepare >"$work/prepare.log"
mdb_sql src sbtest <<'SQL'
CREATE TABLE notes (id INT PRIMARY KEY, body TEXT);
INSERT INTO notes SELECT seq, CONCAT('note ', seq, ': SET @@SESSION.SQL_LOG_BIN=0; GTID_PURGED; DEFINER=`root`@`localhost` ok')
  FROM seq_1_to_2000;
CREATE DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW v_notes AS SELECT id, body FROM notes;
CREATE DEFINER=`root`@`localhost` TRIGGER notes_bi BEFORE INSERT ON notes FOR EACH ROW SET NEW.body = TRIM(NEW.body);
CREATE DEFINER=`root`@`localhost` PROCEDURE p_count() SELECT COUNT(*) FROM notes;
CREATE DEFINER=`root`@`localhost` FUNCTION f_twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2;
CREATE DEFINER=`root`@`localhost` EVENT e_purge ON SCHEDULE EVERY 1 DAY DO DELETE FROM notes WHERE id < 0;
SQL

step "mariadb-dump --gtid --master-data=1, repeated to ${SIZE_MIB} MiB"
mariadb-dump --no-defaults --protocol=tcp -h127.0.0.1 -P"${MDB_PORT[src]}" -uroot --gtid --master-data=1 \
  --routines --triggers --events --single-transaction sbtest >"$work/one.sql"
mdb_stop_all
one=$(stat -c %s "$work/one.sql")
copies=$(( ((SIZE_MIB << 20) + one - 1) / one ))
for _ in $(seq "$copies"); do cat "$work/one.sql"; done >"$work/dump.sql"
rm "$work/one.sql"
bytes=$(stat -c %s "$work/dump.sql")
zstd -q -1 "$work/dump.sql" -o "$work/dump.sql.zst"

SED=(sed -e '/GTID_PURGED/d' -e '/SQL_LOG_BIN/d' -e 's/DEFINER=[^ ]* //')
results="$work/results"
# measure NAME CMD...: appends "NAME seconds maxrss_kib" (CMD's output goes to /dev/null).
measure() {
  local name="$1"; shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  echo "$name $(cat "$work/time")" >>"$results"
}
cat "$work/dump.sql" "$work/dump.sql.zst" >/dev/null # both in the page cache
for i in $(seq "$RUNS"); do
  step "run $i of $RUNS"
  measure pl_plain "$PL" snapshot sanitize "$work/dump.sql"
  measure sed_plain "${SED[@]}" "$work/dump.sql"
  measure pl_zstd "$PL" snapshot sanitize "$work/dump.sql.zst"
  measure sed_zstd bash -c "zstd -dc '$work/dump.sql.zst' | $(printf '%q ' "${SED[@]}")"
  measure pl_version "$PL" version # the binary's own footprint, before any work
done

step "what each one left"
"$PL" snapshot sanitize "$work/dump.sql" >"$work/pl.sql" 2>/dev/null
rows_in=$(grep -c '^(' "$work/dump.sql")
# left: statements a user without SUPER cannot run (outside the data rows, which start with "(")
left() { grep -v '^(' "$1" | grep -cE "GTID_PURGED|gtid_slave_pos|^CHANGE MASTER|SQL_LOG_BIN|DEFINER=\`" || true; }
pl_rows=$(grep -c '^(' "$work/pl.sql"); pl_left=$(left "$work/pl.sql")
rm "$work/pl.sql"
"${SED[@]}" "$work/dump.sql" >"$work/sed.sql"
sed_rows=$(grep -c '^(' "$work/sed.sql"); sed_left=$(left "$work/sed.sql")
rm "$work/sed.sql"

report="$(python3 - "$results" "$bytes" <<PY
import sys, statistics
rows = {}
for line in open(sys.argv[1]):
    name, secs, rss = line.split()
    rows.setdefault(name, []).append((float(secs), int(rss)))
size = int(sys.argv[2]) / (1 << 20)
def med(name):
    secs = statistics.median(s for s, _ in rows[name])
    return size / secs, max(r for _, r in rows[name]) / 1024
out = ["| input | pilotlight MiB/s | sed MiB/s | throughput ratio | pilotlight peak RSS | sed peak RSS |",
       "|---|---|---|---|---|---|"]
for key, label in (("plain", "plain SQL"), ("zstd", "zstd -1 (sed: \`zstd -dc \\\\| sed\`)")):
    pt, pr = med("pl_" + key); st, sr = med("sed_" + key)
    out.append(f"| {label} | {pt:.0f} | {st:.0f} | **{pt/st:.2f}x** | {pr:.0f} MiB | {sr:.0f} MiB |")
base = max(r for _, r in rows["pl_version"]) / 1024
out += ["", f"pilotlight's RSS includes about {base:.0f} MiB that the binary takes before any work "
        f"(\`pilotlight version\` peaks at {base:.0f} MiB: the cloud SDKs' package state); sanitize itself adds "
        f"{med('pl_plain')[1] - base:.0f} MiB (plain) and {med('pl_zstd')[1] - base:.0f} MiB (zstd), whatever the dump's size."]
out += ["", "| after the run | pilotlight | sed |", "|---|---|---|",
        f"| data rows kept (of $rows_in) | $pl_rows | $sed_rows |",
        f"| GTID, CHANGE MASTER, SQL_LOG_BIN, DEFINER statements left | $pl_left | $sed_left |"]
print("\n".join(out))
PY
)"
echo "$report"

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) ($(nproc) cores)"
mib=$((bytes >> 20))
section="$(cat <<MD
<!-- sanitize:begin -->
## snapshot sanitize: a ${mib} MiB dump, versus the naive \`sed\`

\`pilotlight snapshot sanitize\` against \`sed -e '/GTID_PURGED/d' -e '/SQL_LOG_BIN/d' -e 's/DEFINER=[^ ]* //'\`
on the same input, output to /dev/null, median of ${RUNS} runs, peak RSS the largest of the runs (GNU
time). The dump is \`mariadb-dump --gtid --master-data=1 --routines --triggers --events\` of sysbench's
${TABLES} x ${TABLE_SIZE} rows plus a 2000-row table whose rows contain SQL_LOG_BIN, GTID_PURGED and
DEFINER=, and one view, trigger, procedure, function and event with DEFINER=\`root\`@\`localhost\`,
repeated ${copies} times; mariadb-dump writes one row per line. Ratio: pilotlight / sed, higher is
better. The second table counts what each output still holds: sed deletes every row that mentions
the words and misses MariaDB's \`SET GLOBAL gtid_slave_pos\` and \`CHANGE MASTER\` (it was written for
MySQL's forms), and its DEFINER substitution eats the \`*/\` after a versioned DEFINER
(\`/*!50017 /*!50003 TRIGGER\`); its output does not load even as root. $(mariadbd --version | sed 's/.*Ver \([^ ]*\).*/MariaDB \1/'), $(sed --version | head -1), $(date -u +%Y-%m-%d), ${cpu}.

${report}

Reproduce: \`make bench-sanitize\` (or \`RUNS=3 SIZE_MIB=1024 bash internal/bench/sanitize.sh\`).
<!-- sanitize:end -->
MD
)"
doc=docs/BENCHMARKS.md
write_section "$doc" sanitize "$section"
