#!/usr/bin/env bash
# Daemon benchmark (issue: daemon). Usage: bench/daemon/run.sh [CUSTOMERS] [WORKDIR]
# Defaults: 1,000,000 customers in /tmp/segflow-daemon-bench (the shop is generated and imported
# once and reused). Needs wrk (apt install wrk), sqlite3 and python3.
#  1. incremental refresh of 1,000 new orders vs a full refresh, in one process (median of 3);
#  2. ingestion through `segflow run` on loopback with wrk: single events, then batches of 100;
#  3. event -> journey start latency, idle and under the single-event load.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000000}
W=${2:-/tmp/segflow-daemon-bench}
NOW=2026-11-15T12:00:00Z
DUR=${DUR:-20s}
mkdir -p "$W"
cargo build --release --quiet --bin segflow --example bench_incremental
BIN=$PWD/target/release/segflow
echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r); wrk and the daemon share the cores"

if [ ! -f "$W/bench.db" ] || [ "$(cat "$W/customers" 2>/dev/null)" != "$N" ]; then
  echo "== generate and import $N customers"
  rm -rf "$W/shop" "$W"/*.db*
  $BIN --now $NOW generate --customers "$N" --seed 42 --out "$W/shop" >/dev/null
  for kind in customers products orders items events; do
    $BIN --db "$W/bench.db" import $kind "$W/shop/$kind.csv" >/dev/null
  done
  echo "$N" > "$W/customers"
fi

if [ -z "${SKIP_INCREMENTAL:-}" ]; then
  echo "== 1. incremental refresh: 1,000 new orders on $N customers"
  rm -f "$W"/incremental.db*
  cp "$W/bench.db" "$W/incremental.db"
  target/release/examples/bench_incremental "$W/incremental.db" rules $NOW 3
  rm -f "$W"/incremental.db*
fi

echo "== 2. ingestion through segflow run"
# A shop that has been running: segments refreshed once before the daemon starts, and only the
# abandoned-checkout workflow (event-triggered), whose journeys the latency probe measures.
rm -f "$W"/daemon.db*
cp "$W/bench.db" "$W/daemon.db"
rm -rf "$W/outbox" "$W/repo" && mkdir -p "$W/repo/workflows"
cp -r rules "$W/repo/rules"
cp -r workflows/templates "$W/repo/workflows/templates"
cp workflows/abandoned_checkout.yaml "$W/repo/workflows/"
$BIN --db "$W/daemon.db" --rules "$W/repo/rules" refresh >/dev/null
cat > "$W/segflow.toml" <<TOML
[store]
path = "daemon.db"
[rules]
dir = "repo/rules"
[mail]
transport = "file"
[mail.file]
dir = "outbox"
[daemon]
bind = "127.0.0.1:18090"
TOML
export SEGFLOW_API_TOKEN=bench-token-0123456789 SEGFLOW_LOG=warn CUSTOMERS=$N
$BIN --config "$W/segflow.toml" run > "$W/daemon.out" 2> "$W/daemon.log" &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do grep -q listening "$W/daemon.out" 2>/dev/null && break; sleep 0.5; done
# Wait for the first pass (every segment's first scheduled refresh) to end.
for _ in $(seq 1 600); do
  [ -n "$(sqlite3 "$W/daemon.db" "SELECT value FROM daemon_state WHERE key = 'heartbeat'" 2>/dev/null)" ] && break; sleep 0.5
done
ADDR=127.0.0.1:18090
python3 bench/daemon/probe.py $ADDR $SEGFLOW_API_TOKEN "$W/daemon.db" 200 20 idle
C=${CONNS:-32}
echo "-- single events (1 per request), 2 threads, $C connections, $DUR"
wrk -t2 -c$C -d$DUR --latency -s bench/daemon/single.lua http://$ADDR > "$W/wrk-single.txt" &
WRK=$!
sleep 3
python3 bench/daemon/probe.py $ADDR $SEGFLOW_API_TOKEN "$W/daemon.db" 200 20 loaded
wait $WRK
grep -E 'Requests/sec|^ +(50|99)%|Non-2xx|Socket errors' "$W/wrk-single.txt"
echo "-- batches of 100 events, 2 threads, 8 connections, $DUR"
wrk -t2 -c8 -d$DUR --latency -s bench/daemon/batch.lua http://$ADDR > "$W/wrk-batch.txt"
grep -E 'Requests/sec|^ +(50|99)%|Non-2xx|Socket errors' "$W/wrk-batch.txt"
awk '/Requests\/sec/ {printf "   = %.0f events/s\n", $2 * 100}' "$W/wrk-batch.txt"
kill -TERM $PID; wait $PID || true
trap - EXIT
echo "events stored: $(sqlite3 "$W/daemon.db" "SELECT COUNT(*) FROM events WHERE type = 'page_viewed' AND dedup_key LIKE 'w-%' OR dedup_key LIKE 'b-%'")"
grep -E 'ERROR|WARN' "$W/daemon.log" | head -5 || true
