#!/usr/bin/env bash
# Copies of a fresh ONE on every goal over several seeds: how many reach a target share of start
# cells within a generation budget, and the median generations of those that do (a copy that
# does not counts as over the budget). Prints a Markdown table for BENCHMARKS.md.
#   scripts/copies-table.sh "ne nw se sw center tree house bird dog" "1 2 3 4 5" [evolve options]
# e.g. --all-starts --fitness progress --sigma 0.05 --lr 1. Needs a release build
# (cargo build --release), or the onelab binary in $ONELAB; runs on the CPU path.
set -euo pipefail
cd "$(dirname "$0")/.."
goals=$1 seeds=$2
shift 2
budget=100 target=0.95
echo "onelab evolve --cpu --generations $budget --target $target $*"
echo
echo "| goal | reached $(awk "BEGIN{print $target*100}")% | median generations | best mean policy per seed (%) | seconds |"
echo "|---|---:|---:|---|---:|"
for goal in $goals; do
  gens=() bests=() reached=0 start=$SECONDS
  for seed in $seeds; do
    out=$("${ONELAB:-target/release/onelab}" evolve --cpu --seed "$seed" --task "$goal" --generations $budget --target $target "$@")
    best=$(grep -o 'mean policy *[0-9.]*%' <<<"$out" | grep -o '[0-9.]*' | sort -g | tail -1)
    after=$(grep -o 'after [0-9]* generations' <<<"$out" | grep -o '[0-9]*' || true)
    if [ -n "$after" ]; then reached=$((reached + 1)); gens+=("$after"); else gens+=(999999); fi
    bests+=("$best")
  done
  median=$(printf '%s\n' "${gens[@]}" | sort -n | awk '{a[NR]=$1} END {m = NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; print (m >= 999999 ? ">'$budget'" : m)}')
  echo "| $goal | $reached/${#gens[@]} | $median | ${bests[*]} | $((SECONDS - start)) |"
done
