//! The CPU reference: plain nalgebra code that every GPU kernel is checked against, and the
//! path the lab runs on when no GPU is available.

mod activation;
mod bptt;
mod forward;
mod rollout;
mod wide;

pub use bptt::bptt;
pub use forward::{CpuNet, Forward};
pub use rollout::{blocks, cores, rollout, rollout_members, rollout_on_threads};
