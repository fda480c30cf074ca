//! Adam's constants, shared by the CPU optimiser (`evolve::Adam`) and the GPU kernel
//! (shaders/adam.wgsl), so that both paths take the same step.

/// Adam's b1, b2 and epsilon.
pub const ADAM_BETAS_EPS: (f32, f32, f32) = (0.9, 0.999, 1e-8);

/// Adam's bias corrections (1 - b1^t, 1 - b2^t) at step `t` (from 1).
pub fn adam_corrections(t: i32) -> (f32, f32) {
    let (b1, b2, _) = ADAM_BETAS_EPS;
    (1.0 - b1.powi(t), 1.0 - b2.powi(t))
}
