//! The loop of the experiment: ONE walking the maze, and the experiment of paper 3.8 (copies
//! evolve, traces are stored, ONE consolidates and is accepted or rolled back).

mod baseline;
pub mod bench;
mod cost;
mod experiment;
mod one_file;
mod walk;

pub use baseline::{BaselineReport, BaselineRow};
pub use cost::{calibrate, Cost, Rates};
pub use experiment::{
    Checkpoint, CommandRow, Experiment, ExperimentConfig, ExperimentReport, Judgement, LogLine, RetentionRow, VoiceRow,
};
pub use one_file::OneFile;
pub use walk::{Frame, WalkConfig, Walker};
