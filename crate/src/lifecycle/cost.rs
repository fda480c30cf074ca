//! What an experiment asks of the machine, in multiply-adds of ONE's forward and backward steps,
//! so that the page can say how long a run will take before it starts, from rates measured on
//! the visitor's own device (`Rates`), and keep its ETA honest while it runs.

use super::ExperimentConfig;
use crate::consolidate::{ConsolidateConfig, Consolidation, Registry};
use crate::device::Device;
use crate::evolve::{Evolution, WeightStats};
use crate::net::One;
use crate::speech::{Augment, Corpus, MelFilterbank, Split};
use crate::traces::Heard;
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
    /// Utterances heard (turned into goal-input frames, augmented or not): each copy's training
    /// and validation speakers, once per copy ...
    pub hearing_copy: f64,
    /// ... the training utterances a consolidation hears again (those of copies whose frames
    /// `Experiment::heard` had no room for) and every judgement's validation and
    /// cross-synthesiser tables, over the run.
    pub hearing_rest: f64,
}

impl ExperimentConfig {
    /// The cost of this experiment with `corpus`'s speakers; the settings must be valid.
    pub fn cost(&self, corpus: &Corpus) -> Result<Cost, String> {
        let c = &self.copy;
        let shape = c.shape();
        let tasks = self.tasks.len();
        // Start cells per task, on average over the tasks (each in its own maze).
        let cells = (0..tasks)
            .map(|k| {
                let maze = self.maze(k);
                Ok(crate::world::Task::parse(&self.copy_task(k), &maze)?.free_cells(&maze).len() as f64)
            })
            .sum::<Result<f64, String>>()?
            / tasks as f64;
        let steps = c.step_limit as f64;
        let episode = steps * shape.forward_macs();
        let per_member = if c.all_starts { cells } else { c.episodes as f64 };
        let speakers = |split| corpus.speakers_of(split).count() as f64;
        let (validation, cross) = (speakers(Split::Validation), speakers(Split::Cross));
        // A judgement after n copies: every copy at every command learned, each copy and ONE
        // shuffled, ONE at every command on the validation and the cross-synthesiser speakers.
        let judgement = |n: f64| (n * n + 2.0 * n + tasks as f64) * validation + tasks as f64 * cross;
        let judged: Vec<usize> = (0..tasks).filter(|&k| self.consolidates_after(k)).collect();
        let episodes = c.strategy.population as f64 * per_member + cells;
        let train = speakers(Split::Train) * c.augment.copies as f64;
        let demonstrations = train * cells;
        // The copies whose training frames are kept are not heard again.
        let kept = (super::experiment::HEARD_FLOATS as f64 / (train * (c.listen * c.goal) as f64)).floor();
        let heard_in_consolidations: f64 = judged.iter().map(|&k| ((k + 1) as f64 - kept).max(0.0) * train).sum();
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
            hearing_copy: train + validation,
            hearing_rest: heard_in_consolidations + judged.len() as f64 * tasks as f64 * (validation + cross),
        })
    }
}

/// What this device gives an experiment, measured (`Lab::calibrate` on the page): multiply-adds
/// per second of ONE's rollouts and of its consolidation, and utterances heard per second.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Rates {
    pub rollout: f64,
    pub bptt: f64,
    pub hearing: f64,
}

/// Measures `Rates` on the device the experiment would run on, at the default experiment's net
/// and step limit, the way an experiment spends them: a copy of 32 members evolving one
/// generation in the small maze (rollouts, the search and the trials' records), its traces
/// consolidated for three updates (replay into batches, BPTT, Adam) of 32 sequences on a GPU and
/// 128 on the CPU path, and `utterances` (16 kHz audio, a few of the corpus's) heard through the
/// standard augmentation. The first two are timed after one untimed run (a GPU compiles its
/// pipelines on first use), and counted as `Cost` counts work (episodes at full length). `now`
/// is a clock in seconds. About a second on the CPU path in a browser.
pub async fn calibrate(device: &Device, utterances: &[Vec<f32>], now: &dyn Fn() -> f64) -> Result<Rates, String> {
    let mut c = ExperimentConfig::default_experiment().copy;
    c.listen = 0;
    c.strategy.population = 32;
    let shape = c.shape();
    let one = One::new(shape, 7);
    let mut evo = Evolution::new(c.clone(), &one, device.rollout(), None)?;
    evo.generation().await?;
    let t0 = now();
    evo.generation().await?;
    let cells = evo.task.free_cells(&evo.maze).len() as f64;
    let work = c.strategy.population as f64 * cells * c.step_limit as f64 * shape.forward_macs();
    let rollout = work / (now() - t0).max(1e-6);

    let registry = Registry::default();
    // On the CPU path two chunks of a batch (the default experiment's 128 sequences), so that the
    // rate counts the cores a batch is split over; a GPU is timed on a small batch, as a
    // software one (in tests) takes seconds per large one.
    let (sequences, updates) = (if device.is_gpu() { 32 } else { 2 * crate::cpu::CHUNK }, 3);
    // An untrained copy may succeed nowhere, leaving nothing to imitate: prediction alone costs
    // the same steps.
    let config =
        ConsolidateConfig { batch: sequences, held_out: 0.0, imitation_weight: 0.0, ..ConsolidateConfig::default() };
    let stats = WeightStats::new(one.params.len());
    let silent = |_: &Heard| Err("the calibration hears nothing".to_string());
    let mut cons = Consolidation::new(
        config,
        &one,
        &stats,
        evo.drain_trials().into_iter().map(Ok),
        &registry,
        &silent,
        c.step_limit,
        device,
    )?;
    cons.step().await?;
    let t0 = now();
    for _ in 0..updates {
        cons.step().await?;
    }
    // Reading the parameters back waits for the GPU's queue, so the steps are all counted.
    cons.one().await?;
    let work = (updates * sequences * c.step_limit) as f64 * shape.bptt_macs();
    let bptt = work / (now() - t0).max(1e-6);

    let bank = MelFilterbank::new(c.mel());
    let t0 = now();
    for (k, audio) in utterances.iter().enumerate() {
        Augment::standard().frames(&bank, audio, bank.config().sample_rate, k as u32, c.listen.max(12));
    }
    Ok(Rates { rollout, bptt, hearing: utterances.len() as f64 / (now() - t0).max(1e-6) })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cost adds up what the experiment runs: a generation is its members' episodes and
    /// the evaluation, one copy per command, and the updates of every consolidation.
    #[test]
    fn cost_counts_the_experiments_work() {
        let corpus = Corpus::committed().unwrap();
        let mut config = ExperimentConfig::default_experiment();
        let cost = config.cost(&corpus).unwrap();
        let shape = config.copy.shape();
        let episode = config.copy.step_limit as f64 * shape.forward_macs();
        // 5x5 maze, four corner exits: 21 start cells, every member from each, and the evaluation.
        assert_eq!(cost.generation, (128.0 * 21.0 + 21.0) * episode);
        assert_eq!(cost.generations, 4.0 * 150.0);
        assert_eq!(cost.updates, 4000.0);
        assert_eq!(cost.update, 128.0 * 44.0 * shape.bptt_macs());
        config.consolidate_each = true;
        assert_eq!(config.cost(&corpus).unwrap().updates, 4.0 * 4000.0);
        assert!(config.cost(&corpus).unwrap().judging > cost.judging, "four judgements cost more than one");
        // Consolidation looks the copies' training frames up; with more versions than fit, the
        // copies past the bound are heard again.
        let judgements = 4.0 * 4.0 * (16.0 + 31.0);
        assert_eq!(cost.hearing_rest, judgements / 4.0);
        config.copy.augment.copies = 64;
        let train = corpus.speakers_of(crate::speech::Split::Train).count() as f64 * 64.0;
        assert_eq!(config.cost(&corpus).unwrap().hearing_rest, judgements + (1.0 + 2.0) * train);
    }

    /// The calibration measures positive, finite rates on the CPU reference.
    #[test]
    fn calibration_measures_the_cpu_path() {
        let start = std::time::Instant::now();
        let now = || start.elapsed().as_secs_f64();
        let corpus = Corpus::committed().unwrap();
        let audio: Vec<Vec<f32>> = corpus.utterances.iter().take(8).map(|u| corpus.audio(u)).collect();
        let rates = pollster::block_on(calibrate(&crate::device::Device::Cpu, &audio, &now)).unwrap();
        for rate in [rates.rollout, rates.bptt, rates.hearing] {
            assert!(rate.is_finite() && rate > 0.0, "{rates:?}");
        }
    }
}
