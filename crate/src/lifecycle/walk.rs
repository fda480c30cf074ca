use crate::device::Forward;
use crate::net::{action, NetShape, One};
use crate::rng::Rng;
use crate::world::{Episode, Goal, Maze, StepOutcome, Task, N_ACTIONS, REWARD_LEN, STAY};
use serde::{Deserialize, Serialize};

/// Settings of the walk the page starts with: one agent, moved by ONE, episode after episode.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WalkConfig {
    pub width: usize,
    pub height: usize,
    /// Share of interior walls opened after carving a perfect maze.
    pub extra_openings: f32,
    pub task: String,
    pub hidden: usize,
    /// Goal-input features per step (spoken-command frames; silent until speech exists).
    pub goal: usize,
    pub step_limit: usize,
    pub seed: u32,
}

impl Default for WalkConfig {
    fn default() -> WalkConfig {
        WalkConfig {
            width: 9,
            height: 9,
            extra_openings: 0.1,
            task: "ne".into(),
            hidden: 64,
            goal: 16,
            step_limit: 64,
            seed: 1,
        }
    }
}

impl WalkConfig {
    pub fn shape(&self) -> NetShape {
        NetShape::for_maze(self.goal, self.hidden)
    }

    /// A freshly initialised ONE for this walk.
    pub fn one(&self) -> One {
        One::new(self.shape(), self.seed)
    }
}

/// What the page draws after each step.
#[derive(Clone, Debug, Serialize)]
pub struct Frame {
    pub episode: usize,
    pub t: usize,
    pub x: usize,
    pub y: usize,
    pub action: usize,
    /// Softmax of ONE's action logits.
    pub probs: [f32; N_ACTIONS],
    /// ONE's prediction head: the next observation and reward vector it expects.
    pub prediction: Vec<f32>,
    /// Whether the command was still being heard (the agent is held in place meanwhile).
    pub listening: bool,
    pub reward: [f32; REWARD_LEN],
    pub outcome: StepOutcome,
}

/// One agent acting in the maze with ONE's forward pass, episode after episode from fresh start
/// cells. The page's first walk samples actions from the softmax with a seeded generator, since
/// an untrained net's argmax tends to repeat one move; "talk to ONE" hears a command and takes
/// the argmax, as ONE is judged.
pub struct Walker {
    pub maze: Maze,
    pub task: Task,
    shape: NetShape,
    step_limit: usize,
    seed: u32,
    /// `[listen][goal]` frames heard at the start of every episode (empty: silent).
    command: Vec<f32>,
    listen: usize,
    greedy: bool,
    forward: Forward,
    episode: Episode,
    episodes: usize,
    rng: Rng,
    prev_reward: [f32; REWARD_LEN],
    prev_action: Option<usize>,
}

impl Walker {
    /// The page's first walk; `forward` must hold ONE (`config.one()`) for exactly one agent.
    pub fn new(config: WalkConfig, forward: Forward) -> Result<Walker, String> {
        let maze = Maze::generate(config.width, config.height, config.extra_openings, config.seed);
        let task = Task::goal(Goal::parse(&config.task)?, &maze)?;
        Ok(Walker::start(maze, task, config.shape(), config.step_limit, config.seed, forward))
    }

    /// ONE hearing `command` (`[listen][goal]` frames) at the start of every episode, held in
    /// place while it listens, then taking its most likely action: "talk to ONE".
    pub fn hearing(
        maze: Maze,
        task: Task,
        shape: NetShape,
        step_limit: usize,
        command: Vec<f32>,
        seed: u32,
        forward: Forward,
    ) -> Result<Walker, String> {
        let listen = command.len() / shape.goal;
        if command.is_empty() || command.len() != listen * shape.goal || listen >= step_limit {
            return Err(format!(
                "a command of {} values is not whole frames of {} bands shorter than the {step_limit} steps",
                command.len(),
                shape.goal
            ));
        }
        let mut w = Walker::start(maze, task, shape, step_limit, seed, forward);
        (w.command, w.listen, w.greedy) = (command, listen, true);
        Ok(w)
    }

    fn start(maze: Maze, task: Task, shape: NetShape, step_limit: usize, seed: u32, forward: Forward) -> Walker {
        let episode = Episode::random_start(&maze, &task, step_limit, seed);
        Walker {
            maze,
            task,
            shape,
            step_limit,
            seed,
            command: Vec::new(),
            listen: 0,
            greedy: false,
            forward,
            episode,
            episodes: 0,
            rng: Rng::new(seed.wrapping_add(crate::rng::salt::WALK)),
            prev_reward: [0.0; REWARD_LEN],
            prev_action: None,
        }
    }

    pub fn forward(&self) -> &Forward {
        &self.forward
    }

    /// The agent's position before its next step.
    pub fn position(&self) -> (usize, usize) {
        (self.episode.x, self.episode.y)
    }

    /// ONE's input for the coming step: observation, the command's frame while it is heard
    /// (else silence), previous reward and previous action (all zero at an episode's start).
    fn input(&self) -> Vec<f32> {
        let (t, g) = (self.episode.t, self.shape.goal);
        let frame = (t < self.listen).then(|| &self.command[t * g..(t + 1) * g]);
        let mut x = vec![0.0; self.shape.input()];
        self.shape.write_input(&mut x, &self.episode.observe(&self.maze), frame, &self.prev_reward, self.prev_action);
        x
    }

    /// One step of the current episode; a finished episode is followed by a new one from a
    /// fresh start cell, with ONE's state reset.
    pub async fn step(&mut self) -> Result<Frame, String> {
        if self.episode.outcome != StepOutcome::Running {
            self.episodes += 1;
            let seed = self.seed.wrapping_add(self.episodes as u32 * 7919);
            self.episode = Episode::random_start(&self.maze, &self.task, self.step_limit, seed);
            self.prev_reward = [0.0; REWARD_LEN];
            self.prev_action = None;
            self.forward.reset();
        }
        let listening = self.episode.t < self.listen;
        let out = self.forward.run(&self.input(), 1).await?;
        let probs = action::softmax(&out[..N_ACTIONS]);
        let action = match (listening, self.greedy) {
            (true, _) => STAY,
            (false, true) => action::argmax(&out[..N_ACTIONS]),
            (false, false) => action::sample(&probs, self.rng.uniform()),
        };
        let step = self.episode.step(&self.maze, &self.task, action);
        self.prev_reward = step.reward;
        self.prev_action = Some(action);
        Ok(Frame {
            episode: self.episodes,
            t: self.episode.t,
            x: self.episode.x,
            y: self.episode.y,
            action,
            probs,
            prediction: out[N_ACTIONS..].to_vec(),
            listening,
            reward: step.reward,
            outcome: step.outcome,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::Device;

    #[test]
    fn the_walk_is_deterministic_and_moves() {
        let walk = || {
            let config = WalkConfig::default();
            let forward = Device::Cpu.forward(&config.one(), 1, 1).unwrap();
            let mut walker = Walker::new(config, forward).unwrap();
            let frames: Vec<(usize, usize)> =
                (0..200).map(|_| pollster::block_on(walker.step()).unwrap()).map(|f| (f.x, f.y)).collect();
            frames
        };
        let (a, b) = (walk(), walk());
        assert_eq!(a, b);
        let distinct: std::collections::HashSet<_> = a.iter().collect();
        assert!(distinct.len() > 5, "the agent should visit several cells, saw {}", distinct.len());
    }

    #[test]
    fn unknown_task_is_refused_by_name() {
        let config = WalkConfig { task: "up".into(), ..WalkConfig::default() };
        let forward = Device::Cpu.forward(&config.one(), 1, 1).unwrap();
        let err = Walker::new(config, forward).err().unwrap();
        assert!(err.contains("\"up\""), "{err}");
    }
}
