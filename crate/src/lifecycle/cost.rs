//! What an experiment asks of the machine, in multiply-adds of ONE's forward and backward steps,
//! so that the page can say how long a run will take before it starts, from rates measured on
//! the visitor's own device (`Rates`), and keep its ETA honest while it runs.

use super::ExperimentConfig;
use crate::consolidate::{Batch, Trainer};
use crate::evolve::{Population, RolloutBackend, RolloutSpec};
use crate::gpu::{self, Perturbation};
use crate::net::One;
use crate::speech::{Corpus, Split};
use crate::world::Task;
use serde::Serialize;

/// Multiply-adds of each part of an experiment, every episode counted at its full length (so
/// a copy that has learned, whose episodes end early, costs less than this says).
#[derive(Clone, Debug, Serialize)]
pub struct Cost {
    /// One generation of one copy: every member's episodes and the mean policy's evaluation.
    pub generation: f64,
    /// Generations at most, over all copies (a float: the page accepts absurd sizes, to warn
    /// about them, and 32-bit counts would overflow).
    pub generations: f64,
    /// One copy's demonstrations to the training speakers, once per copy.
    pub demonstration: f64,
    pub copies: usize,
    /// One consolidation update: BPTT through a batch, both losses and Adam.
    pub update: f64,
    /// Updates over the whole run.
    pub updates: f64,
    /// Every judgement of the run together (each copy and ONE at every command, on validation,
    /// shuffled and cross-synthesiser speakers).
    pub judging: f64,
    /// Trials stored, at most (every generation's members and evaluation, every demonstration).
    pub trials: f64,
    /// Bytes one generation's trials take in memory before they are stored (about 100 bytes
    /// each, and a byte per step of its actions).
    pub generation_bytes: f64,
}

impl ExperimentConfig {
    /// The cost of this experiment with `corpus`'s speakers; the settings must be valid.
    pub fn cost(&self, corpus: &Corpus) -> Result<Cost, String> {
        let c = &self.copy;
        let shape = c.shape();
        let maze = c.maze();
        let cells = crate::world::Task::parse(&self.copy_task(0), &maze)?.free_cells(&maze).len() as f64;
        let steps = c.step_limit as f64;
        let episode = steps * shape.forward_macs();
        let per_member = if c.all_starts { cells } else { c.episodes as f64 };
        let speakers = |split| corpus.speakers_of(split).count() as f64;
        let (validation, cross) = (speakers(Split::Validation), speakers(Split::Cross));
        let tasks = self.tasks.len();
        // A judgement after n copies: every copy at every command learned, each copy and ONE
        // shuffled, ONE at every command on the validation and the cross-synthesiser speakers.
        let judgement = |n: f64| (n * n + 2.0 * n + tasks as f64) * validation + tasks as f64 * cross;
        let judged: Vec<usize> = (0..tasks).filter(|&k| self.consolidates_after(k)).collect();
        let episodes = c.strategy.population as f64 * per_member + cells;
        let demonstrations = speakers(Split::Train) * c.augment.copies as f64 * cells;
        Ok(Cost {
            generation: episodes * episode,
            generations: tasks as f64 * self.generations as f64,
            demonstration: demonstrations * episode,
            copies: tasks,
            update: self.consolidation.batch as f64 * steps * shape.bptt_macs(),
            updates: judged.len() as f64 * self.consolidation.updates as f64,
            judging: judged.iter().map(|&k| judgement((k + 1) as f64)).sum::<f64>() * cells * episode,
            trials: tasks as f64 * self.generations as f64 * episodes + tasks as f64 * demonstrations,
            generation_bytes: episodes * (100.0 + steps),
        })
    }
}

/// Multiply-adds per second this device gives ONE's rollouts and its consolidation, measured
/// (`Lab::calibrate` on the page).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Rates {
    pub rollout: f64,
    pub bptt: f64,
}

/// Measures `Rates` on the device the experiment would run on (`ctx`, or the CPU reference),
/// at the default experiment's sizes: a rollout of 32 members x 16 episodes, and three
/// consolidation updates on a random batch of 32 traces, each timed after one untimed run (a
/// GPU compiles its pipelines on first use). `now` is a clock in seconds. About a second on the
/// CPU path in a browser.
pub async fn calibrate(ctx: Option<&gpu::Context>, now: &dyn Fn() -> f64) -> Result<Rates, String> {
    let c = ExperimentConfig::default_experiment().copy;
    let shape = c.shape();
    let one = One::new(shape, 7);
    let maze = c.maze();
    let task = Task::parse("ne", &maze)?;
    let spec = RolloutSpec::random_starts(shape, maze, task, 16, c.step_limit, 7);
    let n = one.params.len();
    let pop = Population { seed: 1, size: 32, antithetic: true, mean: one.params.clone(), sigma: vec![0.1; n] };
    let mut rollouts = match ctx {
        Some(ctx) => RolloutBackend::Gpu(gpu::Rollout::new(ctx)),
        None => RolloutBackend::Cpu,
    };
    rollouts.run(&pop, &spec, Perturbation::Auto, false).await?;
    let t0 = now();
    let result = rollouts.run(&pop, &spec, Perturbation::Auto, false).await?;
    let steps: f64 = result.steps.iter().map(|&s| s as f64).sum();
    let rollout = steps * shape.forward_macs() / (now() - t0).max(1e-6);

    let (sequences, updates) = (32, 3);
    let batch = Batch::random(shape, sequences, c.step_limit, 7);
    let mut trainer = Trainer::new(ctx, &one, vec![1.0; n], sequences, c.step_limit)?;
    trainer.step(&batch, 1e-3).await?;
    let t0 = now();
    for _ in 0..updates {
        trainer.step(&batch, 1e-3).await?;
    }
    // Reading the parameters back waits for the GPU's queue, so the steps are all counted.
    trainer.params().await?;
    let work = (updates * sequences * c.step_limit) as f64 * shape.bptt_macs();
    Ok(Rates { rollout, bptt: work / (now() - t0).max(1e-6) })
}
