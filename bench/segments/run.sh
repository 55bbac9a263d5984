#!/usr/bin/env bash
# Segment engine benchmark (issue: segment engine). Prints every figure beside its baseline,
# measured in this same run on this machine, as a ratio. Usage:
#   bench/segments/run.sh [CUSTOMERS] [WORKDIR]
# Defaults: 1,000,000 customers in /tmp/segflow-bench. Needs sqlite3 (apt) and, for the DuckDB
# comparison, the duckdb Python package (pip install duckdb); without it that part is skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000000}
W=${2:-/tmp/segflow-bench}
NOW=2026-11-15T12:00:00Z
mkdir -p "$W"
cargo build --release --quiet --bin segflow --example bench_segments
BIN=target/release/segflow
T=/usr/bin/time

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r)"
echo "== generate $N customers"
rm -rf "$W/shop" "$W"/*.db*
$T -f "generate: %e s, peak %M KiB" $BIN --now $NOW generate --customers "$N" --seed 42 --out "$W/shop"
wc -l "$W"/shop/*.csv | sed 's/^/  /'

echo "== import (segflow) vs sqlite3 .import of the same orders file"
secs() { python3 - "$@" <<'PY'
import subprocess, sys, time
t = time.monotonic(); subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); print(f"{time.monotonic() - t:.2f}")
PY
}
for kind in customers products; do
  $T -f "import $kind: %e s, peak %M KiB" $BIN --db "$W/bench.db" import $kind "$W/shop/$kind.csv" >/dev/null
done
ORD=$(secs $BIN --db "$W/bench.db" import orders "$W/shop/orders.csv")
for kind in items events; do
  $T -f "import $kind: %e s, peak %M KiB" $BIN --db "$W/bench.db" import $kind "$W/shop/$kind.csv" >/dev/null
done
rm -f "$W/plain.db"
SQ=$(secs sqlite3 "$W/plain.db" ".import --csv $W/shop/orders.csv orders")
echo "import orders: segflow ${ORD} s, sqlite3 .import ${SQ} s, ratio $(python3 -c "print(f'{$ORD / $SQ:.2f}')")x (segflow time / sqlite3 time)"

echo "== cold segflow segments (load snapshot + evaluate every rule in rules/)"
for i in 1 2 3; do
  $T -f "%e %M" $BIN --db "$W/bench.db" --now $NOW segments >/dev/null 2>>"$W/cold.txt"
done
sort -n "$W/cold.txt" | sed -n 2p | awk '{printf "cold segments: median %.2f s, peak memory %.0f MiB\n", $1, $2/1024}'
rm -f "$W/cold.txt"

echo "== warm evaluation per segment: columnar vs hand-written SQL on the same SQLite file"
BENCH_JSON="$W/columnar.json" target/release/examples/bench_segments "$W/bench.db" rules $NOW bench/segments/handwritten.sql

if python3 -c "import duckdb" 2>/dev/null; then
  echo "== DuckDB (in-memory tables loaded from the same data) vs columnar"
  python3 bench/segments/duckdb_bench.py "$W/bench.db" "$W/columnar.json" $NOW
else
  echo "== DuckDB comparison skipped (pip install duckdb to run it)"
fi
