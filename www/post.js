// How the worker speaks to the page: a message of the protocol (protocol.js), its type and
// fields checked, so that a message missing from the protocol is never sent; and a request's reply.
import { fromWorker, message } from './protocol.js';

export const post = (type, data = {}, transfer = []) => postMessage(message(fromWorker, type, data), transfer);

/** An error's message, for a message to the page. */
export const text = (e) => (e && e.message) || String(e);

/** Answers request `id` (ask.js) with one reply: `work`'s value, or why it failed. */
export async function reply(id, work) {
  try {
    const value = await work();
    post('reply', { id, value }, value instanceof Uint8Array ? [value.buffer] : []);
  } catch (e) {
    post('reply', { id, message: text(e) });
  }
}
