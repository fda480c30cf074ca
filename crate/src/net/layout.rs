use crate::world::{N_ACTIONS, OBS_LEN, REWARD_LEN};
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// The sizes of ONE. Input per step (length `input()`), in this order:
/// `[observation (obs), goal input (goal), previous reward vector (3), previous action one-hot (5)]`.
/// Outputs per step: action logits (5) and a prediction of the next observation and reward vector
/// (`obs + 3`, observation first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetShape {
    pub obs: usize,
    pub goal: usize,
    pub hidden: usize,
}

impl NetShape {
    /// ONE for the maze world, with `goal` goal-input features (spoken-command frames).
    pub fn for_maze(goal: usize, hidden: usize) -> NetShape {
        NetShape { obs: OBS_LEN, goal, hidden }
    }

    pub fn input(&self) -> usize {
        self.obs + self.goal + REWARD_LEN + N_ACTIONS
    }

    pub fn actions(&self) -> usize {
        N_ACTIONS
    }

    pub fn pred(&self) -> usize {
        self.obs + REWARD_LEN
    }

    /// Both heads side by side: `[logits (5), prediction (obs + 3)]`.
    pub fn outputs(&self) -> usize {
        self.actions() + self.pred()
    }

    /// Writes ONE's input for one step into `out` (length `input()`): the observation, the goal
    /// frame (zeros when the goal input is silent), the previous reward vector and the previous
    /// action as a one-hot (all zero at an episode's first step).
    pub fn write_input(
        &self,
        out: &mut [f32],
        obs: &[f32; OBS_LEN],
        goal: Option<&[f32]>,
        prev_reward: &[f32; REWARD_LEN],
        prev_action: Option<usize>,
    ) {
        assert_eq!(out.len(), self.input(), "input slice has the wrong length");
        let (o, g) = (self.obs, self.goal);
        out[..o].copy_from_slice(obs);
        match goal {
            Some(frame) => out[o..o + g].copy_from_slice(frame),
            None => out[o..o + g].fill(0.0),
        }
        out[o + g..o + g + REWARD_LEN].copy_from_slice(prev_reward);
        for (a, v) in out[o + g + REWARD_LEN..].iter_mut().enumerate() {
            *v = if prev_action == Some(a) { 1.0 } else { 0.0 };
        }
    }

    pub fn layout(&self) -> Layout {
        Layout::new(self)
    }

    /// Multiply-adds of one forward step: the four gates over input and hidden state, and both
    /// heads.
    pub fn forward_macs(&self) -> f64 {
        let (h, i, o) = (self.hidden as f64, self.input() as f64, self.outputs() as f64);
        4.0 * h * (i + h) + o * h
    }

    /// Multiply-adds of one consolidation step of one trace: the forward step, the heads'
    /// gradients and the state's, the gates' backward step and the weight gradients.
    pub fn bptt_macs(&self) -> f64 {
        let (h, i, o) = (self.hidden as f64, self.input() as f64, self.outputs() as f64);
        let gates = 4.0 * h * (i + h);
        let heads = o * h;
        gates + heads + heads + 4.0 * h * h + gates + heads
    }

    pub fn validate(&self) -> Result<(), String> {
        crate::limits::check("hidden size", self.hidden, crate::limits::HIDDEN)?;
        crate::limits::check("goal input size", self.goal, crate::limits::GOAL)
    }
}

/// Where each tensor lives in the flat f32 parameter buffer. All matrices are row-major.
/// With H hidden units, I inputs, A actions and P predicted values:
///
/// | name  | shape     | meaning                                                  |
/// |-------|-----------|----------------------------------------------------------|
/// | `wx`  | 4H x I    | input to gates; gate blocks in order i, f, g, o          |
/// | `wh`  | 4H x H    | recurrent weights, same gate order                       |
/// | `b`   | 4H        | gate biases                                              |
/// | `wa`  | A x H     | action head                                              |
/// | `ba`  | A         |                                                          |
/// | `wp`  | P x H     | prediction head                                          |
/// | `bp`  | P         |                                                          |
///
/// Gate row `g * H + u` belongs to hidden unit `u`. The CPU reference and every kernel read
/// exactly this layout; kernels receive the offsets in their uniform block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub wx: Range<usize>,
    pub wh: Range<usize>,
    pub b: Range<usize>,
    pub wa: Range<usize>,
    pub ba: Range<usize>,
    pub wp: Range<usize>,
    pub bp: Range<usize>,
    pub total: usize,
}

impl Layout {
    fn new(s: &NetShape) -> Layout {
        let (h, i, a, p) = (s.hidden, s.input(), s.actions(), s.pred());
        let mut at = 0;
        let mut take = |len: usize| {
            let r = at..at + len;
            at += len;
            r
        };
        let wx = take(4 * h * i);
        let wh = take(4 * h * h);
        let b = take(4 * h);
        let wa = take(a * h);
        let ba = take(a);
        let wp = take(p * h);
        let bp = take(p);
        Layout { wx, wh, b, wa, ba, wp, bp, total: at }
    }
}

/// ONE's parameters laid out as one matrix, for the page's heatmap: a row per unit that has
/// weights (the 4H gate rows in gate order i, f, g, o, then the A action and P prediction
/// outputs), a column per thing it reads (the I inputs, the H hidden units, the bias). The
/// heads read no inputs: those cells are NaN.
#[derive(Clone, Debug, Serialize)]
pub struct Grid {
    pub rows: usize,
    pub cols: usize,
    /// Row-major, `rows * cols`.
    pub cells: Vec<f32>,
    /// Consecutive row blocks and column blocks, named, with their lengths.
    pub row_blocks: Vec<(String, usize)>,
    pub col_blocks: Vec<(String, usize)>,
}

impl NetShape {
    /// `values` (one per parameter, in the flat layout) as a `Grid`.
    pub fn grid(&self, values: &[f32]) -> Grid {
        let l = self.layout();
        assert_eq!(values.len(), l.total, "one value per parameter");
        let (h, i, a, p) = (self.hidden, self.input(), self.actions(), self.pred());
        let (rows, cols) = (4 * h + a + p, i + h + 1);
        let mut cells = vec![f32::NAN; rows * cols];
        for r in 0..4 * h {
            let row = &mut cells[r * cols..(r + 1) * cols];
            row[..i].copy_from_slice(&values[l.wx.start + r * i..][..i]);
            row[i..i + h].copy_from_slice(&values[l.wh.start + r * h..][..h]);
            row[i + h] = values[l.b.start + r];
        }
        let heads = [(&l.wa, &l.ba, 4 * h, a), (&l.wp, &l.bp, 4 * h + a, p)];
        for (w, b, first, n) in heads {
            for u in 0..n {
                let row = &mut cells[(first + u) * cols..(first + u + 1) * cols];
                row[i..i + h].copy_from_slice(&values[w.start + u * h..][..h]);
                row[i + h] = values[b.start + u];
            }
        }
        let gates = ["input gate", "forget gate", "cell input", "output gate"];
        let mut row_blocks: Vec<(String, usize)> = gates.iter().map(|g| (g.to_string(), h)).collect();
        row_blocks.push(("action".into(), a));
        row_blocks.push(("prediction".into(), p));
        let col_blocks = vec![
            ("observation".into(), self.obs),
            ("goal input".into(), self.goal),
            ("previous reward".into(), REWARD_LEN),
            ("previous action".into(), N_ACTIONS),
            ("hidden".into(), h),
            ("bias".into(), 1),
        ];
        Grid { rows, cols, cells, row_blocks, col_blocks }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every parameter lands in exactly one cell, where the layout table says.
    #[test]
    fn the_grid_places_each_parameter_once() {
        let s = NetShape { obs: 3, goal: 2, hidden: 4 };
        let l = s.layout();
        let values: Vec<f32> = (0..l.total).map(|v| v as f32).collect();
        let g = s.grid(&values);
        let mut seen: Vec<f32> = g.cells.iter().copied().filter(|v| !v.is_nan()).collect();
        seen.sort_by(f32::total_cmp);
        assert_eq!(seen, values);
        let (i, h) = (s.input(), s.hidden);
        let at = |r: usize, c: usize| g.cells[r * g.cols + c];
        assert_eq!(at(5, 2), values[l.wx.start + 5 * i + 2]);
        assert_eq!(at(5, i + 1), values[l.wh.start + 5 * h + 1]);
        assert_eq!(at(5, i + h), values[l.b.start + 5]);
        assert_eq!(at(4 * h + 1, i + 3), values[l.wa.start + h + 3]);
        assert_eq!(at(4 * h + s.actions() + 2, i + h), values[l.bp.start + 2]);
        assert!(at(4 * h, 0).is_nan());
        assert_eq!(g.row_blocks.iter().map(|b| b.1).sum::<usize>(), g.rows);
        assert_eq!(g.col_blocks.iter().map(|b| b.1).sum::<usize>(), g.cols);
    }
}
