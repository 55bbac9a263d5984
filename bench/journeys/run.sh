#!/usr/bin/env bash
# Journey engine benchmark: journeys started and advanced per second by the real engine and the
# real OutboxDispatcher, beside plain SQLite INSERT throughput measured in the same run. Usage:
#   bench/journeys/run.sh [CUSTOMERS] [RUNS] [PHASES] [WORKDIR]
# Defaults: 1,000,000 customers, 3 runs, all phases (`start` measures trigger consumption only),
# in /tmp/jb, which is deleted at the end. See bench/journeys/README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000000}
RUNS=${2:-3}
PHASES=${3:-all}
W=${4:-/tmp/jb}
cargo build --release --quiet --example bench_journeys
echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r)"
mkdir -p "$W"
"${CARGO_TARGET_DIR:-target}/release/examples/bench_journeys" "$W" "$N" "$RUNS" "$PHASES"
rm -rf "$W"
