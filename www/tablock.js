// One tab of the lab runs an experiment or a life at a time: every tab shares one store of
// trials and one saved run. The running tab holds a Web Lock until its run ends (or the tab
// closes); each panel that runs holds it through its own holder, so an experiment that ends
// while a life of the same tab waits to start does not let another tab in.
const LOCK = 'onelab-run';

export const OTHER_TAB = 'An experiment or a life is running in another tab of the lab. Tabs share one store of trials ' +
  'and one saved run, so this tab does not start or resume one: watch it in that tab, or stop it there ' +
  '(close the tab) and then run here.';

/** Marks the page (`data-other-tab`) when another tab runs; returns `other`. */
const marked = (other) => {
  if (other) document.body.dataset.otherTab = 'running';
  return other;
};

/** The tab's lock; `holder()` gives each panel its own `claim`/`release`. */
export function tabLock() {
  const holders = new Set();
  let free = null;
  return {
    /** Whether another tab runs (never this one); marked on the page when it does. */
    async otherTabRuns() {
      if (free || !navigator.locks) return false;
      const { held } = await navigator.locks.query();
      return marked(held.some((l) => l.name === LOCK));
    },
    holder() {
      const me = {};
      return {
        /** Takes the lock for this holder; false when another tab holds it. */
        async claim() {
          if (free || !navigator.locks) {
            holders.add(me);
            return true;
          }
          const got = await new Promise((resolve) => {
            navigator.locks.request(LOCK, { ifAvailable: true }, (lock) => {
              resolve(Boolean(lock));
              if (!lock) return undefined;
              return new Promise((done) => { free = () => { free = null; done(); }; });
            });
          });
          if (got) holders.add(me);
          else marked(true);
          return got;
        },
        /** Lets go; the lock itself goes once no holder of this tab keeps it. */
        release() {
          holders.delete(me);
          if (!holders.size) free?.();
        },
      };
    },
  };
}
