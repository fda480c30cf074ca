//! The maze world: layout, tasks, and the step function. Deterministic from seeds.

mod episode;
mod goal;
mod maze;
mod task;

pub use episode::{
    replay_path, Episode, Step, StepOutcome, BUMP_REWARD, GOAL_REWARD, OBS_LEN, REWARD_LEN, STEP_REWARD,
};
pub use goal::Goal;
pub use maze::Maze;
pub use task::{GoalRegion, Starts, Task};

/// Actions, in this order: north, east, south, west, stay.
pub const N_ACTIONS: usize = 5;
pub const ACTION_NAMES: [&str; N_ACTIONS] = ["N", "E", "S", "W", "stay"];
/// The action that leaves the agent where it is; taken for it while it listens.
pub const STAY: usize = 4;

/// Cell offsets per action, with x growing east and y growing south (row 0 is the north edge).
pub const ACTION_DELTA: [(i32, i32); N_ACTIONS] = [(0, -1), (1, 0), (0, 1), (-1, 0), (0, 0)];
