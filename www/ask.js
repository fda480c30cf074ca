// Requests to the worker that expect one answer: each carries an id, and the worker replies
// with {type: 'reply', id, value} or {type: 'reply', id, message} on failure.
export function asker(worker) {
  let next = 1;
  const pending = new Map();
  return {
    ask(message, transfer = []) {
      return new Promise((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve, reject });
        worker.postMessage({ ...message, id }, transfer);
      });
    },
    reply({ id, value, message }) {
      const waiting = pending.get(id);
      pending.delete(id);
      if (message !== undefined) waiting?.reject(new Error(message));
      else waiting?.resolve(value);
    },
  };
}
