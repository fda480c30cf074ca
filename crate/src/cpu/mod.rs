//! The CPU reference: plain nalgebra code that every GPU kernel is checked against, and the
//! path the lab runs on when no GPU is available.

mod activation;
mod bptt;
mod forward;
mod rollout;

pub use bptt::{bptt, chunk_gradients, gradient, summed, Cells, CHUNK};
pub use forward::{CpuNet, Forward};
pub use rollout::{rollout, rollout_blocks, rollout_members, rollout_on_threads};
