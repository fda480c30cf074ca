use super::Trial;
use crate::cpu::Forward;
use crate::net::{action, NetShape, One};
use crate::world::{Episode, Maze, StepOutcome, Task, OBS_LEN, REWARD_LEN, STAY};

/// A trial's full sensory stream, regenerated: the maze and task, the cells visited, the
/// observation before every step and after the last, and the reward vector of every step.
#[derive(Clone, Debug, PartialEq)]
pub struct Replay {
    pub maze: Maze,
    pub task: Task,
    pub cells: Vec<(usize, usize)>,
    pub observations: Vec<[f32; OBS_LEN]>,
    pub rewards: Vec<[f32; REWARD_LEN]>,
    pub success: bool,
    pub cumulative_reward: f32,
}

/// Replays the stored actions in the regenerated maze. Refuses a record whose actions run past
/// the end of its episode, or whose outcome or cumulative reward differ from what it claims.
pub fn replay(t: &Trial) -> Result<Replay, String> {
    let maze = t.maze.generate();
    let task = Task::parse(&t.task, &maze)?;
    if t.start as usize >= maze.walls.len() {
        return Err(format!("start cell {} lies outside the maze", t.start));
    }
    let (x, y) = maze.xy(t.start as usize);
    let mut episode = Episode::at(x, y, t.step_limit as usize);
    let mut r = Replay {
        cells: vec![(x, y)],
        observations: vec![episode.observe(&maze)],
        rewards: Vec::new(),
        success: false,
        cumulative_reward: 0.0,
        maze: maze.clone(),
        task: task.clone(),
    };
    for (i, &a) in t.actions.iter().enumerate() {
        if episode.outcome != StepOutcome::Running {
            return Err(format!("the record has actions after its episode ended at step {i}"));
        }
        let step = episode.step(&maze, &task, a as usize);
        r.cumulative_reward += (step.reward[0] + step.reward[1]) + step.reward[2];
        r.rewards.push(step.reward);
        r.cells.push((episode.x, episode.y));
        r.observations.push(episode.observe(&maze));
    }
    r.success = episode.outcome == StepOutcome::Reached;
    if r.success != t.success || r.cumulative_reward.to_bits() != t.cumulative_reward.to_bits() {
        return Err(format!(
            "replay gives success {} and return {}, the record says {} and {}",
            r.success, r.cumulative_reward, t.success, t.cumulative_reward
        ));
    }
    Ok(r)
}

impl Replay {
    /// ONE's input at every step of the trial, `[step][input]` (`NetShape::write_input`): the
    /// observation, the goal frame while listening (`goal` holds `[listen][goal]` frames; `None`
    /// is silence), and the previous step's reward vector and action.
    pub fn inputs(&self, shape: NetShape, actions: &[u8], goal: Option<&[f32]>) -> Vec<f32> {
        let (n, g) = (shape.input(), shape.goal);
        let listen = goal.map_or(0, |f| f.len() / g.max(1));
        let mut out = vec![0.0; actions.len() * n];
        for (t, x) in out.chunks_exact_mut(n).enumerate() {
            let frame = (t < listen).then(|| &goal.expect("listening needs frames")[t * g..(t + 1) * g]);
            let prev_reward = if t == 0 { [0.0; REWARD_LEN] } else { self.rewards[t - 1] };
            let prev_action = (t > 0).then(|| actions[t - 1] as usize);
            shape.write_input(x, &self.observations[t], frame, &prev_reward, prev_action);
        }
        out
    }
}

/// The actions `one` takes, by argmax as evolution acts, at every step of a replayed trial when
/// fed the trial's own inputs: equal to the stored actions exactly when `one` is the policy
/// that acted (regenerated from the policy log, `PolicySnapshot::params`).
/// While the trial listened the agent was held, so those steps' actions are "stay" whatever
/// the logits said.
pub fn policy_actions(one: &One, trial: &Trial, replay: &Replay, goal: Option<&[f32]>) -> Vec<u8> {
    let inputs = replay.inputs(one.shape, &trial.actions, goal);
    let outputs = Forward::new(one, 1).run(&inputs, trial.actions.len());
    let listen = trial.heard.as_ref().map_or(0, |h| h.listen as usize);
    outputs
        .chunks_exact(one.shape.outputs())
        .enumerate()
        .map(|(t, o)| if t < listen { STAY as u8 } else { action::argmax(&o[..one.shape.actions()]) as u8 })
        .collect()
}
