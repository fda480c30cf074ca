//! Phase A (paper 3.1, 3.12): copies of ONE learn tasks by evolution strategies on reward alone.

mod copy;
mod curriculum;
mod fitness;
mod optim;
mod run;
mod stats;
mod strategy;

pub use copy::CopyOfOne;
pub use curriculum::{StartCurriculum, PATIENCE};
pub use fitness::Fitness;
pub use optim::Adam;
pub use run::{Evolution, EvolutionState, EvolveConfig, GenerationPoint, GenerationReport};
pub use stats::WeightStats;
pub use strategy::{centred_ranks, MeanOptimizer, Search, Strategy, StrategyConfig, StrategyKind};
