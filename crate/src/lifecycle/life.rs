//! ONE's life as one resumable state machine. The experiment advances by `step`, which does one
//! piece of work (a copy starts, a generation, a demonstration, an update of consolidation, a
//! judgement) and says what happened; `checkpoint` is its whole state between two steps. The
//! CLI, the tests and the page's worker drive the same machine:
//!
//! ```text
//! loop {
//!     match exp.step().await? {
//!         Event::ReadTraces { tasks } => exp.read(every stored trial of `tasks`)?,
//!         event => show(event),
//!     }
//!     store(exp.drain(), exp.checkpoint().await?);   // the trials, with where the run stands
//!     if exp.is_done() { break }
//! }
//! ```
//!
//! The stages: NextCopy -> Copy (a generation per step, then its demonstration) -> NextCopy ...
//! after the last copy (or after each, `consolidate_each`) Read (waits for the traces) ->
//! Consolidate (the held-out error, an update per step, then the judgement) -> NextCopy or Done.

use super::config::ExperimentConfig;
use super::experiment::{Experiment, LogLine};
use super::judge::{Judgement, RetentionRow};
use crate::consolidate::{Consolidation, ConsolidationState, Registry, UpdateReport};
use crate::device::Device;
use crate::evolve::{Evolution, EvolutionState, GenerationPoint, GenerationReport, WeightStats};
use crate::net::One;
use crate::speech::Corpus;
use crate::traces::Trial;
use crate::world::replay_path;
use serde::{Deserialize, Serialize};

/// Where the experiment stands between two steps.
pub(super) enum Stage {
    /// Copy number `copies.len()` starts at the next step.
    NextCopy,
    /// A copy evolving, a generation per step; once `done`, the next step is its demonstration.
    Copy {
        evo: Evolution,
        done: bool,
    },
    /// Consolidation waits for the stored traces (`read`); a resumed one, for its saved state.
    Read(Option<SavedConsolidation>),
    /// ONE consolidating: an update per step, then the judgement.
    Consolidate(Box<Consolidating>),
    Done,
    /// A step failed half way; the run goes on only from its last checkpoint.
    Broken(String),
}

pub(super) struct Consolidating {
    cons: Consolidation,
    /// The held-out prediction error before the first update and the environment steps taken
    /// before consolidation; measured by the first step.
    before: Option<(f32, u64)>,
    /// Whether the step that says consolidation starts (or goes on, after a resume) was taken.
    announced: bool,
}

/// A consolidation between two updates, as a checkpoint holds it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SavedConsolidation {
    pub state: ConsolidationState,
    pub held_out_before: f32,
    pub steps_before: u64,
}

/// The stage as a checkpoint holds it: the evolving copy's or the consolidation's state, if any.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SavedStage {
    NextCopy,
    Copy { evolution: EvolutionState, done: bool },
    Read,
    Consolidate(SavedConsolidation),
    Done,
}

/// The experiment between two steps: ONE, the finished copies and their pooled statistics, the
/// registry, the retention rows, the counts, the curves and the stage. The trials are not in
/// it: the trace store has them, and the user's recordings are read from the store again.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Checkpoint {
    pub config: ExperimentConfig,
    pub one: One,
    pub registry: Registry,
    pub trials: usize,
    pub copies: Vec<(One, usize)>,
    pub retention: Vec<RetentionRow>,
    pub stats: WeightStats,
    pub env_steps: u64,
    pub curves: Vec<Vec<GenerationPoint>>,
    pub stage: SavedStage,
}

/// Where a checkpoint stands, in words a resume offer can show: the phase ("next-copy",
/// "copy", "read", "consolidate", "done"), the copy evolving or last finished (`k`, -1 before
/// the first), the evolving copy's generations and the consolidation's updates so far.
#[derive(Clone, Debug, Serialize)]
pub struct Standing {
    pub phase: &'static str,
    pub k: i64,
    pub tasks: Vec<String>,
    pub trials: usize,
    pub generation: usize,
    pub update: usize,
}

/// What a step did.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Event {
    /// Copy `k` of ONE starts to learn goal `task`.
    Copy { k: usize, task: String },
    /// A generation of copy `k` (its task as `task`), its mean policy's success on the
    /// validation speakers, whether the copy is done, and the best member's first episode.
    Generation { k: usize, task: String, report: GenerationReport, success: f32, done: bool, path: Vec<(usize, usize)> },
    /// Copy `k` demonstrated its skill to the training speakers with this success.
    Demonstrated { k: usize, shown: f32 },
    /// Nothing done: consolidation needs every stored trial of these copies' tasks (of every
    /// task, when none is named: consolidation by hand), given to `read`.
    ReadTraces { tasks: Vec<String> },
    /// ONE's consolidation on the goals `learned` starts (or goes on from update `done`), on
    /// pools of these sizes, with this prediction error on the held-out failures.
    Consolidating {
        imitated: usize,
        predicted: usize,
        held_out: usize,
        held_out_before: f32,
        done: usize,
        updates: usize,
        learned: Vec<String>,
    },
    /// An update of consolidation, of `updates`.
    Update { report: UpdateReport, updates: usize },
    /// ONE judged after a consolidation, with the trials stored so far, the environment steps
    /// taken before consolidation and during it (not counting the judgement's), and the error
    /// on the held-out failures before and after; `last`: the experiment is over.
    Judged {
        judgement: Judgement,
        trials: usize,
        env_steps_evolution: u64,
        env_steps_consolidation: u64,
        held_out_before: f32,
        held_out_after: f32,
        last: bool,
    },
    /// Consolidation by hand (by_hand.rs) is over: the error on the held-out failures before
    /// and after it.
    Consolidated { held_out_before: f32, held_out_after: f32 },
}

impl Event {
    /// The log's line for this event, if it has one (every 50th update has).
    pub fn log_line(&self) -> Option<LogLine> {
        match self {
            Event::Generation { k, task, report: r, success, .. } => Some(LogLine::Generation(format!(
                "copy {k} ({task}) gen {:>3}: population success {:>5.1}%, mean policy {:>5.1}%",
                r.generation,
                100.0 * r.success,
                100.0 * success
            ))),
            Event::Demonstrated { k, shown } => Some(LogLine::Note(format!(
                "copy {k} demonstrates its skill to the training speakers: {:.1}% success",
                100.0 * shown
            ))),
            Event::Consolidating { imitated, predicted, held_out, .. } => Some(LogLine::Note(format!(
                "consolidation: {imitated} traces to imitate, {predicted} to predict, {held_out} failed traces held out"
            ))),
            Event::Update { report: r, updates } if r.update % 50 == 0 || r.update + 1 == *updates => {
                let line =
                    format!("update {:>4}: imitation {:.4}  prediction {:.5}", r.update, r.imitation, r.prediction);
                Some(LogLine::Update(r.update, line))
            }
            Event::Judged { judgement, .. } => Some(LogLine::Note(judgement.verdict.clone())),
            _ => None,
        }
    }
}

impl Experiment {
    /// One step of the experiment (see the module's notes). A step that fails leaves the run
    /// broken: it goes on only from its last checkpoint.
    pub async fn step(&mut self) -> Result<Event, String> {
        let stage = std::mem::replace(&mut self.stage, Stage::Broken("a step stopped half way".into()));
        let (stage, event) = match stage {
            Stage::NextCopy => {
                let k = self.copies.len();
                let evo = self.copy(k)?;
                self.curves.push(Vec::new());
                (Stage::Copy { evo, done: false }, Event::Copy { k, task: self.config.tasks[k].clone() })
            }
            Stage::Copy { mut evo, done: false } => {
                let report = evo.generation().await?;
                let success = evo.evaluate().await?;
                self.keep(&mut evo);
                let done = success >= self.config.copy_target || evo.generation >= self.config.generations;
                let k = evo.copy_id as usize;
                self.curves[k].push(GenerationPoint::new(&report, success));
                let path =
                    replay_path(&evo.maze, &evo.task, report.best_start, &report.best_actions, evo.config.step_limit);
                let task = evo.task.name.clone();
                (Stage::Copy { evo, done }, Event::Generation { k, task, report, success, done, path })
            }
            Stage::Copy { evo, done: true } => {
                let shown = self.finish_copy(evo).await?;
                let k = self.copies.len() - 1;
                let next = if self.config.consolidates_after(k) { Stage::Read(None) } else { Stage::NextCopy };
                (next, Event::Demonstrated { k, shown })
            }
            Stage::Read(saved) => {
                let tasks = (0..self.copies.len()).map(|k| self.config.copy_task(k)).collect();
                (Stage::Read(saved), Event::ReadTraces { tasks })
            }
            Stage::Consolidate(c) => self.consolidation_step(*c).await?,
            Stage::Done => {
                self.stage = Stage::Done;
                return Err("the experiment is over".into());
            }
            Stage::Broken(why) => return Err(format!("{why}: go on from the last checkpoint")),
        };
        self.stage = stage;
        Ok(event)
    }

    /// A step of consolidation: the first measures the held-out error, the last judges ONE.
    async fn consolidation_step(&mut self, mut c: Consolidating) -> Result<(Stage, Event), String> {
        let updates = self.config.consolidation.updates;
        if !c.announced {
            let (held_out_before, _) = match c.before {
                Some(before) => before,
                None => *c.before.insert((c.cons.held_out_prediction().await?, self.env_steps)),
            };
            let (imitated, predicted, held_out) = c.cons.pools();
            let learned = self.config.tasks[..self.copies.len()].to_vec();
            let done = c.cons.update;
            c.announced = true;
            let event = Event::Consolidating { imitated, predicted, held_out, held_out_before, done, updates, learned };
            return Ok((Stage::Consolidate(Box::new(c)), event));
        }
        if c.cons.update < updates {
            let report = c.cons.step().await?;
            return Ok((Stage::Consolidate(Box::new(c)), Event::Update { report, updates }));
        }
        let (held_out_before, steps_before) = c.before.expect("measured when announced");
        let held_out_after = c.cons.held_out_prediction().await?;
        let candidate = c.cons.one().await?;
        // Consolidation's own steps, before the judgement's evaluations: none, by design.
        let env_steps_consolidation = self.env_steps - steps_before;
        let judgement = self.judge(candidate).await?;
        let last = self.copies.len() == self.config.tasks.len();
        let event = Event::Judged {
            judgement,
            trials: self.trials,
            env_steps_evolution: steps_before,
            env_steps_consolidation,
            held_out_before,
            held_out_after,
            last,
        };
        Ok((if last { Stage::Done } else { Stage::NextCopy }, event))
    }

    /// The stored traces a `ReadTraces` step asked for: every trial of the copies so far.
    /// Consolidation starts on them (or, resumed, goes on from its saved state).
    pub fn read(&mut self, traces: impl IntoIterator<Item = Result<Trial, String>>) -> Result<(), String> {
        let Stage::Read(saved) = &self.stage else {
            return Err("the experiment is not waiting for its traces".into());
        };
        let saved = saved.clone();
        let mut cons = self.consolidation(traces)?;
        let before = match saved {
            Some(s) => {
                cons.restore(s.state)?;
                Some((s.held_out_before, s.steps_before))
            }
            None => None,
        };
        self.stage = Stage::Consolidate(Box::new(Consolidating { cons, before, announced: false }));
        Ok(())
    }

    pub fn is_done(&self) -> bool {
        matches!(self.stage, Stage::Done)
    }

    /// The evolving copy, if one is.
    pub fn evolving(&self) -> Option<&Evolution> {
        match &self.stage {
            Stage::Copy { evo, .. } => Some(evo),
            _ => None,
        }
    }

    /// Where the experiment stands, to resume with `resume`; the consolidation's parameters and
    /// Adam state are read back from wherever they live. Take it after `drain`: the checkpoint
    /// never holds a trial, the trace store does.
    pub async fn checkpoint(&self) -> Result<Checkpoint, String> {
        if self.undrained() {
            return Err("a checkpoint is taken once the trials are drained to the trace store".into());
        }
        let stage = match &self.stage {
            Stage::NextCopy => SavedStage::NextCopy,
            Stage::Copy { evo, done } => SavedStage::Copy { evolution: evo.state(), done: *done },
            Stage::Read(None) => SavedStage::Read,
            Stage::Read(Some(saved)) => SavedStage::Consolidate(saved.clone()),
            // Before its first step nothing is consolidated yet: it starts again from the traces.
            Stage::Consolidate(c) => match c.before {
                None => SavedStage::Read,
                Some((held_out_before, steps_before)) => SavedStage::Consolidate(SavedConsolidation {
                    state: c.cons.state().await?,
                    held_out_before,
                    steps_before,
                }),
            },
            Stage::Done => SavedStage::Done,
            Stage::Broken(why) => return Err(format!("{why}, so there is no checkpoint of it")),
        };
        Ok(Checkpoint {
            config: self.config.clone(),
            one: self.one.clone(),
            registry: self.registry.clone(),
            trials: self.trials,
            copies: self.copies.clone(),
            retention: self.retention.clone(),
            stats: self.stats.clone(),
            env_steps: self.env_steps,
            curves: self.curves.clone(),
            stage,
        })
    }

    /// The experiment `checkpoint` describes, going on from there; checked whole against its
    /// own settings first, so that nothing later can fail on it.
    pub fn resume(c: Checkpoint, device: Device, corpus: Corpus) -> Result<Experiment, String> {
        let mut exp = Experiment::new(c.config, device, corpus)?;
        let tasks = exp.config.tasks.len();
        let finished = c.copies.len();
        if finished > tasks {
            return Err(format!("the checkpoint holds {finished} copies for {tasks} commands"));
        }
        // ONE has grown by every finished copy's units (none, unless copies freeze and grow).
        let shape = exp.config.shape_after(finished);
        c.one.check(shape)?;
        for (k, (one, generations)) in c.copies.iter().enumerate() {
            one.check(exp.config.shape_after(k + 1)).map_err(|e| format!("copy {k} of the checkpoint: {e}"))?;
            crate::limits::check("a saved copy's generations", *generations, crate::limits::GENERATIONS)?;
        }
        c.stats.check(shape.layout().total)?;
        if c.retention.iter().any(|r| r.success.len() != tasks || r.learned.len() > tasks) {
            return Err("the checkpoint's retention matrix does not fit its commands".into());
        }
        let evolving = matches!(c.stage, SavedStage::Copy { .. }) as usize;
        if c.curves.len() != finished + evolving {
            return Err(format!(
                "the checkpoint has {} learning curves for {} copies",
                c.curves.len(),
                finished + evolving
            ));
        }
        let consolidating = matches!(c.stage, SavedStage::Read | SavedStage::Consolidate(_));
        let fits = match &c.stage {
            SavedStage::NextCopy => finished < tasks,
            SavedStage::Copy { evolution, .. } => {
                evolution.copy_id as usize == finished && finished < tasks && evolution.config.hidden == shape.hidden
            }
            _ if consolidating => finished > 0 && exp.config.consolidates_after(finished - 1),
            _ => finished == tasks,
        };
        if !fits {
            return Err(format!("the checkpoint's stage does not fit its {finished} finished copies of {tasks}"));
        }
        exp.stage = match c.stage {
            SavedStage::NextCopy => Stage::NextCopy,
            SavedStage::Copy { evolution, done } => {
                Stage::Copy { evo: Evolution::resume(evolution, exp.device.rollout(), Some(&exp.corpus))?, done }
            }
            SavedStage::Read => Stage::Read(None),
            SavedStage::Consolidate(saved) => Stage::Read(Some(saved)),
            SavedStage::Done => Stage::Done,
        };
        exp.one = c.one;
        exp.registry = c.registry;
        exp.trials = c.trials;
        exp.copies = c.copies;
        exp.retention = c.retention;
        exp.stats = c.stats;
        exp.env_steps = c.env_steps;
        exp.curves = c.curves;
        Ok(exp)
    }
}

impl Checkpoint {
    /// Where this checkpoint stands, for a resume offer.
    pub fn standing(&self) -> Standing {
        let finished = self.copies.len() as i64;
        let (phase, k, generation, update) = match &self.stage {
            SavedStage::NextCopy => ("next-copy", finished - 1, 0, 0),
            SavedStage::Copy { evolution, .. } => ("copy", finished, evolution.generation, 0),
            SavedStage::Read => ("read", finished - 1, 0, 0),
            SavedStage::Consolidate(s) => ("consolidate", finished - 1, 0, s.state.update),
            SavedStage::Done => ("done", finished - 1, 0, 0),
        };
        Standing { phase, k, tasks: self.config.tasks.clone(), trials: self.trials, generation, update }
    }
}
