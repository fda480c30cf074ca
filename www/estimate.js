// How long an experiment takes, from what it asks of the machine (its cost in multiply-adds,
// crate/src/lifecycle/cost.rs) and the rates this browser's device gives (multiply-adds per
// second, measured by `Lab.calibrate` and then by the run itself). Pure functions, so that
// tests/browser/estimate.test.mjs checks them without a browser.

/** Copies stop once their mean policy succeeds from every start, usually well before their
 * generation limit: the default experiment's copies used 213 of 600 (36%, BENCHMARKS.md).
 * "About" assumes this share; "at most" assumes every copy uses all its generations. */
export const TYPICAL_SHARE = 0.4;

/** Seconds of the whole run before it starts: {about, atMost}. */
export function duration(cost, rates) {
  const rollouts = (generations) => (generations * cost.generation + cost.copies * cost.demonstration + cost.judging) / rates.rollout;
  const hearing = (cost.copies * cost.hearing_copy + cost.hearing_rest) / rates.hearing;
  const consolidation = (cost.updates * cost.update) / rates.bptt + hearing;
  const typical = Math.max(cost.copies, Math.round(TYPICAL_SHARE * cost.generations));
  return { about: rollouts(typical) + consolidation, atMost: rollouts(cost.generations) + consolidation };
}

/** Seconds left of a running experiment: {about, atMost}. `run` says where it stands:
 *  limit       generations per copy, at most
 *  finished    generations each finished copy took
 *  current     generations the evolving copy has run (null when no copy evolves)
 *  copiesLeft  copies not started yet
 *  updatesLeft consolidation updates still to run, in this and later consolidations
 *  judgementsLeft, judgements  judgements still to come, and in all
 *  secondsPerGeneration, secondsPerUpdate  measured in this run so far (null before the first)
 * A phase not measured yet uses the calibrated rates. Copies not started are expected to take
 * as many generations as the finished ones did on average (TYPICAL_SHARE of the limit before
 * any finished); the evolving copy at least one more. */
export function remaining(cost, rates, run) {
  const perGeneration = run.secondsPerGeneration ?? cost.generation / rates.rollout;
  const perUpdate = run.secondsPerUpdate ?? cost.update / rates.bptt;
  const expected = run.finished.length
    ? run.finished.reduce((a, b) => a + b, 0) / run.finished.length
    : Math.max(1, TYPICAL_SHARE * run.limit);
  const evolving = run.current === null ? 0 : 1;
  const currentAbout = run.current === null ? 0 : Math.max(1, Math.min(run.limit, expected) - run.current);
  const currentAtMost = run.current === null ? 0 : run.limit - run.current;
  const demonstrations = ((run.copiesLeft + evolving) * cost.demonstration) / rates.rollout;
  const share = run.judgementsLeft / Math.max(1, run.judgements);
  const judging = (cost.judging / rates.rollout + cost.hearing_rest / rates.hearing) * share + (run.copiesLeft * cost.hearing_copy) / rates.hearing;
  const fixed = demonstrations + run.updatesLeft * perUpdate + judging;
  return {
    about: (currentAbout + run.copiesLeft * expected) * perGeneration + fixed,
    atMost: (currentAtMost + run.copiesLeft * run.limit) * perGeneration + fixed,
  };
}

/** "4 min", "1 h 20 min", "40 s": a duration as a person reads an estimate. */
export function roughly(seconds) {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  const hours = Math.floor(seconds / 3600);
  return `${hours} h ${Math.round((seconds - 3600 * hours) / 60)} min`;
}
