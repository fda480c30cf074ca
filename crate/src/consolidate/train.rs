use super::reservoir::Reservoir;
use super::Registry;
use crate::data::Batch;
use crate::device::Device;
use crate::evolve::{Adam, WeightStats};
use crate::gpu;
use crate::net::{NetShape, One};
use crate::rng::{hash2, Rng};
use crate::traces::{replay, Heard, Phase, Trial};
use crate::world::{OBS_LEN, REWARD_LEN};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Settings of one consolidation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConsolidateConfig {
    /// Sequences per batch: half drawn from the imitation pool, half from all traces.
    pub batch: usize,
    /// Adam steps.
    pub updates: usize,
    /// The first step's rate. It decays to 0 along a half cosine over `updates`, so that the
    /// consolidated ONE is not the one a last noisy batch left behind.
    pub learning_rate: f32,
    /// Weight of the mean cross-entropy on imitated actions.
    pub imitation_weight: f32,
    /// Weight of the mean squared prediction error per predicted value.
    pub prediction_weight: f32,
    /// Share of the failed traces held out of training, to measure prediction on unseen ones.
    pub held_out: f32,
    /// Per-weight learning rates from the weight-variance statistics of the copies' trials
    /// (paper 3.12): each weight's rate is scaled by its standard deviation over the mean one,
    /// up to `MAX_RATE_SCALE`, so a weight that never varied is not moved. False: uniform rates.
    pub variance_rates: bool,
    /// The most traces the prediction pool keeps, a uniform sample (reservoir) of all of them;
    /// 0 keeps every one. A long life stores tens of millions of trials, more than memory holds,
    /// while a consolidation draws a few hundred thousand: the sample serves it as well. Where
    /// the store holds no more than this, consolidation is exactly what it was without a bound.
    #[serde(default)]
    pub prediction_pool: usize,
    pub seed: u32,
}

/// Batches of held-out failed traces the held-out prediction error is measured on.
const HELD_OUT_BATCHES: usize = 4;

/// The largest multiple of the learning rate a high-variance weight gets.
pub const MAX_RATE_SCALE: f32 = 2.0;

impl Default for ConsolidateConfig {
    fn default() -> ConsolidateConfig {
        ConsolidateConfig {
            batch: 64,
            updates: 400,
            learning_rate: 0.01,
            imitation_weight: 1.0,
            prediction_weight: 1.0,
            held_out: 0.05,
            variance_rates: false,
            prediction_pool: 0,
            seed: 1,
        }
    }
}

impl ConsolidateConfig {
    pub fn validate(&self) -> Result<(), String> {
        crate::limits::check("the consolidation batch", self.batch, crate::limits::BATCH)?;
        crate::limits::check("consolidation updates", self.updates, crate::limits::UPDATES)?;
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return Err(format!("the consolidation learning rate must be positive, got {}", self.learning_rate));
        }
        if !(0.0..0.5).contains(&self.held_out) {
            return Err(format!("the held-out share must be in [0, 0.5), got {}", self.held_out));
        }
        if self.imitation_weight < 0.0 || self.prediction_weight < 0.0 {
            return Err("loss weights must not be negative".into());
        }
        Ok(())
    }

    /// Refuses a batch of ONE of `shape` over `steps` steps whose gate values, kept for the
    /// backward pass, exceed `limits::BATCH_GATES`.
    pub fn fits(&self, shape: NetShape, steps: usize) -> Result<(), String> {
        // In 64 bits: the product overflows a 32-bit usize (wasm32) within the single bounds.
        let gates = self.batch as u64 * steps as u64 * 4 * shape.hidden as u64;
        if gates > crate::limits::BATCH_GATES {
            return Err(format!(
                "a consolidation batch of {} traces x {steps} steps x {} hidden units keeps {gates} gate values, over the {} one batch may hold: make the batch smaller",
                self.batch,
                shape.hidden,
                crate::limits::BATCH_GATES
            ));
        }
        Ok(())
    }
}

/// Where the gradient steps run.
pub enum Trainer {
    Gpu(gpu::Bptt),
    Cpu { one: One, adam: Adam, rates: Vec<f32> },
}

impl Trainer {
    /// A trainer for ONE of `one.shape`, batches of `sequences` x `steps`, starting at `one`,
    /// with each parameter's learning rate multiplied by `rates`.
    pub fn new(device: &Device, one: &One, rates: Vec<f32>, sequences: usize, steps: usize) -> Result<Trainer, String> {
        Ok(match device {
            Device::Gpu(ctx) => {
                let mut b = gpu::Bptt::new(ctx, one.shape, sequences, steps)?;
                b.set_params(&one.params);
                b.set_rates(&rates);
                Trainer::Gpu(b)
            }
            Device::Cpu => Trainer::Cpu { one: one.clone(), adam: Adam::new(one.params.len(), 0.0), rates },
        })
    }

    /// One Adam step; returns the imitation and prediction loss sums before it.
    pub async fn step(&mut self, batch: &Batch, lr: f32) -> Result<(f32, f32), String> {
        match self {
            Trainer::Gpu(b) => b.train_step(batch, lr).await,
            Trainer::Cpu { one, adam, rates } => {
                batch.validate(one.shape.input(), one.shape.pred(), one.shape.actions())?;
                let g = crate::device::cpu_gradient(one.shape, &one.params, batch).await;
                let descend: Vec<f32> = g.grad.iter().map(|v| -v).collect();
                adam.lr = lr;
                adam.update(&mut one.params, &descend, |k| rates[k]);
                Ok((g.imitation, g.prediction))
            }
        }
    }

    /// The loss sums at the current parameters, without a step.
    pub async fn loss(&mut self, batch: &Batch) -> Result<(f32, f32), String> {
        match self {
            Trainer::Gpu(b) => b.gradient(batch).await.map(|g| (g.imitation, g.prediction)),
            Trainer::Cpu { one, .. } => {
                batch.validate(one.shape.input(), one.shape.pred(), one.shape.actions())?;
                let g = crate::device::cpu_gradient(one.shape, &one.params, batch).await;
                Ok((g.imitation, g.prediction))
            }
        }
    }

    pub async fn params(&self) -> Result<Vec<f32>, String> {
        match self {
            Trainer::Gpu(b) => b.params().await,
            Trainer::Cpu { one, .. } => Ok(one.params.clone()),
        }
    }

    /// The parameters and Adam's state, wherever they live.
    pub async fn state(&self) -> Result<TrainerState, String> {
        let params = self.params().await?;
        let (m, v, t) = match self {
            Trainer::Gpu(b) => b.moments().await?,
            Trainer::Cpu { adam, .. } => {
                let (m, v, t) = adam.moments();
                (m.to_vec(), v.to_vec(), t)
            }
        };
        Ok(TrainerState { params, m, v, t })
    }

    /// Goes on from `state`, whose vectors have one value per parameter.
    fn restore(&mut self, state: TrainerState) {
        let TrainerState { params, m, v, t } = state;
        match self {
            Trainer::Gpu(b) => {
                b.set_params(&params);
                b.set_moments(&m, &v, t);
            }
            Trainer::Cpu { one, adam, .. } => {
                one.params = params;
                *adam = Adam::with_moments(adam.lr, m, v, t);
            }
        }
    }
}

/// A trainer's parameters and Adam state (moments and steps taken).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TrainerState {
    pub params: Vec<f32>,
    pub m: Vec<f32>,
    pub v: Vec<f32>,
    pub t: i32,
}

/// A consolidation between two updates: with the same traces, configuration and statistics it
/// goes on exactly as if it had not stopped (the pools are sorted again from the traces).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ConsolidationState {
    pub update: usize,
    pub rng: Rng,
    pub trainer: TrainerState,
}

/// One update's losses, as the CLI prints them and the page plots them: the mean cross-entropy
/// per imitated step and the mean squared error per predicted value, before the step.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct UpdateReport {
    pub update: usize,
    pub imitation: f32,
    pub prediction: f32,
}

/// ONE consolidating on stored traces (paper 3.2, 3.8). It is given the traces and how to hear
/// an utterance again, never the environment: no environment step can be taken from here.
pub struct Consolidation {
    pub config: ConsolidateConfig,
    shape: NetShape,
    steps: usize,
    /// Successful traces of skills worth memorizing: imitated and predicted.
    imitate: Vec<Trial>,
    /// Every trace but the held-out ones: predicted.
    all: Vec<Trial>,
    /// Failed traces kept out of training: the first few batches of them, what
    /// `held_out_prediction` measures on, and how many there were.
    held_out: Vec<Trial>,
    held_out_count: usize,
    frames: HashMap<(String, String, u32), Vec<f32>>,
    trainer: Trainer,
    rng: Rng,
    pub update: usize,
}

/// The goal-input frames of what a trial heard (`[listen][goal]`).
pub type HearFn<'a> = dyn Fn(&Heard) -> Result<Vec<f32>, String> + 'a;

impl Consolidation {
    /// `stats` are the weight-variance statistics of the copies' trials, for per-weight rates
    /// (`variance_rates`; with no statistics yet the rates are uniform). Sorts `traces` into
    /// the imitation pool (successful demonstrations of the skills
    /// `registry` says are worth memorizing: each finished copy's own policy, so the actions to
    /// imitate are consistent), the prediction pool (all traces, failures included) and
    /// the held-out failures, and hears every distinct utterance once. `steps` is the longest
    /// trial (the step limit). Evaluation trials are left out: they heard the validation
    /// speakers, on whom ONE is judged, so ONE never trains on them.
    pub fn new(
        config: ConsolidateConfig,
        one: &One,
        stats: &WeightStats,
        traces: impl IntoIterator<Item = Result<Trial, String>>,
        registry: &Registry,
        hear: &HearFn,
        steps: usize,
        device: &Device,
    ) -> Result<Consolidation, String> {
        config.validate()?;
        config.fits(one.shape, steps)?;
        let mut rng = Rng::new(hash2(config.seed, crate::rng::salt::BATCHES));
        // Its own stream, so that the batches are the same whether or not the pool is bounded.
        let pool_rng = Rng::new(hash2(config.seed, crate::rng::salt::PREDICTION_POOL));
        let mut all = Reservoir::new(config.prediction_pool, pool_rng);
        let (mut imitate, mut held_out, mut held_out_count) = (Vec::new(), Vec::new(), 0);
        let mut frames = HashMap::new();
        for t in traces {
            let t = t?;
            if t.phase == Phase::Evaluation {
                continue;
            }
            if t.actions.len() > steps {
                return Err(format!("a stored trial has {} steps, over the step limit {steps}", t.actions.len()));
            }
            if let Some(h) = &t.heard {
                let key = (h.speaker.clone(), h.command.clone(), h.augment_seed);
                if let std::collections::hash_map::Entry::Vacant(slot) = frames.entry(key) {
                    let f = hear(h)?;
                    if f.len() != h.listen as usize * one.shape.goal {
                        return Err(format!("{} saying {:?} gave frames of the wrong size", h.speaker, h.command));
                    }
                    slot.insert(f);
                }
            }
            if !t.success && rng.uniform() < config.held_out {
                held_out_count += 1;
                if held_out.len() < HELD_OUT_BATCHES * config.batch {
                    held_out.push(t);
                }
                continue;
            }
            if t.success && t.phase == Phase::Demonstration && registry.imitates(&t.task) {
                imitate.push(t.clone());
            }
            all.offer(t);
        }
        let all = all.into_items();
        if imitate.is_empty() && config.imitation_weight > 0.0 {
            return Err("no successful demonstration of a skill worth memorizing: there is nothing to imitate".into());
        }
        let rates = match config.variance_rates {
            true => stats.relative_spread(0.0, MAX_RATE_SCALE),
            false => vec![1.0; one.params.len()],
        };
        let trainer = Trainer::new(device, one, rates, config.batch, steps)?;
        Ok(Consolidation {
            config,
            shape: one.shape,
            steps,
            imitate,
            all,
            held_out,
            held_out_count,
            frames,
            trainer,
            rng,
            update: 0,
        })
    }

    /// Traces to imitate, traces in the prediction pool, failed traces held out.
    pub fn pools(&self) -> (usize, usize, usize) {
        (self.imitate.len(), self.all.len(), self.held_out_count)
    }

    /// The batch of `trials`, each with whether it is imitated. Imitation covers the steps
    /// after listening (while listening the agent is held, so those actions were not chosen).
    fn batch(&self, trials: &[(&Trial, bool)]) -> Result<Batch, String> {
        let s = self.shape;
        let (n, steps, input, pred) = (self.config.batch, self.steps, s.input(), s.pred());
        let rows = n * steps;
        let mut b = Batch {
            sequences: n,
            steps,
            inputs: vec![0.0; rows * input],
            actions: vec![0; rows],
            targets: vec![0.0; rows * pred],
            weights: vec![0.0; rows * 2],
        };
        let (mut imitated, mut predicted) = (0usize, 0usize);
        for (j, &(t, imitate)) in trials.iter().enumerate() {
            let r = replay(t)?;
            let goal = t.heard.as_ref().map(|h| &self.frames[&(h.speaker.clone(), h.command.clone(), h.augment_seed)]);
            let listen = t.heard.as_ref().map_or(0, |h| h.listen as usize);
            let x = r.inputs(s, &t.actions, goal.map(|f| f.as_slice()));
            for step in 0..t.actions.len() {
                let row = step * n + j;
                b.inputs[row * input..(row + 1) * input].copy_from_slice(&x[step * input..(step + 1) * input]);
                b.actions[row] = t.actions[step] as u32;
                let target = &mut b.targets[row * pred..(row + 1) * pred];
                target[..OBS_LEN].copy_from_slice(&r.observations[step + 1]);
                target[OBS_LEN..OBS_LEN + REWARD_LEN].copy_from_slice(&r.rewards[step]);
                if imitate && step >= listen {
                    b.weights[2 * row] = 1.0;
                    imitated += 1;
                }
                b.weights[2 * row + 1] = 1.0;
                predicted += 1;
            }
        }
        // Means: per imitated step, and per predicted value.
        let wi = self.config.imitation_weight / imitated.max(1) as f32;
        let wp = self.config.prediction_weight / (predicted.max(1) * pred) as f32;
        for w in b.weights.chunks_mut(2) {
            w[0] *= wi;
            w[1] *= wp;
        }
        Ok(b)
    }

    /// One Adam step on a fresh batch: half imitation traces, half drawn from all (all from
    /// all when nothing is imitated: prediction alone, with an imitation weight of 0).
    pub async fn step(&mut self) -> Result<UpdateReport, String> {
        let n = self.config.batch;
        let mut picks = Vec::with_capacity(n);
        for j in 0..n {
            if j < n / 2 && !self.imitate.is_empty() {
                picks.push((&self.imitate[self.rng.below(self.imitate.len())], true));
            } else {
                picks.push((&self.all[self.rng.below(self.all.len())], false));
            }
        }
        let batch = self.batch(&picks)?;
        let progress = self.update.min(self.config.updates) as f32 / self.config.updates as f32;
        let lr = self.config.learning_rate * 0.5 * (1.0 + (std::f32::consts::PI * progress).cos());
        let (imitation, prediction) = self.trainer.step(&batch, lr).await?;
        let report = UpdateReport {
            update: self.update,
            imitation: imitation / self.config.imitation_weight.max(f32::MIN_POSITIVE),
            prediction: prediction / self.config.prediction_weight.max(f32::MIN_POSITIVE),
        };
        self.update += 1;
        Ok(report)
    }

    /// Mean squared error per predicted value on the held-out failed traces (up to a few
    /// batches of them), at the current parameters.
    pub async fn held_out_prediction(&mut self) -> Result<f32, String> {
        let n = self.config.batch;
        let mut total = 0.0;
        let mut chunks = 0;
        for chunk in self.held_out.chunks(n).take(HELD_OUT_BATCHES) {
            let picks: Vec<(&Trial, bool)> = chunk.iter().map(|t| (t, false)).collect();
            let batch = self.batch(&picks)?;
            total += self.trainer.loss(&batch).await?.1 / self.config.prediction_weight.max(f32::MIN_POSITIVE);
            chunks += 1;
        }
        if chunks == 0 {
            return Err("no failed trace was held out".into());
        }
        Ok(total / chunks as f32)
    }

    /// Where this consolidation stands, to go on later with `restore`.
    pub async fn state(&self) -> Result<ConsolidationState, String> {
        Ok(ConsolidationState { update: self.update, rng: self.rng.clone(), trainer: self.trainer.state().await? })
    }

    /// Goes on from `state`, saved from a consolidation on the same traces and settings.
    pub fn restore(&mut self, state: ConsolidationState) -> Result<(), String> {
        let n = self.shape.layout().total;
        let t = &state.trainer;
        if t.params.len() != n || t.m.len() != n || t.v.len() != n {
            return Err(format!("the saved consolidation has {} parameters, ONE has {n}", t.params.len()));
        }
        if !t.params.iter().chain(&t.m).chain(&t.v).all(|x| x.is_finite()) {
            return Err("the saved consolidation holds values that are not finite".into());
        }
        if state.update > self.config.updates {
            return Err(format!("the saved consolidation is at update {} of {}", state.update, self.config.updates));
        }
        self.trainer.restore(state.trainer);
        self.update = state.update;
        self.rng = state.rng;
        Ok(())
    }

    /// ONE as consolidated so far.
    pub async fn one(&self) -> Result<One, String> {
        Ok(One { shape: self.shape, params: self.trainer.params().await? })
    }
}
