//! The loop of the experiment. For now: a freshly initialised ONE walking the maze.

mod walk;

pub use walk::{Frame, WalkConfig, Walker};
