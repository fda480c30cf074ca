//! An in-place radix-2 FFT, enough for short-time spectra of speech.

/// A radix-2 FFT of one length, its twiddle factors computed once: short-time spectra take
/// thousands of transforms of the same length.
pub struct Fft {
    /// e^{-2 pi i k / n} for k < n / 2.
    twiddles: Vec<(f64, f64)>,
}

impl Fft {
    /// `n` must be a power of two.
    pub fn new(n: usize) -> Fft {
        assert!(n.is_power_of_two(), "FFT length must be a power of two");
        let angle = -2.0 * std::f64::consts::PI / n as f64;
        Fft { twiddles: (0..n / 2).map(|k| ((angle * k as f64).cos(), (angle * k as f64).sin())).collect() }
    }

    /// Transforms `re`, `im` (length n) in place: X[k] = sum_j x[j] e^{-2 pi i k j / n}.
    pub fn run(&self, re: &mut [f64], im: &mut [f64]) {
        let n = 2 * self.twiddles.len();
        assert!(re.len() == n && im.len() == n, "FFT of length {n} given {} values", re.len());
        let mut j = 0;
        for i in 1..n {
            let mut bit = n >> 1;
            while j & bit != 0 {
                j ^= bit;
                bit >>= 1;
            }
            j |= bit;
            if i < j {
                re.swap(i, j);
                im.swap(i, j);
            }
        }
        let mut len = 2;
        while len <= n {
            let stride = n / len;
            for start in (0..n).step_by(len) {
                for k in 0..len / 2 {
                    let (w_re, w_im) = self.twiddles[k * stride];
                    let (a, b) = (start + k, start + k + len / 2);
                    let t_re = re[b] * w_re - im[b] * w_im;
                    let t_im = re[b] * w_im + im[b] * w_re;
                    re[b] = re[a] - t_re;
                    im[b] = im[a] - t_im;
                    re[a] += t_re;
                    im[a] += t_im;
                }
            }
            len <<= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn matches_a_direct_dft() {
        let n = 64;
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
            assert!((re[k] - r).abs() < 1e-9 && (im[k] - i).abs() < 1e-9);
        }
    }
}
