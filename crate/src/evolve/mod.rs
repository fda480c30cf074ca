//! Phase A (paper 3.1, 3.12): copies of ONE learn tasks by evolution strategies on reward alone.

mod population;
mod rollout;

pub use population::Population;
pub use rollout::{ActionChoice, RolloutResult, RolloutSpec, NO_ACTION};
