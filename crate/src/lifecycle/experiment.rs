use super::one_file::OneFile;
use crate::consolidate::{ConsolidateConfig, Consolidation, ConsolidationState, Registry, UpdateReport};
use crate::data::{Population, RolloutSpec};
use crate::device::{Device, Rollout};
use crate::evolve::{Evolution, EvolutionState, EvolveConfig, GenerationPoint, GenerationReport, WeightStats};
use crate::gpu::Perturbation;
use crate::net::One;
use crate::rng::{hash2, Rng};
use crate::speech::{heard_frames, listening_frames, utterance_table, Augment, Corpus, MelFilterbank, Split};
use crate::traces::{PolicySnapshot, Trial};
use crate::world::{Goal, Maze, Task};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The experiment of paper 3.8: a copy of ONE per corner command learns its corner by evolution
/// while hearing the command (free to ignore it); every trial is stored; ONE is consolidated on
/// the traces alone; the new ONE is accepted only if it follows every command (PowerPlay style).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExperimentConfig {
    /// Each copy's settings; its `task` is replaced by each of `tasks` in turn.
    pub copy: EvolveConfig,
    /// Goals ("ne", "nw", "se", "sw", "center", "tree", "house", "bird", "dog"), at least
    /// two: one command per task.
    pub tasks: Vec<String>,
    /// Generations per copy, at most.
    pub generations: usize,
    /// A copy stops evolving once its mean policy reaches this success from every start.
    pub copy_target: f32,
    pub consolidation: ConsolidateConfig,
    /// Acceptance: ONE must reach this success on every retained skill (validation speakers).
    pub accept: f32,
    /// ONE learns the skills one at a time: after each copy, ONE consolidates on every trace so
    /// far and is judged on every skill so far, and the next copy evolves from that ONE. Off,
    /// ONE consolidates once, after all copies (the default: one consolidation is cheapest).
    /// Either way the retention matrix gets a row per consolidation.
    #[serde(default)]
    pub consolidate_each: bool,
}

impl ExperimentConfig {
    /// The lab's default experiment: the four corners of the small maze, 12 listening steps then
    /// up to 32 moves, ONE of 32 hidden units, the training speakers heard through the standard
    /// augmentation. Each copy evolves until its mean policy succeeds from every start cell (or
    /// 150 generations: with 100, hearing the many training voices, the south-west copy stopped
    /// short in 4 of 9 runs), so that its demonstrations are complete; consolidation takes 4000
    /// Adam steps on batches of 128 traces.
    pub fn default_experiment() -> ExperimentConfig {
        let mut copy = EvolveConfig::small_maze();
        copy.listen = 12;
        copy.step_limit = 12 + 32;
        copy.hidden = 32;
        copy.augment = Augment::standard();
        ExperimentConfig {
            copy,
            tasks: ["ne", "nw", "se", "sw"].map(String::from).to_vec(),
            generations: 150,
            copy_target: 1.0,
            consolidation: ConsolidateConfig { updates: 4000, batch: 128, ..ConsolidateConfig::default() },
            accept: 0.9,
            consolidate_each: false,
        }
    }

    /// Settings as the page reads them (a share link's, the form's, `onelab run --config`'s, a
    /// ONE file's): JSON, then every bound checked.
    pub fn from_json(json: &[u8]) -> Result<ExperimentConfig, String> {
        let c: ExperimentConfig =
            serde_json::from_slice(json).map_err(|e| format!("the settings cannot be read: {e}"))?;
        c.validate()?;
        Ok(c)
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.tasks.len() < 2 {
            return Err("the experiment needs at least two commands, so that behaviour can depend on them".into());
        }
        for (k, t) in self.tasks.iter().enumerate() {
            Goal::parse(t)?;
            if self.tasks[..k].contains(t) {
                return Err(format!("task {t} is listed twice"));
            }
        }
        if self.copy.listen == 0 {
            return Err("the experiment needs listening steps: ONE must hear the commands".into());
        }
        if self.copy.grow > 0 {
            return Err("the experiment's copies keep ONE's shape: growing units is not supported here".into());
        }
        crate::limits::check("generations", self.generations, crate::limits::GENERATIONS)?;
        for (name, v) in [("copy target", self.copy_target), ("acceptance threshold", self.accept)] {
            if !(0.0..=1.0).contains(&v) {
                return Err(format!("the {name} is a success share in [0, 1], got {v}"));
            }
        }
        // Every goal has a place in the maze (a landmark needs 3x3 cells), said before what that
        // maze would lack besides; the size is checked first, as a maze cannot be made without.
        crate::limits::check("maze size", self.copy.maze_size, crate::limits::MAZE_SIZE)?;
        let maze = self.copy.maze();
        for t in &self.tasks {
            Goal::parse(t)?.region(&maze)?;
        }
        let mut c = self.copy.clone();
        c.task = self.copy_task(0);
        c.validate()?;
        self.consolidation.validate()?;
        self.consolidation.fits(c.shape(), c.step_limit)
    }

    /// The spoken command of task `k` ("north east" for "ne"); tasks are validated goals.
    pub fn command(&self, k: usize) -> &'static str {
        self.goal(k).command()
    }

    fn goal(&self, k: usize) -> Goal {
        Goal::parse(&self.tasks[k]).expect("validated: goals")
    }

    /// The task of the copy that learns command `k`: its goal, with the experiment's other
    /// corners as exits (e.g. "ne|nw|se|sw", "tree|ne|sw"), so that leaving the maze by the
    /// wrong corner fails. The centre and the landmarks are places inside the maze, not exits:
    /// a way to the house may pass the tree.
    pub fn copy_task(&self, k: usize) -> String {
        let mut parts = vec![self.tasks[k].as_str()];
        parts.extend(
            (0..self.tasks.len()).filter(|&j| j != k && self.goal(j).is_corner()).map(|j| self.tasks[j].as_str()),
        );
        parts.join("|")
    }

    /// Whether ONE consolidates once copy `k` has finished.
    pub fn consolidates_after(&self, k: usize) -> bool {
        self.consolidate_each || k + 1 == self.tasks.len()
    }
}

/// One row of the result table: how a command is followed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CommandRow {
    pub task: String,
    pub command: String,
    pub copy_generations: usize,
    pub copy: f32,
    pub copy_shuffled: f32,
    pub one: f32,
    pub one_shuffled: f32,
    /// ONE's success on the cross-synthesiser speakers (a synthesiser training never hears).
    pub one_cross: f32,
    /// ONE's success on the external recordings of this command, if any were given.
    pub one_recordings: Option<f32>,
    /// How many external recordings of this command that is based on.
    pub recordings: usize,
    /// What following a random one of the commands would score: the mean over all copies of
    /// their success on this task (each copy goes to its own corner, whatever it hears).
    pub chance: f32,
}

/// One row of the retention matrix R (the forgetting monitor): after a consolidation on the
/// skills `learned`, the consolidated ONE's success at every command of the experiment, those
/// not learned yet included (PowerPlay: a new skill fails under the old ONE).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RetentionRow {
    pub learned: Vec<String>,
    /// Success per task, in the experiment's task order (validation speakers).
    pub success: Vec<f32>,
    pub accepted: bool,
}

/// What ONE did and how it was judged.
#[derive(Clone, Debug, Serialize)]
pub struct ExperimentReport {
    pub rows: Vec<CommandRow>,
    /// Every consolidation's row of the retention matrix so far, the last one this report's.
    pub retention: Vec<RetentionRow>,
    pub trials: usize,
    pub env_steps_evolution: u64,
    pub env_steps_consolidation: u64,
    pub losses: Vec<UpdateReport>,
    pub held_out_before: f32,
    pub held_out_after: f32,
    /// The candidate's success on each cross-synthesiser voice.
    pub cross_voices: Vec<VoiceRow>,
    pub accepted: bool,
    pub verdict: String,
}

/// The acceptance test's outcome.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Judgement {
    pub rows: Vec<CommandRow>,
    pub retention: RetentionRow,
    pub cross_voices: Vec<VoiceRow>,
    pub accepted: bool,
    pub verdict: String,
}

/// The experiment between two steps, for the page's checkpoint: ONE, the finished copies and
/// their pooled statistics, the registry, the retention rows, the counts, and the copy evolving
/// between two generations or the consolidation between two updates, if one is. The trials are
/// not in it: the trace store has them, and the user's recordings are read from the store again.
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
    pub evolving: Option<EvolutionState>,
    /// Goes on when the same traces are read back (`Consolidation::restore`).
    #[serde(default)]
    pub consolidating: Option<ConsolidationState>,
}

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

/// Goal-input frames of the validation speakers saying each task's command, one table per
/// task, and all of them together (for shuffled speech); the same of the cross-synthesiser
/// speakers.
pub(super) struct Tables {
    per_task: Vec<(Arc<Vec<f32>>, usize)>,
    cross: Vec<(Arc<Vec<f32>>, usize)>,
    /// Per task, the speaker of each row of `cross`.
    cross_speakers: Vec<Vec<String>>,
    all: Arc<Vec<f32>>,
}

/// ONE's success at each command on one voice of the other synthesiser.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VoiceRow {
    pub voice: String,
    /// Speakers of this voice (its speeds) per command.
    pub speakers: Vec<usize>,
    pub success: Vec<f32>,
}

/// What an evaluation episode hears: the commanded task's utterance by a validation speaker or
/// by a cross-synthesiser speaker, or a random validation utterance of any task's command.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Hearing {
    Validation,
    Cross,
    Shuffled,
}

/// Runs the experiment. Every environment step is counted in `env_steps`; consolidation is
/// given the stored traces and the corpus, and no way to reach the environment.
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
    recordings: Vec<Vec<f32>>,
    pub env_steps: u64,
    device: Device,
    /// Where evaluation rollouts run, made once.
    pub(super) evaluator: Rollout,
    pub corpus: Corpus,
    pub(super) bank: MelFilterbank,
    pub maze: Maze,
    /// The last consolidated ONE, accepted or not, and its judgement: the ONE to talk to and to
    /// save as a file.
    pub judged: Option<(One, Judgement)>,
}

impl Experiment {
    pub fn new(config: ExperimentConfig, device: Device, corpus: Corpus) -> Result<Experiment, String> {
        config.validate()?;
        let one = One::new(config.copy.shape(), config.copy.seed);
        let maze = config.copy.maze();
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
            evaluator: device.rollout(),
            device,
            corpus,
            bank: MelFilterbank::new(config.copy.mel()),
            maze,
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
        Ok(exp)
    }

    /// ONE as last judged, as a file; `None` before the first judgement.
    pub fn one_file(&self) -> Option<OneFile> {
        let (one, judgement) = self.judged.clone()?;
        Some(OneFile { config: self.config.clone(), one, judgement, retention: self.retention.clone() })
    }

    /// Where the experiment stands, with `evolving` the copy between two generations, or
    /// `consolidating` the consolidation between two updates, if one is. Take it after `drain`:
    /// the checkpoint never holds a trial, the trace store does.
    pub fn checkpoint(&self, evolving: Option<&Evolution>, consolidating: Option<ConsolidationState>) -> Checkpoint {
        debug_assert!(self.pending.0.is_empty(), "checkpoint taken before the trials were drained");
        Checkpoint {
            config: self.config.clone(),
            one: self.one.clone(),
            registry: self.registry.clone(),
            trials: self.trials,
            copies: self.copies.clone(),
            retention: self.retention.clone(),
            stats: self.stats.clone(),
            env_steps: self.env_steps,
            evolving: evolving.map(Evolution::state),
            consolidating,
        }
    }

    /// The experiment `checkpoint` describes, its evolving copy, and its consolidation's state
    /// (to restore once the traces are read back), going on from there.
    pub fn resume(
        checkpoint: Checkpoint,
        device: Device,
        corpus: Corpus,
    ) -> Result<(Experiment, Option<Evolution>, Option<ConsolidationState>), String> {
        let c = checkpoint;
        let mut exp = Experiment::new(c.config, device, corpus)?;
        // Checked whole against its own settings, so that nothing later can fail on it.
        let tasks = exp.config.tasks.len();
        let shape = exp.config.copy.shape();
        c.one.check(shape)?;
        for (k, (one, generations)) in c.copies.iter().enumerate() {
            one.check(shape).map_err(|e| format!("copy {k} of the checkpoint: {e}"))?;
            crate::limits::check("a saved copy's generations", *generations, 0..=exp.config.generations)?;
        }
        if c.copies.len() > tasks {
            return Err(format!("the checkpoint holds {} copies for {tasks} commands", c.copies.len()));
        }
        c.stats.check(shape.layout().total)?;
        if c.retention.iter().any(|r| r.success.len() != tasks || r.learned.len() > tasks) {
            return Err("the checkpoint's retention matrix does not fit its commands".into());
        }
        if let Some(evolving) = &c.evolving {
            if evolving.copy_id as usize != c.copies.len() {
                return Err(format!(
                    "the checkpoint's evolving copy is number {} after {} finished ones",
                    evolving.copy_id,
                    c.copies.len()
                ));
            }
        }
        exp.one = c.one;
        exp.registry = c.registry;
        exp.trials = c.trials;
        exp.copies = c.copies;
        exp.retention = c.retention;
        exp.stats = c.stats;
        exp.env_steps = c.env_steps;
        let evolving = match c.evolving {
            Some(state) => Some(Evolution::resume(state, exp.device.rollout(), Some(&exp.corpus))?),
            None => None,
        };
        Ok((exp, evolving, c.consolidating))
    }

    /// Phase A for task `k`: a copy of ONE evolves until its mean policy reaches the target;
    /// every trial and policy is kept. `log` receives one line per generation. Returns the
    /// copy's learning curve.
    pub async fn evolve_copy(
        &mut self,
        k: usize,
        log: &mut dyn FnMut(LogLine),
    ) -> Result<Vec<GenerationPoint>, String> {
        let mut evo = self.copy(k)?;
        let mut curve = Vec::new();
        loop {
            let (r, success, done) = self.copy_generation(&mut evo).await?;
            curve.push(GenerationPoint::new(&r, success));
            log(LogLine::Generation(format!(
                "copy {k} ({}) gen {:>3}: population success {:>5.1}%, mean policy {:>5.1}%",
                evo.task.name,
                r.generation,
                100.0 * r.success,
                100.0 * success
            )));
            if done {
                break;
            }
        }
        let shown = self.finish_copy(evo).await?;
        log(LogLine::Note(format!(
            "copy {k} demonstrates its skill to the training speakers: {:.1}% success",
            100.0 * shown
        )));
        Ok(curve)
    }

    /// A copy of ONE (as last accepted) to learn task `k`: its goal, with the other corners as exits.
    pub fn copy(&self, k: usize) -> Result<Evolution, String> {
        let mut c = self.config.copy.clone();
        c.task = self.config.copy_task(k);
        c.seed = hash2(self.config.copy.seed, k as u32 + 1);
        let mut evo = Evolution::new(c, &self.one, self.device.rollout(), Some(&self.corpus))?;
        evo.copy_id = k as u32;
        Ok(evo)
    }

    /// One generation of the copy, then its mean policy's success on validation speakers; the
    /// flag says the copy is done (it reached the target or the generation limit).
    pub async fn copy_generation(&mut self, evo: &mut Evolution) -> Result<(GenerationReport, f32, bool), String> {
        let r = evo.generation().await?;
        let success = evo.evaluate().await?;
        self.keep(evo);
        let done = success >= self.config.copy_target || evo.generation >= self.config.generations;
        Ok((r, success, done))
    }

    /// The finished copy demonstrates its skill to the training speakers (what consolidation
    /// imitates), its skill is marked worth memorizing and its weight statistics are pooled.
    /// Returns the demonstrations' success.
    pub async fn finish_copy(&mut self, mut evo: Evolution) -> Result<f32, String> {
        let shown = evo.demonstrate().await?;
        self.keep(&mut evo);
        self.registry.memorize(&evo.task.name);
        self.stats.merge(&evo.stats);
        self.copies.push((evo.copy.one.clone(), evo.generation));
        Ok(shown)
    }

    /// Takes the copy's new trials and policy snapshots for the trace store, counting their steps.
    fn keep(&mut self, evo: &mut Evolution) {
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

    pub(super) fn tables(&self) -> Result<Tables, String> {
        let listen = self.config.copy.listen;
        let mut t = Tables { per_task: Vec::new(), cross: Vec::new(), cross_speakers: Vec::new(), all: Arc::default() };
        let mut all = Vec::new();
        for k in 0..self.config.tasks.len() {
            let command = self.config.command(k);
            let table =
                |split| utterance_table(&self.corpus, &self.bank, command, split, listen, &Augment::default(), 0);
            let validation = table(Split::Validation)?;
            all.extend_from_slice(&validation.frames);
            t.per_task.push((Arc::new(validation.frames), validation.rows.len()));
            let cross = table(Split::Cross)?;
            t.cross.push((Arc::new(cross.frames), cross.rows.len()));
            t.cross_speakers.push(cross.rows.into_iter().map(|(speaker, _)| speaker).collect());
        }
        t.all = Arc::new(all);
        Ok(t)
    }

    /// Success of the policy `params` at following command `k`: the share of episodes that reach
    /// task `k`'s goal (the experiment's other corners are exits that fail it). Episodes start
    /// from every cell outside the goal and those exits, each start hearing every validation (or
    /// cross-synthesiser) speaker's command, or, shuffled, a random validation utterance of any
    /// of the experiment's commands. Argmax actions, held while listening.
    pub(super) async fn success(
        &mut self,
        params: &[f32],
        k: usize,
        tables: &Tables,
        hearing: Hearing,
    ) -> Result<f32, String> {
        let (frames, rows) = match hearing {
            Hearing::Cross => tables.cross[k].clone(),
            _ => tables.per_task[k].clone(),
        };
        if hearing == Hearing::Shuffled {
            let total: usize = tables.per_task.iter().map(|t| t.1).sum();
            let mut rng = Rng::new(hash2(self.config.copy.seed ^ crate::rng::salt::SHUFFLED, k as u32));
            self.success_hearing(params, k, tables.all.clone(), rows, |_| rng.below(total) as u32).await
        } else {
            self.success_hearing(params, k, frames, rows, |r| r as u32).await
        }
    }

    /// Success at command `k` from every start cell, `rows` times, episode e of round r hearing
    /// utterance `heard(r)` of `utterances`.
    async fn success_hearing(
        &mut self,
        params: &[f32],
        k: usize,
        utterances: Arc<Vec<f32>>,
        rows: usize,
        heard: impl FnMut(usize) -> u32,
    ) -> Result<f32, String> {
        let by_round = self.success_by_round(params, k, utterances, rows, heard).await?;
        Ok(by_round.iter().sum::<f32>() / by_round.len() as f32)
    }

    /// The same, per round.
    async fn success_by_round(
        &mut self,
        params: &[f32],
        k: usize,
        utterances: Arc<Vec<f32>>,
        rows: usize,
        mut heard: impl FnMut(usize) -> u32,
    ) -> Result<Vec<f32>, String> {
        let c = &self.config.copy;
        let task = Task::parse(&self.config.copy_task(k), &self.maze)?;
        let cells = task.free_cells(&self.maze);
        let mut spec = RolloutSpec::new(c.shape(), self.maze.clone(), task, Vec::new(), c.step_limit);
        spec.listen = c.listen;
        spec.utterances = utterances;
        for r in 0..rows {
            spec.starts.extend(&cells);
            spec.heard.extend(cells.iter().map(|_| heard(r)));
        }
        let n = params.len();
        let pop = Population { seed: 0, size: 1, antithetic: false, mean: params.to_vec(), sigma: vec![0.0; n] };
        let result = self.evaluator.run_as(&pop, &spec, Perturbation::Regenerated, true).await?;
        self.env_steps += result.steps.iter().map(|&s| s as u64).sum::<u64>();
        let share = |round: &[bool]| round.iter().filter(|&&r| r).count() as f32 / round.len() as f32;
        Ok(result.reached.chunks(cells.len()).map(share).collect())
    }

    /// ONE's success at every command on the cross-synthesiser speakers, and on each of their
    /// voices (its speeds together): which voices of the other synthesiser ONE follows, and
    /// which it does not.
    pub(super) async fn cross_by_voice(
        &mut self,
        params: &[f32],
        tables: &Tables,
    ) -> Result<(Vec<f32>, Vec<VoiceRow>), String> {
        let mut voices: Vec<VoiceRow> = Vec::new();
        let n = self.config.tasks.len();
        let mut all = Vec::new();
        for k in 0..n {
            let (frames, rows) = tables.cross[k].clone();
            let by_speaker = self.success_by_round(params, k, frames, rows, |r| r as u32).await?;
            all.push(by_speaker.iter().sum::<f32>() / by_speaker.len() as f32);
            for (speaker, success) in tables.cross_speakers[k].iter().zip(by_speaker) {
                let voice = &self.corpus.speaker(speaker).variant;
                let row = match voices.iter().position(|v| &v.voice == voice) {
                    Some(i) => &mut voices[i],
                    None => {
                        voices.push(VoiceRow { voice: voice.clone(), speakers: vec![0; n], success: vec![0.0; n] });
                        voices.last_mut().expect("just pushed")
                    }
                };
                row.success[k] += success;
                row.speakers[k] += 1;
            }
        }
        for v in &mut voices {
            v.success.iter_mut().zip(&v.speakers).for_each(|(s, &count)| *s /= count.max(1) as f32);
        }
        Ok((all, voices))
    }

    /// Success at command `k` on its external recordings, each heard from every start cell.
    async fn on_recordings(&mut self, params: &[f32], k: usize) -> Result<Option<f32>, String> {
        let per = self.config.copy.listen * self.config.copy.goal;
        let rows = self.recordings[k].len() / per;
        if rows == 0 {
            return Ok(None);
        }
        let frames = Arc::new(self.recordings[k].clone());
        self.success_hearing(params, k, frames, rows, |r| r as u32).await.map(Some)
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

    /// What ONE hears of `samples` (16 kHz) during the listening steps: `[listen][goal]` frames.
    pub fn hear(&self, samples: &[f32]) -> Vec<f32> {
        listening_frames(&self.bank, samples, self.config.copy.listen)
    }

    /// Phase B: consolidation of ONE on `traces` (every trace stored so far, read back from the
    /// trace store), then acceptance. On rejection the previous ONE is kept exactly as it was.
    pub async fn consolidate(
        &mut self,
        traces: Vec<Trial>,
        log: &mut dyn FnMut(LogLine),
    ) -> Result<ExperimentReport, String> {
        let before_steps = self.env_steps;
        let mut cons = self.consolidation(traces)?;
        let (imitate, all, held) = cons.pools();
        log(LogLine::Note(format!(
            "consolidation: {imitate} traces to imitate, {all} to predict, {held} failed traces held out"
        )));
        let held_out_before = cons.held_out_prediction().await?;
        let mut losses = Vec::new();
        for _ in 0..self.config.consolidation.updates {
            let r = cons.step().await?;
            if r.update % 50 == 0 || r.update + 1 == self.config.consolidation.updates {
                let line =
                    format!("update {:>4}: imitation {:.4}  prediction {:.5}", r.update, r.imitation, r.prediction);
                log(LogLine::Update(r.update, line));
            }
            losses.push(r);
        }
        let held_out_after = cons.held_out_prediction().await?;
        let candidate = cons.one().await?;
        let env_steps_consolidation = self.env_steps - before_steps;
        let judgement = self.judge(candidate).await?;
        Ok(ExperimentReport {
            rows: judgement.rows,
            retention: self.retention.clone(),
            trials: self.trials,
            env_steps_evolution: before_steps,
            env_steps_consolidation,
            losses,
            held_out_before,
            held_out_after,
            cross_voices: judgement.cross_voices,
            accepted: judgement.accepted,
            verdict: judgement.verdict,
        })
    }

    /// ONE's consolidation on `traces`, with the copies' weight statistics and the corpus to
    /// hear what each trace heard; nothing in it can reach the environment.
    pub fn consolidation(&self, traces: Vec<Trial>) -> Result<Consolidation, String> {
        let c = &self.config.copy;
        let (corpus, bank) = (&self.corpus, &self.bank);
        let hear = |h: &crate::traces::Heard| {
            heard_frames(corpus, bank, &h.speaker, &h.command, &c.augment, h.augment_seed, h.listen as usize)
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

    /// Acceptance (PowerPlay style): the consolidated `candidate` and every copy so far are
    /// evaluated at every command learned so far; `candidate` replaces ONE only if it reaches
    /// the threshold on every retained skill, otherwise ONE stays exactly as it was. The
    /// candidate's success at every command, learned or not, is the retention matrix's new row.
    pub async fn judge(&mut self, candidate: One) -> Result<Judgement, String> {
        let tables = self.tables()?;
        let mut rows = Vec::new();
        // Every copy at every command: the diagonal is each copy's own success, a column's mean
        // the chance level of that command.
        let copies: Vec<(One, usize)> = self.copies.clone();
        let n = copies.len();
        let mut at_command = vec![vec![0.0; n]; n];
        for (j, (copy, _)) in copies.iter().enumerate() {
            for k in 0..n {
                at_command[j][k] = self.success(&copy.params, k, &tables, Hearing::Validation).await?;
            }
        }
        for (k, (copy, copy_generations)) in copies.iter().enumerate() {
            let task = self.config.tasks[k].clone();
            rows.push(CommandRow {
                command: self.config.command(k).to_string(),
                task,
                copy_generations: *copy_generations,
                copy: at_command[k][k],
                copy_shuffled: self.success(&copy.params, k, &tables, Hearing::Shuffled).await?,
                one: 0.0,
                one_shuffled: 0.0,
                one_cross: 0.0,
                one_recordings: None,
                recordings: 0,
                chance: (0..n).map(|j| at_command[j][k]).sum::<f32>() / n as f32,
            });
        }
        let cross_voices = self.measure_one(&candidate.params, &mut rows, &tables).await?;
        let failing: Vec<String> = rows
            .iter()
            .enumerate()
            .filter(|(k, r)| self.registry.imitates(&self.config.copy_task(*k)) && r.one < self.config.accept)
            .map(|(_, r)| r)
            .map(|r| format!("{} {:.1}%", r.task, 100.0 * r.one))
            .collect();
        let accepted = failing.is_empty();
        let mut success: Vec<f32> = rows.iter().map(|r| r.one).collect();
        for k in n..self.config.tasks.len() {
            success.push(self.success(&candidate.params, k, &tables, Hearing::Validation).await?);
        }
        let retention = RetentionRow { learned: self.config.tasks[..n].to_vec(), success, accepted };
        self.retention.push(retention.clone());
        let verdict = if accepted {
            self.one = candidate.clone();
            format!("accepted: ONE reaches {:.0}% or more on every retained skill", 100.0 * self.config.accept)
        } else {
            format!(
                "rejected, the previous ONE is kept: below {:.0}% on {}",
                100.0 * self.config.accept,
                failing.join(", ")
            )
        };
        let judgement = Judgement { rows, retention, cross_voices, accepted, verdict };
        self.judged = Some((candidate, judgement.clone()));
        Ok(judgement)
    }

    /// ONE's columns of the result table, measured for the policy `params`: its success on the
    /// validation speakers, on shuffled speech, on the cross-synthesiser speakers and on the
    /// recordings added; returns its success on each cross-synthesiser voice.
    async fn measure_one(
        &mut self,
        params: &[f32],
        rows: &mut [CommandRow],
        tables: &Tables,
    ) -> Result<Vec<VoiceRow>, String> {
        let (cross, cross_voices) = self.cross_by_voice(params, tables).await?;
        for (k, row) in rows.iter_mut().enumerate() {
            row.one = self.success(params, k, tables, Hearing::Validation).await?;
            row.one_shuffled = self.success(params, k, tables, Hearing::Shuffled).await?;
            row.one_cross = cross[k];
            row.one_recordings = self.on_recordings(params, k).await?;
            row.recordings = self.recordings[k].len() / (self.config.copy.listen * self.config.copy.goal);
        }
        Ok(cross_voices)
    }

    /// The last judged ONE (a loaded file's) judged again here: ONE's columns measured anew,
    /// with the recordings added since; the copies' columns, the verdict and the retention row
    /// are the judgement's own (the copies are not in a file).
    pub async fn judge_again(&mut self) -> Result<Judgement, String> {
        let (one, mut judgement) = self.judged.clone().ok_or("no ONE has been judged yet")?;
        let tables = self.tables()?;
        judgement.cross_voices = self.measure_one(&one.params, &mut judgement.rows, &tables).await?;
        Ok(judgement)
    }
}
