use super::Trial;
use crate::world::{Episode, Maze, StepOutcome, Task, OBS_LEN, REWARD_LEN};

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
    let maze = Maze::generate(t.maze.size as usize, t.maze.size as usize, t.maze.openings, t.maze.seed);
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
