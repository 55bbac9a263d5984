#!/usr/bin/env bash
# Profiles one import of bench/import/run.sh's shop with perf and prints where the time went
# (bench/import/perf_split.py). Run bench/import/run.sh first. Usage:
#   bench/import/profile.sh KIND FILE BASE [WORKDIR]
# e.g. bench/import/profile.sh orders orders.csv products; BASE is the store the file is
# imported into (empty, customers, products or orders, see run.sh). Needs perf (apt linux-perf).
set -euo pipefail
cd "$(dirname "$0")/../.."
W=${4:-/tmp/segflow-import-bench}
rm -rf "$W/prof" && cp -r "$W/base-$3" "$W/prof"
perf record -q -F 499 --call-graph dwarf,16384 -o "$W/perf.data" \
  target/release/segflow --db "$W/prof/store.db" import "$1" "$W/shop/$2" >/dev/null
python3 bench/import/perf_split.py "$W/perf.data"
