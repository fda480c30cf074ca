//! How the CPU path (rollouts, gradients, hearing a table of utterances) shares work among
//! cores: natively threads, in the page helper workers (`device::helpers`); both split the work
//! into the same blocks.

use std::ops::Range;

/// The cores the CPU path uses: all of them natively, one in wasm (a page has no threads
/// without shared memory, which a static site cannot ask for; it has workers instead).
pub fn cores() -> usize {
    if cfg!(target_arch = "wasm32") {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
}

/// `items` (a population's members, a batch's chunks) split into at most `parts` consecutive
/// blocks of equal size (the last may be smaller), none empty: how threads, and the page's
/// helper workers, share them.
pub fn blocks(items: usize, parts: usize) -> Vec<Range<usize>> {
    let per = items.div_ceil(parts.clamp(1, items.max(1))).max(1);
    (0..items.max(1)).step_by(per).map(|from| from..(from + per).min(items)).collect()
}

/// `work` done on each of the blocks of `items` (`blocks(items, threads)`), a thread each, the
/// results in the blocks' order: whatever the number of threads, each item is done by the same
/// code, so results put back together in order are the same bit for bit. One block runs on the
/// calling thread.
pub fn on_threads<T: Send>(items: usize, threads: usize, work: impl Fn(Range<usize>) -> T + Sync) -> Vec<T> {
    let blocks = blocks(items, threads);
    if blocks.len() == 1 {
        return blocks.into_iter().map(work).collect();
    }
    let work = &work;
    std::thread::scope(|s| {
        let handles: Vec<_> = blocks.into_iter().map(|b| s.spawn(move || work(b))).collect();
        handles.into_iter().map(|h| h.join().expect("a CPU-path thread panicked")).collect()
    })
}
