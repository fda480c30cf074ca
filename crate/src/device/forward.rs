use crate::{cpu, gpu};

/// ONE's forward pass on the device it was made on (`Device::forward`).
pub enum Forward {
    Gpu(gpu::Forward),
    Cpu(cpu::Forward),
}

impl Forward {
    /// `steps` steps for all agents; inputs `[step][agent][input]`, outputs `[step][agent][output]`.
    pub async fn run(&mut self, inputs: &[f32], steps: usize) -> Result<Vec<f32>, String> {
        match self {
            Forward::Gpu(f) => f.run(inputs, steps).await,
            Forward::Cpu(f) => Ok(f.run(inputs, steps)),
        }
    }

    pub fn reset(&mut self) {
        match self {
            Forward::Gpu(f) => f.reset(),
            Forward::Cpu(f) => f.reset(),
        }
    }

    pub fn is_gpu(&self) -> bool {
        matches!(self, Forward::Gpu(_))
    }
}
