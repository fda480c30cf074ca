//! A uniform sample of bounded size from a stream too long to hold (reservoir sampling,
//! Vitter's algorithm R): how consolidation keeps its prediction pool in memory however long
//! ONE's life has been.

use crate::rng::Rng;

pub struct Reservoir<T> {
    items: Vec<T>,
    /// The most items kept; 0 keeps every one.
    cap: usize,
    seen: usize,
    rng: Rng,
}

impl<T> Reservoir<T> {
    pub fn new(cap: usize, rng: Rng) -> Reservoir<T> {
        Reservoir { items: Vec::new(), cap, seen: 0, rng }
    }

    /// Offers the next item of the stream: after `n` offers each of them is kept with the same
    /// chance, `cap / n` (every one while `n <= cap`, in the order offered).
    pub fn offer(&mut self, item: T) {
        self.seen += 1;
        if self.cap == 0 || self.items.len() < self.cap {
            self.items.push(item);
        } else {
            let slot = self.rng.below(self.seen);
            if slot < self.cap {
                self.items[slot] = item;
            }
        }
    }

    pub fn into_items(self) -> Vec<T> {
        self.items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(cap: usize, n: usize, seed: u32) -> Vec<usize> {
        let mut r = Reservoir::new(cap, Rng::new(seed));
        (0..n).for_each(|i| r.offer(i));
        r.into_items()
    }

    #[test]
    fn keeps_everything_up_to_its_bound_in_order() {
        assert_eq!(sample(0, 1000, 1), (0..1000).collect::<Vec<_>>());
        assert_eq!(sample(1000, 1000, 1), (0..1000).collect::<Vec<_>>());
        assert_eq!(sample(5000, 1000, 1), (0..1000).collect::<Vec<_>>());
    }

    #[test]
    fn a_bounded_sample_is_spread_over_the_whole_stream() {
        let (cap, n) = (1000, 100_000);
        let mut kept = sample(cap, n, 7);
        assert_eq!(kept.len(), cap);
        kept.sort();
        kept.dedup();
        assert_eq!(kept.len(), cap, "an item kept twice");
        // Each tenth of the stream holds about a tenth of the sample (100, binomial spread
        // about 9.5): not the first items, not the last ones.
        for tenth in 0..10 {
            let inside = kept.iter().filter(|&&i| i * 10 / n == tenth).count();
            assert!((60..=140).contains(&inside), "tenth {tenth} of the stream holds {inside} of {cap}");
        }
    }
}
