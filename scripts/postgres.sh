# Shared by scripts/test and scripts/bench: find (or install) PostgreSQL, start a throwaway
# server on a free loopback port, stop it. Source it, then call pg_start and pg_stop.
# After pg_start: PG_PORT, PG_DATA and PG_URL (postgres://postgres@127.0.0.1:PORT/postgres) are set.

pg_find_bindir() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ]; then PG_BIN="$dir"; fi
  done
  [ -n "${PG_BIN:-}" ]
}

pg_install() {
  echo "PostgreSQL server binaries not found: installing Debian's postgresql package" >&2
  export DEBIAN_FRONTEND=noninteractive
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq >&2
  $sudo apt-get install -y -qq postgresql >&2
}

pg_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Runs a command as the user that owns the data directory (PostgreSQL refuses to run as root).
pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# pg_start [extra postgres -c settings...]
pg_start() {
  pg_find_bindir || { pg_install && pg_find_bindir; } || { echo "could not install PostgreSQL" >&2; return 1; }
  PG_DATA=$(mktemp -d /tmp/conveyor-pg.XXXXXX)
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home "$PG_DATA" postgres
    chown postgres "$PG_DATA"
  fi
  PG_PORT=$(pg_free_port)
  pg_as_owner "$PG_BIN/initdb" -D "$PG_DATA/data" -U postgres --auth=trust -E UTF8 --no-locale >"$PG_DATA/initdb.log" 2>&1 \
    || { cat "$PG_DATA/initdb.log" >&2; return 1; }
  local settings=(-c listen_addresses=127.0.0.1 -c port="$PG_PORT" -c unix_socket_directories="$PG_DATA"
    -c max_connections=400 -c shared_buffers=256MB)
  for setting in "$@"; do settings+=(-c "$setting"); done
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA/data" -l "$PG_DATA/server.log" -w -t 60 \
    -o "$(printf '%q ' "${settings[@]}")" start >/dev/null || { cat "$PG_DATA/server.log" >&2; return 1; }
  PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  export PG_PORT PG_DATA PG_URL PG_BIN
  echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT (data in $PG_DATA)" >&2
}

pg_stop() {
  if [ -n "${PG_DATA:-}" ] && [ -d "$PG_DATA/data" ]; then
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DATA"
  fi
}
