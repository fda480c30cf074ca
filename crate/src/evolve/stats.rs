use serde::{Deserialize, Serialize};

/// Running mean and variance of each parameter over the ends of trials (paper 3.12): the
/// parameters a copy had when each of its trials ended. Low-variance weights are suspected to
/// matter to many tasks; consolidation will give them small learning rates, and evolution may
/// give them small mutations. Kept in f64 (Welford/Chan updates) since counts grow large.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WeightStats {
    pub count: f64,
    pub mean: Vec<f64>,
    pub m2: Vec<f64>,
}

impl WeightStats {
    /// Whether saved statistics fit `n` parameters: refused by name when they do not.
    pub fn check(&self, n: usize) -> Result<(), String> {
        if self.mean.len() != n || self.m2.len() != n {
            return Err(format!("the saved weight statistics hold {} values for {n} parameters", self.mean.len()));
        }
        let finite = self.count.is_finite() && self.count >= 0.0;
        if !finite || !self.mean.iter().all(|x| x.is_finite()) || !self.m2.iter().all(|x| x.is_finite() && *x >= 0.0) {
            return Err("the saved weight statistics are not finite".into());
        }
        Ok(())
    }

    pub fn new(n: usize) -> WeightStats {
        WeightStats { count: 0.0, mean: vec![0.0; n], m2: vec![0.0; n] }
    }

    /// Records `trials` trial ends that all had parameters `params` (a member's episodes).
    pub fn add(&mut self, params: &[f32], trials: f64) {
        assert_eq!(params.len(), self.mean.len(), "parameter count changed");
        let total = self.count + trials;
        for k in 0..params.len() {
            let delta = params[k] as f64 - self.mean[k];
            self.mean[k] += delta * trials / total;
            self.m2[k] += delta * delta * self.count * trials / total;
        }
        self.count = total;
    }

    /// The statistics of a net that grew (`One::grow`, whose freeze mask marks the old
    /// parameters, in their order): each old parameter's at its new place; the new ones did not
    /// exist at those trial ends, and enter with mean 0 and no spread under the same count.
    pub fn grow(&mut self, frozen: &[bool]) {
        assert_eq!(frozen.iter().filter(|&&f| f).count(), self.mean.len(), "the mask marks every old parameter");
        let spread = |old: &[f64]| {
            let mut old = old.iter();
            frozen.iter().map(|&f| if f { *old.next().expect("counted") } else { 0.0 }).collect()
        };
        (self.mean, self.m2) = (spread(&self.mean), spread(&self.m2));
    }

    /// Population variance per parameter (zero before two trials).
    pub fn variance(&self) -> Vec<f64> {
        if self.count < 2.0 {
            return vec![0.0; self.m2.len()];
        }
        self.m2.iter().map(|m| m / self.count).collect()
    }

    /// Adds another set of statistics over the same parameters (Chan et al.'s pairwise update):
    /// the result is as if every trial end of both had been added here.
    pub fn merge(&mut self, other: &WeightStats) {
        assert_eq!(other.mean.len(), self.mean.len(), "parameter count changed");
        let total = self.count + other.count;
        if other.count == 0.0 {
            return;
        }
        for k in 0..self.mean.len() {
            let delta = other.mean[k] - self.mean[k];
            self.mean[k] += delta * other.count / total;
            self.m2[k] += other.m2[k] + delta * delta * self.count * other.count / total;
        }
        self.count = total;
    }

    /// Each parameter's standard deviation over the mean standard deviation, clamped to
    /// [lo, hi]; all 1 until there are statistics. Evolution scales mutation sizes by it and
    /// consolidation its learning rates (a weight that never varied gets a rate of 0 when
    /// `lo` is 0: a frozen weight stays frozen).
    pub fn relative_spread(&self, lo: f32, hi: f32) -> Vec<f32> {
        let std: Vec<f64> = self.variance().iter().map(|v| v.sqrt()).collect();
        let mean_std = std.iter().sum::<f64>() / std.len().max(1) as f64;
        if mean_std == 0.0 {
            return vec![1.0; std.len()];
        }
        std.iter().map(|s| ((s / mean_std) as f32).clamp(lo, hi)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn growing_keeps_each_old_parameters_statistics() {
        let mut s = WeightStats::new(3);
        s.add(&[1.0, 2.0, 3.0], 2.0);
        s.add(&[3.0, 2.0, 1.0], 2.0);
        let old = s.clone();
        s.grow(&[true, false, true, false, true]);
        assert_eq!(s.count, old.count);
        assert_eq!(s.mean, vec![old.mean[0], 0.0, old.mean[1], 0.0, old.mean[2]]);
        assert_eq!(s.m2, vec![old.m2[0], 0.0, old.m2[1], 0.0, old.m2[2]]);
    }

    #[test]
    fn matches_a_direct_computation() {
        let mut rng = Rng::new(4);
        let n = 7;
        let mut stats = WeightStats::new(n);
        let mut samples: Vec<Vec<f32>> = Vec::new();
        for _ in 0..30 {
            let params: Vec<f32> = (0..n).map(|_| rng.symmetric(2.0)).collect();
            let trials = 1 + rng.below(5);
            stats.add(&params, trials as f64);
            samples.extend(std::iter::repeat_n(params, trials));
        }
        let count = samples.len() as f64;
        assert_eq!(stats.count, count);
        let variance = stats.variance();
        for k in 0..n {
            let mean = samples.iter().map(|s| s[k] as f64).sum::<f64>() / count;
            let var = samples.iter().map(|s| (s[k] as f64 - mean).powi(2)).sum::<f64>() / count;
            assert!((stats.mean[k] - mean).abs() < 1e-12);
            assert!((variance[k] - var).abs() < 1e-12, "{} vs {var}", variance[k]);
        }
    }

    #[test]
    fn merging_equals_adding_everything_to_one() {
        let mut rng = Rng::new(9);
        let (mut a, mut b, mut all) = (WeightStats::new(4), WeightStats::new(4), WeightStats::new(4));
        for i in 0..20 {
            let params: Vec<f32> = (0..4).map(|_| rng.symmetric(3.0)).collect();
            let trials = 1.0 + rng.below(4) as f64;
            if i % 3 == 0 { &mut a } else { &mut b }.add(&params, trials);
            all.add(&params, trials);
        }
        a.merge(&b);
        assert_eq!(a.count, all.count);
        for (x, y) in a.variance().iter().zip(all.variance()) {
            assert!((x - y).abs() < 1e-12 * y.max(1.0), "{x} vs {y}");
        }
        a.merge(&WeightStats::new(4));
        assert_eq!(a.count, all.count, "merging nothing changes nothing");
    }

    #[test]
    fn relative_spread_is_bounded_and_follows_the_spread() {
        let mut stats = WeightStats::new(3);
        stats.add(&[0.0, 0.0, 0.0], 1.0);
        stats.add(&[0.0, 1.0, 100.0], 1.0);
        let scale = stats.relative_spread(0.25, 4.0);
        assert_eq!(scale[0], 0.25);
        assert!(scale[1] >= 0.25 && scale[1] < 1.0);
        assert!((scale[2] - 50.0 / (50.5 / 3.0)).abs() < 1e-5);
        assert_eq!(WeightStats::new(2).relative_spread(0.25, 4.0), vec![1.0, 1.0]);
    }
}
