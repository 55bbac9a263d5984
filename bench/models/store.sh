#!/usr/bin/env bash
# Times `segflow model fit` (read histories, RFM, lifecycle, BG/NBD + Gamma-Gamma fits, scoring,
# writing customer_scores) on a generated shop. See README.md.
# Usage: bench/models/store.sh [CUSTOMERS] [WORKDIR]   (defaults: 1000000, /tmp/segflow-model-bench)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000000}
WORK=${2:-/tmp/segflow-model-bench}
TARGET=${CARGO_TARGET_DIR:-target}
NOW=2026-11-22T10:00:00Z
BIN="$TARGET/release/segflow"

cargo build --release --quiet --bin segflow
mkdir -p "$WORK"
rm -f "$WORK/shop.db" "$WORK/shop.db-wal" "$WORK/shop.db-shm"
"$BIN" --now "$NOW" generate --customers "$N" --seed 42 --out "$WORK/shop"
"$BIN" --db "$WORK/shop.db" import customers "$WORK/shop/customers.csv" | tail -1
"$BIN" --db "$WORK/shop.db" import orders "$WORK/shop/orders.csv" | tail -1

median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
echo "== segflow model fit on $N generated customers, median of 3 (load: $(cut -d' ' -f1-3 /proc/loadavg))"
walls=()
for _ in 1 2 3; do
  start=$(date +%s.%N)
  "$BIN" --db "$WORK/shop.db" --now "$NOW" model fit | tail -1
  walls+=("$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.2f", e - s}')")
done
"$BIN" --db "$WORK/shop.db" --now "$NOW" model show | head -5
echo "wall seconds: ${walls[*]}; median $(printf '%s\n' "${walls[@]}" | median)"
