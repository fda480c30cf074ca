use crate::net::NetShape;
use crate::rng::{hash2, Rng};
use crate::world::{Maze, Task};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// How a rollout picks actions from ONE's logits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ActionChoice {
    /// The first largest logit: deterministic, the default during evolution.
    Argmax,
    /// Sampled from the softmax with uniforms `unit_f32(hash2(hash2(seed, member), episode * T + t))`.
    Sampled { seed: u32 },
    /// Given actions `[member][episode][step]`: replays and dynamics tests.
    Scripted(Vec<u32>),
}

/// Everything about a generation's episodes except the parameters: the same maze, task, start
/// cells and goal-input frames for every member, so members are compared on equal terms.
#[derive(Clone, Debug)]
pub struct RolloutSpec {
    pub shape: NetShape,
    pub maze: Maze,
    pub task: Task,
    /// Start cell index per episode; their number is the episodes per member.
    pub starts: Vec<usize>,
    pub step_limit: usize,
    /// Listening steps: for t < listen the goal input is frame t of the utterance the episode
    /// hears, then silence.
    pub listen: usize,
    /// Goal-input frames of every utterance an episode may hear, `[utterance][listen][goal]`.
    /// Shared, so that the GPU path uploads it once and again only when it is replaced.
    pub utterances: Arc<Vec<f32>>,
    /// The utterance each episode hears, an index into `utterances` (empty when silent).
    pub heard: Vec<u32>,
    pub action: ActionChoice,
}

/// `n` cells drawn with replacement from `cells` by a generator seeded `seed`.
pub fn random_cells(cells: &[usize], n: usize, seed: u32) -> Vec<usize> {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| cells[rng.below(cells.len())]).collect()
}

/// Marks the steps after an episode's end in `RolloutResult::actions`.
pub const NO_ACTION: u32 = 255;

/// A `RolloutResult::nearest` for an episode that never stood on a cell with a path to the goal
/// (the rollout kernel keeps distances in 24 bits).
pub const NO_PATH: u32 = 0xFF_FFFF;

/// A cell's distance from `Task::distances` as `RolloutResult::nearest` keeps it.
pub fn path_moves(distance: usize) -> u32 {
    distance.min(NO_PATH as usize) as u32
}

/// Per member and episode (`[member][episode]`): cumulative reward (the fitness), whether the
/// goal was reached, steps taken, the nearest it came to the goal; and every action taken
/// (`[member][episode][step]`).
#[derive(Clone, Debug, PartialEq)]
pub struct RolloutResult {
    pub episodes: usize,
    pub fitness: Vec<f32>,
    pub reached: Vec<bool>,
    pub steps: Vec<u32>,
    /// The fewest moves to the goal (`Task::distances`, the shortest path avoiding exits) from
    /// any cell each episode stood on, its start included: 0 once it reached the goal, `NO_PATH`
    /// if no cell it stood on has a path. Progress fitness ranks failed episodes by it: where an
    /// episode ends says less, since an agent that came near and turned back ends far.
    pub nearest: Vec<u32>,
    pub actions: Vec<u32>,
}

impl RolloutSpec {
    /// Episodes from the given start cells, with silent goal input and argmax actions.
    pub fn new(shape: NetShape, maze: Maze, task: Task, starts: Vec<usize>, step_limit: usize) -> RolloutSpec {
        RolloutSpec {
            shape,
            maze,
            task,
            starts,
            step_limit,
            listen: 0,
            utterances: Arc::new(Vec::new()),
            heard: Vec::new(),
            action: ActionChoice::Argmax,
        }
    }

    /// `episodes` start cells drawn outside the goal region from `seed`.
    pub fn random_starts(
        shape: NetShape,
        maze: Maze,
        task: Task,
        episodes: usize,
        step_limit: usize,
        seed: u32,
    ) -> RolloutSpec {
        let starts = random_cells(&task.free_cells(&maze), episodes, seed);
        RolloutSpec::new(shape, maze, task, starts, step_limit)
    }

    pub fn episodes(&self) -> usize {
        self.starts.len()
    }

    /// The episodes `episodes` alone (their start cells and what they hear), numbered from 0.
    pub fn episodes_part(&self, episodes: std::ops::Range<usize>) -> RolloutSpec {
        RolloutSpec {
            starts: self.starts[episodes.clone()].to_vec(),
            heard: if self.heard.is_empty() { Vec::new() } else { self.heard[episodes].to_vec() },
            ..self.clone()
        }
    }

    /// The goal-input frame of `episode` at step `t`, or None when silent.
    pub fn goal_frame(&self, episode: usize, t: usize) -> Option<&[f32]> {
        let g = self.shape.goal;
        let at = (self.heard.get(episode).copied().unwrap_or(0) as usize * self.listen + t) * g;
        (t < self.listen).then(|| &self.utterances[at..at + g])
    }

    /// The uniform number that samples member `m`'s action in `episode` at step `t`.
    pub fn sample_bits(seed: u32, member: usize, episode: usize, step_limit: usize, t: usize) -> u32 {
        hash2(hash2(seed, member as u32), (episode * step_limit + t) as u32)
    }

    pub fn validate(&self, members: usize) -> Result<(), String> {
        if self.starts.is_empty() {
            return Err("episodes must be at least 1".into());
        }
        if self.step_limit == 0 {
            return Err("step limit must be at least 1".into());
        }
        if self.listen > 0 {
            let per = self.listen * self.shape.goal;
            let count = self.utterances.len() / per.max(1);
            if self.utterances.len() != count * per || self.heard.len() != self.episodes() {
                return Err(
                    "listening needs [utterance][listen][goal] frames and one heard utterance per episode".into()
                );
            }
            if let Some(u) = self.heard.iter().find(|&&u| u as usize >= count) {
                return Err(format!("an episode hears utterance {u}, but only {count} are given"));
            }
        }
        if let ActionChoice::Scripted(a) = &self.action {
            if a.len() != members * self.episodes() * self.step_limit {
                return Err("scripted actions must be [member][episode][step]".into());
            }
        }
        Ok(())
    }
}

impl RolloutResult {
    /// Blocks of consecutive members' rows (`cpu::rollout_members`), in member order, as one.
    pub fn joined(parts: Vec<RolloutResult>) -> RolloutResult {
        let mut parts = parts.into_iter();
        let mut all = parts.next().expect("a rollout has at least one block");
        for p in parts {
            all.fitness.extend(p.fitness);
            all.reached.extend(p.reached);
            all.steps.extend(p.steps);
            all.nearest.extend(p.nearest);
            all.actions.extend(p.actions);
        }
        all
    }

    /// Mean fitness over each member's episodes.
    pub fn member_fitness(&self) -> Vec<f32> {
        self.fitness.chunks(self.episodes).map(|f| f.iter().sum::<f32>() / f.len() as f32).collect()
    }

    pub fn success_rate(&self) -> f32 {
        self.reached.iter().filter(|&&r| r).count() as f32 / self.reached.len() as f32
    }
}
