use crate::data::{Population, RolloutResult, RolloutSpec};
use crate::gpu::{self, Perturbation};

/// Population rollouts on the device they were made on (`Device::rollout`), with the device's
/// knob for how the GPU path holds a generation's perturbed parameters. The knob changes memory
/// and speed, never results, so it is the device's and not a setting of the experiment (a share
/// link never carries it).
pub struct Rollout {
    engine: Engine,
    pub perturbation: Perturbation,
}

enum Engine {
    Gpu(gpu::Rollout),
    Cpu,
}

impl Rollout {
    pub(super) fn gpu(rollout: gpu::Rollout) -> Rollout {
        Rollout { engine: Engine::Gpu(rollout), perturbation: Perturbation::Auto }
    }

    pub(super) fn cpu() -> Rollout {
        Rollout { engine: Engine::Cpu, perturbation: Perturbation::Auto }
    }

    /// The same rollout with the GPU path's perturbations held as `mode` says.
    pub fn perturbing(self, mode: Perturbation) -> Rollout {
        Rollout { perturbation: mode, ..self }
    }

    /// Every member's episodes, the perturbations held as the knob says; without
    /// `with_actions` the GPU path reads back no actions (the CPU path always has them).
    pub async fn run(
        &mut self,
        pop: &Population,
        spec: &RolloutSpec,
        with_actions: bool,
    ) -> Result<RolloutResult, String> {
        let mode = self.perturbation;
        self.run_as(pop, spec, mode, with_actions).await
    }

    /// The same, the perturbations held as `mode` says whatever the knob: a single mean policy
    /// is regenerated, as there is nothing to share.
    pub async fn run_as(
        &mut self,
        pop: &Population,
        spec: &RolloutSpec,
        mode: Perturbation,
        with_actions: bool,
    ) -> Result<RolloutResult, String> {
        match &mut self.engine {
            Engine::Gpu(r) => r.run(pop, spec, mode, with_actions).await,
            // The page's CPU path shares the members with its helper workers.
            #[cfg(target_arch = "wasm32")]
            Engine::Cpu => Ok(super::helpers::rollout(pop, spec).await),
            #[cfg(not(target_arch = "wasm32"))]
            Engine::Cpu => Ok(crate::cpu::rollout(pop, spec)),
        }
    }
}
