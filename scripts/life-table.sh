#!/usr/bin/env bash
# ONE's life (PowerPlay, paper 3.14) beside its baselines, per seed, as a Markdown table for
# BENCHMARKS.md: `onelab life` (replay of every accepted skill's demonstrations), the same life
# with --no-replay (consolidation imitates the newest copy alone: the forgetting replay
# prevents), and every command learned at once from a fresh ONE (`onelab run`, what a person
# would do). The same settings and seed in all three.
#   scripts/life-table.sh "1 2 3" [settings, e.g. --tasks ne,nw,se,sw,center --rates variance]
# The life's own options (budgets) go in $LIFE_OPTIONS, e.g. "--first-budget 5 --last-budget 80".
# Needs a release build (cargo build --release), or the onelab binary in $ONELAB; CPU path.
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=$1
shift 1
onelab=${ONELAB:-target/release/onelab}
tmp=$(mktemp -d)
life() { python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
m = d["metrics"] or {}
pt = lambda v: "-" if v is None else "%+.1f" % (100 * v)
acc = "-" if not m else "%.1f%%" % (100 * m["acc"])
print("%d of %d, %d tried, ACC %s, BWT %s, FWT %s, %.1fM steps, %.0f s" % (len(d["accepted"]), len(d["space"]),
  len(d["tried"]), acc, pt(m.get("bwt")), pt(m.get("fwt")), d["env_steps"] / 1e6, d["seconds"]))' "$1"; }
once() { python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
r = d["report"]
ones = [100 * row["one"] for row in r["rows"]]
steps = d["env_steps"]["evolution"] + d["env_steps"]["consolidation"]
print("%s, ONE %.1f to %.1f%%, %.1fM steps, %.0f s" % ("accepted" if r["accepted"] else "rejected", min(ones), max(ones),
  steps / 1e6, d["seconds"]["total"]))' "$1"; }
echo "$onelab life --cpu $* ${LIFE_OPTIONS:-} beside --no-replay and onelab run on the same commands"
echo
echo "| seed | life: accepted, candidates, ACC, BWT, FWT, steps, time | without replay | all at once (onelab run) |"
echo "|---|---|---|---|"
for seed in $seeds; do
  "$onelab" life --cpu --seed "$seed" --json "$tmp/life.json" ${LIFE_OPTIONS:-} "$@" >/dev/null
  "$onelab" life --cpu --seed "$seed" --no-replay --json "$tmp/norep.json" ${LIFE_OPTIONS:-} "$@" >/dev/null
  "$onelab" run --cpu --no-baseline --seed "$seed" --json "$tmp/once.json" "$@" >/dev/null
  echo "| $seed | $(life "$tmp/life.json") | $(life "$tmp/norep.json") | $(once "$tmp/once.json") |"
done
rm -rf "$tmp"
