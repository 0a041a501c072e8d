#!/usr/bin/env bash
# Benchmark: `pilotlight replicate` versus MariaDB's own replication (CHANGE MASTER TO ...
# MASTER_USE_GTID=slave_pos), side by side on this machine, same data, same workload, one run.
# Three throwaway MariaDB servers with identical settings: a primary, a native replica and a
# pilotlight standby, both replicas loaded from one dump at the same GTID position.
#   1. Backlog replay, BACKLOG_ROUNDS times: both appliers stopped, sysbench oltp_write_only
#      commits BACKLOG_EVENTS transactions, then each applier alone (one after the other, so they
#      never share the cores) replays them; transactions/s = transactions / time to reach the
#      primary's position. The table shows the medians.
#   2. Live, once per applier with the other one stopped (so that they never share the cores):
#      LIVE_SECONDS of oltp_write_only at LIVE_THREADS threads; a probe row (UTC_TIMESTAMP(6))
#      goes into the primary every 100 ms and the replica is polled every 10 ms for it (lag
#      p50/p99/max), then the catch-up time after sysbench ends.
# Rewrites the "replicate" section of docs/BENCHMARKS.md.
#   make bench-replicate   (or: BACKLOG_EVENTS=30000 LIVE_SECONDS=60 WORKERS=4 bash internal/bench/replicate.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."

BACKLOG_EVENTS="${BACKLOG_EVENTS:-30000}"   # sysbench transactions left for the appliers to replay
BACKLOG_THREADS="${BACKLOG_THREADS:-4}"     # sysbench threads that write the backlog
BACKLOG_ROUNDS="${BACKLOG_ROUNDS:-3}"       # backlog rounds; the table shows the median
LIVE_SECONDS="${LIVE_SECONDS:-60}"          # length of the live run
LIVE_THREADS="${LIVE_THREADS:-4}"           # sysbench threads in the live run
WORKERS="${WORKERS:-4}"                     # pilotlight replicate --workers (when the binary has it)
NATIVE_THREADS="${NATIVE_THREADS:-0}"       # native slave_parallel_threads (0: MariaDB's default, one SQL thread)
TABLES="${TABLES:-8}"                       # sysbench tables ...
TABLE_SIZE="${TABLE_SIZE:-50000}"           # ... of this many rows
BUFFER_POOL="${BUFFER_POOL:-256M}"          # innodb_buffer_pool_size of every server
CATCHUP_TIMEOUT="${CATCHUP_TIMEOUT:-120}"   # seconds to wait for a replica to catch up after the live run
PL="${PL:-bin/pilotlight}"
DOC="${DOC:-docs/BENCHMARKS.md}"
STREAM=bench

export PATH="$PATH:/usr/sbin:/usr/local/sbin"
for tool in mariadbd mariadb-install-db mariadb mariadb-dump sysbench go python3 "$PL"; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing: run make deps (and make build)" >&2; exit 1; }
done

work="$(mktemp -d)"
MDB_ROOT="$work"
MDB_BUFFER_POOL="$BUFFER_POOL"
# pilotlight's recommended settings (its preflight warns without them), on every server alike.
MDB_EXTRA_FLAGS=(--gtid-strict-mode=ON --binlog-row-metadata=FULL)
# shellcheck source=internal/bench/mariadb.sh
source internal/bench/mariadb.sh
# shellcheck source=internal/bench/common.sh
source internal/bench/common.sh

pl_pid="" probe_pid="" finished=""
cleanup() {
  local rc=$?
  set +e            # tear everything down whatever fails on the way
  trap '' INT TERM  # and do not let a second Ctrl-C cut the teardown short
  trap - EXIT
  if [ -z "$finished" ]; then
    echo "bench: failed or interrupted (exit $rc); stopping everything" >&2
    [ -f "$work/pilotlight.log" ] && { echo "--- last lines of the pilotlight log:" >&2; tail -n 15 "$work/pilotlight.log" >&2; }
  fi
  if [ -n "$probe_pid" ]; then
    kill -TERM "$probe_pid" 2>/dev/null
    wait "$probe_pid" 2>/dev/null
  fi
  if [ -n "$pl_pid" ]; then
    kill -TERM "$pl_pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$pl_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pl_pid" 2>/dev/null
    wait "$pl_pid" 2>/dev/null
  fi
  mdb_stop_all
  if [ -n "${BENCH_KEEP:-}" ]; then echo "bench: kept $work (BENCH_KEEP)" >&2; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n== %s\n' "$*"; }
now_ns() { date +%s%N; }
# cpu_ticks PID: user+system CPU time of a process, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ticks_per_sec="$(getconf CLK_TCK)"
seq_of() { echo "${1##*-}"; } # sequence number of a single-domain MariaDB position

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
step "building the probe; starting three MariaDB servers (buffer pool $BUFFER_POOL; load average $load_before)"
go build -o "$work/replprobe" ./internal/bench/replprobe
probe="$work/replprobe"
mdb_start primary 1
mdb_start native 2
mdb_start standby 3
P="127.0.0.1:${MDB_PORT[primary]}" N="127.0.0.1:${MDB_PORT[native]}" S="127.0.0.1:${MDB_PORT[standby]}"
echo "primary $P, native replica $N, pilotlight standby $S"

sb=(sysbench oltp_write_only --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="${MDB_PORT[primary]}"
  --mysql-user=root --mysql-db=sbtest --tables="$TABLES" --table-size="$TABLE_SIZE")
step "sysbench prepare: $TABLES tables x $TABLE_SIZE rows"
mdb_sql primary -e 'CREATE DATABASE sbtest'
"${sb[@]}" --threads=2 prepare >"$work/prepare.log"
"$probe" setup -primary "$P"

step "copying the data to both replicas (mariadb-dump --gtid --master-data=2)"
mariadb-dump --no-defaults --protocol=tcp -h127.0.0.1 -P"${MDB_PORT[primary]}" -uroot --single-transaction \
  --gtid --master-data=2 --databases sbtest plbench >"$work/dump.sql"
start_pos="$(sed -n "s/^-- SET GLOBAL gtid_slave_pos='\(.*\)';$/\1/p" "$work/dump.sql")"
[ -n "$start_pos" ] || { echo "bench: no gtid_slave_pos in the dump" >&2; exit 1; }
mdb_sql native --init-command='SET sql_log_bin=0' <"$work/dump.sql" &
load_native=$!
mdb_sql standby --init-command='SET sql_log_bin=0' <"$work/dump.sql"
wait "$load_native"
mdb_sql native -e "SET GLOBAL slave_parallel_threads=$NATIVE_THREADS; SET GLOBAL gtid_slave_pos='$start_pos';
  CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${MDB_PORT[primary]}, MASTER_USER='root', MASTER_USE_GTID=slave_pos"
echo "both replicas hold $start_pos"

export XDG_STATE_HOME="$work/state" # replicate's lease lives in the temp dir
pl_args=(replicate --source "$(mdb_url primary)" --standby "$(mdb_url standby)" --stream "$STREAM"
  --rpo 1s --listen "127.0.0.1:$(mdb_free_port)")
if "$PL" replicate --help 2>&1 | grep -q -- '--workers'; then
  pl_args+=(--workers "$WORKERS")
  pl_mode="--workers $WORKERS"
else
  pl_mode="single-threaded (this binary has no --workers)"
fi
first_args=(--start-gtid "$start_pos") # the first run only; later runs resume from the checkpoint
hwm_kib=0
pl_start() {
  setsid "$PL" "${pl_args[@]}" "${first_args[@]}" >>"$work/pilotlight.log" 2>&1 </dev/null &
  pl_pid=$!
  first_args=()
}
pl_stop() { # SIGTERM is a normal stop: exit 0
  local hwm rc=0
  hwm="$(awk '/^VmHWM:/ {print $2}' "/proc/$pl_pid/status")"
  if [ "$hwm" -gt "$hwm_kib" ]; then hwm_kib="$hwm"; fi
  kill -TERM "$pl_pid"
  wait "$pl_pid" || rc=$?
  pl_pid=""
  [ "$rc" = 0 ] || { echo "bench: pilotlight replicate exited $rc on SIGTERM (want 0)" >&2; exit 1; }
}
# replay_native / replay_pilotlight ROUND: start the applier, wait until it holds the primary's
# position; appends "ROUND applier seconds cpu_seconds" to $work/rounds.
replay_native() {
  local cpu0 since secs
  cpu0="$(cpu_ticks "${MDB_PID[native]}")"
  since="$(now_ns)"
  mdb_sql native -e 'START SLAVE'
  secs="$("$probe" wait -primary "$P" -native "$N" -since "$since")"
  echo "$1 native $secs $(( $(cpu_ticks "${MDB_PID[native]}") - cpu0 ))" >>"$work/rounds"
  echo "native replica (START SLAVE, slave_parallel_threads=$NATIVE_THREADS): $secs s"
}
replay_pilotlight() {
  local cpu0 since secs
  cpu0="$(cpu_ticks "${MDB_PID[standby]}")"
  since="$(now_ns)"
  pl_start
  secs="$("$probe" wait -primary "$P" -pilotlight "$S" -stream "$STREAM" -pid "$pl_pid" -since "$since")"
  echo "$1 pilotlight $secs $(( $(cpu_ticks "${MDB_PID[standby]}") - cpu0 + $(cpu_ticks "$pl_pid") ))" >>"$work/rounds"
  echo "pilotlight ($pl_mode): $secs s"
}
echo "pilotlight runs as: $PL ${pl_args[*]} --start-gtid $start_pos (the first time)"
for round in $(seq "$BACKLOG_ROUNDS"); do
  step "backlog $round/$BACKLOG_ROUNDS: appliers stopped, oltp_write_only commits $BACKLOG_EVENTS transactions at $BACKLOG_THREADS threads"
  [ "$round" = 1 ] || { mdb_sql native -e 'STOP SLAVE'; pl_stop; }
  before="$(mdb_sql primary -e 'SELECT @@gtid_binlog_pos')"
  "${sb[@]}" --threads="$BACKLOG_THREADS" --events="$BACKLOG_EVENTS" --time=0 run >"$work/backlog.log"
  after="$(mdb_sql primary -e 'SELECT @@gtid_binlog_pos')"
  echo "$round txns $(($(seq_of "$after") - $(seq_of "$before"))) 0" >>"$work/rounds"
  echo "primary at $after; each applier alone replays the $(($(seq_of "$after") - $(seq_of "$before"))) transactions:"
  if [ $((round % 2)) = 1 ]; then # alternate who goes first
    replay_native "$round"; replay_pilotlight "$round"
  else
    replay_pilotlight "$round"; replay_native "$round"
  fi
done

# live WHO: LIVE_SECONDS of oltp_write_only with that applier alone running (the other stopped,
# so that neither takes the other's cores), the probe measuring its lag and catch-up.
live() {
  local who="$1" flags
  step "live, $who alone: $LIVE_SECONDS s of oltp_write_only at $LIVE_THREADS threads"
  if [ "$who" = native ]; then flags=(-native "$N"); else flags=(-pilotlight "$S" -stream "$STREAM" -pid "$pl_pid"); fi
  "$probe" lag -primary "$P" "${flags[@]}" -catchup-timeout "${CATCHUP_TIMEOUT}s" >"$work/lag-$who.json" &
  probe_pid=$!
  sleep 0.5
  "${sb[@]}" --threads="$LIVE_THREADS" --time="$LIVE_SECONDS" --report-interval=10 run >"$work/live-$who.log"
  kill -TERM "$probe_pid"
  echo "sysbench done ($(sed -n 's/^ *transactions: *[0-9]* *(\([0-9.]*\) per sec.)/\1/p' "$work/live-$who.log") tx/s); waiting for $who to catch up (at most ${CATCHUP_TIMEOUT} s)"
  wait "$probe_pid"
  probe_pid=""
}
# pilotlight is still stopped after the last backlog round if it went first; make both states known.
[ -n "$pl_pid" ] && pl_stop
mdb_sql primary -e 'DELETE FROM plbench.probe' # each run numbers its probe rows from 1
mdb_sql native -e 'START SLAVE'
"$probe" wait -primary "$P" -native "$N" -since "$(now_ns)" >/dev/null
live native
mdb_sql native -e 'STOP SLAVE'
mdb_sql primary -e 'DELETE FROM plbench.probe'
pl_start
"$probe" wait -primary "$P" -pilotlight "$S" -stream "$STREAM" -pid "$pl_pid" -since "$(now_ns)" >/dev/null
live pilotlight
python3 - "$work/lag-native.json" "$work/lag-pilotlight.json" >"$work/lag.json" <<'PY'
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
a["pilotlight"] = b["pilotlight"]
a["probes"] = f'{a["probes"]} and {b["probes"]}'
json.dump(a, sys.stdout)
PY
live_tps="$(sed -n 's/^ *transactions: *[0-9]* *(\([0-9.]*\) per sec.)/\1/p' "$work/live-native.log") and $(sed -n 's/^ *transactions: *[0-9]* *(\([0-9.]*\) per sec.)/\1/p' "$work/live-pilotlight.log")"
pl_stop
mdb_sql native -e 'START SLAVE'
"$probe" wait -primary "$P" -native "$N" -since "$(now_ns)" >/dev/null

step "checking the data: CHECKSUM TABLE on all three"
tables="$(for i in $(seq "$TABLES"); do printf 'sbtest.sbtest%s,' "$i"; done)plbench.probe"
sum_p="$(mdb_sql primary -e "CHECKSUM TABLE $tables")"
verdict() { if [ "$(mdb_sql "$1" -e "CHECKSUM TABLE $tables")" = "$sum_p" ]; then echo identical; else echo DIFFERENT; fi; }
native_data="$(verdict native)" pl_data="$(verdict standby)"
echo "native replica: $native_data, pilotlight standby: $pl_data"

load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) ($(nproc) cores)"
versions="$(mariadbd --version | sed 's/.*Ver \([^ ]*\).*/MariaDB \1/'), $(sysbench --version), $("$PL" version | cut -d' ' -f1-2)"
report="$(python3 - "$work/lag.json" "$work/rounds" <<PY
import json, sys, statistics
lag = json.load(open(sys.argv[1]))
n, p = lag["native"], lag["pilotlight"]
rounds = {}
for line in open(sys.argv[2]):
    r, who, secs, cpu = line.split()
    rounds.setdefault(r, {})[who] = (float(secs), int(cpu))
tick = $ticks_per_sec
def tps(who): return [rd["txns"][0] / rd[who][0] for rd in rounds.values()]
ntps_all, ptps_all = tps("native"), tps("pilotlight")
ntps, ptps = statistics.median(ntps_all), statistics.median(ptps_all)
ratios = [b / a for a, b in zip(ntps_all, ptps_all)]
txns = int(statistics.median(rd["txns"][0] for rd in rounds.values()))
nsec = statistics.median(rd["native"][0] for rd in rounds.values())
psec = statistics.median(rd["pilotlight"][0] for rd in rounds.values())
ncpu = statistics.median(rd["native"][1] / rd["txns"][0] * 1000 / tick for rd in rounds.values())
pcpu = statistics.median(rd["pilotlight"][1] / rd["txns"][0] * 1000 / tick for rd in rounds.values())
def spread(v): return f"{min(v):.0f}-{max(v):.0f}" if len(v) > 1 else ""
def ms(x, lb):
    s = f"{x*1000:.0f} ms" if x < 1 else f"{x:.2f} s" if x < 10 else f"{x:.1f} s"
    return ("&ge; " if lb else "") + s
def catchup(r):
    if r["caught_up"]:
        return f"{r['catchup_seconds']:.2f} s"
    return f"&gt; {r['catchup_seconds']:.0f} s ({r['behind_transactions']} transactions behind then)"
def met(ok): return "met" if ok else "**not met**"
ratio = statistics.median(ratios)
rows = [
    "| | MariaDB native replication | pilotlight | pilotlight / native | goal |",
    "|---|---|---|---|---|",
    f"| backlog replay of {txns} transactions, median of {len(rounds)} | {nsec:.1f} s, **{ntps:.0f} tx/s** ({spread(ntps_all)}) | {psec:.1f} s, **{ptps:.0f} tx/s** ({spread(ptps_all)}) | **{ratio:.2f}x** ({min(ratios):.2f}-{max(ratios):.2f}) | &ge; 1.5x: {met(ratio >= 1.5)} |",
    f"| CPU per 1000 transactions replayed | {ncpu:.2f} s (replica mariadbd) | {pcpu:.2f} s (pilotlight + standby mariadbd) | {pcpu/ncpu:.2f}x | |",
    f"| live lag p50 | {ms(n['p50_seconds'], n['lower_bound'])} | {ms(p['p50_seconds'], p['lower_bound'])} | | |",
    f"| live lag p99 | {ms(n['p99_seconds'], n['lower_bound'])} | {ms(p['p99_seconds'], p['lower_bound'])} | | < 1 s: {met(p['p99_seconds'] < 1 and not p['lower_bound'])} |",
    f"| live lag max | {ms(n['max_seconds'], n['lower_bound'])} | {ms(p['max_seconds'], p['lower_bound'])} | | |",
    f"| catch-up after the live run | {catchup(n)} | {catchup(p)} | | &le; native: {met(p['caught_up'] and (not n['caught_up'] or p['catchup_seconds'] <= n['catchup_seconds']))} |",
    f"| peak RSS | (inside mariadbd, not comparable) | {$hwm_kib/1024:.0f} MiB | | |",
]
print("\n".join(rows))
print()
print(f"Live runs: the primary committed $live_tps tx/s (native's run, then pilotlight's); "
      f"{lag['probes']} probe rows. Data after the runs (CHECKSUM TABLE against the primary): "
      f"native $native_data, pilotlight $pl_data.")
PY
)"
echo
echo "$report"

section="$(cat <<MD
<!-- replicate:begin -->
## replicate: pilotlight versus MariaDB's native replication

Three MariaDB servers on this machine with identical settings (GTID binlogs, ROW, FULL row image,
log-slave-updates, binlog_row_metadata=FULL, gtid_strict_mode=ON, innodb_buffer_pool_size
${BUFFER_POOL}, the rest default): a primary, a native replica (\`CHANGE MASTER TO ...
MASTER_USE_GTID=slave_pos\`, slave_parallel_threads=${NATIVE_THREADS}) and a pilotlight standby
(\`pilotlight replicate\`, ${pl_mode}), both loaded from one \`mariadb-dump --gtid\` of
sysbench's ${TABLES} x ${TABLE_SIZE} rows at the same GTID position. **Backlog**, ${BACKLOG_ROUNDS} rounds:
with both appliers stopped (\`STOP SLAVE\`; replicate ended by SIGTERM), \`sysbench
oltp_write_only\` commits ${BACKLOG_EVENTS} transactions at ${BACKLOG_THREADS} threads; then each
applier alone, one after the other (who goes first alternates), replays them: the time from
\`START SLAVE\` or the start of \`pilotlight replicate\` (resuming from its checkpoint) until the
replica's position, native \`@@gtid_slave_pos\` or pilotlight's checkpoint, holds the primary's
\`@@gtid_binlog_pos\`; medians, with the range of the rounds in brackets. CPU is user+system
time of the applying side: the replica's mariadbd for native, pilotlight plus its standby's
mariadbd for pilotlight.
**Live**: once per applier, the other one stopped (so that neither takes the other's cores),
${LIVE_SECONDS} s of \`oltp_write_only\` at ${LIVE_THREADS} threads; a probe inserts a row
stamped with \`UTC_TIMESTAMP(6)\` into the primary every 100 ms and polls the replica every 10 ms (lag = time seen - stamp, so it includes up to 10 ms of polling);
catch-up is the time from sysbench's end until each position holds the primary's (given up after
${CATCHUP_TIMEOUT} s; lags of probe rows still missing then count as lower bounds, shown &ge;).
Peak RSS is pilotlight's VmHWM; the native applier is threads inside mariadbd, whose memory
is mostly the buffer pool, so it has no comparable figure. ${versions}, $(date -u +%Y-%m-%d), ${cpu},
load average ${load_before} at the start and ${load_after} at the end (a shared machine: other
work there slows both sides and widens the spread between rounds).

${report}

Reproduce: \`make bench-replicate\` (or \`BACKLOG_EVENTS=${BACKLOG_EVENTS} BACKLOG_ROUNDS=${BACKLOG_ROUNDS} BACKLOG_THREADS=${BACKLOG_THREADS} LIVE_SECONDS=${LIVE_SECONDS} LIVE_THREADS=${LIVE_THREADS} WORKERS=${WORKERS} NATIVE_THREADS=${NATIVE_THREADS} bash internal/bench/replicate.sh\`).
<!-- replicate:end -->
MD
)"
write_section "$DOC" replicate "$section"
finished=1
