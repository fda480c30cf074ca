// The experiment's life as a strip: a segment per phase (a copy evolving, ONE consolidating)
// as wide as the time it took, and a mark per judgement (accepted or rolled back), so that a
// glance says where the experiment is and where its time went.

export function timeline(strip) {
  let current = null;
  let since = 0;
  const grow = () => {
    if (current) current.style.flexGrow = String(Math.max(0.2, (performance.now() - since) / 1000));
  };
  return {
    clear() {
      strip.replaceChildren();
      current = null;
    },
    /** Starts a phase: `kind` is "copy" or "consolidate". */
    begin(kind, label) {
      grow();
      current = document.createElement('div');
      current.className = `phase ${kind}`;
      current.textContent = label;
      current.title = label;
      current.setAttribute('role', 'listitem');
      strip.append(current);
      since = performance.now();
      grow();
    },
    tick: grow,
    /** A judgement: accepted, or rejected and rolled back. */
    mark(accepted, label) {
      grow();
      current = null;
      const m = document.createElement('div');
      m.className = `mark ${accepted ? 'accepted' : 'rejected'}`;
      m.textContent = accepted ? '✓' : '↺';
      m.title = label;
      m.setAttribute('role', 'listitem');
      m.setAttribute('aria-label', label);
      strip.append(m);
    },
  };
}
