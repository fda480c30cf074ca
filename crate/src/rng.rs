//! Counter-based random numbers.
//!
//! Every random quantity in the lab is a pure function of `(seed, counter)`, so that the same
//! number can be regenerated anywhere (CPU, GPU, a later replay) without storing or uploading it.
//! The mixing function is the PCG hash (a 32-bit permutation); it uses only 32-bit integer
//! arithmetic, which WGSL has, so shaders can compute the very same bits.

/// The PCG-RXS-M-XS output permutation applied to one LCG step: a bijection on u32.
#[inline]
pub fn pcg_hash(x: u32) -> u32 {
    let state = x.wrapping_mul(747_796_405).wrapping_add(2_891_336_453);
    let word = ((state >> ((state >> 28) + 4)) ^ state).wrapping_mul(277_803_737);
    (word >> 22) ^ word
}

/// Hash of a seed and a counter. For a fixed seed, distinct counters give distinct values.
pub fn hash2(seed: u32, counter: u32) -> u32 {
    pcg_hash(pcg_hash(seed) ^ counter)
}

/// A uniform f32 in [0, 1) from the top 24 bits of a hash.
pub fn unit_f32(bits: u32) -> f32 {
    (bits >> 8) as f32 * (1.0 / 16_777_216.0)
}

/// The stream of noise values for member (or pair) `index` of a generation seeded `seed`.
pub fn noise_stream(seed: u32, index: u32) -> u32 {
    hash2(seed, index)
}

/// Perturbation noise for parameter `k` of a stream: approximately standard normal.
///
/// It is the Irwin-Hall sum of three 21-bit uniforms taken from two hashes, shifted and scaled to
/// mean 0 and variance 1 (range [-3, 3)). Every operation is exact in f32: the integer sum is below
/// 2^24 and the scale is a power of two. So the GPU regenerates the CPU's values bit for bit, which
/// a Box-Muller transform (log, cos) could not promise. WGSL twin: shaders/noise.wgsl.
#[inline]
pub fn noise(stream: u32, k: u32) -> f32 {
    let a = pcg_hash(pcg_hash(k) ^ stream);
    let b = pcg_hash(a ^ 0x9e37_79b9);
    let sum = (a >> 11) + (b >> 11) + ((a & 0x7ff) | ((b & 0x3ff) << 11));
    (sum as f32 - 3_145_728.0) * (1.0 / 1_048_576.0)
}

/// A sequential generator for CPU-side choices (maze layout, initial weights, start cells):
/// the n-th draw is `hash2(seed, n)`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Rng {
    seed: u32,
    counter: u32,
}

impl Rng {
    pub fn new(seed: u32) -> Rng {
        Rng { seed, counter: 0 }
    }

    pub fn next_u32(&mut self) -> u32 {
        let bits = hash2(self.seed, self.counter);
        self.counter = self.counter.wrapping_add(1);
        bits
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f32 {
        unit_f32(self.next_u32())
    }

    /// Uniform in [-scale, scale).
    pub fn symmetric(&mut self, scale: f32) -> f32 {
        (2.0 * self.uniform() - 1.0) * scale
    }

    /// Uniform integer in [0, n). The modulo bias is below 2^-24 for the small n used here.
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "Rng::below(0)");
        ((self.next_u32() as u64 * n as u64) >> 32) as usize
    }
}

/// The salts that derive each random stream from a seed, named in one place. Their values are
/// those the lab has always used (changing one changes every figure). `TRAIN_UTTERANCES + k` is
/// the evolution-alone baseline's training table of command `k`, so for command 1 it equals
/// `VALIDATION_UTTERANCES`: a different table of a different command, so nothing is shared.
pub mod salt {
    /// Consolidation's batch draws.
    pub const BATCHES: u32 = 0xc0;
    /// Which traces a bounded prediction pool keeps.
    pub const PREDICTION_POOL: u32 = 0x9001;
    /// The new weights of a copy that freezes and grows (paper 3.1).
    pub const GROWTH: u32 = 0x960;
    /// Which augmented utterances of the training and the validation speakers a copy hears.
    pub const TRAIN_UTTERANCES: u32 = 0x7a1;
    pub const VALIDATION_UTTERANCES: u32 = 0x7a2;
    /// Sampled (not argmax) actions, per generation.
    pub const SAMPLED_ACTIONS: u32 = 0x5a3e;
    /// The utterance each episode hears, per generation.
    pub const HEARD: u32 = 0x115e;
    /// Random start cells, per generation.
    pub const STARTS: u32 = 0x57a7;
    /// The evolution-alone baseline's search and its episodes' utterances.
    pub const BASELINE: u32 = 0xba5e;
    /// Shuffled commands when ONE is judged.
    pub const SHUFFLED: u32 = 0x5b0f;
    /// The page's first walk.
    pub const WALK: u32 = 0xac71;
    /// Where a maze's landmarks stand.
    pub const LANDMARKS: u32 = 0x1a4d;
    /// The GPU parity check's random net and inputs.
    pub const PARITY: u32 = 0x5eed;
    /// Each PowerPlay candidate's copy, by the number of candidates tried before it.
    pub const CANDIDATES: u32 = 0xca4d;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_seeds_differ() {
        let a: Vec<u32> = (0..8)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u32()
            })
            .collect();
        let b: Vec<u32> = (0..8)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u32()
            })
            .collect();
        let c: Vec<u32> = (0..8)
            .map({
                let mut r = Rng::new(8);
                move |_| r.next_u32()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn noise_has_unit_variance_and_streams_differ() {
        let n = 200_000u32;
        let s = noise_stream(5, 0);
        let (sum, sq) = (0..n).map(|k| noise(s, k) as f64).fold((0.0, 0.0), |(a, b), z| (a + z, b + z * z));
        let mean = sum / n as f64;
        let var = sq / n as f64 - mean * mean;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "variance {var}");
        let t = noise_stream(5, 1);
        let same = (0..1000).filter(|&k| noise(s, k) == noise(t, k)).count();
        assert!(same < 5);
    }

    #[test]
    fn uniform_is_roughly_uniform() {
        let mut r = Rng::new(1);
        let n = 100_000;
        let mut bins = [0usize; 10];
        for _ in 0..n {
            let u = r.uniform();
            assert!((0.0..1.0).contains(&u));
            bins[(u * 10.0) as usize] += 1;
        }
        for b in bins {
            assert!((b as f64 - 10_000.0).abs() < 500.0, "bins {bins:?}");
        }
    }
}
