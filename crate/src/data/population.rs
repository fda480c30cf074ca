use crate::rng::{noise, noise_stream};
use serde::{Deserialize, Serialize};

/// The `member` of an evaluation trial's policy: the search distribution's mean itself.
pub const MEAN_MEMBER: u32 = u32::MAX;

/// One generation's population as both rollout paths see it. Member `m` has parameters
/// `mean[k] + (sign * sigma[k]) * noise(stream, k)`, where with antithetic sampling members
/// 2j and 2j+1 share pair j's stream with signs +1 and -1, and otherwise member m has stream m.
/// `sigma` is the effective mutation size per parameter: zero freezes a parameter.
/// Nothing of size members x parameters is ever stored: kernels regenerate the noise.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Population {
    pub seed: u32,
    pub size: usize,
    pub antithetic: bool,
    pub mean: Vec<f32>,
    pub sigma: Vec<f32>,
}

impl Population {
    /// The noise index (pair or member) and sign of member `m`.
    pub fn noise_index(&self, m: usize) -> (u32, f32) {
        if self.antithetic {
            ((m / 2) as u32, if m.is_multiple_of(2) { 1.0 } else { -1.0 })
        } else {
            (m as u32, 1.0)
        }
    }

    /// The standard noise of member `m`'s parameter `k`, before sign and sigma.
    pub fn noise(&self, m: usize, k: usize) -> f32 {
        let (index, _) = self.noise_index(m);
        noise(noise_stream(self.seed, index), k as u32)
    }

    /// Member `m`'s parameters, materialised. (Inlined where it is called, so that the CPU
    /// rollout can compile it for wide registers: integer vector multiplies need SSE4.1.)
    #[inline(always)]
    pub fn member(&self, m: usize) -> Vec<f32> {
        let (index, sign) = self.noise_index(m);
        let stream = noise_stream(self.seed, index);
        let mut params = vec![0.0; self.mean.len()];
        for (k, p) in params.iter_mut().enumerate() {
            *p = self.mean[k] + (sign * self.sigma[k]) * noise(stream, k as u32);
        }
        params
    }
}
