//! Plain data the engines share (the way candle keeps shapes and dtypes below its backends):
//! what a generation's population, episodes and results are, a consolidation batch, its
//! gradients, a traced forward pass and Adam's constants. The CPU reference (`cpu`) and the GPU
//! path (`gpu`) import this layer and never each other, nor the algorithms above them.

mod adam;
mod batch;
mod gradients;
mod population;
mod rollout;
mod trace;

pub use adam::{adam_corrections, ADAM_BETAS_EPS};
pub use batch::Batch;
pub use gradients::Gradients;
pub use population::{Population, MEAN_MEMBER};
pub use rollout::{path_moves, random_cells, ActionChoice, RolloutResult, RolloutSpec, NO_ACTION, NO_PATH};
pub use trace::Trace;
