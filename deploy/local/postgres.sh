#!/usr/bin/env bash
# Private local PostgreSQL cluster for Rapport (tests and `make run` with PostgreSQL).
#   postgres.sh install       install the server binaries if missing (Debian package)
#   postgres.sh start         install the server if missing, initdb once, start on 127.0.0.1:$RAPPORT_PG_PORT
#   postgres.sh stop          stop it
#   postgres.sh createdb NAME create database NAME if it does not exist
#   postgres.sh dropdb NAME   drop database NAME if it exists
#   postgres.sh url NAME      print the SQLAlchemy URL of database NAME
#   postgres.sh pid           print the process id of the server (its postmaster; make bench counts its CPU)
# As root the cluster runs as the unprivileged user `postgres` (created if missing).
set -euo pipefail
source "$(dirname "$0")/common.sh"

PG_PORT=${RAPPORT_PG_PORT:-54329}
PG_DIR="$RAPPORT_CACHE/pg"
PG_DATA="$PG_DIR/data"
PG_USER=rapport

find_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/pg_ctl" ] && { PG_BIN=$d; return 0; }; done
  command -v pg_ctl >/dev/null && [ -x "$(dirname "$(command -v pg_ctl)")/postgres" ] && { PG_BIN=$(dirname "$(command -v pg_ctl)"); return 0; }
  return 1
}

install_server() {
  find_bin && return 0
  [ "$(id -u)" = 0 ] || die "PostgreSQL server binaries not found; install Debian's 'postgresql' package (sudo apt-get install postgresql)"
  say "installing Debian's postgresql package"
  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql) >"$RAPPORT_CACHE/apt-postgresql.log" 2>&1 \
    || { tail -n 20 "$RAPPORT_CACHE/apt-postgresql.log" >&2; die "apt-get install postgresql failed (log above)"; }
  find_bin || die "postgresql installed but no pg_ctl found under /usr/lib/postgresql"
}

# as_owner CMD...: run CMD as the cluster's owner (the unprivileged 'postgres' user when we are root).
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$PG_DIR" --shell /bin/sh postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

psql_admin() { PGPASSWORD=rapport psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d postgres "$@"; }

start() {
  install_server
  if port_open 127.0.0.1 "$PG_PORT"; then say "PostgreSQL already up on 127.0.0.1:$PG_PORT"; return 0; fi
  mkdir -p "$PG_DIR"
  [ "$(id -u)" = 0 ] && { as_owner true; chown postgres "$PG_DIR"; chmod 755 "$RAPPORT_CACHE"; }
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    say "initialising a private cluster in $PG_DATA"
    local pw="$PG_DIR/.pw"; echo rapport >"$pw"; [ "$(id -u)" = 0 ] && chown postgres "$pw"
    as_owner "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_USER" --pwfile="$pw" -A scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 \
      || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
    rm -f "$pw"
    cat >>"$PG_DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DIR'
max_connections = 300
shared_buffers = 256MB
fsync = on
synchronous_commit = off
CONF
  fi
  statement_stats
  say "starting PostgreSQL on 127.0.0.1:$PG_PORT"
  as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DIR/server.log" -w -t 60 start >/dev/null \
    || { tail -n 30 "$PG_DIR/server.log" >&2; die "PostgreSQL did not start (log above)"; }
  say "PostgreSQL is up on 127.0.0.1:$PG_PORT"
}

# pg_stat_statements loaded when the server has it (Debian's package does), tracking nothing: `make bench`
# switches it on for its profiled pass to see where PostgreSQL's time goes (bench/pgstat.py). Added to
# a cluster made before this too, as it starts.
statement_stats() {
  local lib
  lib="$("$PG_BIN/pg_config" --pkglibdir 2>/dev/null || echo "$PG_BIN/../lib")/pg_stat_statements.so"
  [ -f "$lib" ] || return 0
  grep -q "^shared_preload_libraries = 'pg_stat_statements'" "$PG_DATA/postgresql.conf" && return 0
  printf "shared_preload_libraries = 'pg_stat_statements'\npg_stat_statements.track = none\n" >>"$PG_DATA/postgresql.conf"
}

stop() {
  find_bin || return 0
  [ -f "$PG_DATA/postmaster.pid" ] || { say "PostgreSQL is not running"; return 0; }
  as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null && say "PostgreSQL stopped"
}

case "${1:-}" in
  install) install_server ;;
  start) start ;;
  stop) stop ;;
  createdb)
    [ -n "${2:-}" ] || die "usage: $0 createdb NAME"
    [ "$(psql_admin -tAc "select 1 from pg_database where datname='$2'")" = 1 ] || psql_admin -c "create database \"$2\"" ;;
  dropdb)
    [ -n "${2:-}" ] || die "usage: $0 dropdb NAME"
    psql_admin -c "drop database if exists \"$2\" with (force)" ;;
  url) echo "postgresql+psycopg://$PG_USER:rapport@127.0.0.1:$PG_PORT/${2:?usage: $0 url NAME}" ;;
  pid) [ -f "$PG_DATA/postmaster.pid" ] || die "PostgreSQL is not running"; head -n 1 "$PG_DATA/postmaster.pid" ;;
  *) echo "usage: $0 start|stop|createdb NAME|dropdb NAME|url NAME|pid" >&2; exit 2 ;;
esac
