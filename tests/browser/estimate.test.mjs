// The page's duration estimates (www/estimate.js), checked without a browser: the estimate before
// a run adds each phase's cost at the measured rates, and the ETA during a run uses what the run
// measured, the finished copies' generations, and the updates and judgements left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { duration, remaining, roughly, TYPICAL_SHARE } from '../../www/estimate.js';

// Two copies of at most 100 generations, 1000 updates, at round numbers of multiply-adds.
const cost = { generation: 1e6, generations: 200, demonstration: 5e6, copies: 2, update: 2e6, updates: 1000, judging: 4e6, hearing_copy: 30, hearing_rest: 50 };
const rates = { rollout: 1e6, bptt: 1e6, hearing: 10 };

test('before a run: every phase at the calibrated rates, about and at most', () => {
  const d = duration(cost, rates);
  const fixed = 2 * 5 + 4 + 1000 * 2 + (2 * 30 + 50) / 10; // demonstrations, judging, updates, hearing, in seconds
  assert.equal(d.atMost, 200 + fixed);
  assert.equal(d.about, Math.round(TYPICAL_SHARE * 200) + fixed);
});

test('during a run: measured rates, finished copies, what is left', () => {
  const base = { limit: 100, finished: [], current: null, copiesLeft: 2, updatesLeft: 1000, judgementsLeft: 1, judgements: 1, secondsPerGeneration: null, secondsPerUpdate: null };
  // Nothing measured yet: the estimate before the run, less what has not started.
  assert.deepEqual(remaining(cost, rates, base), duration(cost, rates));
  // The first copy finished in 30 generations at 0.5 s each; the second is 10 in: it is
  // expected to take 30 too, so 20 more, and at most 90 more.
  const r = remaining(cost, rates, { ...base, finished: [30], current: 10, copiesLeft: 0, secondsPerGeneration: 0.5, secondsPerUpdate: 3 });
  const fixed = 5 + 1000 * 3 + 4 + 50 / 10;
  assert.equal(r.about, 20 * 0.5 + fixed);
  assert.equal(r.atMost, 90 * 0.5 + fixed);
  // In consolidation, 400 updates left at a measured 3 s, and the judgement.
  const c = remaining(cost, rates, { ...base, finished: [30, 50], copiesLeft: 0, updatesLeft: 400, secondsPerGeneration: 0.5, secondsPerUpdate: 3 });
  assert.equal(c.about, 400 * 3 + 4 + 50 / 10);
  assert.equal(c.atMost, c.about);
  // A copy past the others' mean still has at least a generation to go.
  assert.equal(remaining(cost, rates, { ...base, finished: [10], current: 40, copiesLeft: 0, updatesLeft: 0, judgementsLeft: 0, secondsPerGeneration: 1 }).about, 1 + 5);
});

test('durations read as a person says them', () => {
  assert.equal(roughly(12.4), '12 s');
  assert.equal(roughly(250), '4 min');
  assert.equal(roughly(4800), '1 h 20 min');
});
