use super::curriculum::{StartCurriculum, FIRST_REACH};
use super::strategy::{MeanOptimizer, Search, Strategy, StrategyConfig, StrategyKind};
use super::{CopyOfOne, Fitness, WeightStats};
use crate::data::{random_cells, ActionChoice, Population, RolloutResult, RolloutSpec, MEAN_MEMBER, NO_ACTION};
use crate::device::Rollout;
use crate::gpu::Perturbation;
use crate::net::{NetShape, One};
use crate::rng::{hash2, salt, Rng};
use crate::speech::{utterance_table, Augment, Corpus, MelConfig, MelFilterbank, Split, UtteranceTable};
use crate::traces::{Heard, MazeSpec, Phase, PolicyRef, PolicySnapshot, Trial};
use crate::world::{Maze, Task};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Everything that defines one copy's evolution on one task.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EvolveConfig {
    /// Width and height of the square maze, in cells.
    pub maze_size: usize,
    pub extra_openings: f32,
    pub maze_seed: u32,
    /// A goal ("ne", "nw", "se", "sw", "center", "tree", "house", "bird", "dog") or a cell
    /// "x,y"; exits may follow after "|" (`Task::parse`). A task that names its own maze
    /// ("ne/7x7") runs in that maze instead of the one above.
    pub task: String,
    pub hidden: usize,
    pub goal: usize,
    pub strategy: StrategyConfig,
    /// Episodes per member per generation, from start cells drawn anew each generation.
    pub episodes: usize,
    /// Instead, one episode from every cell outside the goal, every generation: the fitness is
    /// then exactly the success from a uniformly random start, without sampling noise.
    pub all_starts: bool,
    pub step_limit: usize,
    /// Sample actions from the softmax instead of taking the argmax.
    pub sampled_actions: bool,
    /// Freeze the copy and add this many hidden units; only their weights evolve.
    pub grow: usize,
    /// Scale each parameter's mutation size by its weight-variance statistics (3.12).
    pub variance_scaled: bool,
    /// Listening steps: each episode's first `listen` steps feed the task's spoken command to the
    /// goal input, one log-mel frame per step (training speakers while evolving, validation
    /// speakers in `evaluate`). The agent is held in place while it listens (its action is
    /// "stay" whatever ONE's logits say) and acts from step `listen` on, so the whole command
    /// has been heard before the first move; the step limit counts the listening steps. A copy
    /// is free to ignore what it heard (paper 3.8). 0 keeps the goal input silent.
    pub listen: usize,
    /// Per-utterance normalisation of the goal input (`MelConfig::normalise`).
    #[serde(default = "yes")]
    pub normalise: bool,
    /// How the training speakers' utterances are augmented (validation speakers never are).
    pub augment: Augment,
    /// What the search ranks members by (`Fitness`); settings from before it read as reward.
    #[serde(default)]
    pub fitness: Fitness,
    /// Start episodes near the goal first and farther as the copy succeeds there
    /// (`StartCurriculum`); the copy is judged from every start cell all along.
    #[serde(default)]
    pub curriculum: bool,
    pub seed: u32,
}

fn yes() -> bool {
    true
}

impl Default for EvolveConfig {
    fn default() -> EvolveConfig {
        EvolveConfig {
            maze_size: 9,
            extra_openings: 0.1,
            maze_seed: 1,
            task: "ne".into(),
            hidden: 64,
            goal: 16,
            strategy: StrategyConfig {
                kind: StrategyKind::Pgpe,
                population: 256,
                sigma: 0.1,
                learning_rate: 0.5,
                optimizer: MeanOptimizer::ClipUp,
            },
            episodes: 16,
            all_starts: false,
            step_limit: 64,
            sampled_actions: false,
            grow: 0,
            variance_scaled: false,
            listen: 0,
            normalise: true,
            augment: Augment::default(),
            fitness: Fitness::Reward,
            curriculum: false,
            seed: 1,
        }
    }
}

/// Mutation-size multipliers from the variance statistics stay within these bounds.
const VARIANCE_SCALE_BOUNDS: (f32, f32) = (0.25, 4.0);

impl EvolveConfig {
    /// The small setting a copy learns every corner of in about a minute: a 5x5 maze (layout
    /// seed 3, half the spare walls opened), hidden 16, one episode from every start cell, PGPE
    /// with sigma 1 and ClipUp step 2. The page starts from it and CI's learning test uses it.
    pub fn small_maze() -> EvolveConfig {
        let defaults = EvolveConfig::default();
        EvolveConfig {
            maze_size: 5,
            extra_openings: 0.5,
            maze_seed: 3,
            hidden: 16,
            all_starts: true,
            step_limit: 32,
            strategy: StrategyConfig { population: 128, sigma: 1.0, learning_rate: 2.0, ..defaults.strategy },
            ..defaults
        }
    }

    pub fn shape(&self) -> NetShape {
        NetShape::for_maze(self.goal, self.hidden)
    }

    /// These settings for `task`: its own listening steps (`Task::listen_part`, "ne~6") and
    /// moves (`Task::moves_part`, "ne:16"), each else these settings', make its step limit (a
    /// task with neither keeps these settings as they are, for `validate` to judge); `task` is
    /// validated.
    pub fn with_task(&self, task: &str) -> EvolveConfig {
        let own_moves = Task::moves_part(task).ok().flatten();
        let own_listen = Task::listen_part(task).ok().flatten();
        let listen = own_listen.unwrap_or(self.listen);
        let step_limit = match (own_listen, own_moves) {
            (None, None) => self.step_limit,
            _ => listen + own_moves.unwrap_or(self.step_limit.saturating_sub(self.listen)),
        };
        EvolveConfig { task: task.to_string(), listen, step_limit, ..self.clone() }
    }

    /// The maze the task runs in: the task's own (`Task::maze_part`), else the settings'.
    pub fn maze_spec(&self) -> Result<MazeSpec, String> {
        let choice = Task::maze_part(&self.task)?;
        let size = choice.map_or(self.maze_size, |c| c.size);
        let seed = choice.and_then(|c| c.seed).unwrap_or(self.maze_seed);
        Ok(MazeSpec { size: size as u16, openings: self.extra_openings, seed })
    }

    /// The maze of `maze_spec`; the settings must be valid.
    pub fn maze(&self) -> Maze {
        self.maze_spec().expect("validated: the task's maze").generate()
    }

    /// The task in this maze; a goal outside the maze is refused with its coordinates.
    pub fn task(&self, maze: &Maze) -> Result<Task, String> {
        Task::parse(&self.task, maze)
    }

    /// The log-mel features these settings hear.
    pub fn mel(&self) -> MelConfig {
        MelConfig { normalise: self.normalise, ..MelConfig::default() }
    }

    /// What an episode of these settings may hear of `command`: every speaker of `split`, the
    /// training speakers in `augment.copies` augmented versions each.
    pub fn command_table(
        &self,
        corpus: &Corpus,
        bank: &MelFilterbank,
        command: &str,
        split: Split,
        seed: u32,
    ) -> Result<UtteranceTable, String> {
        utterance_table(corpus, bank, command, split, self.listen, &self.augment, seed)
    }

    /// Refuses settings that cannot run, naming the setting.
    pub fn validate(&self) -> Result<(), String> {
        use crate::limits::{check, EPISODES, MAZE_SIZE, STEP_LIMIT};
        // Bounds first: the maze is carved below, and a huge one takes seconds.
        check("maze size", self.maze_size, MAZE_SIZE)?;
        if !(0.0..=1.0).contains(&self.extra_openings) {
            return Err(format!("extra openings must be a share in [0, 1], got {}", self.extra_openings));
        }
        self.shape().validate()?;
        self.strategy.validate()?;
        check("episodes", self.episodes, EPISODES)?;
        check("step limit", self.step_limit, STEP_LIMIT)?;
        if self.listen >= self.step_limit {
            return Err(format!(
                "listening takes {} of the {} steps, leaving none to move: the step limit must be larger",
                self.listen, self.step_limit
            ));
        }
        self.augment.validate()?;
        // A task's own moves ("ne:20") and listening ("ne~6") are the experiment's to give its
        // copy (`copy_config`): here they must be these settings' own.
        if let Some(listen) = Task::listen_part(&self.task)?.filter(|&l| l != self.listen) {
            return Err(format!(
                "task {} listens {listen} steps, but these settings listen {}: set the listening steps instead",
                self.task, self.listen
            ));
        }
        if let Some(moves) = Task::moves_part(&self.task)? {
            if self.listen + moves != self.step_limit {
                return Err(format!(
                    "task {} allows {moves} moves, but these settings allow {} after listening: set the moves instead",
                    self.task,
                    self.step_limit - self.listen
                ));
            }
        }
        let n = self.maze_spec()?.size;
        let maze = self.maze();
        let task = self.task(&maze)?;
        let free = task.free_cells(&maze);
        if free.is_empty() {
            return Err(format!("task {} leaves no cell to start from in a {n}x{n} maze", self.task));
        }
        task.refuse_cut_off(&maze, &free, "leave those exits out of the task")?;
        let per_member = if self.all_starts { free.len() } else { self.episodes };
        // In 64 bits: the product overflows a 32-bit usize (wasm32) within the single bounds.
        let steps = self.strategy.population as u64 * per_member as u64 * self.step_limit as u64;
        if steps > crate::limits::GENERATION_STEPS {
            return Err(format!(
                "a generation of {} members x {per_member} episodes x {} steps is {steps} steps, over the {} one generation may take: make the population, the episodes or the step limit smaller",
                self.strategy.population,
                self.step_limit,
                crate::limits::GENERATION_STEPS
            ));
        }
        if self.listen > 0 {
            if task.spoken_goal().is_none() {
                return Err(format!("task {:?} has no spoken command: listening needs a goal a command names (a corner, center or a landmark)", task.name));
            }
            if self.goal != MelConfig::default().bands {
                return Err(format!(
                    "listening feeds {} log-mel bands, but the goal input has {}",
                    MelConfig::default().bands,
                    self.goal
                ));
            }
        }
        Ok(())
    }
}

/// One generation, as the CLI prints it and the page plots it.
#[derive(Clone, Debug, Serialize)]
pub struct GenerationReport {
    pub generation: usize,
    /// Best and mean member fitness (mean cumulative reward over its episodes).
    pub best: f32,
    pub mean: f32,
    /// Share of all members' episodes that reached the goal.
    pub success: f32,
    pub best_member: usize,
    /// The best member's first episode: start cell and actions (for drawing).
    pub best_start: usize,
    pub best_actions: Vec<u32>,
    /// With a start-cell curriculum: the reach this generation's episodes started within, and
    /// the reach at which every cell is a start.
    pub reach: Option<(usize, usize)>,
}

/// A point of a copy's learning curve, as `--json` files record it: the generation's fitness
/// and success, and its mean policy's success from every start cell.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GenerationPoint {
    pub generation: usize,
    pub best: f32,
    pub mean: f32,
    pub success: f32,
    pub mean_policy: f32,
    /// The start-cell curriculum's reach, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reach: Option<usize>,
}

impl GenerationPoint {
    pub fn new(r: &GenerationReport, mean_policy: f32) -> GenerationPoint {
        GenerationPoint {
            generation: r.generation,
            best: r.best,
            mean: r.mean,
            success: r.success,
            mean_policy,
            reach: r.reach.map(|(reach, _)| reach),
        }
    }
}

/// An evolution between two generations: all it needs to go on exactly as if it had not
/// stopped (the maze, the task and the speech tables follow from the settings). Its trials are
/// not in it: they are in the trace store. The page keeps one as its checkpoint.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EvolutionState {
    pub config: EvolveConfig,
    pub copy_id: u32,
    pub copy: CopyOfOne,
    pub stats: WeightStats,
    pub strategy: Search,
    pub generation: usize,
    /// The start-cell curriculum's reach (unused without one) and the generations spent at it;
    /// older states start at the first.
    #[serde(default = "first_reach")]
    pub reach: usize,
    #[serde(default)]
    pub held: usize,
}

fn first_reach() -> usize {
    FIRST_REACH
}

/// A copy of ONE evolving on one task. ONE itself is only read, when the copy is made.
pub struct Evolution {
    pub config: EvolveConfig,
    /// When episodes listen: the goal-input frames of the task's command by training and by
    /// validation speakers (shared with the rollouts), with each row's speaker and augmentation.
    speech: Option<[(Arc<Vec<f32>>, Vec<(String, u32)>); 2]>,
    /// Every trial since the last `drain_trials`, for the trace store (paper 3.6).
    pending: Vec<Trial>,
    /// The policies those trials acted with, since the last `drain_policies`.
    policies: Vec<PolicySnapshot>,
    /// Which copy this is in the experiment's life: trials and snapshots carry it.
    pub copy_id: u32,
    pub maze: Maze,
    pub task: Task,
    pub copy: CopyOfOne,
    pub stats: WeightStats,
    strategy: Search,
    backend: Rollout,
    pub generation: usize,
    /// The most moves to the goal from a cell with a path (`Task::distances`), which scales
    /// progress fitness.
    far: usize,
    curriculum: Option<StartCurriculum>,
    reach: usize,
    held: usize,
}

impl Evolution {
    /// `corpus` is needed when the settings listen (`listen > 0`).
    pub fn new(
        config: EvolveConfig,
        one: &One,
        backend: Rollout,
        corpus: Option<&Corpus>,
    ) -> Result<Evolution, String> {
        config.validate()?;
        if one.shape != config.shape() {
            return Err(format!("ONE has shape {:?}, the settings ask for {:?}", one.shape, config.shape()));
        }
        let mut copy = CopyOfOne::of(one);
        if config.grow > 0 {
            copy.freeze_and_grow(config.grow, hash2(config.seed, salt::GROWTH));
        }
        let strategy = config.strategy.build(copy.one.params.clone(), config.seed);
        let stats = WeightStats::new(copy.one.params.len());
        let state =
            EvolutionState { config, copy_id: 0, copy, stats, strategy, generation: 0, reach: FIRST_REACH, held: 0 };
        Evolution::resume(state, backend, corpus)
    }

    /// The evolution `state` describes, going on from its next generation.
    pub fn resume(state: EvolutionState, backend: Rollout, corpus: Option<&Corpus>) -> Result<Evolution, String> {
        let EvolutionState { config, copy_id, copy, stats, strategy, generation, reach, held } = state;
        config.validate()?;
        // Checked whole, so that nothing below can fail on it: a grown copy has `grow` more
        // hidden units than ONE.
        let grown = NetShape { hidden: config.hidden + config.grow, ..config.shape() };
        copy.one.check(grown).map_err(|e| format!("the saved evolution's copy: {e}"))?;
        let n = copy.one.params.len();
        if copy.frozen.as_ref().is_some_and(|mask| mask.len() != n) {
            return Err("the saved evolution's freeze mask does not fit its copy".into());
        }
        stats.check(n)?;
        strategy.check(n)?;
        if strategy.population_size() != config.strategy.population {
            return Err("the saved evolution's search does not match its own settings".into());
        }
        let maze = config.maze();
        let task = config.task(&maze)?;
        let speech = match (config.listen, corpus) {
            (0, _) => None,
            (_, Some(corpus)) => {
                let bank = MelFilterbank::new(config.mel());
                let command = task.spoken_goal().expect("validated: a spoken goal").command();
                let table = |split, seed| -> Result<(Arc<Vec<f32>>, Vec<(String, u32)>), String> {
                    let t = config.command_table(corpus, &bank, command, split, seed)?;
                    Ok((Arc::new(t.frames), t.rows))
                };
                Some([
                    table(Split::Train, hash2(config.seed, salt::TRAIN_UTTERANCES))?,
                    table(Split::Validation, hash2(config.seed, salt::VALIDATION_UTTERANCES))?,
                ])
            }
            (_, None) => return Err("listening to spoken commands needs the command corpus".into()),
        };
        let curriculum = config.curriculum.then(|| StartCurriculum::new(&task, &maze));
        let far = task.distances(&maze).into_iter().filter(|&d| d != usize::MAX).max().unwrap_or(1);
        Ok(Evolution {
            config,
            speech,
            pending: Vec::new(),
            policies: Vec::new(),
            copy_id,
            maze,
            task,
            copy,
            stats,
            strategy,
            backend,
            generation,
            far,
            curriculum,
            reach,
            held,
        })
    }

    /// Where this evolution stands, to resume it later with `resume`. Take it after draining
    /// the trials, which the trace store keeps.
    pub fn state(&self) -> EvolutionState {
        EvolutionState {
            config: self.config.clone(),
            copy_id: self.copy_id,
            copy: self.copy.clone(),
            stats: self.stats.clone(),
            strategy: self.strategy.clone(),
            generation: self.generation,
            reach: self.reach,
            held: self.held,
        }
    }

    /// Episodes from `starts`; when listening, each hears the task's command from `split`.
    fn spec(&self, starts: Vec<usize>, split: Split) -> Result<RolloutSpec, String> {
        let c = &self.config;
        let mut spec =
            RolloutSpec::new(self.copy.one.shape, self.maze.clone(), self.task.clone(), starts, c.step_limit);
        if c.sampled_actions {
            spec.action = ActionChoice::Sampled { seed: hash2(c.seed ^ salt::SAMPLED_ACTIONS, self.generation as u32) };
        }
        if let Some(tables) = &self.speech {
            let validation = split == Split::Validation;
            let (table, speakers) = &tables[validation as usize];
            let mut rng = Rng::new(hash2(c.seed ^ salt::HEARD, self.generation as u32 ^ (validation as u32) << 31));
            spec.listen = c.listen;
            spec.utterances = table.clone();
            spec.heard = (0..spec.episodes()).map(|_| rng.below(speakers.len()) as u32).collect();
        }
        Ok(spec)
    }

    /// One generation: ask, roll out every member, record the weight statistics, tell.
    /// A NaN or infinite fitness stops with an error and leaves the mean as it was.
    pub async fn generation(&mut self) -> Result<GenerationReport, String> {
        let c = &self.config;
        let mut scale = self.copy.mutation_mask();
        if c.variance_scaled {
            let (lo, hi) = VARIANCE_SCALE_BOUNDS;
            for (s, v) in scale.iter_mut().zip(self.stats.relative_spread(lo, hi)) {
                *s *= v;
            }
        }
        let pop = self.strategy.ask(&scale);
        let mut free = self.task.free_cells(&self.maze);
        if let Some(curriculum) = &self.curriculum {
            free = curriculum.starts(&free, self.reach);
        }
        let starts = if c.all_starts {
            free
        } else {
            random_cells(&free, c.episodes, hash2(c.seed ^ salt::STARTS, self.generation as u32))
        };
        let episodes = starts.len();
        let spec = self.spec(starts, Split::Train)?;
        let result = self.backend.run(&pop, &spec, true).await?;
        let limit = c.step_limit;
        let (copy, generation, population_seed) = (self.copy_id, self.generation as u32, pop.seed);
        self.policies.push(PolicySnapshot::population(copy, generation, &pop));
        let rows = self.speech.as_ref().map(|t| t[0].1.clone());
        self.record(&spec, &result, Phase::Evolution, rows.as_deref(), |member| PolicyRef::Copy {
            copy,
            generation,
            member,
            population_seed,
        });
        let fitness = self.config.fitness.of_members(&result, &spec, self.far);
        self.strategy.tell(&fitness)?;
        for m in 0..pop.size {
            self.stats.add(&pop.member(m), episodes as f64);
        }
        let best_member = (0..fitness.len()).max_by(|&a, &b| fitness[a].total_cmp(&fitness[b])).unwrap_or(0);
        let first = best_member * episodes;
        let report = GenerationReport {
            generation: self.generation,
            best: fitness[best_member],
            mean: fitness.iter().sum::<f32>() / fitness.len() as f32,
            success: result.success_rate(),
            best_member,
            best_start: spec.starts[0],
            best_actions: result.actions[first * limit..(first + 1) * limit].to_vec(),
            reach: self.curriculum.as_ref().map(|c| (self.reach, c.far())),
        };
        if let Some(curriculum) = &self.curriculum {
            let next = curriculum.next_reach(self.reach, report.success, self.held + 1);
            self.held = if next == self.reach { self.held + 1 } else { 0 };
            self.reach = next;
        }
        self.copy.one.params.copy_from_slice(self.strategy.mean());
        self.generation += 1;
        Ok(report)
    }

    /// Success of the current mean policy (no mutation) from every start cell outside the goal;
    /// when listening, each episode hears a validation speaker.
    pub async fn evaluate(&mut self) -> Result<f32, String> {
        let spec = self.spec(self.task.free_cells(&self.maze), Split::Validation)?;
        let rows = self.speech.as_ref().map(|t| t[1].1.clone());
        self.mean_rollout(spec, rows, Phase::Evaluation).await
    }

    /// The current mean policy from every start cell hearing every training utterance of the
    /// command (once silent, when not listening): the copy showing its finished skill, recorded
    /// as demonstration trials for consolidation to imitate. Returns its success.
    pub async fn demonstrate(&mut self) -> Result<f32, String> {
        let cells = self.task.free_cells(&self.maze);
        let rows = self.speech.as_ref().map_or(1, |t| t[0].1.len());
        let starts: Vec<usize> = (0..rows).flat_map(|_| cells.iter().copied()).collect();
        let mut spec = self.spec(starts, Split::Train)?;
        let rows_named = self.speech.as_ref().map(|t| t[0].1.clone());
        if rows_named.is_some() {
            spec.heard = (0..rows as u32).flat_map(|r| std::iter::repeat_n(r, cells.len())).collect();
        }
        self.mean_rollout(spec, rows_named, Phase::Demonstration).await
    }

    /// The same from every start cell and with every one of `rows` external utterances (a
    /// user's recordings, `[utterance][listen][goal]` frames) in turn.
    pub async fn evaluate_heard(&mut self, utterances: Arc<Vec<f32>>, rows: usize) -> Result<f32, String> {
        if self.config.listen == 0 || rows == 0 {
            return Err("evaluating on recordings needs listening steps and at least one recording".into());
        }
        let cells = self.task.free_cells(&self.maze);
        let starts: Vec<usize> = (0..rows).flat_map(|_| cells.iter().copied()).collect();
        let mut spec = self.spec(starts, Split::Validation)?;
        spec.heard = (0..rows as u32).flat_map(|r| std::iter::repeat_n(r, cells.len())).collect();
        spec.utterances = utterances;
        let labels = (0..rows).map(|r| (format!("user:{r}"), 0)).collect();
        self.mean_rollout(spec, Some(labels), Phase::Evaluation).await
    }

    /// The mean policy (argmax) on `spec`'s episodes, recorded as `phase` trials; `rows` names
    /// what each utterance row of `spec` is: speaker and augmentation seed. Returns the success.
    async fn mean_rollout(
        &mut self,
        mut spec: RolloutSpec,
        rows: Option<Vec<(String, u32)>>,
        phase: Phase,
    ) -> Result<f32, String> {
        let n = self.copy.one.params.len();
        let pop =
            Population { seed: 0, size: 1, antithetic: false, mean: self.copy.one.params.clone(), sigma: vec![0.0; n] };
        spec.action = ActionChoice::Argmax;
        let result = self.backend.run_as(&pop, &spec, Perturbation::Regenerated, true).await?;
        let (copy, generation) = (self.copy_id, self.generation as u32);
        self.policies.push(PolicySnapshot::mean_policy(copy, generation, &pop.mean));
        self.record(&spec, &result, phase, rows.as_deref(), |_| PolicyRef::Copy {
            copy,
            generation,
            member: MEAN_MEMBER,
            population_seed: 0,
        });
        Ok(result.success_rate())
    }

    /// The goal-input frames `[row][listen][goal]` the training speakers' utterances gave this
    /// copy, with the command and each row's speaker and augmentation seed: what its trials
    /// heard. `None` when its episodes do not listen.
    pub fn heard(&self) -> Option<(&str, &[f32], &[(String, u32)])> {
        let command = self.task.spoken_goal()?.command();
        self.speech.as_ref().map(|t| (command, t[0].0.as_slice(), t[0].1.as_slice()))
    }

    /// Keeps every trial of a rollout, successful or not, with what regenerates it; `rows` names
    /// the speaker and augmentation seed of each utterance row the episodes heard.
    fn record(
        &mut self,
        spec: &RolloutSpec,
        result: &RolloutResult,
        phase: Phase,
        rows: Option<&[(String, u32)]>,
        policy: impl Fn(u32) -> PolicyRef,
    ) {
        let c = &self.config;
        let (episodes, limit) = (spec.episodes(), spec.step_limit);
        let command = self.task.spoken_goal().map(|goal| goal.command().to_string());
        let maze = c.maze_spec().expect("validated: the task's maze");
        for agent in 0..result.fitness.len() {
            let (member, e) = (agent / episodes, agent % episodes);
            let actions: Vec<u8> = result.actions[agent * limit..(agent + 1) * limit]
                .iter()
                .take_while(|&&a| a != NO_ACTION)
                .map(|&a| a as u8)
                .collect();
            let heard = match (rows, &command) {
                (Some(rows), Some(command)) => {
                    let (speaker, augment_seed) = &rows[spec.heard[e] as usize];
                    Some(Heard {
                        speaker: speaker.clone(),
                        command: command.clone(),
                        augment_seed: *augment_seed,
                        listen: c.listen as u16,
                    })
                }
                _ => None,
            };
            self.pending.push(Trial {
                experiment: c.seed,
                task: self.task.name.clone(),
                maze,
                start: spec.starts[e] as u16,
                step_limit: limit as u16,
                heard,
                policy: policy(member as u32),
                phase,
                actions,
                success: result.reached[agent],
                cumulative_reward: result.fitness[agent],
            });
        }
    }

    /// The trials recorded since the last call, oldest first.
    pub fn drain_trials(&mut self) -> Vec<Trial> {
        std::mem::take(&mut self.pending)
    }

    /// The policy snapshots behind those trials, oldest first.
    pub fn drain_policies(&mut self) -> Vec<PolicySnapshot> {
        std::mem::take(&mut self.policies)
    }
}
