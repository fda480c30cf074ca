// The ONE the page's "Talk to ONE" box talks to and downloads: the pretrained one at first,
// then a loaded file's or the finished experiment's, whichever came last.
import { post, text } from './post.js';

let current = null;

/** Makes `run` (a finished or loaded experiment) the ONE to talk to; what the page shows of it. */
export function setCurrent(run, source, size) {
  current = { run, source };
  return { source, size, ...run.judged() };
}

/** The ONE a ONE file's `bytes` holds, checked whole (the ONE talked to changes only when it
 * is accepted), as `source` ('pretrained', 'file'); it needs the command corpus to hear. */
export function loadOne(lab, speech, bytes, source) {
  if (!speech) throw new Error('the command corpus has not loaded yet, and ONE needs it to hear');
  return setCurrent(lab.loadOne(bytes, speech), source, bytes.length);
}

/** The ONE to talk to ({ run, source }), or null before the first. */
export const currentOne = () => current;

/** `listener` (an experiment's run) hears `data.audio` as command `data.k` and walks in the
 * lab's maze; the page is told, or why not in `data.one`'s panel. Whether ONE walks. */
export function talk(lab, listener, data) {
  try {
    const scene = lab.talk(listener.run, data.k, data.audio);
    post('talking', { scene, command: listener.run.commands()[data.k], one: data.one });
    return true;
  } catch (e) {
    post(data.one === 'experiment' ? 'experiment-error' : 'talk-error', { message: text(e) });
    return false;
  }
}

/** The ONE to talk to as a ONE file's bytes. */
export function currentFile() {
  if (!current) throw new Error('there is no ONE to download yet');
  return current.run.oneFile();
}

/** The pretrained ONE the site ships (`bytes`, or the error that kept them) made the ONE to
 * talk to; the page is told which, or why there is none. */
export function loadPretrained(lab, speech, bytes) {
  try {
    if (bytes instanceof Error) throw bytes;
    post('one', loadOne(lab, speech, bytes, 'pretrained'));
  } catch (e) {
    post('one-missing', { message: bytes instanceof Error ? text(e) : `the pretrained ONE was refused: ${text(e)}` });
  }
}
