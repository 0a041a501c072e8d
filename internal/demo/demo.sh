#!/usr/bin/env bash
# make demo: pilotlight replicating a small shop database between two local MariaDB servers,
# with writes going on, and `pilotlight status` every few seconds until Ctrl-C. Then it stops
# the writer, lets the standby catch up, stops replicate (SIGTERM: exit 0), shows the final
# status and compares CHECKSUM TABLE on both sides, and removes everything it started.
# Embedded defaults: a local MariaDB pair on free loopback ports in a temp dir, a file:// sink
# for the snapshot the standby is seeded from, no Redis (the lease is a local file lock).
#   make demo                    (until Ctrl-C)
#   DEMO_SECONDS=20 make demo    (stops by itself after 20 s; exit 0 only if both sides match)
# shellcheck disable=SC2317 # cleanup and on_signal run from traps
set -euo pipefail
cd "$(dirname "$0")/../.."

PL="${PL:-bin/pilotlight}"
DEMO_SECONDS="${DEMO_SECONDS:-0}"    # 0: run until Ctrl-C
STATUS_EVERY="${STATUS_EVERY:-5}"    # seconds between status reports
STREAM=shop

export PATH="$PATH:/usr/sbin:/usr/local/sbin"
for tool in mariadbd mariadb-install-db mariadb "$PL"; do
  command -v "$tool" >/dev/null || { echo "demo: $tool is missing: run make deps and make build (make demo does both)" >&2; exit 1; }
done

if [ -t 1 ]; then B=$'\e[1m' D=$'\e[2m' G=$'\e[32m' R=$'\e[31m' N=$'\e[0m'; else B="" D="" G="" R="" N=""; fi
say() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
show() { printf '%s$ %s%s\n' "$D" "$*" "$N"; } # a command as the user would type it

work="$(mktemp -d /tmp/pilotlight-demo.XXXXXX)"
MDB_ROOT="$work"
# The settings pilotlight's preflight asks for (GTIDs in strict mode, ROW, FULL image and metadata).
MDB_EXTRA_FLAGS=(--gtid-strict-mode=ON --binlog-row-metadata=FULL)
# shellcheck source=internal/bench/mariadb.sh
source internal/bench/mariadb.sh
export XDG_STATE_HOME="$work/state" # replicate's lease (replication.lease_dir) lives in the temp dir

writer_pid="" pl_pid="" phase=setup
cleanup() {
  local rc=$?
  set +e
  trap '' INT TERM
  trap - EXIT
  [ -n "$writer_pid" ] && kill -TERM -- "-$writer_pid" 2>/dev/null && wait "$writer_pid" 2>/dev/null
  if [ -n "$pl_pid" ]; then
    kill -TERM "$pl_pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$pl_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pl_pid" 2>/dev/null
    wait "$pl_pid" 2>/dev/null
  fi
  if [ "${#MDB_NAMES[@]}" -gt 0 ]; then
    echo "stopping both MariaDB servers and removing $work"
    mdb_stop_all
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
# Ctrl-C while setting up aborts; while replicating it starts the orderly stop.
on_signal() {
  if [ "$phase" = running ]; then phase=stopping; else exit 130; fi
}
trap on_signal INT TERM

cat <<EOF
${B}pilotlight demo${N}: a MariaDB primary, a standby, and pilotlight keeping the standby in step.
  1. start two throwaway MariaDB servers on free loopback ports (data in $work)
  2. create a small shop database on the primary (customers, products, orders, order_items)
  3. take a ${B}pilotlight snapshot${N} of it to a file:// sink
  4. run ${B}pilotlight replicate --seed-from${N} while a writer places orders: it restores the
     snapshot into the empty standby, then replicates from the snapshot's GTID position
  5. print ${B}pilotlight status${N} and the /metrics lag every ${STATUS_EVERY} s, $( [ "$DEMO_SECONDS" -gt 0 ] && echo "for ${DEMO_SECONDS} s" || echo "until you press Ctrl-C")
  6. stop cleanly: writer, catch-up, replicate (SIGTERM), final status, CHECKSUM TABLE on both sides
EOF

say "1. starting MariaDB: primary (server-id 1) and standby (server-id 2)"
mdb_start primary 1
mdb_start standby 2
src="$(mdb_url primary)" dst="$(mdb_url standby)"
echo "primary  $src   (binlog: ROW, FULL row image, GTIDs; root has no password)"
echo "standby  $dst"
mysql_p="mariadb -h127.0.0.1 -P${MDB_PORT[primary]} -uroot"
mysql_s="mariadb -h127.0.0.1 -P${MDB_PORT[standby]} -uroot"

say "2. loading the sample shop database on the primary"
mdb_sql primary <internal/demo/shop.sql
mdb_sql primary -t --column-names -e "SELECT 'customers' AS \`table\`, COUNT(*) AS \`rows\` FROM shop.customers UNION ALL
  SELECT 'products', COUNT(*) FROM shop.products UNION ALL SELECT 'orders', COUNT(*) FROM shop.orders UNION ALL
  SELECT 'order_items', COUNT(*) FROM shop.order_items"
mdb_sql primary -t --column-names -e "SELECT o.id, c.name AS customer, o.status, o.total, o.created_at, o.note
  FROM shop.orders o JOIN shop.customers c ON c.id = o.customer_id WHERE o.note IS NOT NULL ORDER BY o.id LIMIT 3"

say "3. a snapshot of the primary to a file:// sink (it records the exact GTID position)"
mkdir -p "$work/backups"
sink="file://$work/backups"
show "$PL snapshot --source $src --to $sink"
"$PL" snapshot --source "$src" --to "$sink" --log-level warn
show "$PL snapshot ls $sink"
"$PL" snapshot ls "$sink"

say "4. starting the writer and pilotlight replicate --seed-from (restore the snapshot, then replicate)"
metrics_port="$(mdb_free_port)"
repl=(replicate --source "$src" --standby "$dst" --stream "$STREAM" --seed-from "$sink"
  --rpo 1s --listen "127.0.0.1:$metrics_port")
if "$PL" replicate --help 2>&1 | grep -q -- '--heartbeat'; then repl+=(--heartbeat 500ms); fi
# The writer: one client session placing an order (1-3 items, stock and JSON updated) every
# ~100 ms, moving a few orders along every half second and repricing a tenth of the catalogue
# every 10 s. Its own session (setsid), so that Ctrl-C reaches only this script; it stops when
# the file $work/stop-writer appears, its client finishing the statement in flight.
# shellcheck disable=SC2016 # expanded by the writer's shell
setsid bash -c '
  i=0
  while [ ! -e "$2" ]; do
    echo "CALL shop.place_order();"
    [ $((i % 5)) = 0 ] && echo "CALL shop.advance_orders();"
    [ $((i % 100)) = 99 ] && echo "CALL shop.reprice();"
    i=$((i + 1))
    sleep 0.1
  done | mariadb --no-defaults --default-character-set=utf8mb4 --protocol=tcp -h127.0.0.1 -P"$1" -uroot shop' writer "${MDB_PORT[primary]}" "$work/stop-writer" \
  >"$work/writer.log" 2>&1 </dev/null &
writer_pid=$!
show "while sleep 0.1; do echo 'CALL shop.place_order();'; done | $mysql_p shop     # the writer, roughly"
show "$PL ${repl[*]} > replicate.log 2>&1 &"
setsid "$PL" "${repl[@]}" >"$work/replicate.log" 2>&1 </dev/null &
pl_pid=$!
echo "replicate runs as pid $pl_pid, its log: $work/replicate.log (lease in \$XDG_STATE_HOME=$XDG_STATE_HOME)"

status=("$PL" status --source "$src" --standby "$dst" --stream "$STREAM" --rpo 1s)
metrics() {
  if command -v curl >/dev/null; then
    curl -fsS --max-time 2 "http://127.0.0.1:$metrics_port/metrics" 2>/dev/null
  else # no curl: HTTP/1.0 over bash's /dev/tcp
    (exec 3<>"/dev/tcp/127.0.0.1/$metrics_port" && printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3 && cat <&3) 2>/dev/null
  fi
}
report() {
  printf '\n%s--- %s%s\n' "$B" "$(date +%H:%M:%S)" "$N"
  show "${status[*]}"
  "${status[@]}" || true
  show "curl -s http://127.0.0.1:$metrics_port/metrics | grep -E '^pilotlight_replication_(lag_seconds|applied_transactions_total)'"
  metrics | grep -E '^pilotlight_replication_(lag_seconds|applied_transactions_total)' || echo "(metrics not served yet)"
  if ! kill -0 "$pl_pid" 2>/dev/null; then
    echo "${R}replicate has stopped; the end of its log:${N}" >&2
    tail -n 20 "$work/replicate.log" >&2
    exit 1
  fi
}

say "5. replicating: status every ${STATUS_EVERY} s ($( [ "$DEMO_SECONDS" -gt 0 ] && echo "for ${DEMO_SECONDS} s" || echo "Ctrl-C to stop"))"
for _ in $(seq 100); do # until replicate has written its first checkpoint
  "${status[@]}" >/dev/null 2>&1 && break
  kill -0 "$pl_pid" 2>/dev/null || break
  sleep 0.1
done
phase=running
started=$SECONDS
while [ "$phase" = running ]; do
  report
  if [ "$DEMO_SECONDS" -gt 0 ] && [ $((SECONDS - started)) -ge "$DEMO_SECONDS" ]; then break; fi
  sleep "$STATUS_EVERY" &
  wait $! 2>/dev/null || true # returns at once on Ctrl-C
  kill $! 2>/dev/null || true
done
phase=stopping
trap 'exit 130' INT TERM # a second Ctrl-C skips the orderly stop (cleanup still runs)

say "6. stopping: writer first, then wait until the standby holds everything"
touch "$work/stop-writer"
writer_rc=0
wait "$writer_pid" || writer_rc=$?
writer_pid=""
if [ "$writer_rc" != 0 ]; then echo "${R}the writer failed (exit $writer_rc):${N}" >&2; tail -n 5 "$work/writer.log" >&2; fi
echo "writer stopped; primary at $(mdb_sql primary -e 'SELECT @@gtid_binlog_pos')"
caught_up=""
for _ in $(seq 120); do
  if "${status[@]}" --json 2>/dev/null | grep -q '"lag": *"caught_up"'; then caught_up=1; break; fi
  sleep 0.5
done
[ -n "$caught_up" ] || echo "${R}the standby did not catch up within 60 s${N}" >&2
show "kill -TERM $pl_pid    # replicate: SIGTERM is a normal stop"
kill -TERM "$pl_pid"
pl_rc=0
wait "$pl_pid" || pl_rc=$?
pl_pid=""
echo "replicate exited with status $pl_rc"

say "final status"
show "${status[*]}"
"${status[@]}" || true

say "CHECKSUM TABLE on both sides"
tables=shop.customers,shop.products,shop.orders,shop.order_items
show "$mysql_p -e 'CHECKSUM TABLE $tables'   # and the same on the standby"
sum_p="$(mdb_sql primary -e "CHECKSUM TABLE $tables")"
sum_s="$(mdb_sql standby -e "CHECKSUM TABLE $tables")"
paste <(echo "$sum_p") <(echo "$sum_s" | cut -f2) | awk -F'\t' 'BEGIN { printf "%-20s %12s %12s\n", "table", "primary", "standby" }
  { printf "%-20s %12s %12s  %s\n", $1, $2, $3, ($2 == $3 ? "same" : "DIFFERENT") }'
rows="$(mdb_sql primary -e 'SELECT COUNT(*) FROM shop.orders')"
if [ "$sum_p" = "$sum_s" ] && [ "$pl_rc" = 0 ]; then
  echo "${G}both sides hold the same data ($rows orders); replicate stopped cleanly${N}"
  rc=0
else
  echo "${R}the standby differs from the primary or replicate failed; replicate log: ${N}" >&2
  tail -n 30 "$work/replicate.log" >&2
  rc=1
fi
say "done; to try the commands yourself, see README.md and docs/replicate.md (pilotlight replicate, pilotlight status)"
exit "$rc"
