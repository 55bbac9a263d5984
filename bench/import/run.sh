#!/usr/bin/env bash
# Import benchmark (performance issue, goal 2: import no slower than `sqlite3 .import` of the
# same CSV). Usage:
#   bench/import/run.sh [CUSTOMERS] [WORKDIR]
# Defaults: 200,000 customers in /tmp/segflow-import-bench. Needs sqlite3 (apt-get install -y
# sqlite3) and python3.
#
# For each file, `segflow import KIND FILE` into a fresh store (a copy of a store holding only
# what the file refers to, so the file's own table starts empty, as in a first import) is timed
# back to back with `sqlite3 DB ".mode csv" ".import FILE t"` of the same file into a new
# database; 3 pairs per file, medians, and the ratio segflow / sqlite3 (below 1.00 is faster).
# The files: customers.csv, orders.csv and items.csv of `segflow generate` (generic layout), and
# a Shopify orders export of the same orders written by bench/import/shopify_orders.py.
# bench/import/profile.sh splits one import's time into its parts with perf.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-200000}
W=${2:-/tmp/segflow-import-bench}
RUNS=${RUNS:-3}
NOW=2026-11-15T12:00:00Z
cargo build --release --quiet --bin segflow
BIN=$PWD/target/release/segflow

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r), $(sqlite3 --version | cut -d' ' -f1-2 | sed 's/^/sqlite3 /')"
echo "== load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$W" && mkdir -p "$W"
echo "== generate $N customers"
$BIN --now $NOW generate --customers "$N" --seed 42 --out "$W/shop" >/dev/null
python3 bench/import/shopify_orders.py "$W/shop" "$W/shop/shopify_orders.csv"
wc -l "$W"/shop/{customers,products,orders,items,shopify_orders}.csv | sed 's/^/  /'

# Stores holding what each file refers to, copied before every timed run.
base() { # NAME KIND...
  local dir="$W/base-$1"; shift
  mkdir -p "$dir"
  for kind in "$@"; do
    $BIN --db "$dir/store.db" import "$kind" "$W/shop/$kind.csv" >/dev/null
  done
  # Creates the (empty) store when no file was imported.
  $BIN --db "$dir/store.db" status >/dev/null 2>&1 || true
}
base empty
base customers customers
base products customers products
base orders customers products orders

secs() { python3 - "$@" <<'PY'
import subprocess, sys, time
t = time.monotonic(); subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); print(f"{time.monotonic() - t:.3f}")
PY
}
median() { tr ' ' '\n' | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"; }

# KIND FILE BASE LABEL
measure() {
  local kind=$1 file=$2 from=$3 label=$4 seg=() sq=() pairs=()
  for _ in $(seq "$RUNS"); do
    rm -rf "$W/run" "$W/plain.db" && cp -r "$W/base-$from" "$W/run"
    local s q
    s=$(secs "$BIN" --db "$W/run/store.db" import "$kind" "$file")
    q=$(secs sqlite3 "$W/plain.db" ".mode csv" ".import $file t")
    seg+=("$s"); sq+=("$q"); pairs+=("$(python3 -c "print(f'{$s / $q:.2f}')")")
  done
  local ms mq
  ms=$(echo "${seg[*]}" | median); mq=$(echo "${sq[*]}" | median)
  printf '%-28s segflow %6.2f s  sqlite3 .import %6.2f s  ratio %sx  (pairs: %s; load %s)\n' \
    "$label" "$ms" "$mq" "$(python3 -c "print(f'{$ms / $mq:.2f}')")" "${pairs[*]}" \
    "$(cut -d' ' -f1 /proc/loadavg)"
}

echo "== import into a fresh store vs sqlite3 .import of the same file ($RUNS pairs, medians)"
measure customers "$W/shop/customers.csv" empty "customers.csv (generic)"
measure orders "$W/shop/orders.csv" products "orders.csv (generic)"
measure items "$W/shop/items.csv" orders "items.csv (generic)"
measure orders "$W/shop/shopify_orders.csv" products "orders (Shopify export)"
echo "== load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
