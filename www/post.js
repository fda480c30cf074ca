// How the worker speaks to the page: a message of the protocol (protocol.js), its type and
// fields checked, so that a message missing from the protocol is never sent.
import { fromWorker, message } from './protocol.js';

export const post = (type, data = {}, transfer = []) => postMessage(message(fromWorker, type, data), transfer);

/** An error's message, for a message to the page. */
export const text = (e) => (e && e.message) || String(e);
