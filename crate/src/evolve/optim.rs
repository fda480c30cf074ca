//! Optimizers for the search distribution's mean: gradient ascent steps from a gradient estimate.

use crate::data::{adam_corrections, ADAM_BETAS_EPS};
use serde::{Deserialize, Serialize};

/// Adam (Kingma & Ba 2015), ascending.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Adam {
    pub lr: f32,
    m: Vec<f32>,
    v: Vec<f32>,
    t: i32,
}

impl Adam {
    /// Whether saved state fits `n` parameters: refused by name when it does not.
    pub fn check(&self, n: usize) -> Result<(), String> {
        if self.m.len() != n || self.v.len() != n || self.t < 0 {
            return Err(format!(
                "Adam's saved moments hold {} and {} values for {n} parameters",
                self.m.len(),
                self.v.len()
            ));
        }
        if !self.m.iter().chain(&self.v).all(|x| x.is_finite()) || self.v.iter().any(|&x| x < 0.0) {
            return Err("Adam's saved moments are not finite".into());
        }
        Ok(())
    }

    pub fn new(n: usize, lr: f32) -> Adam {
        Adam { lr, m: vec![0.0; n], v: vec![0.0; n], t: 0 }
    }

    /// The first and second moments and the steps taken: what a checkpoint keeps.
    pub fn moments(&self) -> (&[f32], &[f32], i32) {
        (&self.m, &self.v, self.t)
    }

    /// Adam with the state `moments` returned.
    pub fn with_moments(lr: f32, m: Vec<f32>, v: Vec<f32>, t: i32) -> Adam {
        Adam { lr, m, v, t }
    }

    /// Adds the step for gradient `g` to `x`. A zero gradient coordinate whose history is zero
    /// leaves its parameter bit-identical (frozen parameters rely on this).
    pub fn step(&mut self, x: &mut [f32], g: &[f32]) {
        self.update(x, g, |_| 1.0);
    }

    /// The step with parameter k's learning rate multiplied by `rate(k)`; a zero rate leaves
    /// the parameter bit-identical. shaders/adam.wgsl does the same arithmetic.
    pub fn update(&mut self, x: &mut [f32], g: &[f32], rate: impl Fn(usize) -> f32) {
        let (b1, b2, eps) = ADAM_BETAS_EPS;
        self.t += 1;
        let (c1, c2) = adam_corrections(self.t);
        for k in 0..x.len() {
            self.m[k] = b1 * self.m[k] + (1.0 - b1) * g[k];
            self.v[k] = b2 * self.v[k] + (1.0 - b2) * g[k] * g[k];
            let step = (self.lr * rate(k)) * (self.m[k] / c1) / ((self.v[k] / c2).sqrt() + eps);
            if step != 0.0 {
                x[k] += step;
            }
        }
    }
}

/// ClipUp (Toklu et al. 2020): momentum on the normalised gradient, the velocity's norm clipped
/// to `max_speed`. Step sizes are in parameter-space distance, which makes them easy to pick.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClipUp {
    pub step_size: f32,
    pub max_speed: f32,
    pub momentum: f32,
    velocity: Vec<f32>,
}

impl ClipUp {
    /// Whether saved state fits `n` parameters: refused by name when it does not.
    pub fn check(&self, n: usize) -> Result<(), String> {
        if self.velocity.len() != n || !self.velocity.iter().all(|v| v.is_finite()) {
            return Err(format!("ClipUp's saved velocity holds {} values for {n} parameters", self.velocity.len()));
        }
        Ok(())
    }

    pub fn new(n: usize, step_size: f32) -> ClipUp {
        ClipUp { step_size, max_speed: 2.0 * step_size, momentum: 0.9, velocity: vec![0.0; n] }
    }

    pub fn step(&mut self, x: &mut [f32], g: &[f32]) {
        let norm = g.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm == 0.0 || !norm.is_finite() {
            return;
        }
        for (v, gk) in self.velocity.iter_mut().zip(g) {
            *v = self.momentum * *v + self.step_size * gk / norm;
        }
        let speed = self.velocity.iter().map(|v| v * v).sum::<f32>().sqrt();
        if speed > self.max_speed {
            let shrink = self.max_speed / speed;
            self.velocity.iter_mut().for_each(|v| *v *= shrink);
        }
        for (xk, v) in x.iter_mut().zip(&self.velocity) {
            if *v != 0.0 {
                *xk += v;
            }
        }
    }
}
