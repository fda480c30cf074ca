#!/usr/bin/env bash
# Transfer (paper 3.1): copies of a fresh ONE against copies of a ONE that already follows
# commands (a ONE file, e.g. the pretrained one, learned in the 5x5 maze), on the same commands
# in another maze. Per seed, `onelab run` twice with the same settings and seeds, once from the
# fresh ONE and once --from FILE; the copies' seeds are the same in both, so only the ONE they
# start from differs. Prints each copy's generations to reach the experiment's copy target (or
# its budget) as a Markdown table for BENCHMARKS.md. Consolidation is cut to one update: only
# the copies are compared.
#   scripts/transfer-table.sh www/pretrained/one.onelab "1 2 3 4 5" --maze 7 [run options]
# Needs a release build (cargo build --release), or the onelab binary in $ONELAB; CPU path.
set -euo pipefail
cd "$(dirname "$0")/.."
file=$1 seeds=$2
shift 2
run() { "${ONELAB:-target/release/onelab}" run --cpu --no-baseline --updates 1 --seed "$1" --json "$2" "${@:3}" >/dev/null; }
gens() { python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join("%s=%d:%.0f" % (r["task"], r["copy_generations"], 100 * r["copy"]) for r in d["report"]["rows"]))' "$1"; }
tmp=$(mktemp -d)
echo "onelab run --cpu --no-baseline --updates 1 $*, fresh ONE against --from $file"
echo
echo "| seed | fresh ONE: task=generations:copy success % | from $file |"
echo "|---|---|---|"
for seed in $seeds; do
  run "$seed" "$tmp/fresh.json" "$@"
  run "$seed" "$tmp/from.json" --from "$file" "$@"
  echo "| $seed | $(gens "$tmp/fresh.json") | $(gens "$tmp/from.json") |"
done
rm -rf "$tmp"
