// The user's recordings in IndexedDB (JS owns IndexedDB; see DESIGN.md). One record per
// recording, written in one transaction, so a failed recording never leaves half a record.
const DB = 'onelab';
const STORE = 'recordings';

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { autoIncrement: true });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function run(mode, work) {
  return open().then((db) => new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const result = work(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(result.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('the recording could not be stored'));
  }));
}

/** Stores {label, audio (16 kHz Float32Array), frames, bands, date}; resolves to its key. */
export const addRecording = (recording) => run('readwrite', (store) => store.add(recording));
export const countRecordings = () => run('readonly', (store) => store.count());
