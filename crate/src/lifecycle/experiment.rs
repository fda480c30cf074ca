//! The experiment of paper 3.8: what it holds and the work each of its steps does (a copy's
//! generation, its demonstration, ONE's consolidation on the stored traces); `life.rs` orders
//! those steps, `judge.rs` judges ONE.

use super::config::ExperimentConfig;
use super::judge::{Judgement, RetentionRow};
use super::life::Stage;
use super::one_file::OneFile;
use crate::consolidate::{Consolidation, Registry};
use crate::device::{Device, Rollout};
use crate::evolve::{Evolution, GenerationPoint, WeightStats};
use crate::net::One;
use crate::rng::hash2;
use crate::speech::{heard_frames, listening_frames, Corpus, MelFilterbank};
use crate::traces::{PolicySnapshot, Trial};
use std::collections::HashMap;

/// The most goal-input values `Experiment::heard` keeps (32 MiB): the training tables of nine
/// commands at the default settings take 5.2 million.
pub(super) const HEARD_FLOATS: usize = 1 << 23;

/// A line of a long run's log and what it marks, so that a progress line can count the work
/// done: a copy's generation (each), a consolidation update (every 50th), or anything else.
#[derive(Clone, Debug)]
pub enum LogLine {
    Generation(String),
    Update(usize, String),
    Note(String),
}

impl LogLine {
    pub fn text(&self) -> &str {
        match self {
            LogLine::Generation(t) | LogLine::Update(_, t) | LogLine::Note(t) => t,
        }
    }
}

/// The experiment, between two steps (`step`, in life.rs). Every environment step is counted in
/// `env_steps`; consolidation is given the stored traces and the corpus, and no way to reach
/// the environment.
pub struct Experiment {
    pub config: ExperimentConfig,
    pub one: One,
    pub registry: Registry,
    /// The trials and policy snapshots since the last `drain`, for the trace store.
    pending: (Vec<Trial>, Vec<PolicySnapshot>),
    /// Trials stored so far.
    pub trials: usize,
    pub copies: Vec<(One, usize)>,
    /// The retention matrix: a row per consolidation.
    pub retention: Vec<RetentionRow>,
    /// Weight-variance statistics over every copy's trials (3.12), for consolidation's rates.
    pub stats: WeightStats,
    /// Per command, the goal-input frames `[recording][listen][goal]` of external recordings.
    pub(super) recordings: Vec<Vec<f32>>,
    pub env_steps: u64,
    /// Each copy's learning curve, a point per generation (the evolving copy's last).
    pub curves: Vec<Vec<GenerationPoint>>,
    /// Where the experiment stands: what the next step does.
    pub(super) stage: Stage,
    pub(super) device: Device,
    /// Where evaluation rollouts run, made once.
    pub(super) evaluator: Rollout,
    pub corpus: Corpus,
    pub(super) bank: MelFilterbank,
    /// The goal-input frames the finished copies' training utterances gave, by speaker, command,
    /// augmentation seed and listening steps: consolidation looks a trace's frames up here
    /// before hearing its utterance again (the same function of the same seed, so the same
    /// bits). The default experiment's copies hear some 12,000 augmented utterances, and hearing
    /// them a second time took 6.5 s of its 46 s. At most `HEARD_FLOATS` values are kept; a
    /// resumed experiment starts with none. Neither changes a result, only how often the
    /// corpus is heard.
    heard: HashMap<(String, String, u32, u16), Vec<f32>>,
    /// The last consolidated ONE, accepted or not, and its judgement: the ONE to talk to and to
    /// save as a file.
    pub judged: Option<(One, Judgement)>,
}

impl Experiment {
    pub fn new(config: ExperimentConfig, device: Device, corpus: Corpus) -> Result<Experiment, String> {
        config.validate()?;
        let one = One::new(config.copy.shape(), config.copy.seed);
        Ok(Experiment {
            one,
            registry: Registry::default(),
            pending: (Vec::new(), Vec::new()),
            trials: 0,
            copies: Vec::new(),
            retention: Vec::new(),
            stats: WeightStats::new(config.copy.shape().layout().total),
            recordings: vec![Vec::new(); config.tasks.len()],
            env_steps: 0,
            curves: Vec::new(),
            stage: Stage::NextCopy,
            evaluator: device.rollout(),
            device,
            corpus,
            bank: MelFilterbank::new(config.copy.mel()),
            heard: HashMap::new(),
            config,
            judged: None,
        })
    }

    /// An experiment holding `file`'s ONE as judged (ONE itself if it was accepted), to talk
    /// to, judge again and save again; its copies are not in the file, so it does not go on.
    pub fn from_file(file: OneFile, device: Device, corpus: Corpus) -> Result<Experiment, String> {
        let mut exp = Experiment::new(file.config, device, corpus)?;
        if file.judgement.accepted {
            exp.one = file.one.clone();
        }
        exp.retention = file.retention;
        exp.judged = Some((file.one, file.judgement));
        exp.stage = Stage::Done;
        Ok(exp)
    }

    /// The experiment starts from `one` instead of a fresh ONE (transfer, paper 3.1: its copies
    /// are copies of it, and it is the ONE consolidation goes on from and rolls back to). Only
    /// before the first step, and only a ONE of the settings' shape.
    pub fn start_from(&mut self, one: One) -> Result<(), String> {
        if !matches!(self.stage, Stage::NextCopy) || !self.copies.is_empty() {
            return Err("the experiment has begun: it can start from another ONE only before its first step".into());
        }
        one.check(self.config.shape_after(0))
            .map_err(|e| format!("that ONE does not fit these settings (hidden units, goal input): {e}"))?;
        self.one = one;
        Ok(())
    }

    /// ONE as last judged, as a file; `None` before the first judgement.
    pub fn one_file(&self) -> Option<OneFile> {
        let (one, judgement) = self.judged.clone()?;
        Some(OneFile { config: self.config.clone(), one, judgement, retention: self.retention.clone() })
    }

    /// A copy of ONE (as last accepted) to learn task `k`: its goal, with the other corners as exits.
    pub(super) fn copy(&self, k: usize) -> Result<Evolution, String> {
        let mut c = self.config.copy_config(k);
        c.seed = hash2(self.config.copy.seed, k as u32 + 1);
        c.hidden = self.one.shape.hidden;
        let mut evo = Evolution::new(c, &self.one, self.device.rollout(), Some(&self.corpus))?;
        evo.copy_id = k as u32;
        Ok(evo)
    }

    /// The finished copy demonstrates its skill to the training speakers (what consolidation
    /// imitates), its skill is marked worth memorizing and its weight statistics are pooled.
    /// A copy that froze and grew grows ONE by its units (`One::grow_from`: ONE computes what it
    /// did until consolidation trains them). Returns the demonstrations' success.
    pub(super) async fn finish_copy(&mut self, mut evo: Evolution) -> Result<f32, String> {
        let shown = evo.demonstrate().await?;
        self.keep(&mut evo);
        self.remember_heard(&evo);
        self.registry.memorize(&evo.task.name);
        if evo.copy.frozen.is_some() {
            let frozen = self.one.grow_from(&evo.copy.one);
            self.stats.grow(&frozen);
        }
        self.stats.merge(&evo.stats);
        self.copies.push((evo.copy.one.clone(), evo.generation));
        Ok(shown)
    }

    /// Keeps what the copy's training utterances gave, up to `HEARD_FLOATS` values in all.
    fn remember_heard(&mut self, evo: &Evolution) {
        let Some((command, frames, rows)) = evo.heard() else { return };
        let listen = evo.config.listen as u16;
        let per_row = frames.len() / rows.len().max(1);
        let kept: usize = self.heard.values().map(Vec::len).sum();
        if per_row == 0 || kept + frames.len() > HEARD_FLOATS {
            return;
        }
        for ((speaker, seed), f) in rows.iter().zip(frames.chunks(per_row)) {
            self.heard.insert((speaker.clone(), command.to_string(), *seed, listen), f.to_vec());
        }
    }

    /// Takes the copy's new trials and policy snapshots for the trace store, counting their steps.
    pub(super) fn keep(&mut self, evo: &mut Evolution) {
        let trials = evo.drain_trials();
        self.env_steps += trials.iter().map(|t| t.actions.len() as u64).sum::<u64>();
        self.trials += trials.len();
        self.pending.0.extend(trials);
        self.pending.1.extend(evo.drain_policies());
    }

    /// The trials and policy snapshots recorded since the last call, for the trace store.
    pub fn drain(&mut self) -> (Vec<Trial>, Vec<PolicySnapshot>) {
        std::mem::take(&mut self.pending)
    }

    /// Whether trials wait to be drained (a checkpoint is taken after `drain`).
    pub(super) fn undrained(&self) -> bool {
        !self.pending.0.is_empty() || !self.pending.1.is_empty()
    }

    /// An external recording of `command` (a user's voice: 16 kHz samples, already checked and
    /// trimmed by `speech::prepare_recording`), on which ONE is also judged: the table's last
    /// column.
    pub fn add_recording(&mut self, command: &str, samples: &[f32]) -> Result<(), String> {
        let k = (0..self.config.tasks.len())
            .find(|&k| self.config.command(k) == command)
            .ok_or_else(|| format!("{command:?} is not one of this experiment's commands"))?;
        let frames = self.hear(samples);
        self.recordings[k].extend(frames);
        Ok(())
    }

    /// Forgets the external recordings added so far.
    pub fn clear_recordings(&mut self) {
        self.recordings.iter_mut().for_each(Vec::clear);
    }

    /// What ONE hears of `samples` (16 kHz) during the listening steps: `[listen][goal]` frames.
    pub fn hear(&self, samples: &[f32]) -> Vec<f32> {
        listening_frames(&self.bank, samples, self.config.copy.listen)
    }

    /// ONE's consolidation on `traces`, with the copies' weight statistics and the corpus to
    /// hear what each trace heard; nothing in it can reach the environment.
    pub fn consolidation(
        &self,
        traces: impl IntoIterator<Item = Result<Trial, String>>,
    ) -> Result<Consolidation, String> {
        let c = &self.config.copy;
        let (corpus, bank) = (&self.corpus, &self.bank);
        let hear = |h: &crate::traces::Heard| match self.heard.get(&(
            h.speaker.clone(),
            h.command.clone(),
            h.augment_seed,
            h.listen,
        )) {
            Some(frames) => Ok(frames.clone()),
            None => heard_frames(corpus, bank, &h.speaker, &h.command, &c.augment, h.augment_seed, h.listen as usize),
        };
        Consolidation::new(
            self.config.consolidation.clone(),
            &self.one,
            &self.stats,
            traces,
            &self.registry,
            &hear,
            c.step_limit,
            &self.device,
        )
    }
}
