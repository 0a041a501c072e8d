# shellcheck shell=bash
# Throwaway MariaDB instances for the benchmark and demo scripts (sourced, not run).
# Every instance gets the same flags (RIG.md: GTID binlogs, ROW, FULL row image,
# log-slave-updates; the same InnoDB settings), a temp directory under $MDB_ROOT and a free
# loopback port; root has no password on 127.0.0.1. Each mariadbd runs in a session of its
# own, so a Ctrl-C on the terminal reaches only the script, which stops them in order.
#
#   MDB_ROOT=$(mktemp -d); source internal/bench/mariadb.sh
#   mdb_start primary 1          # sets MDB_PORT[primary], MDB_PID[primary]
#   mdb_sql primary -e 'SELECT @@gtid_binlog_pos'
#   mdb_stop_all                 # SIGTERM each server (SIGKILL after 30 s), in reverse order

export PATH="$PATH:/usr/sbin:/usr/local/sbin"
declare -gA MDB_PORT=() MDB_PID=()
declare -ga MDB_NAMES=()
MDB_BUFFER_POOL="${MDB_BUFFER_POOL:-128M}"
MDB_EXTRA_FLAGS=("${MDB_EXTRA_FLAGS[@]}")

# mdb_free_port: a loopback TCP port nobody listens on (the server start retries on a race).
mdb_free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return
    fi
  done
}

# mdb_flags NAME SERVER_ID PORT: the mariadbd command line every instance uses.
mdb_flags() {
  # shellcheck disable=SC2153 # MDB_ROOT is the caller's
  local d="$MDB_ROOT/$1"
  printf '%s\n' --no-defaults "--datadir=$d/data" --user=root "--port=$3" --bind-address=127.0.0.1 \
    "--socket=$d/sock" "--pid-file=$d/pid" "--server-id=$2" "--log-bin=$d/data/binlog" \
    --binlog-format=ROW --binlog-row-image=FULL --log-slave-updates=1 \
    "--innodb-buffer-pool-size=$MDB_BUFFER_POOL" --skip-name-resolve "${MDB_EXTRA_FLAGS[@]}"
}

# mdb_start NAME SERVER_ID: initialises a data directory and starts mariadbd on a free port.
mdb_start() {
  local name="$1" id="$2" d="$MDB_ROOT/$1" port pid flags try
  if [ ! -d "$MDB_ROOT/.template" ]; then # mariadb-install-db once, copied for each instance
    mariadb-install-db --no-defaults --datadir="$MDB_ROOT/.template" --user=root \
      --auth-root-authentication-method=normal >"$MDB_ROOT/install-db.log" 2>&1 ||
      { cat "$MDB_ROOT/install-db.log" >&2; return 1; }
  fi
  mkdir -p "$d"
  cp -a "$MDB_ROOT/.template" "$d/data"
  for try in 1 2 3 4 5; do
    port="$(mdb_free_port)"
    mapfile -t flags < <(mdb_flags "$name" "$id" "$port")
    setsid mariadbd "${flags[@]}" >"$d/server.log" 2>&1 </dev/null &
    pid=$!
    MDB_PID[$name]=$pid MDB_PORT[$name]=$port
    MDB_NAMES+=("$name")

    for _ in $(seq 300); do
      if mariadb --no-defaults --protocol=tcp -h127.0.0.1 -P"$port" -uroot -e 'SELECT 1' >/dev/null 2>&1; then
        return 0
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "mariadb $name did not answer on port $port within 30 s; log: $d/server.log" >&2
      return 1
    fi
    wait "$pid" 2>/dev/null || true
    unset "MDB_PID[$name]"
    MDB_NAMES=("${MDB_NAMES[@]:0:${#MDB_NAMES[@]}-1}")
    grep -q 'Address already in use' "$d/server.log" || break
    echo "mariadb $name: port $port was taken, retrying ($try)" >&2
  done
  echo "mariadb $name failed to start; its log ($d/server.log) ends with:" >&2
  tail -n 20 "$d/server.log" >&2
  return 1
}

# mdb_sql NAME [mariadb args...]: the mariadb client on instance NAME as root, batch mode.
mdb_sql() {
  local name="$1"
  shift
  mariadb --no-defaults --default-character-set=utf8mb4 --protocol=tcp -h127.0.0.1 -P"${MDB_PORT[$name]}" -uroot -N -B "$@"
}

# mdb_url NAME: the instance as a pilotlight endpoint URL.
mdb_url() { echo "mysql://root@127.0.0.1:${MDB_PORT[$1]}/"; }

# mdb_stop NAME: SIGTERM (a clean InnoDB shutdown), SIGKILL after 30 s.
mdb_stop() {
  local name="$1" pid="${MDB_PID[$1]:-}"
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "MDB_PID[$name]"
}

# mdb_stop_all: SIGTERM every started instance at once, then wait for each (SIGKILL after 30 s).
mdb_stop_all() {
  local name
  for name in "${MDB_NAMES[@]}"; do
    if [ -n "${MDB_PID[$name]:-}" ]; then kill -TERM "${MDB_PID[$name]}" 2>/dev/null || true; fi
  done
  for name in "${MDB_NAMES[@]}"; do
    mdb_stop "$name"
  done
  MDB_NAMES=()
}
