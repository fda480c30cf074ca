//! ONE's life ordered by ONE's own search (PowerPlay, paper 3.14): instead of a person listing
//! the commands, the life tries (task, solver modification) candidates cheapest first and keeps
//! one only if the task was new to ONE and the new ONE solves it and every task it had.
//!
//! A candidate is a task of the space (one of its commands) and a generation budget: the
//! modification is a copy of ONE evolved for at most that many generations, then ONE consolidated
//! on every stored trace (the experiment of paper 3.8 for one more command, `consolidate_each`).
//! Its cost is its budget (each generation is the same work: population x episodes x steps; a
//! task that starts near its goal plays fewer episodes a generation and gets more generations
//! for the same budget: `Life::generations`).
//! Budgets double, Levin-search style: round r tries every task not yet learned with
//! `first_budget * 2^r` generations, in the space's order; after an acceptance the search starts
//! again at the cheapest round. A candidate is accepted only if
//!
//! (a) ONE fails its task before (success below the acceptance threshold on the validation
//!     speakers; a task ONE already solves is not new, and is passed over),
//! (b) its copy reaches the copy target within the budget, and ONE consolidated on all traces
//!     solves the task (at least the acceptance threshold), and
//! (c) ONE still solves every task accepted before.
//!
//! Otherwise ONE, its copies, the skills it imitates and its weight statistics are exactly what
//! they were (the candidate's trials stay in the store: every trace is kept). The life ends when
//! every task of the space is accepted, or when no task is accepted within the last budget.
//!
//! With `copy.grow` units, each candidate's copy freezes ONE's weights and evolves only its new
//! units (paper 3.1), and ONE grows by them (new outgoing weights at zero) before its
//! consolidation: an accepted candidate leaves ONE larger, a rejected one as small as it was.

use super::config::ExperimentConfig;
use super::judge::{Hearing, Judgement};
use super::life::{Checkpoint, Event, SavedStage};
use super::Experiment;
use crate::consolidate::Registry;
use crate::device::Device;
use crate::evolve::WeightStats;
use crate::net::One;
use crate::rng::{hash2, salt};
use crate::speech::Corpus;
use crate::traces::{PolicySnapshot, Trial};
use crate::world::Task;
use serde::{Deserialize, Serialize};

/// A life's settings: the task space and everything a candidate's copy and consolidation use
/// (the experiment's settings: its `tasks` are the space's commands, in the order candidates of
/// one budget are tried; its `generations` are replaced by each candidate's budget).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LifeConfig {
    pub experiment: ExperimentConfig,
    /// Generations of the cheapest candidates (round 0).
    pub first_budget: usize,
    /// The largest budget a candidate gets; a round that would exceed it ends the life.
    pub last_budget: usize,
    /// Consolidation imitates every accepted task's demonstrations (replay). Off, the baseline
    /// without replay: it imitates the newest copy's alone (prediction still learns from every
    /// trace), and acceptance then asks only for the new task, so that the retention matrix
    /// shows what replay prevents.
    pub replay: bool,
}

impl LifeConfig {
    pub fn validate(&self) -> Result<(), String> {
        self.experiment.validate()?;
        crate::limits::check("first budget", self.first_budget, crate::limits::GENERATIONS)?;
        crate::limits::check("last budget", self.last_budget, crate::limits::GENERATIONS)?;
        if self.first_budget > self.last_budget {
            return Err(format!(
                "the first budget ({} generations) is above the last ({}): no candidate could be tried",
                self.first_budget, self.last_budget
            ));
        }
        Ok(())
    }

    /// The budget of round `round`, if it is within the last budget.
    pub fn budget(&self, round: u32) -> Option<usize> {
        let b = self.first_budget.checked_mul(1usize.checked_shl(round)?)?;
        (b <= self.last_budget).then_some(b)
    }
}

/// A candidate: a task of the space and the generations its copy may take.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Candidate {
    pub task: String,
    pub budget: usize,
}

/// What became of a candidate.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Tried {
    pub candidate: Candidate,
    /// ONE's success at the task before.
    pub before: f32,
    /// The copy's generations and its mean policy's success at the end, as its evolution
    /// measured it (every start cell, validation speakers; none: not evolved).
    pub copy: Option<(usize, f32)>,
    /// The new ONE's success at each task it was judged on, accepted ones first (none: not
    /// consolidated).
    pub after: Vec<(String, f32)>,
    /// Environment steps the candidate took (its copy's and its judgement's).
    pub env_steps: u64,
    /// ONE's parameters after the candidate: more than before only when an accepted candidate's
    /// copy froze and grew (a life of settings from before growth reads 0).
    #[serde(default)]
    pub params: usize,
    pub accepted: bool,
    /// Why it was accepted or not, in words.
    pub why: String,
}

/// What a step of the life did.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum LifeEvent {
    /// The fresh ONE measured at every task of the space (the retention matrix's first row).
    Born { success: Vec<f32> },
    /// A candidate is tried: ONE's success at its task before.
    Trying { candidate: Candidate, before: f32 },
    /// The candidate is done with.
    Outcome(Tried),
    /// The life is over, and why.
    Over { why: String },
    /// A step of the candidate's experiment (a copy's generation, consolidation, ...), as the
    /// experiment's own event (its `kind`: "generation", "read-traces", ...).
    #[serde(untagged)]
    Step(Event),
}

/// The candidate being tried: its experiment, ONE's success at its task before, and its copy's
/// generations and success so far.
struct Trying {
    exp: Experiment,
    candidate: Candidate,
    before: f32,
    copy: Option<(usize, f32)>,
}

/// A life between two steps, to go on from with `Life::resume`: the life so far, the search's
/// place, and the candidate under way as its experiment's checkpoint. The trials are not in it:
/// the trace store has them.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LifeCheckpoint {
    pub config: LifeConfig,
    pub base: Checkpoint,
    pub accepted: Vec<String>,
    pub retention: Vec<Vec<f32>>,
    pub tried: Vec<Tried>,
    pub round: u32,
    pub next: usize,
    pub trying: Option<SavedTrying>,
    pub over: Option<String>,
}

/// The candidate under way, as a checkpoint holds it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SavedTrying {
    pub candidate: Candidate,
    pub before: f32,
    pub copy: Option<(usize, f32)>,
    pub experiment: Checkpoint,
}

/// ONE's life between two steps (driven like the experiment: see life.rs).
pub struct Life {
    pub config: LifeConfig,
    /// The life so far as an experiment's checkpoint between two copies: ONE, the accepted
    /// tasks' copies, the skills imitated, the weight statistics, trials and steps counted.
    base: Checkpoint,
    /// The tasks accepted, in order.
    pub accepted: Vec<String>,
    /// The retention matrix: success at every task of the space (in the space's order), for the
    /// fresh ONE and after each accepted candidate.
    pub retention: Vec<Vec<f32>>,
    /// Every candidate tried, in order.
    pub tried: Vec<Tried>,
    /// The budget round and how many tasks of it were tried.
    round: u32,
    next: usize,
    trying: Option<Trying>,
    /// Trials and policy snapshots of finished candidates, for the trace store.
    pending: (Vec<Trial>, Vec<PolicySnapshot>),
    over: Option<String>,
    device: Device,
    corpus: Corpus,
}

impl Life {
    pub fn new(config: LifeConfig, device: Device, corpus: Corpus) -> Result<Life, String> {
        config.validate()?;
        let c = &config.experiment;
        let shape = c.copy.shape();
        let base = Checkpoint {
            config: c.clone(),
            one: One::new(shape, c.copy.seed),
            registry: Registry::default(),
            trials: 0,
            copies: Vec::new(),
            retention: Vec::new(),
            stats: WeightStats::new(shape.layout().total),
            env_steps: 0,
            curves: Vec::new(),
            stage: SavedStage::NextCopy,
        };
        let life = Life {
            config,
            base,
            accepted: Vec::new(),
            retention: Vec::new(),
            tried: Vec::new(),
            round: 0,
            next: 0,
            trying: None,
            pending: Default::default(),
            over: None,
            device,
            corpus,
        };
        Ok(life)
    }

    /// Where the life stands, to go on from with `resume`; taken once the trials are drained.
    pub async fn checkpoint(&self) -> Result<LifeCheckpoint, String> {
        let trying = match &self.trying {
            Some(t) => Some(SavedTrying {
                candidate: t.candidate.clone(),
                before: t.before,
                copy: t.copy,
                experiment: t.exp.checkpoint().await?,
            }),
            None => None,
        };
        if !self.pending.0.is_empty() || !self.pending.1.is_empty() {
            return Err("a checkpoint is taken once the trials are drained to the trace store".into());
        }
        Ok(LifeCheckpoint {
            config: self.config.clone(),
            base: self.base.clone(),
            accepted: self.accepted.clone(),
            retention: self.retention.clone(),
            tried: self.tried.clone(),
            round: self.round,
            next: self.next,
            trying,
            over: self.over.clone(),
        })
    }

    /// The life `c` describes, going on from there; checked first against its own settings.
    pub fn resume(c: LifeCheckpoint, device: Device, corpus: Corpus) -> Result<Life, String> {
        let mut life = Life::new(c.config, device, corpus)?;
        let space = &life.config.experiment.tasks;
        for (k, t) in c.accepted.iter().enumerate() {
            if !space.contains(t) || c.accepted[..k].contains(t) {
                return Err(format!("the life's checkpoint accepted {t}, not a new task of its space"));
            }
        }
        let rows = if c.retention.is_empty() { 0 } else { c.accepted.len() + 1 };
        if c.retention.len() != rows || c.retention.iter().any(|r| r.len() != space.len()) {
            return Err("the life's checkpoint has a retention matrix that does not fit its tasks".into());
        }
        if c.base.copies.len() != c.accepted.len() {
            return Err("the life's checkpoint holds a copy for each accepted task, and it does not".into());
        }
        (life.base, life.accepted, life.retention, life.tried) = (c.base, c.accepted, c.retention, c.tried);
        (life.round, life.next, life.over) = (c.round, c.next, c.over);
        if let Some(task) = life.open_tasks().first() {
            // Made once, so that a base that does not fit its settings is refused here.
            life.experiment(task, life.config.first_budget)?;
        }
        if let Some(t) = c.trying {
            let exp = Experiment::resume(t.experiment, life.device.clone(), life.corpus.clone())?;
            if exp.config.tasks.get(life.accepted.len()) != Some(&t.candidate.task) {
                return Err("the life's checkpoint tries a candidate its experiment does not learn".into());
            }
            life.trying = Some(Trying { exp, candidate: t.candidate, before: t.before, copy: t.copy });
        }
        Ok(life)
    }

    /// ONE as it stands (the last accepted).
    pub fn one(&self) -> &One {
        &self.base.one
    }

    /// The candidate's evolving copy, if one is evolving: its maze and task, for the page.
    pub fn evolving(&self) -> Option<&crate::evolve::Evolution> {
        self.trying.as_ref()?.exp.evolving()
    }

    pub fn is_over(&self) -> bool {
        self.over.is_some()
    }

    /// Trials stored so far and environment steps taken, the candidate under way included.
    pub fn counts(&self) -> (usize, u64) {
        match &self.trying {
            Some(t) => (t.exp.trials, t.exp.env_steps),
            None => (self.base.trials, self.base.env_steps),
        }
    }

    /// The space's tasks not accepted yet, in its order.
    fn open_tasks(&self) -> Vec<String> {
        self.config.experiment.tasks.iter().filter(|t| !self.accepted.contains(t)).cloned().collect()
    }

    /// The generations a candidate's copy of `task` gets for `budget`. Budgets count
    /// generations of a command whose episodes start everywhere in the copies' maze with the
    /// settings' moves; a copy that plays every start cell each generation (`all_starts`, the
    /// experiment's copies) plays fewer episodes when its task starts near the goal only, or lies
    /// in a smaller maze, and shorter ones when its task allows fewer moves, and gets as many
    /// more generations for the same work (as many fewer in a larger maze): a candidate's cost is
    /// its computational cost, as in PowerPlay (and Levin search), whatever its start region,
    /// maze and moves.
    pub fn generations(&self, task: &str, budget: usize) -> Result<usize, String> {
        let c = &self.config.experiment.copy;
        // A generation's work: start cells (when it plays each) times steps.
        let work = |t: &str| -> Result<usize, String> {
            let copy = c.with_task(t);
            if !c.all_starts {
                return Ok(copy.step_limit);
            }
            let maze = copy.maze_spec()?.generate();
            Ok(Task::parse(t, &maze)?.free_cells(&maze).len().max(1) * copy.step_limit)
        };
        let (own, everywhere) = (work(task)?, work(Task::goal_part(task))?);
        Ok((budget * everywhere / own).clamp(1, *crate::limits::GENERATIONS.end()))
    }

    /// The experiment that tries `task` from where the life stands: its tasks are the accepted
    /// ones, then `task`, then the rest (so that copy k of the checkpoint is the k-th accepted
    /// task's), its copies get the generations `budget` buys (`generations`) and a seed of their
    /// own.
    fn experiment(&self, task: &str, budget: usize) -> Result<Experiment, String> {
        let mut c: ExperimentConfig = self.config.experiment.clone();
        let rest = self.open_tasks().into_iter().filter(|t| t != task);
        c.tasks = self.accepted.iter().cloned().chain([task.to_string()]).chain(rest).collect();
        c.generations = self.generations(task, budget)?;
        c.consolidate_each = true;
        c.copy.seed = hash2(self.config.experiment.copy.seed ^ salt::CANDIDATES, self.tried.len() as u32);
        let mut checkpoint = Checkpoint { config: c, ..self.base.clone() };
        if !self.config.replay {
            for k in 0..self.accepted.len() {
                checkpoint.registry.supersede(&checkpoint.config.copy_task(k));
            }
        }
        Experiment::resume(checkpoint, self.device.clone(), self.corpus.clone())
    }

    /// One step of the life: the fresh ONE measured, a candidate chosen, a step of its
    /// experiment, or its outcome.
    pub async fn step(&mut self) -> Result<LifeEvent, String> {
        if let Some(why) = &self.over {
            return Err(format!("the life is over: {why}"));
        }
        if self.retention.is_empty() {
            let mut exp = self.experiment(&self.config.experiment.tasks[0], self.config.first_budget)?;
            let tables = exp.tables()?;
            let one = self.base.one.clone();
            let mut success = Vec::new();
            for k in 0..exp.config.tasks.len() {
                success.push(exp.success(&one, k, &tables, Hearing::Validation).await?);
            }
            self.base.env_steps = exp.env_steps;
            self.retention.push(success.clone());
            return Ok(LifeEvent::Born { success });
        }
        let Some(mut trying) = self.trying.take() else {
            return self.next_candidate().await;
        };
        let event = trying.exp.step().await?;
        let c = &trying.exp.config;
        if let Event::Generation { report, success, .. } = &event {
            trying.copy = Some((report.generation + 1, *success));
        }
        match event {
            Event::Generation { done: true, success, .. } if success < c.copy_target => {
                let why = format!(
                    "its copy reached {:.1}% of start cells within the budget, short of {:.0}%",
                    100.0 * success,
                    100.0 * c.copy_target
                );
                Ok(LifeEvent::Outcome(self.reject(trying, Vec::new(), why)))
            }
            Event::Judged { judgement, .. } => self.judged(trying, judgement).await,
            event => {
                self.trying = Some(trying);
                Ok(LifeEvent::Step(event))
            }
        }
    }

    /// The next candidate in cost order, or the end of the life.
    async fn next_candidate(&mut self) -> Result<LifeEvent, String> {
        loop {
            let open = self.open_tasks();
            if open.is_empty() {
                return Ok(self.end("every task of the space is accepted".into()));
            }
            let Some(budget) = self.config.budget(self.round) else {
                let why = format!(
                    "no candidate was accepted within the last budget ({} generations): {} not learned",
                    self.config.last_budget,
                    open.join(", ")
                );
                return Ok(self.end(why));
            };
            if self.next >= open.len() {
                self.round += 1;
                self.next = 0;
                continue;
            }
            let task = open[self.next].clone();
            self.next += 1;
            let mut exp = self.experiment(&task, budget)?;
            let k = self.accepted.len();
            let tables = exp.tables()?;
            let one = self.base.one.clone();
            let before = exp.success(&one, k, &tables, Hearing::Validation).await?;
            let candidate = Candidate { task, budget };
            if before >= self.config.experiment.accept {
                let why = format!("not new: ONE already reaches {:.1}% at it", 100.0 * before);
                let trying = Trying { exp, candidate, before, copy: None };
                return Ok(LifeEvent::Outcome(self.reject(trying, Vec::new(), why)));
            }
            self.trying = Some(Trying { exp, candidate: candidate.clone(), before, copy: None });
            return Ok(LifeEvent::Trying { candidate, before });
        }
    }

    /// The candidate's consolidated ONE judged by its experiment: kept if it solves the new task
    /// and every accepted one, otherwise rolled back.
    async fn judged(&mut self, mut trying: Trying, judgement: Judgement) -> Result<LifeEvent, String> {
        let after: Vec<(String, f32)> = judgement.rows.iter().map(|r| (r.task.clone(), r.one)).collect();
        if !judgement.accepted {
            let why = judgement.verdict.trim_start_matches("rejected, ").to_string();
            return Ok(LifeEvent::Outcome(self.reject(trying, after, why)));
        }
        self.take_trials(&mut trying.exp);
        let mut base = trying.exp.checkpoint().await?;
        base.stage = SavedStage::NextCopy;
        base.retention = Vec::new();
        let order = &trying.exp.config.tasks;
        let row = &judgement.retention.success;
        let in_space = |t: &String| row[order.iter().position(|o| o == t).expect("the same tasks")];
        self.retention.push(self.config.experiment.tasks.iter().map(in_space).collect());
        let tried = Tried {
            env_steps: base.env_steps - self.base.env_steps,
            params: base.one.params.len(),
            candidate: trying.candidate.clone(),
            before: trying.before,
            copy: trying.copy,
            after,
            accepted: true,
            why: judgement.verdict.trim_start_matches("accepted: ").to_string(),
        };
        self.base = base;
        self.accepted.push(trying.candidate.task);
        // The search starts again from the cheapest candidates.
        (self.round, self.next) = (0, 0);
        self.tried.push(tried.clone());
        Ok(LifeEvent::Outcome(tried))
    }

    /// The candidate is not kept: ONE and everything it learned stay as they were; its trials
    /// are stored all the same, and counted.
    fn reject(&mut self, mut trying: Trying, after: Vec<(String, f32)>, why: String) -> Tried {
        self.take_trials(&mut trying.exp);
        let env_steps = trying.exp.env_steps - self.base.env_steps;
        self.base.trials = trying.exp.trials;
        self.base.env_steps = trying.exp.env_steps;
        let (candidate, before, copy) = (trying.candidate, trying.before, trying.copy);
        let params = self.base.one.params.len();
        let tried = Tried { candidate, before, copy, after, env_steps, params, accepted: false, why };
        self.tried.push(tried.clone());
        tried
    }

    fn take_trials(&mut self, exp: &mut Experiment) {
        let (trials, policies) = exp.drain();
        self.pending.0.extend(trials);
        self.pending.1.extend(policies);
    }

    fn end(&mut self, why: String) -> LifeEvent {
        self.over = Some(why.clone());
        LifeEvent::Over { why }
    }

    /// The stored traces a `Step(ReadTraces)` asked for: every trial stored so far.
    pub fn read(&mut self, traces: impl IntoIterator<Item = Result<Trial, String>>) -> Result<(), String> {
        match &mut self.trying {
            Some(t) => t.exp.read(traces),
            None => Err("the life is not waiting for its traces".into()),
        }
    }

    /// The trials and policy snapshots since the last call, for the trace store.
    pub fn drain(&mut self) -> (Vec<Trial>, Vec<PolicySnapshot>) {
        if let Some(mut t) = self.trying.take() {
            self.take_trials(&mut t.exp);
            self.trying = Some(t);
        }
        std::mem::take(&mut self.pending)
    }

    /// The life's measures over its accepted tasks (see `Metrics`); none before the first.
    pub fn metrics(&self) -> Option<Metrics> {
        Metrics::of(&self.config.experiment.tasks, &self.accepted, &self.retention)
    }
}

/// A life's measures as GEM defines them (Lopez-Paz and Ranzato 2017), over the T accepted tasks
/// in the order learned, R[i][j] being the success at task j after the i-th acceptance and b_j
/// the fresh ONE's: ACC = mean_j R[T][j]; BWT = mean_{j<T} (R[T][j] - R[j][j]), negative when
/// later learning made earlier tasks worse (forgetting); FWT = mean_{j>1} (R[j-1][j] - b_j),
/// what the tasks learned before give a task not yet learned.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Metrics {
    pub acc: f32,
    pub bwt: Option<f32>,
    pub fwt: Option<f32>,
}

impl Metrics {
    /// From the retention matrix (rows: fresh ONE, then after each acceptance; columns: the
    /// space's tasks) and the accepted tasks in order.
    pub fn of(space: &[String], accepted: &[String], rows: &[Vec<f32>]) -> Option<Metrics> {
        let t = accepted.len();
        if t == 0 || rows.len() != t + 1 {
            return None;
        }
        let col: Vec<usize> =
            accepted.iter().map(|a| space.iter().position(|s| s == a).expect("a task of the space")).collect();
        let r = |i: usize, j: usize| rows[i][col[j - 1]];
        let mean = |v: Vec<f32>| (!v.is_empty()).then(|| v.iter().sum::<f32>() / v.len() as f32);
        Some(Metrics {
            acc: mean((1..=t).map(|j| r(t, j)).collect()).expect("t > 0"),
            bwt: mean((1..t).map(|j| r(t, j) - r(j, j)).collect()),
            fwt: mean((2..=t).map(|j| r(j - 1, j) - r(0, j)).collect()),
        })
    }
}
