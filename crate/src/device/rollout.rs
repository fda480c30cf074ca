use crate::data::{Population, RolloutResult, RolloutSpec};
use crate::gpu::{self, Perturbation};

/// Population rollouts on the device they were made on (`Device::rollout`).
pub enum Rollout {
    Gpu(gpu::Rollout),
    Cpu,
}

impl Rollout {
    /// Every member's episodes. `mode` chooses how the GPU path holds perturbed parameters;
    /// without `with_actions` the GPU path reads back no actions (the CPU path always has them).
    pub async fn run(
        &mut self,
        pop: &Population,
        spec: &RolloutSpec,
        mode: Perturbation,
        with_actions: bool,
    ) -> Result<RolloutResult, String> {
        match self {
            Rollout::Gpu(r) => r.run(pop, spec, mode, with_actions).await,
            Rollout::Cpu => Ok(crate::cpu::rollout(pop, spec)),
        }
    }
}
