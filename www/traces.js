// The stored traces as the worker hands them out: an export file of every stored trial and
// recording (crate/src/traces/archive.rs), such a file checked whole and added back, and a
// stored trial replayed.
import { buildArchive, readArchive, replayTrial } from './pkg/onelab.js';
import { allRecordings, allTrials, importAll, trialAt } from './store.js';

/** An export file of every stored trial and recording. */
export async function exportAll() {
  const trials = await allTrials();
  const recordings = (await allRecordings()).map((r) =>
    JSON.stringify({ ...r, audio: Array.from(r.audio), frames: Array.from(r.frames) }));
  return buildArchive(trials.map((t) => t.record), recordings);
}

/** Checks a whole export file, then adds everything in it in one transaction, or nothing. */
export async function importFile(bytes) {
  const archive = readArchive(bytes);
  const recordings = archive.recordings.map((json, i) => {
    let r;
    try {
      r = JSON.parse(json);
    } catch {
      throw new Error(`recording ${i + 1} in the file is not valid JSON; nothing was imported`);
    }
    return { ...r, audio: Float32Array.from(r.audio), frames: Float32Array.from(r.frames) };
  });
  await importAll(archive.trials, recordings);
  return { trials: archive.trials.length, recordings: recordings.length };
}

/** Stored trial `index` (0 is the oldest) replayed from its record: maze, task, path, summary. */
export async function replayStored(index) {
  if (!Number.isInteger(index) || index < 0) throw new Error(`${index} is not a trial number (0, 1, 2, ...)`);
  const trial = await trialAt(index);
  if (!trial) throw new Error(`there is no stored trial ${index}`);
  return replayTrial(trial.record);
}
