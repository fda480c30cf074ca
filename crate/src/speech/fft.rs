//! An in-place radix-2 FFT, enough for short-time spectra of speech.

use crate::wide::wide_fn;

/// A radix-2 FFT of one length, its tables computed once: short-time spectra take thousands of
/// transforms of the same length (hearing an utterance is mostly this).
pub struct Fft {
    n: usize,
    /// The index pairs (i < j) that the bit-reversed order exchanges.
    swaps: Vec<(u32, u32)>,
    /// Each stage's twiddle factors in a row, the stages end to end: the stage of butterflies
    /// `half` apart uses e^{-2 pi i k / (2 half)}, k < half, from offset `half - 1`. Copies of
    /// one table's values, so every stage multiplies by the same bits as a strided read would.
    w_re: Vec<f64>,
    w_im: Vec<f64>,
}

impl Fft {
    /// `n` must be a power of two.
    pub fn new(n: usize) -> Fft {
        assert!(n.is_power_of_two(), "FFT length must be a power of two");
        let angle = -2.0 * std::f64::consts::PI / n as f64;
        let table: Vec<(f64, f64)> = (0..n / 2).map(|k| ((angle * k as f64).cos(), (angle * k as f64).sin())).collect();
        let (mut w_re, mut w_im) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let mut half = 1;
        while half < n {
            let stride = n / (2 * half);
            for k in 0..half {
                w_re.push(table[k * stride].0);
                w_im.push(table[k * stride].1);
            }
            half *= 2;
        }
        let bits = n.trailing_zeros();
        let swaps = (0..n)
            .filter_map(|i| {
                let j = if bits == 0 { 0 } else { i.reverse_bits() >> (usize::BITS - bits) };
                (i < j).then_some((i as u32, j as u32))
            })
            .collect();
        Fft { n, swaps, w_re, w_im }
    }

    /// Transforms `re`, `im` (length n) in place: X[k] = sum_j x[j] e^{-2 pi i k j / n}.
    pub fn run(&self, re: &mut [f64], im: &mut [f64]) {
        let n = self.n;
        assert!(re.len() == n && im.len() == n, "FFT of length {n} given {} values", re.len());
        for &(i, j) in &self.swaps {
            re.swap(i as usize, j as usize);
            im.swap(i as usize, j as usize);
        }
        stages(re, im, &self.w_re, &self.w_im);
    }
}

wide_fn! {
    /// Every butterfly stage, each block's halves side by side so that the loop over k runs
    /// in vector registers; each value is computed by the same operations in the same order as
    /// one butterfly at a time would, so the bits do not depend on the register width. The
    /// first stages, narrower than a register, are unrolled at their width instead.
    fn stages(re: &mut [f64], im: &mut [f64], w_re: &[f64], w_im: &[f64]) {
        let mut half = 1;
        while half < re.len() {
            let (wr, wi) = (&w_re[half - 1..2 * half - 1], &w_im[half - 1..2 * half - 1]);
            match half {
                1 => stage::<1>(re, im, wr, wi),
                2 => stage::<2>(re, im, wr, wi),
                4 => stage::<4>(re, im, wr, wi),
                _ => {
                    for (re, im) in re.chunks_exact_mut(2 * half).zip(im.chunks_exact_mut(2 * half)) {
                        butterflies(re, im, wr, wi);
                    }
                }
            }
            half *= 2;
        }
    }
}

/// One stage of butterflies `H` apart, `H` known when compiled.
#[inline(always)]
fn stage<const H: usize>(re: &mut [f64], im: &mut [f64], wr: &[f64], wi: &[f64]) {
    for (re, im) in re.chunks_exact_mut(2 * H).zip(im.chunks_exact_mut(2 * H)) {
        butterflies(re, im, &wr[..H], &wi[..H]);
    }
}

/// The butterflies of one block: its first half with its second, `wr.len()` apart.
#[inline(always)]
fn butterflies(re: &mut [f64], im: &mut [f64], wr: &[f64], wi: &[f64]) {
    let half = wr.len();
    let (ar, br) = re.split_at_mut(half);
    let (ai, bi) = im.split_at_mut(half);
    let (br, bi, wi) = (&mut br[..half], &mut bi[..half], &wi[..half]);
    for k in 0..half {
        let t_re = br[k] * wr[k] - bi[k] * wi[k];
        let t_im = br[k] * wi[k] + bi[k] * wr[k];
        br[k] = ar[k] - t_re;
        bi[k] = ai[k] - t_im;
        ar[k] += t_re;
        ai[k] += t_im;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn matches_a_direct_dft() {
        for n in [1, 2, 4, 64, 512] {
            let x: Vec<f64> = (0..n).map(|i| ((i * 7 % 13) as f64 - 6.0) / 3.0).collect();
            let (mut re, mut im) = (x.clone(), vec![0.0; n]);
            super::Fft::new(n).run(&mut re, &mut im);
            for k in 0..n {
                let (mut r, mut i) = (0.0, 0.0);
                for (t, v) in x.iter().enumerate() {
                    let a = -2.0 * std::f64::consts::PI * (k * t) as f64 / n as f64;
                    r += v * a.cos();
                    i += v * a.sin();
                }
                assert!((re[k] - r).abs() < 1e-9 && (im[k] - i).abs() < 1e-9, "n = {n}, bin {k}");
            }
        }
    }
}
