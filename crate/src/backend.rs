//! Where ONE's forward pass runs: on the GPU when there is one, else on the CPU reference.

use crate::{cpu, gpu};

pub enum Backend {
    Gpu(gpu::Forward),
    Cpu(cpu::Forward),
}

impl Backend {
    /// `steps` steps for all agents; inputs `[step][agent][input]`, outputs `[step][agent][output]`.
    pub async fn run(&mut self, inputs: &[f32], steps: usize) -> Result<Vec<f32>, String> {
        match self {
            Backend::Gpu(f) => f.run(inputs, steps).await,
            Backend::Cpu(f) => Ok(f.run(inputs, steps)),
        }
    }

    pub fn reset(&mut self) {
        match self {
            Backend::Gpu(f) => f.reset(),
            Backend::Cpu(f) => f.reset(),
        }
    }

    pub fn is_gpu(&self) -> bool {
        matches!(self, Backend::Gpu(_))
    }
}
