use crate::net::NetShape;
use crate::rng::Rng;
use std::ops::Range;

/// A consolidation batch, time-major like every buffer of ONE: `sequences` (B) stored trials of
/// up to `steps` (T) steps each, with what ONE reads and what it is taught at every step.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    pub sequences: usize,
    pub steps: usize,
    /// ONE's input, `[step][sequence][input]`; zeros past a sequence's end.
    pub inputs: Vec<f32>,
    /// The recorded action to imitate, `[step][sequence]` (ignored where its weight is zero).
    pub actions: Vec<u32>,
    /// The next observation and reward vector to predict, `[step][sequence][pred]`.
    pub targets: Vec<f32>,
    /// Loss weights, `[step][sequence][2]`: imitation, prediction. Zero past a sequence's end,
    /// so padding contributes nothing. The loss is
    /// `sum w_imitation * cross_entropy(logits, action) + w_prediction * |prediction - target|^2`.
    pub weights: Vec<f32>,
}

impl Batch {
    /// Random inputs, targets and actions, with a random share of zero weights and each
    /// sequence padded past a random end: for checking the BPTT paths against each other.
    pub fn random(shape: NetShape, sequences: usize, steps: usize, seed: u32) -> Batch {
        let mut rng = Rng::new(seed);
        let rows = sequences * steps;
        let ends: Vec<usize> = (0..sequences).map(|_| 1 + rng.below(steps)).collect();
        let mut weights = vec![0.0; rows * 2];
        for (row, w) in weights.chunks_mut(2).enumerate() {
            if row / sequences < ends[row % sequences] {
                w[0] = if rng.uniform() < 0.7 { rng.uniform() } else { 0.0 };
                w[1] = rng.uniform();
            }
        }
        Batch {
            sequences,
            steps,
            inputs: (0..rows * shape.input()).map(|_| rng.symmetric(1.0)).collect(),
            actions: (0..rows).map(|_| rng.below(shape.actions()) as u32).collect(),
            targets: (0..rows * shape.pred()).map(|_| rng.symmetric(1.0)).collect(),
            weights,
        }
    }

    /// Sequences `range` of this batch as a batch of their own, every step kept.
    pub fn part(&self, range: Range<usize>) -> Batch {
        assert!(range.end <= self.sequences, "sequences {range:?} of a batch of {}", self.sequences);
        let rows = self.sequences * self.steps;
        let cut = |width: usize| {
            let range = range.clone();
            move |s: usize| (s * self.sequences + range.start) * width..(s * self.sequences + range.end) * width
        };
        let take = |buf: &[f32], width: usize| (0..self.steps).map(cut(width)).flat_map(|r| &buf[r]).copied().collect();
        Batch {
            sequences: range.len(),
            steps: self.steps,
            inputs: take(&self.inputs, self.inputs.len() / rows),
            actions: (0..self.steps).map(cut(1)).flat_map(|r| &self.actions[r]).copied().collect(),
            targets: take(&self.targets, self.targets.len() / rows),
            weights: take(&self.weights, 2),
        }
    }

    /// Checks that every buffer has the length its shape asks for.
    pub fn validate(&self, input: usize, pred: usize, actions: usize) -> Result<(), String> {
        let rows = self.sequences * self.steps;
        if rows == 0 {
            return Err("a batch needs at least one sequence of one step".into());
        }
        for (name, len, want) in [
            ("inputs", self.inputs.len(), rows * input),
            ("actions", self.actions.len(), rows),
            ("targets", self.targets.len(), rows * pred),
            ("weights", self.weights.len(), rows * 2),
        ] {
            if len != want {
                return Err(format!("batch {name} hold {len} values, {want} expected"));
            }
        }
        if let Some(a) =
            self.actions.iter().zip(self.weights.chunks(2)).find(|(&a, w)| w[0] != 0.0 && a as usize >= actions)
        {
            return Err(format!("batch asks to imitate action {}, which does not exist", a.0));
        }
        Ok(())
    }
}
