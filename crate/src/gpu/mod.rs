//! The GPU path: one wgpu device, and one module per kernel family. The same code runs natively
//! (Vulkan) and in the browser (WebGPU); kernels live in `shaders/` and are checked against `cpu/`.

mod bptt;
mod context;
mod forward;
mod kernel;
mod readback;
mod rollout;
mod shader;

pub use bptt::Bptt;
pub use context::Context;
pub use forward::Forward;
pub use rollout::{Perturbation, Rollout};
