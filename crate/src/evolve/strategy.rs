use super::optim::{Adam, ClipUp};
use crate::data::Population;
use crate::rng::{noise, noise_stream};
use serde::{Deserialize, Serialize};

/// The evolution strategies behind one ask/tell interface. Fitness is higher-is-better.
pub trait Strategy {
    /// The next population. `scale` multiplies each parameter's mutation size: 0 freezes it
    /// (freeze-and-grow), other values come from the weight-variance heuristic (3.12).
    fn ask(&mut self, scale: &[f32]) -> Population;
    /// Fitness of each member of the last population asked for. Refuses NaN or infinite values
    /// and then leaves the search distribution as it was.
    fn tell(&mut self, fitness: &[f32]) -> Result<(), String>;
    fn mean(&self) -> &[f32];
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StrategyKind {
    /// PGPE (Sehnke et al. 2010) with symmetric sampling and per-parameter sigma; the default.
    Pgpe,
    /// OpenAI-ES (Salimans et al. 2017): antithetic sampling, centred ranks, fixed sigma, Adam.
    OpenAiEs,
    /// Separable NES (Schaul et al. 2011): per-parameter sigma, rank utilities, no pairing.
    Snes,
}

impl StrategyKind {
    pub const ALL: [StrategyKind; 3] = [StrategyKind::Pgpe, StrategyKind::OpenAiEs, StrategyKind::Snes];
}

impl StrategyKind {
    pub fn parse(s: &str) -> Result<StrategyKind, String> {
        match s {
            "pgpe" => Ok(StrategyKind::Pgpe),
            "openai-es" => Ok(StrategyKind::OpenAiEs),
            "snes" => Ok(StrategyKind::Snes),
            _ => Err(format!("unknown strategy {s:?}: expected pgpe, openai-es or snes")),
        }
    }

    pub fn antithetic(self) -> bool {
        !matches!(self, StrategyKind::Snes)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MeanOptimizer {
    ClipUp,
    Adam,
}

impl MeanOptimizer {
    pub const ALL: [MeanOptimizer; 2] = [MeanOptimizer::ClipUp, MeanOptimizer::Adam];
}

/// Settings shared by the strategies; each uses what applies to it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StrategyConfig {
    pub kind: StrategyKind,
    pub population: usize,
    /// Initial (PGPE, SNES) or fixed (OpenAI-ES) mutation size per parameter.
    pub sigma: f32,
    /// PGPE with ClipUp: step size in parameter space; with Adam, and OpenAI-ES: Adam's rate.
    pub learning_rate: f32,
    pub optimizer: MeanOptimizer,
}

impl StrategyConfig {
    pub fn validate(&self) -> Result<(), String> {
        crate::limits::check("population", self.population, crate::limits::POPULATION)?;
        if self.kind.antithetic() && self.population % 2 == 1 {
            return Err(format!(
                "population {} is odd, but {:?} samples antithetic pairs: use an even population",
                self.population, self.kind
            ));
        }
        if !(self.sigma > 0.0 && self.sigma.is_finite()) {
            return Err(format!("sigma must be a positive number, got {}", self.sigma));
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return Err(format!("learning rate must be a positive number, got {}", self.learning_rate));
        }
        Ok(())
    }

    pub fn build(&self, mean: Vec<f32>, seed: u32) -> Search {
        let n = mean.len();
        let base = Base { mean, seed, generation: 0, last: None };
        match self.kind {
            StrategyKind::Pgpe => Search::Pgpe(Pgpe {
                sigma: vec![self.sigma; n],
                optimizer: match self.optimizer {
                    MeanOptimizer::ClipUp => Optimizer::ClipUp(ClipUp::new(n, self.learning_rate)),
                    MeanOptimizer::Adam => Optimizer::Adam(Adam::new(n, self.learning_rate)),
                },
                size: self.population,
                base,
            }),
            StrategyKind::OpenAiEs => Search::OpenAiEs(OpenAiEs {
                sigma: self.sigma,
                adam: Adam::new(n, self.learning_rate),
                size: self.population,
                base,
            }),
            StrategyKind::Snes => {
                let lr_sigma = (3.0 + (n as f32).ln()) / (5.0 * (n as f32).sqrt());
                Search::Snes(Snes { sigma: vec![self.sigma; n], lr_sigma, size: self.population, base })
            }
        }
    }
}

/// One of the strategies with all of its state, so that an evolution can be saved between
/// generations and go on exactly as if it had not stopped.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Search {
    Pgpe(Pgpe),
    OpenAiEs(OpenAiEs),
    Snes(Snes),
}

impl Strategy for Search {
    fn ask(&mut self, scale: &[f32]) -> Population {
        match self {
            Search::Pgpe(s) => s.ask(scale),
            Search::OpenAiEs(s) => s.ask(scale),
            Search::Snes(s) => s.ask(scale),
        }
    }

    fn tell(&mut self, fitness: &[f32]) -> Result<(), String> {
        match self {
            Search::Pgpe(s) => s.tell(fitness),
            Search::OpenAiEs(s) => s.tell(fitness),
            Search::Snes(s) => s.tell(fitness),
        }
    }

    fn mean(&self) -> &[f32] {
        match self {
            Search::Pgpe(s) => s.mean(),
            Search::OpenAiEs(s) => s.mean(),
            Search::Snes(s) => s.mean(),
        }
    }
}

impl Search {
    /// Members per generation.
    pub fn population_size(&self) -> usize {
        match self {
            Search::Pgpe(s) => s.size,
            Search::OpenAiEs(s) => s.size,
            Search::Snes(s) => s.size,
        }
    }

    /// Whether a saved search (a checkpoint's) fits `n` parameters and can go on: every vector
    /// of the right length and finite, mutation sizes not negative, a population the strategy
    /// can sample. Refused by name otherwise, before anything runs on it.
    pub fn check(&self, n: usize) -> Result<(), String> {
        let sizes = |name: &str, sigma: &[f32]| {
            if sigma.len() != n {
                return Err(format!("the saved search has {} {name} for {n} parameters", sigma.len()));
            }
            match sigma.iter().find(|s| !(s.is_finite() && **s >= 0.0)) {
                Some(s) => Err(format!("the saved search has a mutation size of {s}")),
                None => Ok(()),
            }
        };
        let (base, size, antithetic) = match self {
            Search::Pgpe(s) => {
                sizes("mutation sizes", &s.sigma)?;
                match &s.optimizer {
                    Optimizer::ClipUp(o) => o.check(n)?,
                    Optimizer::Adam(o) => o.check(n)?,
                }
                (&s.base, s.size, true)
            }
            Search::OpenAiEs(s) => {
                if !(s.sigma.is_finite() && s.sigma > 0.0) {
                    return Err(format!("the saved search has a mutation size of {}", s.sigma));
                }
                s.adam.check(n)?;
                (&s.base, s.size, true)
            }
            Search::Snes(s) => {
                sizes("mutation sizes", &s.sigma)?;
                (&s.base, s.size, false)
            }
        };
        crate::limits::check("the saved search's population", size, crate::limits::POPULATION)?;
        if antithetic && size % 2 == 1 {
            return Err(format!("the saved search samples antithetic pairs from an odd population of {size}"));
        }
        if base.mean.len() != n || !base.mean.iter().all(|x| x.is_finite()) {
            return Err(format!("the saved search's mean holds {} values for {n} parameters", base.mean.len()));
        }
        if base.last.as_ref().is_some_and(|p| p.mean.len() != n || p.sigma.len() != n || p.size != size) {
            return Err("the saved search's last population does not match it".into());
        }
        Ok(())
    }
}

/// What every strategy keeps: the mean, the seed of its generations, the last population.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Base {
    mean: Vec<f32>,
    seed: u32,
    generation: u32,
    last: Option<Population>,
}

impl Base {
    fn ask(&mut self, size: usize, antithetic: bool, sigma: impl Fn(usize) -> f32) -> Population {
        let pop = Population {
            seed: crate::rng::hash2(self.seed, self.generation),
            size,
            antithetic,
            mean: self.mean.clone(),
            sigma: (0..self.mean.len()).map(sigma).collect(),
        };
        self.generation += 1;
        self.last = Some(pop.clone());
        pop
    }

    fn take(&mut self, fitness: &[f32]) -> Result<Population, String> {
        let pop = self.last.take().ok_or("tell without ask")?;
        if fitness.len() != pop.size {
            return Err(format!("{} fitness values for a population of {}", fitness.len(), pop.size));
        }
        if let Some(m) = fitness.iter().position(|f| !f.is_finite()) {
            return Err(format!("member {m} has fitness {}: the run stops and keeps the last good mean", fitness[m]));
        }
        Ok(pop)
    }
}

/// Ranks mapped linearly to [-0.5, 0.5]: the worst gets -0.5, the best 0.5. Equal fitness gets
/// equal (averaged) ranks: argmax policies often tie, and breaking ties by member index would
/// feed the update a random direction.
pub fn centred_ranks(fitness: &[f32]) -> Vec<f32> {
    let n = fitness.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| fitness[a].total_cmp(&fitness[b]));
    let mut ranks = vec![0.0; n];
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n && fitness[order[end]] == fitness[order[start]] {
            end += 1;
        }
        let rank = (start + end - 1) as f32 / 2.0 / (n - 1).max(1) as f32 - 0.5;
        for &i in &order[start..end] {
            ranks[i] = rank;
        }
        start = end;
    }
    ranks
}

/// `(sum_j a[j] z_jk, sum_j b[j] z_jk^2)` over the population's noise streams j, per parameter k.
fn noise_sums(pop: &Population, a: &[f32], b: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let n = pop.mean.len();
    let (mut sa, mut sb) = (vec![0.0f32; n], vec![0.0f32; n]);
    for j in 0..a.len() {
        let stream = noise_stream(pop.seed, j as u32);
        for k in 0..n {
            let z = noise(stream, k as u32);
            sa[k] += a[j] * z;
            sb[k] += b[j] * z * z;
        }
    }
    (sa, sb)
}

#[derive(Clone, Debug, Serialize, Deserialize)]
enum Optimizer {
    ClipUp(ClipUp),
    Adam(Adam),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Pgpe {
    base: Base,
    sigma: Vec<f32>,
    optimizer: Optimizer,
    size: usize,
}

impl Strategy for Pgpe {
    fn ask(&mut self, scale: &[f32]) -> Population {
        let sigma = &self.sigma;
        self.base.ask(self.size, true, |k| sigma[k] * scale[k])
    }

    fn tell(&mut self, fitness: &[f32]) -> Result<(), String> {
        let pop = self.base.take(fitness)?;
        let shaped = centred_ranks(fitness);
        let pairs = pop.size / 2;
        let diff: Vec<f32> = (0..pairs).map(|j| (shaped[2 * j] - shaped[2 * j + 1]) / 2.0 / pairs as f32).collect();
        let avg: Vec<f32> = (0..pairs).map(|j| (shaped[2 * j] + shaped[2 * j + 1]) / 2.0 / pairs as f32).collect();
        let (sum_z, sum_z2) = noise_sums(&pop, &diff, &avg);
        let avg_total: f32 = avg.iter().sum();
        // d/d(mean) is sigma_eff * sum(diff z); d/d(sigma) is sigma * sum(avg (z^2 - 1)).
        let grad: Vec<f32> = (0..sum_z.len()).map(|k| pop.sigma[k] * sum_z[k]).collect();
        match &mut self.optimizer {
            Optimizer::ClipUp(o) => o.step(&mut self.base.mean, &grad),
            Optimizer::Adam(o) => o.step(&mut self.base.mean, &grad),
        }
        let (lr, max_change) = (0.1, 0.2);
        for k in 0..self.sigma.len() {
            if pop.sigma[k] == 0.0 {
                continue;
            }
            let s = self.sigma[k];
            let delta = (lr * s * (sum_z2[k] - avg_total)).clamp(-max_change * s, max_change * s);
            self.sigma[k] = s + delta;
        }
        Ok(())
    }

    fn mean(&self) -> &[f32] {
        &self.base.mean
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OpenAiEs {
    base: Base,
    sigma: f32,
    adam: Adam,
    size: usize,
}

impl Strategy for OpenAiEs {
    fn ask(&mut self, scale: &[f32]) -> Population {
        let sigma = self.sigma;
        self.base.ask(self.size, true, |k| sigma * scale[k])
    }

    fn tell(&mut self, fitness: &[f32]) -> Result<(), String> {
        let pop = self.base.take(fitness)?;
        let shaped = centred_ranks(fitness);
        let pairs = pop.size / 2;
        let w: Vec<f32> = (0..pairs).map(|j| shaped[2 * j] - shaped[2 * j + 1]).collect();
        let (sum_z, _) = noise_sums(&pop, &w, &vec![0.0; pairs]);
        let denom = pop.size as f32 * self.sigma;
        // The mutation scale enters the gradient, so frozen parameters get exactly zero.
        let grad: Vec<f32> = (0..sum_z.len()).map(|k| pop.sigma[k] / self.sigma * sum_z[k] / denom).collect();
        self.adam.step(&mut self.base.mean, &grad);
        Ok(())
    }

    fn mean(&self) -> &[f32] {
        &self.base.mean
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Snes {
    base: Base,
    sigma: Vec<f32>,
    lr_sigma: f32,
    size: usize,
}

impl Strategy for Snes {
    fn ask(&mut self, scale: &[f32]) -> Population {
        let sigma = &self.sigma;
        self.base.ask(self.size, false, |k| sigma[k] * scale[k])
    }

    fn tell(&mut self, fitness: &[f32]) -> Result<(), String> {
        let pop = self.base.take(fitness)?;
        let lambda = pop.size as f32;
        let mut order: Vec<usize> = (0..pop.size).collect();
        order.sort_by(|&a, &b| fitness[b].total_cmp(&fitness[a]));
        let raw: Vec<f32> =
            (1..=pop.size).map(|rank| ((lambda / 2.0 + 1.0).ln() - (rank as f32).ln()).max(0.0)).collect();
        let total: f32 = raw.iter().sum();
        let mut utility = vec![0.0; pop.size];
        for (rank, &i) in order.iter().enumerate() {
            utility[i] = raw[rank] / total - 1.0 / lambda;
        }
        let (grad_mean, sum_z2) = noise_sums(&pop, &utility, &utility);
        let utility_total: f32 = utility.iter().sum();
        for k in 0..self.sigma.len() {
            if pop.sigma[k] == 0.0 {
                continue;
            }
            self.base.mean[k] += pop.sigma[k] * grad_mean[k];
            self.sigma[k] *= (self.lr_sigma / 2.0 * (sum_z2[k] - utility_total)).exp();
        }
        Ok(())
    }

    fn mean(&self) -> &[f32] {
        &self.base.mean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sphere(kind: StrategyKind, optimizer: MeanOptimizer, lr: f32) -> f32 {
        let n = 20;
        let target: Vec<f32> = (0..n).map(|k| (k as f32 * 0.37).sin()).collect();
        let config = StrategyConfig { kind, population: 40, sigma: 0.3, learning_rate: lr, optimizer };
        let mut es = config.build(vec![0.0; n], 3);
        let scale = vec![1.0; n];
        let distance = |x: &[f32]| x.iter().zip(&target).map(|(a, b)| (a - b) * (a - b)).sum::<f32>().sqrt();
        for _ in 0..300 {
            let pop = es.ask(&scale);
            let fitness: Vec<f32> = (0..pop.size).map(|m| -distance(&pop.member(m))).collect();
            es.tell(&fitness).unwrap();
        }
        distance(es.mean())
    }

    #[test]
    fn every_strategy_climbs_a_quadratic() {
        let start = (0..20).map(|k| (k as f32 * 0.37).sin().powi(2)).sum::<f32>().sqrt();
        for (kind, opt, lr) in [
            (StrategyKind::Pgpe, MeanOptimizer::ClipUp, 0.05),
            (StrategyKind::Pgpe, MeanOptimizer::Adam, 0.05),
            (StrategyKind::OpenAiEs, MeanOptimizer::Adam, 0.05),
            (StrategyKind::Snes, MeanOptimizer::Adam, 1.0),
        ] {
            let end = sphere(kind, opt, lr);
            eprintln!("{kind:?} {opt:?}: distance {start} -> {end}");
            assert!(end < 0.1 * start, "{kind:?} {opt:?}: distance {start} -> {end}");
        }
    }

    #[test]
    fn centred_ranks_average_ties() {
        assert_eq!(centred_ranks(&[3.0, 1.0, 2.0]), vec![0.5, -0.5, 0.0]);
        let tied = centred_ranks(&[1.0, 1.0, 5.0, 1.0]);
        assert_eq!((tied[0], tied[1], tied[2]), (tied[3], tied[3], 0.5));
        assert!((tied[0] + 1.0 / 6.0).abs() < 1e-6);
    }

    #[test]
    fn bad_settings_and_fitness_are_refused() {
        let mut c = StrategyConfig {
            kind: StrategyKind::OpenAiEs,
            population: 7,
            sigma: 0.1,
            learning_rate: 0.1,
            optimizer: MeanOptimizer::Adam,
        };
        assert!(c.validate().unwrap_err().contains("population 7 is odd"));
        c.population = 8;
        c.sigma = 0.0;
        assert!(c.validate().unwrap_err().contains("sigma"));
        c.sigma = 0.1;
        let mut es = c.build(vec![0.5; 4], 1);
        es.ask(&[1.0; 4]);
        let err = es.tell(&[0.0, 1.0, f32::NAN, 0.0, 0.0, 0.0, 0.0, 0.0]).unwrap_err();
        assert!(err.contains("member 2") && err.contains("NaN"), "{err}");
        assert_eq!(es.mean(), &[0.5; 4], "a refused tell keeps the last good mean");
    }
}
