//! Phase A (paper 3.1, 3.12): copies of ONE learn tasks by evolution strategies on reward alone.

mod copy;
mod optim;
mod population;
mod rollout;
mod run;
mod stats;
mod strategy;

pub use copy::Copy;
pub use optim::{adam_corrections, Adam, ADAM_BETAS_EPS};
pub use population::Population;
pub use rollout::{ActionChoice, RolloutResult, RolloutSpec, NO_ACTION};
pub use run::{Evolution, EvolutionState, EvolveConfig, GenerationReport, RolloutBackend, MEAN_MEMBER};
pub use stats::WeightStats;
pub use strategy::{centred_ranks, MeanOptimizer, Search, Strategy, StrategyConfig, StrategyKind};
