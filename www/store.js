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
    const request = indexedDB.open(DB, 5);
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
      // Version 5: trials stored in groups (see `groups`), counted from this index's keys
      // alone; trials stored one per record before stay in 'task_success'.
      const traces = request.transaction.objectStore(TRACES);
      if (!traces.indexNames.contains('tally')) traces.createIndex('tally', ['task', 'count', 'wins']);
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

/** Trials ({task, phase, success, record}) as the trace store keeps them: each run of
 * consecutive trials of one task and phase is one record, `{task, phase, records, successes,
 * count, wins}`
 * (IndexedDB's cost is per record: a generation's few thousand trials in a handful of records
 * store about 20 times faster than one record each), so that the order is kept exactly. */
function groups(trials) {
  const out = [];
  for (const t of trials) {
    let g = out[out.length - 1];
    if (!g || g.task !== t.task || g.phase !== t.phase) {
      g = { task: t.task, phase: t.phase, records: [], successes: [] };
      out.push(g);
    }
    g.records.push(t.record);
    g.successes.push(t.success ? 1 : 0);
  }
  return out.map((g) => ({ ...g, count: g.records.length, wins: g.successes.reduce((a, b) => a + b, 0), successes: Uint8Array.from(g.successes) }));
}

/** The trials a stored record holds, oldest first: a group, or one trial as versions before
 * groups stored them (`{task, phase, success, record}`), which are read as they were. */
const unpack = (v) => (v.records ? v.records.map((record, i) => ({ task: v.task, phase: v.phase, success: v.successes[i], record })) : [v]);

/** Stores a generation's trials ({task, phase, success, record}), the encoded policy snapshots
 * they acted with and, if given, the experiment's checkpoint after them, in one transaction:
 * all of them or none. */
export const addGeneration = (trials, policies, checkpoint = null) => open().then((db) => new Promise((resolve, reject) => {
  const tx = db.transaction([TRACES, POLICIES, CHECKPOINTS], 'readwrite');
  for (const g of groups(trials)) tx.objectStore(TRACES).add(g);
  for (const p of policies) tx.objectStore(POLICIES).add(p);
  if (checkpoint) tx.objectStore(CHECKPOINTS).put(checkpoint, CHECKPOINT_KEY);
  tx.oncomplete = () => { db.close(); resolve(); };
  tx.onerror = () => reject(tx.error);
  tx.onabort = () => reject(tx.error ?? new Error('the write was aborted'));
}));

/** The key of the newest stored record of trials, 0 when none is stored: the trials a run
 * stores after this have larger keys. */
export const lastTrialKey = () => open().then((db) => new Promise((resolve, reject) => {
  const tx = db.transaction(TRACES, 'readonly');
  const cursor = tx.objectStore(TRACES).openKeyCursor(null, 'prev');
  let key = 0;
  cursor.onsuccess = () => { key = cursor.result ? cursor.result.primaryKey : 0; };
  tx.oncomplete = () => { db.close(); resolve(key); };
  tx.onerror = () => reject(tx.error);
}));

/** Streams the trials matching `filter` ({task, success: 0 or 1, after: a record key}, any may
 * be left out; `after` keeps the records stored after that key) to `each` in batches of `size`
 * records (the last may be smaller), oldest first, reading the store's records through its task
 * index when a task is given, one read transaction per few thousand trials: how consolidation
 * reads the store. Resolves to the count. */
export async function trialBatches(filter, size, each) {
  const range = filter.task !== undefined ? IDBKeyRange.only(filter.task) : null;
  let after = filter.after ?? null; // the primary key of the last record read (or passed over)
  let pending = [];
  let passed = 0;
  for (;;) {
    let read = 0;
    let last = null;
    await run(TRACES, 'readonly', (store) => {
      const cursor = (range ? store.index('task') : store).openCursor(range);
      let skipping = after !== null;
      cursor.onsuccess = () => {
        const c = cursor.result;
        if (!c) return;
        if (skipping && c.primaryKey <= after) {
          // Index cursors visit equal keys in primary-key order: skip to where the last read ended.
          if (range) c.continuePrimaryKey(c.key, after + 1); else c.continue(after + 1);
          skipping = false;
          return;
        }
        for (const t of unpack(c.value)) {
          if (filter.success === undefined || t.success === filter.success) pending.push(t.record);
        }
        read += 1;
        last = c.primaryKey;
        if (pending.length < size) c.continue();
      };
      return cursor;
    });
    const end = read === 0 || pending.length < size;
    while (pending.length >= size || (end && pending.length > 0)) {
      const batch = pending.slice(0, size);
      pending = pending.slice(size);
      passed += batch.length;
      await each(batch);
    }
    if (end) return passed;
    after = last;
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

/** Every stored trial, {task, phase, success, record}, oldest first. */
export const allTrials = async () => (await all(TRACES)).flatMap(unpack);

/** The `index`-th stored trial (0 is the oldest), or undefined. */
export function trialAt(index) {
  let found;
  let before = 0; // trials in the records passed
  return run(TRACES, 'readonly', (store) => {
    const cursor = store.openCursor();
    cursor.onsuccess = () => {
      const c = cursor.result;
      if (!c) return;
      const trials = unpack(c.value);
      if (index < before + trials.length) {
        found = trials[index - before];
        return;
      }
      before += trials.length;
      c.continue();
    };
    return cursor;
  }).then(() => found);
}
export const allRecordings = () => all(RECORDINGS);

/** Adds an imported file's trials and recordings in one transaction: all of them or none. */
export const importAll = (trials, recordings) => open().then((db) => new Promise((resolve, reject) => {
  const tx = db.transaction([TRACES, RECORDINGS], 'readwrite');
  for (const g of groups(trials)) tx.objectStore(TRACES).add(g);
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
 * "ne|nw|se|sw" counts for "ne"), and the total: from index keys alone, the groups' tallies
 * and the single trials of versions before groups. */
export async function traceCounts() {
  const counts = {};
  let total = 0;
  const add = (task, trials, wins) => {
    const goal = task.split('|')[0];
    counts[goal] ??= { trials: 0, successes: 0 };
    counts[goal].trials += trials;
    counts[goal].successes += wins;
    total += trials;
  };
  await run(TRACES, 'readonly', (store) => {
    for (const [index, tally] of [['tally', ([task, n, wins]) => add(task, n, wins)], ['task_success', ([task, win]) => add(task, 1, win)]]) {
      const cursor = store.index(index).openKeyCursor();
      cursor.onsuccess = () => {
        if (!cursor.result) return;
        tally(cursor.result.key);
        cursor.result.continue();
      };
    }
  });
  return { total, counts };
}
