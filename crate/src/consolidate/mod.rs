//! Consolidation (paper 3.2, 3.8): ONE itself, not a copy, trained by BPTT on stored traces
//! without touching the environment: imitating the copies' actions on successful traces of
//! skills worth memorizing, predicting the next observation and reward vector on all traces.

mod registry;
mod reservoir;
mod train;

pub use registry::{Registry, Skill};
pub use train::{ConsolidateConfig, Consolidation, ConsolidationState, HearFn, Trainer, TrainerState, UpdateReport};
