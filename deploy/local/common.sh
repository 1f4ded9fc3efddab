# Shared settings for the local infrastructure scripts (sourced, not run).
# RAPPORT_CACHE holds the Kafka jars, the broker's data and the PostgreSQL cluster.
# As root the default is /var/cache/rapport, so PostgreSQL's unprivileged owner can reach it.
if [ -z "${RAPPORT_CACHE:-}" ]; then
  if [ "$(id -u)" = 0 ]; then RAPPORT_CACHE=/var/cache/rapport; else RAPPORT_CACHE="$HOME/.cache/rapport"; fi
fi
export RAPPORT_CACHE
mkdir -p "$RAPPORT_CACHE"
DEPLOY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

say() { printf '[%s] %s\n' "$(basename "$0" .sh)" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# wait_port HOST PORT SECONDS: true once something accepts TCP connections there.
wait_port() {
  local host=$1 port=$2 secs=$3 i
  for ((i = 0; i < secs * 10; i++)); do
    (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
