//! How the CPU path shares work among cores: natively threads, in the page helper workers
//! (`device::helpers`); both split the work into the same blocks.

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
