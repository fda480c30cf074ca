//! Turning ONE's action logits into an action. The rollout kernel (shaders/rollout.wgsl) makes
//! the same choices: argmax takes the first maximum; sampling walks the cumulative softmax.

use crate::world::N_ACTIONS;

pub fn softmax(logits: &[f32]) -> [f32; N_ACTIONS] {
    let max = logits.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
    let mut p = [0.0; N_ACTIONS];
    for (pi, &l) in p.iter_mut().zip(logits) {
        *pi = (l - max).exp();
    }
    let sum: f32 = p.iter().sum();
    p.iter_mut().for_each(|v| *v /= sum);
    p
}

/// The action whose cumulative probability first exceeds `u` in [0, 1).
pub fn sample(probs: &[f32; N_ACTIONS], u: f32) -> usize {
    let mut acc = 0.0;
    for (a, p) in probs.iter().enumerate() {
        acc += p;
        if u < acc {
            return a;
        }
    }
    N_ACTIONS - 1
}

/// The first action with the largest logit.
pub fn argmax(logits: &[f32]) -> usize {
    let mut best = 0;
    for a in 1..N_ACTIONS {
        if logits[a] > logits[best] {
            best = a;
        }
    }
    best
}

/// How far the chosen logit is above the runner-up: small margins are where f32 rounding
/// differences between two implementations may flip an argmax.
pub fn margin(logits: &[f32]) -> f32 {
    let best = argmax(logits);
    let runner_up = (0..N_ACTIONS).filter(|&a| a != best).map(|a| logits[a]).fold(f32::NEG_INFINITY, f32::max);
    logits[best] - runner_up
}
