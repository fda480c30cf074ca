//! Phase A and Phase B by hand, the page's first two panels: a copy of a fresh ONE evolving for
//! a chosen number of generations and then showing its skill, and ONE consolidating on every
//! stored trial. They step and say what happened in the experiment's own `Event`s (life.rs), so
//! that the page's worker drives all three the same way: store the step's trials, show its
//! event, hand over the traces a `ReadTraces` asks for. They keep no checkpoint: a reload starts
//! them again, as the panels say.

use super::life::Event;
use crate::consolidate::{ConsolidateConfig, Consolidation, Registry};
use crate::device::Device;
use crate::evolve::{Evolution, EvolveConfig, WeightStats};
use crate::net::One;
use crate::traces::{Heard, Phase, PolicySnapshot, Trial};
use crate::world::replay_path;

/// Phase A: a copy of a fresh ONE (the settings' shape and seed) evolving on the settings' task
/// for `generations` generations, a generation per step, then its demonstration from every
/// start (the traces consolidation imitates).
pub struct EvolveByHand {
    pub evolution: Evolution,
    generations: usize,
    demonstrated: bool,
}

impl EvolveByHand {
    /// Bad settings, or no generation to run, are refused by name.
    pub fn new(config: EvolveConfig, generations: usize, device: &Device) -> Result<EvolveByHand, String> {
        if generations == 0 {
            return Err("evolve for at least 1 generation".into());
        }
        config.validate()?;
        let one = One::new(config.shape(), config.seed);
        let evolution = Evolution::new(config, &one, device.rollout(), None)?;
        Ok(EvolveByHand { evolution, generations, demonstrated: false })
    }

    /// A `Generation` (copy 0), or after the last one the copy's `Demonstrated`.
    pub async fn step(&mut self) -> Result<Event, String> {
        let evo = &mut self.evolution;
        if self.demonstrated {
            return Err("the evolution is over".into());
        }
        if evo.generation < self.generations {
            let report = evo.generation().await?;
            let success = evo.evaluate().await?;
            let path =
                replay_path(&evo.maze, &evo.task, report.best_start, &report.best_actions, evo.config.step_limit);
            let done = evo.generation >= self.generations;
            return Ok(Event::Generation { k: 0, task: evo.task.name.clone(), report, success, done, path });
        }
        let shown = evo.demonstrate().await?;
        self.demonstrated = true;
        Ok(Event::Demonstrated { k: 0, shown })
    }

    pub fn is_done(&self) -> bool {
        self.demonstrated
    }

    /// The trials and policy snapshots since the last call, for the trace store.
    pub fn drain(&mut self) -> (Vec<Trial>, Vec<PolicySnapshot>) {
        (self.evolution.drain_trials(), self.evolution.drain_policies())
    }
}

/// Phase B: ONE, as first made under the copies' settings, consolidating on every stored trial
/// with `config`: it asks for the traces (`ReadTraces` with no task: all of them), says what it
/// learns from, takes `config.updates` updates, and ends with the held-out error after them.
/// Every task with a successful demonstration is worth memorizing. The page's copies evolve
/// without listening, so the traces are silent; their weight statistics are not kept across
/// phases, so the rates are uniform.
pub struct ConsolidateByHand {
    copies: EvolveConfig,
    config: ConsolidateConfig,
    device: Device,
    learned: Vec<String>,
    cons: Option<Consolidation>,
    held_out_before: Option<f32>,
    done: bool,
}

impl ConsolidateByHand {
    pub fn new(copies: EvolveConfig, config: ConsolidateConfig, device: &Device) -> Result<ConsolidateByHand, String> {
        copies.validate()?;
        config.validate()?;
        let device = device.clone();
        Ok(ConsolidateByHand {
            copies,
            config,
            device,
            learned: Vec::new(),
            cons: None,
            held_out_before: None,
            done: false,
        })
    }

    /// The stored trials a `ReadTraces` step asked for: consolidation starts on them.
    pub fn read(&mut self, traces: Vec<Trial>) -> Result<(), String> {
        if self.cons.is_some() {
            return Err("the consolidation has its traces already".into());
        }
        let mut registry = Registry::default();
        for t in traces.iter().filter(|t| t.success && t.phase == Phase::Demonstration) {
            registry.memorize(&t.task);
        }
        let one = One::new(self.copies.shape(), self.copies.seed);
        let hear = |_: &Heard| Err("the page's copies do not listen".to_string());
        let stats = WeightStats::new(one.params.len());
        let steps = self.copies.step_limit;
        let cons = Consolidation::new(
            self.config.clone(),
            &one,
            &stats,
            traces.into_iter().map(Ok),
            &registry,
            &hear,
            steps,
            &self.device,
        )?;
        self.learned = registry.skills.iter().map(|s| s.task.clone()).collect();
        self.cons = Some(cons);
        Ok(())
    }

    /// `ReadTraces`, then `Consolidating`, an `Update` per step, and `Consolidated`.
    pub async fn step(&mut self) -> Result<Event, String> {
        let updates = self.config.updates;
        let Some(cons) = self.cons.as_mut() else {
            return Ok(Event::ReadTraces { tasks: Vec::new() });
        };
        if self.done {
            return Err("the consolidation is over".into());
        }
        let Some(held_out_before) = self.held_out_before else {
            let held_out_before = *self.held_out_before.insert(cons.held_out_prediction().await?);
            let (imitated, predicted, held_out) = cons.pools();
            let learned = self.learned.clone();
            return Ok(Event::Consolidating {
                imitated,
                predicted,
                held_out,
                held_out_before,
                done: 0,
                updates,
                learned,
            });
        };
        if cons.update < updates {
            return Ok(Event::Update { report: cons.step().await?, updates });
        }
        let held_out_after = cons.held_out_prediction().await?;
        self.done = true;
        Ok(Event::Consolidated { held_out_before, held_out_after })
    }

    pub fn is_done(&self) -> bool {
        self.done
    }
}
