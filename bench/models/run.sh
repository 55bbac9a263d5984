#!/usr/bin/env bash
# Benchmarks segflow's BG/NBD + Gamma-Gamma against the Python lifetimes package on CDNOW, and
# times fitting and scoring a synthetic customer base. See README.md.
# Usage: bench/models/run.sh [CUSTOMERS]   (PYTHON=interpreter with lifetimes, default python3)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000000}
PY=${PYTHON:-python3}
TARGET=${CARGO_TARGET_DIR:-target}
FIXTURE=tests/fixtures/cdnow/cdnow_customers_summary_with_transactions.csv

cargo build --release --quiet --example fit_cdnow --example fit_synthetic

# field LINE KEY: the value of KEY=... in LINE.
field() { grep -o "$2=[^ ]*" <<<"$1" | head -1 | cut -d= -f2; }
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

echo "== CDNOW (2,357 customers, weeks): fit time, median of 3 runs"
rust_bg=(); rust_gg=()
for _ in 1 2 3; do
  out=$("$TARGET/release/examples/fit_cdnow" "$FIXTURE")
  rust_bg+=("$(field "$(grep bgnbd <<<"$out")" seconds)")
  rust_gg+=("$(field "$(grep gamma_gamma <<<"$out")" seconds)")
done
echo "$out"
rbg=$(printf '%s\n' "${rust_bg[@]}" | median); rgg=$(printf '%s\n' "${rust_gg[@]}" | median)
echo "rust   bgnbd fit ${rbg}s  gamma-gamma fit ${rgg}s"

if "$PY" -c "import lifetimes" 2>/dev/null; then
  py_bg=(); py_gg=()
  for _ in 1 2 3; do
    pout=$("$PY" bench/models/lifetimes_fit.py "$FIXTURE")
    py_bg+=("$(field "$(grep bgnbd <<<"$pout")" seconds)")
    py_gg+=("$(field "$(grep gamma_gamma <<<"$pout")" seconds)")
  done
  echo "$pout"
  pbg=$(printf '%s\n' "${py_bg[@]}" | median); pgg=$(printf '%s\n' "${py_gg[@]}" | median)
  echo "python bgnbd fit ${pbg}s  gamma-gamma fit ${pgg}s"
  awk -v p="$pbg" -v r="$rbg" -v pg="$pgg" -v rg="$rgg" \
    'BEGIN {printf "ratio python/rust: bgnbd %.1fx  gamma-gamma %.1fx\n", p/r, pg/rg}'
  # Parameters agree when every one is within 1e-4 relative of lifetimes' value.
  worst=0
  for key in r alpha a b p q v; do
    line_r=$(grep -E "^(bgnbd|gamma_gamma)" <<<"$out" | grep " $key=")
    line_p=$(grep -E "^(bgnbd|gamma_gamma)" <<<"$pout" | grep " $key=")
    worst=$(awk -v a="$(field "$line_r" "$key")" -v b="$(field "$line_p" "$key")" -v w="$worst" \
      'BEGIN {d=(a-b)/b; if (d<0) d=-d; print (d>w ? d : w)}')
  done
  awk -v w="$worst" 'BEGIN {printf "parameters match lifetimes: %s (largest relative difference %.2e)\n", (w<1e-4 ? "yes" : "NO"), w}'
else
  echo "python: lifetimes is not importable with $PY; install it (pip install lifetimes) or set PYTHON"
fi

echo "== synthetic: $N customers drawn from BG/NBD + Gamma-Gamma (seed fixed), 2 threads, median of 3"
tot=(); bgs=(); ggs=(); scs=()
for _ in 1 2 3; do
  out=$("$TARGET/release/examples/fit_synthetic" "$N" 2)
  tot+=("$(field "$(grep '^total' <<<"$out")" seconds)")
  bgs+=("$(field "$(grep '^bgnbd' <<<"$out")" seconds)")
  ggs+=("$(field "$(grep '^gamma_gamma' <<<"$out")" seconds)")
  scs+=("$(field "$(grep '^score' <<<"$out")" seconds)")
done
echo "$out"
echo "median: bgnbd fit $(printf '%s\n' "${bgs[@]}" | median)s  gamma-gamma fit $(printf '%s\n' "${ggs[@]}" | median)s  scoring $(printf '%s\n' "${scs[@]}" | median)s  total $(printf '%s\n' "${tot[@]}" | median)s"
