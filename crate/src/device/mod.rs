//! The one device seam: where ONE's numbers are computed, the CPU reference or one GPU context.
//! A driver (the CLI, a test, the page's worker) makes one `Device` and passes it down; the
//! device hands out the forward pass and the rollout, and `consolidate::Trainer` is made from it,
//! so nothing above this layer chooses between the CPU and the GPU again.

mod forward;
#[cfg(target_arch = "wasm32")]
pub mod helpers;
mod parity;
mod rollout;

pub use forward::Forward;
pub use parity::{check_forward, ParityReport};
pub use rollout::Rollout;

use crate::data::{Batch, Gradients};
use crate::gpu;
use crate::net::{NetShape, One};

#[derive(Clone)]
pub enum Device {
    Cpu,
    Gpu(gpu::Context),
}

impl Device {
    /// The GPU (Vulkan natively, WebGPU in a browser), or why there is none.
    pub async fn gpu() -> Result<Device, String> {
        gpu::Context::new().await.map(Device::Gpu)
    }

    /// The GPU when one opens, else the CPU reference and the reason, which drivers show.
    pub async fn gpu_or_cpu() -> (Device, Option<String>) {
        match Device::gpu().await {
            Ok(device) => (device, None),
            Err(reason) => (Device::Cpu, Some(reason)),
        }
    }

    pub fn context(&self) -> Option<&gpu::Context> {
        match self {
            Device::Gpu(ctx) => Some(ctx),
            Device::Cpu => None,
        }
    }

    pub fn is_gpu(&self) -> bool {
        matches!(self, Device::Gpu(_))
    }

    /// ONE's forward pass for `agents` agents, run at most `max_steps` steps per call.
    pub fn forward(&self, one: &One, agents: usize, max_steps: usize) -> Result<Forward, String> {
        Ok(match self {
            Device::Gpu(ctx) => Forward::Gpu(gpu::Forward::new(ctx, one, agents, max_steps)?),
            Device::Cpu => Forward::Cpu(crate::cpu::Forward::new(one, agents)),
        })
    }

    /// Population rollouts.
    pub fn rollout(&self) -> Rollout {
        match self {
            Device::Gpu(ctx) => Rollout::gpu(gpu::Rollout::new(ctx)),
            Device::Cpu => Rollout::cpu(),
        }
    }
}

/// A consolidation batch's gradient on the CPU path: natively its chunks spread over the cores'
/// threads (`cpu::gradient`), in the page over the helper workers (`helpers::gradient`). The
/// same bits either way.
pub async fn cpu_gradient(shape: NetShape, params: &[f32], batch: &Batch) -> Gradients<f32> {
    #[cfg(target_arch = "wasm32")]
    return helpers::gradient(shape, params, batch).await;
    #[cfg(not(target_arch = "wasm32"))]
    crate::cpu::gradient(shape, params, batch)
}
