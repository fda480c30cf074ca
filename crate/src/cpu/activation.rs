//! ONE's gate nonlinearities on the CPU path, written out in plain f32 arithmetic.
//!
//! Two reasons not to call the platform's `expf` and `tanhf`: speed, since they were two thirds
//! of a rollout's time (glibc's `tanhf` goes through `expm1f`, and neither vectorises), and
//! sameness, since native code and wasm link different maths libraries while additions,
//! multiplications and divisions are IEEE-exact everywhere, so the lab's runs give the same
//! bits natively and in the page. Accuracy: `exp` within 2 ulp (Cephes' `expf` polynomial after
//! Cody-Waite reduction), `sigmoid` and `tanh` within 3e-7 absolute (test).

/// 1.5 x 2^23: adding it rounds an f32 below 2^22 to the nearest integer (ties to even).
const ROUND: f32 = 12_582_912.0;

/// e^x, for x clamped to [-87, 88] (so that 2^n stays a normal number); NaN stays NaN.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    let x = x.clamp(-87.0, 88.0);
    let t = x * std::f32::consts::LOG2_E + ROUND;
    let n = t - ROUND;
    // x - n ln 2 in two parts (the first exact in few bits), so that r keeps its precision.
    let r = (x - n * 0.693_359_4) - n * -2.121_944_4e-4;
    let p = 1.987_569_1e-4;
    let p = p * r + 1.398_2e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 1.666_666_5e-1;
    let p = p * r + 0.5;
    let y = p * (r * r) + r + 1.0;
    let k = t.to_bits().wrapping_sub(ROUND.to_bits()) as i32;
    y * f32::from_bits(((k + 127) as u32) << 23)
}

#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    1.0 - 2.0 / (exp(2.0 * x) + 1.0)
}

/// The gate nonlinearities for the float BPTT runs in: these in f32 (the training path, the
/// same as the rollouts'), the maths library's in f64 (checked against finite differences).
pub trait Activations: Copy {
    fn sigmoid(self) -> Self;
    fn tanh(self) -> Self;
}

impl Activations for f32 {
    #[inline(always)]
    fn sigmoid(self) -> f32 {
        sigmoid(self)
    }
    #[inline(always)]
    fn tanh(self) -> f32 {
        tanh(self)
    }
}

impl Activations for f64 {
    fn sigmoid(self) -> f64 {
        1.0 / (1.0 + (-self).exp())
    }
    fn tanh(self) -> f64 {
        f64::tanh(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every 997th f32 in the range: about a million points, spread over every binade.
    fn points(lo: f32, hi: f32) -> impl Iterator<Item = f32> {
        let all = (0..u32::MAX).step_by(997).map(f32::from_bits).filter(|x| x.is_finite());
        all.flat_map(|x| [x, -x]).filter(move |x| (lo..=hi).contains(x))
    }

    #[test]
    fn exp_is_within_two_ulp() {
        let mut worst = 0.0f64;
        for x in points(-87.0, 88.0) {
            let want = (x as f64).exp();
            let got = exp(x) as f64;
            let ulp = f32::EPSILON as f64 * 2f64.powf(want.log2().floor());
            worst = worst.max((got - want).abs() / ulp);
        }
        assert!(worst <= 2.0, "exp is off by {worst} ulp");
        assert_eq!(exp(0.0), 1.0);
        assert!(exp(f32::NAN).is_nan());
        assert_eq!(exp(-1000.0), exp(-87.0));
        assert!(exp(1000.0).is_finite());
    }

    #[test]
    fn sigmoid_and_tanh_are_within_3e_7() {
        let (mut s_worst, mut t_worst) = (0.0f64, 0.0f64);
        for x in points(-200.0, 200.0) {
            let x64 = x as f64;
            s_worst = s_worst.max((sigmoid(x) as f64 - 1.0 / (1.0 + (-x64).exp())).abs());
            t_worst = t_worst.max((tanh(x) as f64 - x64.tanh()).abs());
        }
        assert!(s_worst <= 3e-7, "sigmoid is off by {s_worst}");
        assert!(t_worst <= 3e-7, "tanh is off by {t_worst}");
        assert_eq!((sigmoid(0.0), tanh(0.0)), (0.5, 0.0));
        assert_eq!((tanh(50.0), tanh(-50.0), sigmoid(-200.0) < 1e-37), (1.0, -1.0, true));
        assert!(sigmoid(f32::NAN).is_nan() && tanh(f32::NAN).is_nan());
    }
}
