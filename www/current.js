// The ONE the page's "Talk to ONE" box talks to and downloads: the pretrained one at first,
// then a loaded file's or the finished experiment's, whichever came last.
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

/** The ONE to talk to as a ONE file's bytes. */
export function currentFile() {
  if (!current) throw new Error('there is no ONE to download yet');
  return current.run.oneFile();
}
