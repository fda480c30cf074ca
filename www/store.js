// The lab's IndexedDB (JS owns IndexedDB; see DESIGN.md), used by the page and by the worker:
// the user's recordings, and every trial of the experiment (paper 3.6), each written in one
// transaction, so a failure never leaves half a recording or half a generation.
const DB = 'onelab';
const RECORDINGS = 'recordings';
const TRACES = 'traces';

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 2);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(RECORDINGS)) db.createObjectStore(RECORDINGS, { autoIncrement: true });
      if (!db.objectStoreNames.contains(TRACES)) {
        const traces = db.createObjectStore(TRACES, { autoIncrement: true });
        traces.createIndex('task', 'task');
        traces.createIndex('phase', 'phase');
        traces.createIndex('task_success', ['task', 'success']);
      }
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
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
export const countRecordings = () => run(RECORDINGS, 'readonly', (store) => store.count());

/** Stores a generation's trials ({task, phase, success, record}) in one transaction. */
export const addTrials = (trials) => run(TRACES, 'readwrite', (store) => {
  for (const t of trials) store.add({ task: t.task, phase: t.phase, success: t.success ? 1 : 0, record: t.record });
});

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
  for (const t of trials) tx.objectStore(TRACES).add({ task: t.task, phase: t.phase, success: t.success ? 1 : 0, record: t.record });
  for (const r of recordings) tx.objectStore(RECORDINGS).add(r);
  tx.oncomplete = () => { db.close(); resolve(); };
  tx.onerror = () => reject(tx.error);
  tx.onabort = () => reject(tx.error ?? new Error('the import was aborted'));
}));

/** Deletes every trial and recording, in one transaction. */
export const clearAll = () => open().then((db) => new Promise((resolve, reject) => {
  const tx = db.transaction([TRACES, RECORDINGS], 'readwrite');
  tx.objectStore(TRACES).clear();
  tx.objectStore(RECORDINGS).clear();
  tx.oncomplete = () => { db.close(); resolve(); };
  tx.onerror = () => reject(tx.error);
}));

/** Trials and successes per task, and the total. */
export async function traceCounts(tasks) {
  const counts = {};
  let total = 0;
  await run(TRACES, 'readonly', (store) => {
    const req = store.count();
    req.onsuccess = () => { total = req.result; };
    for (const task of tasks) {
      const all = store.index('task').count(IDBKeyRange.only(task));
      const wins = store.index('task_success').count(IDBKeyRange.only([task, 1]));
      all.onsuccess = () => { counts[task] = { ...counts[task], trials: all.result }; };
      wins.onsuccess = () => { counts[task] = { ...counts[task], successes: wins.result }; };
    }
    return req;
  });
  return { total, counts };
}
