// Every message between the page and the worker, with its fields: the one place they are
// defined. The worker's `post` refuses a type missing here, and tests/browser/protocol.test.mjs
// fails if any code posts, handles or asks for a type missing here (or if one here is unused).
// Requests sent with `ask` (ask.js) carry an `id` and get exactly one `reply`.

/** Page to worker. */
export const toWorker = {
  // The page's first walk and the lab's device.
  'lose-device': [], // destroys the GPU device, as a driver reset would (the fault test, a curious visitor)
  // Requests (ask): each answered by one reply.
  utterance: ['id', 'speaker', 'command'], // a corpus utterance's audio and goal-input frames
  recording: ['id', 'samples', 'rate', 'label'], // a microphone recording, heard as ONE hears it
  wav: ['id', 'bytes', 'label'], // a WAV file, heard as ONE hears it
  export: ['id'], // every stored trial and recording as one export file
  import: ['id', 'bytes'], // an export file, added all or nothing
  clear: ['id'], // deletes the stored trials and recordings
  replay: ['id', 'index'], // stored trial `index`, replayed from its record
  'check-experiment': ['id', 'config'], // settings validated, refused by name
  'experiment-cost': ['id', 'config'], // what the settings ask of this device, and how long
  // Phase A and B by hand, and the experiment of paper 3.8: the worker runs one at a time.
  evolve: ['config', 'generations'],
  consolidate: ['config'], // config.updates updates
  experiment: ['config'],
  life: ['config', 'firstBudget', 'lastBudget'], // ONE's life (PowerPlay): config.tasks is its task space
  pause: [], // after the step in flight
  resume: [],
  step: [], // one step, while paused
  'resume-checkpoint': [],
  'resume-life': [], // the saved run is a life: as resume-checkpoint, its errors in the life panel
  'discard-checkpoint': [],
  talk: ['k', 'audio', 'one'], // ONE ('experiment': the experiment's; 'current': the box's) hears `audio` as command k and walks
  'load-one': ['id', 'bytes'], // a ONE file, checked whole, becomes the ONE to talk to
  'download-one': ['id'], // the ONE to talk to, as a ONE file's bytes
};

/** Worker to page. */
export const fromWorker = {
  ready: ['backend', 'adapter', 'cores', 'fallbackReason', 'scene', 'evolveDefaults', 'consolidateDefaults', 'experimentDefaults', 'settingChoices'],
  error: ['message'], // the simulator could not start or stopped
  parity: ['report', 'error'], // the GPU forward pass against the CPU reference (one of the two)
  frame: ['frame'], // a step of the walk
  reply: ['id', 'value', 'message'], // the answer to a request (value, or message on failure)
  'corpus-progress': ['loaded', 'total'], // bytes of the command corpus's audio arrived, of total (0: unknown)
  'corpus-part': ['catalogue'], // the corpus's first part: enough to talk to ONE, not to train
  corpus: ['catalogue'],
  'corpus-error': ['message'],
  rates: ['rates'], // this device's measured speeds, for estimates
  'device-lost': ['reason', 'resumes', 'cores', 'fallbackReason'], // cores: the CPU path's, its helper workers' and its own
  // Phase A and B by hand.
  evolving: ['scene'],
  generation: ['view', 'stored', 'seconds'],
  'evolve-paused': ['full', 'message'],
  'evolve-done': ['demonstration'],
  'evolve-error': ['message'],
  consolidating: ['imitated', 'predicted', 'heldOut', 'heldOutBefore', 'updates'],
  'consolidation-update': ['report', 'seconds'],
  'consolidation-done': ['heldOutBefore', 'heldOutAfter'],
  'consolidation-error': ['message'],
  // The experiment of paper 3.8.
  'checkpoint-found': ['phase', 'k', 'tasks', 'trials', 'generation', 'update', 'at', 'size', 'config'], // where it stands: life.rs's Standing
  'checkpoint-none': [],
  'experiment-resumed': ['config', 'phase', 'k', 'trials', 'generation', 'update', 'retention', 'elapsed', 'scene', 'curve'],
  'experiment-copy': ['k', 'task', 'scene'],
  'experiment-generation': ['k', 'view', 'took'],
  'experiment-demonstrated': ['k', 'shown', 'spread'],
  'experiment-phase': ['text'],
  'experiment-consolidating': ['imitated', 'predicted', 'heldOut', 'updates', 'learned', 'done'],
  'experiment-update': ['report', 'updates', 'took'],
  'experiment-judged': ['judgement', 'heldOutBefore', 'heldOutAfter', 'consolidationSteps', 'seconds', 'last', 'trials'],
  'experiment-paused': ['stepped', 'full', 'message'], // stepped: a Step the user asked for has ended; message: storing failed (full: the quota)
  'experiment-error': ['message'],
  // ONE's life ordered by PowerPlay (paper 3.14).
  'life-state': ['state', 'text'], // the life so far: {space, budgets, accepted, retention, tried, metrics}
  'life-trying': ['candidate', 'before'],
  'life-copy': ['scene'], // the candidate's copy begins: its maze (the task's own) and task
  'life-generation': ['text', 'path'], // its copy's generation: progress, and the best member's path to replay
  'life-progress': ['text'],
  'life-over': ['why', 'state', 'seconds'],
  'life-paused': ['stepped', 'full', 'message'],
  'life-error': ['message'],
  'life-found': ['tried', 'accepted', 'tasks', 'trials', 'at', 'size'], // a life a reload interrupted, to offer
  'life-resumed': ['state', 'config'],
  talking: ['scene', 'command', 'one'],
  // The ONE to talk to: the pretrained one, a loaded file's, or the finished experiment's.
  one: ['source', 'size', 'config', 'judgement', 'retention'],
  'one-missing': ['message'], // the site ships no pretrained ONE, or it was refused
  'talk-error': ['message'],
};

/** A message of `table`, its fields checked: a type or field missing from the table throws. */
export function message(table, type, data = {}) {
  const fields = table[type];
  if (!fields) throw new Error(`the worker protocol (www/protocol.js) has no message "${type}"`);
  const extra = Object.keys(data).filter((f) => !fields.includes(f));
  if (extra.length) throw new Error(`message "${type}" has no field ${extra.join(', ')} (www/protocol.js)`);
  return { type, ...data };
}
