use super::NetShape;
use crate::rng::Rng;
use serde::{Deserialize, Serialize};

/// ONE: its shape and its single flat parameter buffer (layout in [`super::Layout`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct One {
    pub shape: NetShape,
    pub params: Vec<f32>,
}

/// `true` for every parameter that existed before a `grow`: those stay frozen while the
/// new units learn.
pub type FreezeMask = Vec<bool>;

impl One {
    /// Whether a saved ONE (a checkpoint's, a file's) is of `shape` with every parameter a
    /// finite number: refused by name when not.
    pub fn check(&self, shape: NetShape) -> Result<(), String> {
        if self.shape != shape {
            return Err(format!("a saved ONE has shape {:?} where {:?} was expected", self.shape, shape));
        }
        let n = shape.layout().total;
        if self.params.len() != n {
            return Err(format!("a saved ONE holds {} parameters where its shape has {n}", self.params.len()));
        }
        if let Some(k) = self.params.iter().position(|p| !p.is_finite()) {
            return Err(format!("a saved ONE's parameter {k} is {}", self.params[k]));
        }
        Ok(())
    }

    /// Seeded initialisation: weights uniform in +-1/sqrt(fan-in), biases zero except the
    /// forget gate's, which start at 1 so that a fresh net keeps its memory by default.
    pub fn new(shape: NetShape, seed: u32) -> One {
        let l = shape.layout();
        let (h, i) = (shape.hidden, shape.input());
        let mut rng = Rng::new(seed);
        let mut params = vec![0.0; l.total];
        let gate_scale = 1.0 / ((i + h) as f32).sqrt();
        let head_scale = 1.0 / (h as f32).sqrt();
        for range in [l.wx.clone(), l.wh.clone()] {
            params[range].iter_mut().for_each(|w| *w = rng.symmetric(gate_scale));
        }
        params[l.b.start + h..l.b.start + 2 * h].fill(1.0);
        for range in [l.wa.clone(), l.wp.clone()] {
            params[range].iter_mut().for_each(|w| *w = rng.symmetric(head_scale));
        }
        One { shape, params }
    }

    /// Adds `k` hidden units without changing what the net computes: the new units receive
    /// input from everything (so they may use the old units as subroutines), but their outgoing
    /// weights, to the old units and to both heads, start at zero. Returns the freeze mask over
    /// the grown buffer: `true` for the old parameters, `false` for the new ones.
    pub fn grow(&mut self, k: usize, seed: u32) -> FreezeMask {
        let old = self.shape;
        let new = NetShape { hidden: old.hidden + k, ..old };
        let (lo, ln) = (old.layout(), new.layout());
        let (h, h2, i) = (old.hidden, new.hidden, old.input());
        let fresh = One::new(new, seed);
        let mut params = fresh.params;
        let mut frozen = vec![false; ln.total];
        let mut keep = |dst: usize, src: usize, params: &mut Vec<f32>| {
            params[dst] = self.params[src];
            frozen[dst] = true;
        };
        for g in 0..4 {
            for u in 0..h {
                for c in 0..i {
                    keep(ln.wx.start + (g * h2 + u) * i + c, lo.wx.start + (g * h + u) * i + c, &mut params);
                }
                for c in 0..h {
                    keep(ln.wh.start + (g * h2 + u) * h2 + c, lo.wh.start + (g * h + u) * h + c, &mut params);
                }
                // New units do not feed the old ones yet.
                for c in h..h2 {
                    params[ln.wh.start + (g * h2 + u) * h2 + c] = 0.0;
                }
                keep(ln.b.start + g * h2 + u, lo.b.start + g * h + u, &mut params);
            }
        }
        let heads = [(&ln.wa, &ln.ba, &lo.wa, &lo.ba, old.actions()), (&ln.wp, &ln.bp, &lo.wp, &lo.bp, old.pred())];
        for (w, b, wo, bo, rows) in heads {
            for r in 0..rows {
                for c in 0..h {
                    keep(w.start + r * h2 + c, wo.start + r * h + c, &mut params);
                }
                for c in h..h2 {
                    params[w.start + r * h2 + c] = 0.0;
                }
                keep(b.start + r, bo.start + r, &mut params);
            }
        }
        self.shape = new;
        self.params = params;
        frozen
    }

    /// ONE grows by the units `copy` added when it froze and grew from this ONE (paper 3.1):
    /// the new units come with their own weights as the copy evolved them (from the inputs,
    /// from every unit, their biases), but their outgoing weights, to ONE's old units and to both
    /// heads, start at zero, so that the grown ONE computes exactly what ONE computed; its
    /// consolidation then decides what they feed. Returns the freeze mask of `grow`.
    pub fn grow_from(&mut self, copy: &One) -> FreezeMask {
        let h = self.shape.hidden;
        assert!(copy.shape.hidden > h, "the copy has no new units");
        let frozen = self.grow(copy.shape.hidden - h, 0);
        let (l, h2, i) = (self.shape.layout(), self.shape.hidden, self.shape.input());
        assert_eq!(copy.shape, self.shape, "the copy grew from a ONE of another shape");
        for g in 0..4 {
            for u in h..h2 {
                let row = g * h2 + u;
                for (range, width) in [(&l.wx, i), (&l.wh, h2), (&l.b, 1)] {
                    let at = range.start + row * width..range.start + (row + 1) * width;
                    self.params[at.clone()].copy_from_slice(&copy.params[at]);
                }
            }
        }
        frozen
    }
}
