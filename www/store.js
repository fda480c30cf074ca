// The lab's IndexedDB (JS owns IndexedDB; see docs/architecture.md), used by the page and by the worker:
// the user's recordings, every trial of the experiment (paper 3.6), and the running experiment's
// checkpoint, each written in one transaction, so a failure never leaves half a recording or
// half a generation, and the checkpoint always matches the trials stored.
const DB = 'onelab';
const RECORDINGS = 'recordings';
const TRACES = 'traces';
const POLICIES = 'policies';
const CHECKPOINTS = 'checkpoints';
const CHECKPOINT_KEY = 'experiment';

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 4);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(RECORDINGS)) db.createObjectStore(RECORDINGS, { autoIncrement: true });
      if (!db.objectStoreNames.contains(TRACES)) {
        const traces = db.createObjectStore(TRACES, { autoIncrement: true });
        traces.createIndex('task', 'task');
        traces.createIndex('phase', 'phase');
        traces.createIndex('task_success', ['task', 'success']);
      }
      // Version 3: the policy log, the parameters behind the copies' trials.
      if (!db.objectStoreNames.contains(POLICIES)) db.createObjectStore(POLICIES, { autoIncrement: true });
      // Version 4: the running experiment's checkpoint, one record.
      if (!db.objectStoreNames.contains(CHECKPOINTS)) db.createObjectStore(CHECKPOINTS);
    };
    // An older version of the lab open in another tab holds the database: say so instead of
    // waiting silently (the open goes on once that tab closes).
    request.onblocked = () => reject(new Error("another tab of the lab, from an older version, holds this browser's " +
      'lab storage open: close the other tabs of the lab, then reload this one'));
    request.onsuccess = () => {
      // And a newer version opening the database in another tab is never blocked by this one.
      request.result.onversionchange = () => request.result.close();
      resolve(request.result);
    };
    request.onerror = () => reject(request.error);
  });
}

/**
 * Asks the browser to keep the lab's storage when disk space runs low; resolves to whether it
 * will (false where the browser has no such promise to give).
 */
export async function persist() {
  if (!navigator.storage?.persist) return false;
  return (await navigator.storage.persisted()) || navigator.storage.persist();
}

function run(name, mode, work) {
  return open().then((db) => new Promise((resolve, reject) => {
    const tx = db.transaction(name, mode);
    const result = work(tx.objectStore(name));
    tx.oncomplete = () => {
      db.close();
      resolve(result?.result);
    };
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('the write was aborted'));
  }));
}

/** Stores {label, audio (16 kHz Float32Array), frames, bands, date}; resolves to its key. */
export const addRecording = (recording) => run(RECORDINGS, 'readwrite', (store) => store.add(recording));
export const deleteRecording = (key) => run(RECORDINGS, 'readwrite', (store) => store.delete(key));

/** Every recording with its key: [{key, label, source, audio, date}], oldest first. */
export function recordingList() {
  const out = [];
  return run(RECORDINGS, 'readonly', (store) => {
    const cursor = store.openCursor();
    cursor.onsuccess = () => {
      const c = cursor.result;
      if (!c) return;
      out.push({ key: c.primaryKey, ...c.value });
      c.continue();
    };
    return cursor;
  }).then(() => out);
}

const traceEntry = (t) => ({ task: t.task, phase: t.phase, success: t.success ? 1 : 0, record: t.record });

/** Stores a generation's trials ({task, phase, success, record}), the encoded policy snapshots
 * they acted with and, if given, the experiment's checkpoint after them, in one transaction:
 * all of them or none. */
export const addGeneration = (trials, policies, checkpoint = null) => open().then((db) => new Promise((resolve, reject) => {
  const tx = db.transaction([TRACES, POLICIES, CHECKPOINTS], 'readwrite');
  for (const t of trials) tx.objectStore(TRACES).add(traceEntry(t));
  for (const p of policies) tx.objectStore(POLICIES).add(p);
  if (checkpoint) tx.objectStore(CHECKPOINTS).put(checkpoint, CHECKPOINT_KEY);
  tx.oncomplete = () => { db.close(); resolve(); };
  tx.onerror = () => reject(tx.error);
  tx.onabort = () => reject(tx.error ?? new Error('the write was aborted'));
}));

/** Streams the trials matching `filter` ({task, success: 0 or 1}, either may be left out) to
 * `each` in batches of `size` records, oldest first, one read transaction per batch, through
 * the index that fits the filter: how consolidation reads the store. Resolves to the count. */
export async function trialBatches(filter, size, each) {
  const range = filter.task !== undefined && filter.success !== undefined ? ['task_success', IDBKeyRange.only([filter.task, filter.success])]
    : filter.task !== undefined ? ['task', IDBKeyRange.only(filter.task)] : [null, null];
  let after = null; // the primary key of the last record passed on
  let passed = 0;
  for (;;) {
    const batch = [];
    let last = null;
    await run(TRACES, 'readonly', (store) => {
      const source = range[0] ? store.index(range[0]) : store;
      const cursor = source.openCursor(range[1]);
      let skipping = after !== null;
      cursor.onsuccess = () => {
        const c = cursor.result;
        if (!c) return;
        if (skipping && c.primaryKey <= after) {
          // Index cursors visit equal keys in primary-key order: skip to where the last batch ended.
          if (range[0]) c.continuePrimaryKey(c.key, after + 1); else c.continue(after + 1);
          skipping = false;
          return;
        }
        batch.push(c.value.record);
        last = c.primaryKey;
        if (batch.length < size) c.continue();
      };
      return cursor;
    });
    if (batch.length === 0) return passed;
    passed += batch.length;
    after = last;
    await each(batch);
    if (batch.length < size) return passed;
  }
}

function all(name) {
  const out = [];
  return run(name, 'readonly', (store) => {
    const cursor = store.openCursor();
    cursor.onsuccess = () => {
      if (cursor.result) {
        out.push(cursor.result.value);
        cursor.result.continue();
      }
    };
    return cursor;
  }).then(() => out);
}

export const allTrials = () => all(TRACES);

/** The `index`-th stored trial (0 is the oldest), or undefined. */
export function trialAt(index) {
  let found;
  return run(TRACES, 'readonly', (store) => {
    const cursor = store.openCursor();
    let skipped = false;
    cursor.onsuccess = () => {
      if (!cursor.result) return;
      if (index > 0 && !skipped) {
        skipped = true;
        cursor.result.advance(index);
        return;
      }
      found = cursor.result.value;
    };
    return cursor;
  }).then(() => found);
}
export const allRecordings = () => all(RECORDINGS);

/** Adds an imported file's trials and recordings in one transaction: all of them or none. */
export const importAll = (trials, recordings) => open().then((db) => new Promise((resolve, reject) => {
  const tx = db.transaction([TRACES, RECORDINGS], 'readwrite');
  for (const t of trials) tx.objectStore(TRACES).add(traceEntry(t));
  for (const r of recordings) tx.objectStore(RECORDINGS).add(r);
  tx.oncomplete = () => { db.close(); resolve(); };
  tx.onerror = () => reject(tx.error);
  tx.onabort = () => reject(tx.error ?? new Error('the import was aborted'));
}));

/** The running experiment's checkpoint, or undefined. */
export const readCheckpoint = () => run(CHECKPOINTS, 'readonly', (store) => store.get(CHECKPOINT_KEY));
/** Forgets the checkpoint (the experiment finished, or the user discarded it); trials stay. */
export const clearCheckpoint = () => run(CHECKPOINTS, 'readwrite', (store) => store.delete(CHECKPOINT_KEY));

/** Deletes every trial, policy snapshot and recording, and the checkpoint that counted on
 * them, in one transaction. */
export const clearAll = () => open().then((db) => new Promise((resolve, reject) => {
  const tx = db.transaction([TRACES, RECORDINGS, POLICIES, CHECKPOINTS], 'readwrite');
  for (const name of [TRACES, RECORDINGS, POLICIES, CHECKPOINTS]) tx.objectStore(name).clear();
  tx.oncomplete = () => { db.close(); resolve(); };
  tx.onerror = () => reject(tx.error);
}));

/** Trials and successes per command (the goal of each stored task: an experiment's copy of
 * "ne|nw|se|sw" counts for "ne"), and the total: every distinct task in the store is counted. */
export async function traceCounts() {
  const counts = {};
  let total = 0;
  await run(TRACES, 'readonly', (store) => {
    const req = store.count();
    req.onsuccess = () => { total = req.result; };
    const tasks = store.index('task').openKeyCursor(null, 'nextunique');
    tasks.onsuccess = () => {
      const cursor = tasks.result;
      if (!cursor) return;
      const task = cursor.key;
      const goal = task.split('|')[0];
      const all = store.index('task').count(IDBKeyRange.only(task));
      const wins = store.index('task_success').count(IDBKeyRange.only([task, 1]));
      counts[goal] ??= { trials: 0, successes: 0 };
      all.onsuccess = () => { counts[goal].trials += all.result; };
      wins.onsuccess = () => { counts[goal].successes += wins.result; };
      cursor.continue();
    };
    return req;
  });
  return { total, counts };
}
