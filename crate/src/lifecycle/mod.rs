//! The loop of the experiment: ONE walking the maze, and the experiment of paper 3.8 (copies
//! evolve, traces are stored, ONE consolidates and is accepted or rolled back).

mod baseline;
pub mod bench;
mod by_hand;
mod config;
mod cost;
mod experiment;
mod judge;
mod life;
mod one_file;
mod powerplay;
mod walk;

pub use baseline::{BaselineReport, BaselineRow};
pub use by_hand::{ConsolidateByHand, EvolveByHand};
pub use config::ExperimentConfig;
pub use cost::{calibrate, Cost, Rates};
pub use experiment::{Experiment, LogLine};
pub use judge::{CommandRow, Judgement, RetentionRow, VoiceRow};
pub use life::{Checkpoint, Event, SavedConsolidation, SavedStage, Standing};
pub use one_file::OneFile;
pub use powerplay::{Candidate, Life, LifeCheckpoint, LifeConfig, LifeEvent, Metrics, SavedTrying, Tried};
pub use walk::{Frame, WalkConfig, Walker};
