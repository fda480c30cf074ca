use crate::net::{FreezeMask, One};
use serde::{Deserialize, Serialize};

/// A copy of ONE that learns a task on its own (paper 3.1), leaving ONE untouched.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CopyOfOne {
    pub one: One,
    /// Set by `freeze_and_grow`: `true` on the parameters that must not change.
    pub frozen: Option<FreezeMask>,
}

impl CopyOfOne {
    /// Starts from ONE's current parameters: whatever ONE knows transfers to the new task.
    pub fn of(one: &One) -> CopyOfOne {
        CopyOfOne { one: one.clone(), frozen: None }
    }

    /// The variant of 3.1: freeze every current weight, add `k` hidden units, and let only the
    /// new weights learn; they may use the frozen net as subroutines.
    pub fn freeze_and_grow(&mut self, k: usize, seed: u32) {
        // The mask marks every parameter that existed before, so growing twice keeps the
        // earlier freeze too.
        self.frozen = Some(self.one.grow(k, seed));
    }

    /// 0 on frozen parameters, 1 elsewhere: the base of every mutation-size vector.
    pub fn mutation_mask(&self) -> Vec<f32> {
        match &self.frozen {
            Some(mask) => mask.iter().map(|&f| if f { 0.0 } else { 1.0 }).collect(),
            None => vec![1.0; self.one.params.len()],
        }
    }
}
