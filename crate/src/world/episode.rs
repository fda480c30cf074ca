use super::{Maze, Task, ACTION_DELTA, N_ACTIONS};
use crate::rng::Rng;
use serde::Serialize;

/// Observation layout, 6 floats:
/// `[wall N, wall E, wall S, wall W, x / (width - 1), y / (height - 1)]`,
/// each wall 1.0 if present and 0.0 if open; x grows east, y grows south.
pub const OBS_LEN: usize = 6;

/// Reward vector layout, 3 floats: `[goal reached, wall bump, step cost]`.
/// - goal reached: +1.0 on the step that enters the goal region (the episode then ends);
/// - wall bump: -0.01 on a step whose move is blocked by a wall (the agent stays put);
/// - step cost: -0.01 on every step, "stay" included.
///
/// Their sum is the scalar reward; its sum over an episode is the cumulative reward CR.
pub const REWARD_LEN: usize = 3;
pub const GOAL_REWARD: f32 = 1.0;
pub const BUMP_REWARD: f32 = -0.01;
pub const STEP_REWARD: f32 = -0.01;

/// One agent in one maze, pursuing one task, for at most `step_limit` steps.
#[derive(Clone, Debug, Serialize)]
pub struct Episode {
    pub x: usize,
    pub y: usize,
    pub t: usize,
    pub step_limit: usize,
    pub outcome: StepOutcome,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum StepOutcome {
    Running,
    /// Entered the goal region: the episode is over and succeeded.
    Reached,
    /// Used all its steps without reaching the goal.
    TimedOut,
    /// Entered one of the task's exits: the episode is over and failed.
    Exited,
}

/// What one step returns: the reward vector and the outcome after the step.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Step {
    pub reward: [f32; REWARD_LEN],
    pub outcome: StepOutcome,
}

impl Episode {
    /// Starts at a cell drawn from `seed`, uniformly among the cells outside the goal region.
    pub fn random_start(maze: &Maze, task: &Task, step_limit: usize, seed: u32) -> Episode {
        let free = task.free_cells(maze);
        let (x, y) = maze.xy(free[Rng::new(seed).below(free.len())]);
        Episode::at(x, y, step_limit)
    }

    pub fn at(x: usize, y: usize, step_limit: usize) -> Episode {
        assert!(step_limit > 0, "step_limit must be at least 1");
        Episode { x, y, t: 0, step_limit, outcome: StepOutcome::Running }
    }

    pub fn observe(&self, maze: &Maze) -> [f32; OBS_LEN] {
        let cell = maze.index(self.x, self.y);
        let wall = |dir| if maze.has_wall(cell, dir) { 1.0 } else { 0.0 };
        [
            wall(0),
            wall(1),
            wall(2),
            wall(3),
            self.x as f32 / (maze.width - 1) as f32,
            self.y as f32 / (maze.height - 1) as f32,
        ]
    }

    /// Applies `action` (0 N, 1 E, 2 S, 3 W, 4 stay). Stepping a finished episode is a bug.
    pub fn step(&mut self, maze: &Maze, task: &Task, action: usize) -> Step {
        assert!(action < N_ACTIONS, "action {action} out of range");
        assert_eq!(self.outcome, StepOutcome::Running, "stepping a finished episode");
        let mut reward = [0.0, 0.0, STEP_REWARD];
        if action < 4 {
            let cell = maze.index(self.x, self.y);
            if maze.has_wall(cell, action) {
                reward[1] = BUMP_REWARD;
            } else {
                let (dx, dy) = ACTION_DELTA[action];
                self.x = (self.x as i32 + dx) as usize;
                self.y = (self.y as i32 + dy) as usize;
            }
        }
        self.t += 1;
        if task.goal.contains(self.x, self.y) {
            reward[0] = GOAL_REWARD;
            self.outcome = StepOutcome::Reached;
        } else if task.is_exit(self.x, self.y) {
            self.outcome = StepOutcome::Exited;
        } else if self.t >= self.step_limit {
            self.outcome = StepOutcome::TimedOut;
        }
        Step { reward, outcome: self.outcome }
    }
}

/// The cells an episode visits, its start included, when `actions` are replayed from `start`
/// (a cell index) until the episode ends or the actions run out (`NO_ACTION` entries stop it).
pub fn replay_path(maze: &Maze, task: &Task, start: usize, actions: &[u32], step_limit: usize) -> Vec<(usize, usize)> {
    let (x, y) = maze.xy(start);
    let mut episode = Episode::at(x, y, step_limit);
    let mut path = vec![(x, y)];
    for &a in actions {
        if episode.outcome != StepOutcome::Running || a as usize >= N_ACTIONS {
            break;
        }
        episode.step(maze, task, a as usize);
        path.push((episode.x, episode.y));
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::Goal;

    #[test]
    fn bump_moves_and_goal_rewards_as_documented() {
        // An open room: only the border has walls.
        let maze = Maze::generate(3, 3, 1.0, 0);
        let task = Task::goal(Goal::NorthEast, &maze).unwrap();
        let mut ep = Episode::at(0, 0, 10);
        assert_eq!(ep.observe(&maze), [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
        let bump = ep.step(&maze, &task, 0);
        assert_eq!(bump.reward, [0.0, BUMP_REWARD, STEP_REWARD]);
        assert_eq!((ep.x, ep.y), (0, 0));
        let stay = ep.step(&maze, &task, 4);
        assert_eq!(stay.reward, [0.0, 0.0, STEP_REWARD]);
        ep.step(&maze, &task, 1);
        assert_eq!((ep.x, ep.y), (1, 0));
        assert_eq!(ep.observe(&maze), [1.0, 0.0, 0.0, 0.0, 0.5, 0.0]);
        let goal = ep.step(&maze, &task, 1);
        assert_eq!(goal.reward, [GOAL_REWARD, 0.0, STEP_REWARD]);
        assert_eq!(goal.outcome, StepOutcome::Reached);
        assert_eq!(ep.t, 4);
    }

    #[test]
    fn an_exit_ends_the_episode_unrewarded() {
        let maze = Maze::generate(3, 3, 1.0, 0);
        let task = Task::parse("ne|nw", &maze).unwrap();
        let mut ep = Episode::at(1, 0, 10);
        let step = ep.step(&maze, &task, 3);
        assert_eq!(step.reward, [0.0, 0.0, STEP_REWARD]);
        assert_eq!(step.outcome, StepOutcome::Exited);
    }

    #[test]
    fn episode_times_out_at_the_step_limit() {
        let maze = Maze::generate(5, 5, 0.0, 1);
        let task = Task::goal(Goal::SouthWest, &maze).unwrap();
        let mut ep = Episode::at(4, 0, 3);
        for t in 1..=3 {
            let step = ep.step(&maze, &task, 4);
            let expected = if t < 3 { StepOutcome::Running } else { StepOutcome::TimedOut };
            assert_eq!(step.outcome, expected);
        }
    }

    #[test]
    fn random_start_is_deterministic_and_outside_the_goal() {
        let maze = Maze::generate(5, 5, 0.0, 1);
        let task = Task::goal(Goal::NorthWest, &maze).unwrap();
        for seed in 0..200 {
            let a = Episode::random_start(&maze, &task, 10, seed);
            let b = Episode::random_start(&maze, &task, 10, seed);
            assert_eq!((a.x, a.y), (b.x, b.y));
            assert!(!task.goal.contains(a.x, a.y));
        }
    }

    #[test]
    fn moves_follow_the_maze_on_random_actions() {
        let maze = Maze::generate(9, 9, 0.1, 11);
        let task = Task::goal(Goal::SouthEast, &maze).unwrap();
        let mut rng = Rng::new(3);
        let mut ep = Episode::at(0, 0, 1000);
        for _ in 0..500 {
            if ep.outcome != StepOutcome::Running {
                ep = Episode::at(0, 0, 1000);
            }
            let before = maze.index(ep.x, ep.y);
            let action = rng.below(N_ACTIONS);
            let step = ep.step(&maze, &task, action);
            let after = maze.index(ep.x, ep.y);
            if action == 4 {
                assert_eq!(before, after);
            } else if maze.has_wall(before, action) {
                assert_eq!(before, after);
                assert_eq!(step.reward[1], BUMP_REWARD);
            } else {
                assert_eq!(maze.neighbour(before, action), Some(after));
                assert_eq!(step.reward[1], 0.0);
            }
        }
    }
}
