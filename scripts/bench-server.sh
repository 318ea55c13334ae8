# Shared by scripts/bench and scripts/bench-peers: the throwaway server both benchmark on.
# Source scripts/postgres.sh first. Durability stays at PostgreSQL's defaults: every commit waits
# for its WAL flush (fsync=on, synchronous_commit=on, full_page_writes=on).

bench_pg_start() {
  local settings=(fsync=on synchronous_commit=on full_page_writes=on)
  if [ -n "${CONVEYOR_BENCH_PROFILE:-}" ]; then
    settings+=(shared_preload_libraries=pg_stat_statements pg_stat_statements.track=all)
  fi
  pg_start "${settings[@]}"
}
