use super::activation::{sigmoid, tanh};
use crate::data::Trace;
use crate::net::{NetShape, One};
use crate::wide::wide_fn;
use nalgebra::{DMatrix, DVector};

/// ONE's parameters viewed as matrices (copied out of the flat buffer once).
pub struct CpuNet {
    pub shape: NetShape,
    wx: DMatrix<f32>,
    wh: DMatrix<f32>,
    b: DVector<f32>,
    wa: DMatrix<f32>,
    ba: DVector<f32>,
    wp: DMatrix<f32>,
    bp: DVector<f32>,
}

impl CpuNet {
    pub fn new(one: &One) -> CpuNet {
        let s = one.shape;
        let l = s.layout();
        let (h, i) = (s.hidden, s.input());
        let p = &one.params;
        let mat = |r: &std::ops::Range<usize>, rows, cols| DMatrix::from_row_slice(rows, cols, &p[r.clone()]);
        let vec = |r: &std::ops::Range<usize>| DVector::from_column_slice(&p[r.clone()]);
        CpuNet {
            shape: s,
            wx: mat(&l.wx, 4 * h, i),
            wh: mat(&l.wh, 4 * h, h),
            b: vec(&l.b),
            wa: mat(&l.wa, s.actions(), h),
            ba: vec(&l.ba),
            wp: mat(&l.wp, s.pred(), h),
            bp: vec(&l.bp),
        }
    }
}

/// ONE run forward for `n` agents at once, keeping each agent's hidden and cell state between
/// calls. Inputs are `[step][agent][input]`, outputs `[step][agent][output]`: the same layouts
/// as the GPU kernel's buffers.
pub struct Forward {
    net: CpuNet,
    n: usize,
    /// H x n, one column per agent (so its memory is `[agent][unit]`).
    h: DMatrix<f32>,
    c: DMatrix<f32>,
    /// Each step's products, kept between steps so that a rollout allocates once per member.
    /// They are computed as separate products and then added, in the order of
    /// `Wx x + Wh h`, so that every sum is the one the reference has always made.
    x: DMatrix<f32>,
    zx: DMatrix<f32>,
    zh: DMatrix<f32>,
    /// The hidden state transposed, `[unit][agent]`, and the action logits, `[action][agent]`.
    ht: Vec<f32>,
    logits: Vec<f32>,
    pred: DMatrix<f32>,
}

impl Forward {
    pub fn new(one: &One, n: usize) -> Forward {
        let h = one.shape.hidden;
        let empty = || DMatrix::zeros(0, 0);
        let mut forward = Forward {
            net: CpuNet::new(one),
            n,
            h: DMatrix::zeros(h, n),
            c: DMatrix::zeros(h, n),
            x: empty(),
            zx: empty(),
            zh: empty(),
            ht: Vec::new(),
            logits: Vec::new(),
            pred: empty(),
        };
        forward.size_buffers();
        forward
    }

    /// The step's working buffers, for `self.n` agents.
    fn size_buffers(&mut self) {
        let (s, n) = (self.net.shape, self.n);
        self.x = DMatrix::zeros(s.input(), n);
        self.zx = DMatrix::zeros(4 * s.hidden, n);
        self.zh = DMatrix::zeros(4 * s.hidden, n);
        self.ht = vec![0.0; s.hidden * n];
        self.logits = vec![0.0; s.actions() * n];
        self.pred = DMatrix::zeros(s.pred(), n);
    }

    pub fn agents(&self) -> usize {
        self.n
    }

    /// Keeps the agents marked in `keep`, in their order, and drops the others: a rollout
    /// steps only its episodes still running. Each agent's columns are computed from its own
    /// input and state alone, with the same sums whatever the batch, so the agents kept go on
    /// with the same bits.
    pub fn retain(&mut self, keep: &[bool]) {
        assert_eq!(keep.len(), self.n, "one flag per agent");
        let kept: Vec<usize> = (0..self.n).filter(|&j| keep[j]).collect();
        let compact = |m: &DMatrix<f32>| {
            let rows = m.nrows();
            let mut data = Vec::with_capacity(rows * kept.len());
            kept.iter().for_each(|&j| data.extend_from_slice(&m.as_slice()[j * rows..(j + 1) * rows]));
            DMatrix::from_vec(rows, kept.len(), data)
        };
        self.h = compact(&self.h);
        self.c = compact(&self.c);
        self.n = kept.len();
        self.size_buffers();
    }

    /// Forgets every agent's state (start of new episodes).
    pub fn reset(&mut self) {
        self.h.fill(0.0);
        self.c.fill(0.0);
    }

    /// One step for all agents: `x` is `[agent][input]`, `out` receives `[agent][output]`.
    pub fn step(&mut self, x: &[f32], out: &mut [f32]) {
        let s = self.net.shape;
        let (hs, n) = (s.hidden, self.n);
        self.x.as_mut_slice().copy_from_slice(x);
        product(&mut self.zx, &self.net.wx, &self.x);
        product(&mut self.zh, &self.net.wh, &self.h);
        self.zx += &self.zh;
        // The gates were half of a rollout's time in baseline SSE registers.
        let (z, b, c, h) = (self.zx.as_slice(), self.net.b.as_slice(), self.c.as_mut_slice(), self.h.as_mut_slice());
        lstm_cells(z, b, c, h, hs);
        let (wa, h, ht, logits) = (&self.net.wa, &self.h, &mut self.ht, &mut self.logits);
        action_head(wa, h, ht, logits);
        product(&mut self.pred, &self.net.wp, &self.h);
        let (a, o) = (s.actions(), s.outputs());
        for j in 0..n {
            let row = &mut out[j * o..(j + 1) * o];
            for k in 0..a {
                row[k] = self.logits[k * n + j] + self.net.ba[k];
            }
            for k in 0..s.pred() {
                row[a + k] = self.pred[(k, j)] + self.net.bp[k];
            }
        }
    }

    /// `steps` steps; returns the outputs of every step.
    pub fn run(&mut self, inputs: &[f32], steps: usize) -> Vec<f32> {
        self.run_inner(inputs, steps, None)
    }

    /// Like `run`, and also returns the hidden and cell state after every step.
    pub fn run_traced(&mut self, inputs: &[f32], steps: usize) -> Trace {
        let mut states = (Vec::new(), Vec::new());
        let outputs = self.run_inner(inputs, steps, Some(&mut states));
        Trace { outputs, hidden: states.0, cell: states.1 }
    }

    fn run_inner(&mut self, inputs: &[f32], steps: usize, mut states: Option<&mut (Vec<f32>, Vec<f32>)>) -> Vec<f32> {
        let (i, o) = (self.net.shape.input(), self.net.shape.outputs());
        assert_eq!(inputs.len(), steps * self.n * i, "inputs must be [steps][agents][input]");
        let mut out = vec![0.0; steps * self.n * o];
        for t in 0..steps {
            let x = &inputs[t * self.n * i..(t + 1) * self.n * i];
            self.step(x, &mut out[t * self.n * o..(t + 1) * self.n * o]);
            if let Some((h, c)) = states.as_deref_mut() {
                h.extend_from_slice(self.h.as_slice());
                c.extend_from_slice(self.c.as_slice());
            }
        }
        out
    }
}

/// `c = a b` by matrixmultiply's kernels whatever the sizes. nalgebra's own product goes a
/// column at a time, summing in another order, when a side has 5 or fewer rows or columns, so
/// the bits of an agent's columns would depend on how many agents share the batch; with one
/// kernel for every size they do not (a rollout's episodes leave the batch as they end, and
/// blocks of them are played on different cores).
fn product(c: &mut DMatrix<f32>, a: &DMatrix<f32>, b: &DMatrix<f32>) {
    let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
    assert!(b.nrows() == k && c.nrows() == m && c.ncols() == n, "a product of mismatched sizes");
    // SAFETY: all three are dense column-major matrices of the sizes just checked, and `c`,
    // borrowed mutably, overlaps neither `a` nor `b`.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            1,
            m as isize,
            b.as_ptr(),
            1,
            k as isize,
            0.0,
            c.as_mut_ptr(),
            1,
            m as isize,
        )
    }
}

wide_fn! {
/// The LSTM's cell update for every agent, from the gate pre-activations `z` (column j is
/// agent j's `[i; f; g; o]`, H rows each, before the bias `b`) into the states `c` and `h`.
/// Slices of exactly H let the loop run without bounds checks, a vector of units at a time.
fn lstm_cells(z: &[f32], b: &[f32], c: &mut [f32], h: &mut [f32], hs: usize) {
    let (bi, bf, bg, bo) = (&b[..hs], &b[hs..2 * hs], &b[2 * hs..3 * hs], &b[3 * hs..4 * hs]);
    let states = c.chunks_exact_mut(hs).zip(h.chunks_exact_mut(hs));
    for (z, (c, h)) in z.chunks_exact(4 * hs).zip(states) {
        let (zi, zf, zg, zo) = (&z[..hs], &z[hs..2 * hs], &z[2 * hs..3 * hs], &z[3 * hs..4 * hs]);
        let (c, h) = (&mut c[..hs], &mut h[..hs]);
        for u in 0..hs {
            let i = sigmoid(zi[u] + bi[u]);
            let f = sigmoid(zf[u] + bf[u]);
            let g = tanh(zg[u] + bg[u]);
            let o = sigmoid(zo[u] + bo[u]);
            c[u] = f * c[u] + i * g;
            h[u] = o * tanh(c[u]);
        }
    }
}
}

wide_fn! {
/// The action head for every agent, `logits[k][j] = sum over u of wa[k][u] h[u][j]`, summed
/// in the order of nalgebra's product for a matrix of so few rows (from the first unit's
/// product on, one unit at a time), so the bits are the ones the reference has always had.
/// That product went one agent at a time through a five-element loop, a quarter of a
/// rollout's time; here the agents are the vector lanes, through `ht`, h transposed.
fn action_head(wa: &DMatrix<f32>, h: &DMatrix<f32>, ht: &mut [f32], logits: &mut [f32]) {
    let (a, hs, n) = (wa.nrows(), h.nrows(), h.ncols());
    for (j, column) in h.as_slice().chunks_exact(hs).enumerate() {
        for (u, &v) in column.iter().enumerate() {
            ht[u * n + j] = v;
        }
    }
    // One unit at a time for all actions: the five sums are independent, so they overlap.
    let w = wa.as_slice();
    for (u, hu) in ht.chunks_exact(n).enumerate() {
        for (k, y) in logits.chunks_exact_mut(n).enumerate() {
            let wku = w[k + u * a];
            if u == 0 {
                y.iter_mut().zip(hu).for_each(|(y, &v)| *y = wku * v);
            } else {
                y.iter_mut().zip(hu).for_each(|(y, &v)| *y += wku * v);
            }
        }
    }
}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn random_inputs(len: usize, seed: u32) -> Vec<f32> {
        let mut rng = Rng::new(seed);
        (0..len).map(|_| rng.symmetric(1.0)).collect()
    }

    /// The cell update, vectorised as wide as this processor allows, gives the bits of the
    /// formula computed one unit at a time.
    #[test]
    fn cells_give_the_one_unit_bits() {
        for hs in [1, 7, 16, 64, 100] {
            let n = 5;
            let z: Vec<f32> = random_inputs(4 * hs * n, hs as u32).iter().map(|v| 8.0 * v).collect();
            let b = random_inputs(4 * hs, 7);
            let c0 = random_inputs(hs * n, 8);
            let (mut c, mut h) = (c0.clone(), vec![0.0; hs * n]);
            lstm_cells(&z, &b, &mut c, &mut h, hs);
            for j in 0..n {
                for u in 0..hs {
                    let gate = |g: usize| z[j * 4 * hs + g * hs + u] + b[g * hs + u];
                    let cu = sigmoid(gate(1)) * c0[j * hs + u] + sigmoid(gate(0)) * tanh(gate(2));
                    let hu = sigmoid(gate(3)) * tanh(cu);
                    assert_eq!(c[j * hs + u].to_bits(), cu.to_bits(), "cell state, H = {hs}");
                    assert_eq!(h[j * hs + u].to_bits(), hu.to_bits(), "hidden state, H = {hs}");
                }
            }
        }
    }

    /// The action head gives nalgebra's product's bits, for few agents and many.
    #[test]
    fn action_head_gives_the_product_bits() {
        for (hs, n) in [(1, 1), (16, 3), (64, 16), (33, 40)] {
            let wa = DMatrix::from_column_slice(5, hs, &random_inputs(5 * hs, 3));
            let h = DMatrix::from_column_slice(hs, n, &random_inputs(hs * n, 4));
            let mut want = DMatrix::zeros(5, n);
            want.gemm(1.0, &wa, &h, 0.0);
            let (mut ht, mut got) = (vec![0.0; hs * n], vec![0.0; 5 * n]);
            action_head(&wa, &h, &mut ht, &mut got);
            for k in 0..5 {
                for j in 0..n {
                    assert_eq!(got[k * n + j].to_bits(), want[(k, j)].to_bits(), "H = {hs}, n = {n}");
                }
            }
        }
    }

    #[test]
    fn shapes_and_determinism() {
        let shape = NetShape::for_maze(16, 32);
        let (n, t) = (5, 7);
        let inputs = random_inputs(t * n * shape.input(), 1);
        let run = |seed| Forward::new(&One::new(shape, seed), n).run_traced(&inputs, t);
        let (a, b, c) = (run(3), run(3), run(4));
        assert_eq!(a.outputs.len(), t * n * shape.outputs());
        assert_eq!(a.hidden.len(), t * n * shape.hidden);
        assert_eq!(a.outputs, b.outputs);
        assert_eq!(a.hidden, b.hidden);
        assert_ne!(a.outputs, c.outputs);
        assert!(a.outputs.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn agents_are_independent() {
        let shape = NetShape::for_maze(4, 16);
        let one = One::new(shape, 9);
        let (n, t, i, o) = (3, 5, shape.input(), shape.outputs());
        let inputs = random_inputs(t * n * i, 2);
        let batched = Forward::new(&one, n).run(&inputs, t);
        for j in 0..n {
            let own: Vec<f32> = (0..t).flat_map(|s| inputs[(s * n + j) * i..(s * n + j + 1) * i].to_vec()).collect();
            let alone = Forward::new(&one, 1).run(&own, t);
            for s in 0..t {
                let got = &batched[(s * n + j) * o..(s * n + j + 1) * o];
                let want = &alone[s * o..(s + 1) * o];
                for (g, w) in got.iter().zip(want) {
                    assert!((g - w).abs() <= 1e-5 * w.abs().max(1.0), "agent {j} step {s}");
                }
            }
        }
    }

    /// Agents dropped from the batch on the way (episodes that ended) leave the others'
    /// outputs bit for bit as in the whole batch.
    #[test]
    fn agents_kept_go_on_with_the_same_bits() {
        let shape = NetShape::for_maze(16, 32);
        let one = One::new(shape, 4);
        let (n, t, i, o) = (9, 6, shape.input(), shape.outputs());
        let inputs = random_inputs(t * n * i, 3);
        let whole = Forward::new(&one, n).run(&inputs, t);
        let mut forward = Forward::new(&one, n);
        let mut live: Vec<usize> = (0..n).collect();
        for s in 0..t {
            if s == 2 || s == 4 {
                let keep: Vec<bool> = live.iter().map(|&j| (j + s) % 3 != 0).collect();
                forward.retain(&keep);
                live.retain(|&j| (j + s) % 3 != 0);
            }
            assert_eq!(forward.agents(), live.len());
            let x: Vec<f32> =
                live.iter().flat_map(|&j| inputs[(s * n + j) * i..(s * n + j + 1) * i].to_vec()).collect();
            let mut out = vec![0.0; live.len() * o];
            forward.step(&x, &mut out);
            for (k, &j) in live.iter().enumerate() {
                let want = &whole[(s * n + j) * o..(s * n + j + 1) * o];
                let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&out[k * o..(k + 1) * o]), bits(want), "agent {j} at step {s}");
            }
        }
        assert_eq!(live, [0, 3, 6]);
    }

    #[test]
    fn grow_leaves_outputs_unchanged() {
        for (hidden, k) in [(16, 1), (32, 8), (64, 5)] {
            let shape = NetShape::for_maze(8, hidden);
            let one = One::new(shape, 21);
            let mut grown = one.clone();
            let frozen = grown.grow(k, 99);
            assert_eq!(grown.shape.hidden, hidden + k);
            assert_eq!(frozen.len(), grown.params.len());
            assert_eq!(frozen.iter().filter(|&&f| f).count(), one.params.len());
            let (n, t) = (4, 12);
            let inputs = random_inputs(t * n * shape.input(), 5);
            let before = Forward::new(&one, n).run(&inputs, t);
            let after = Forward::new(&grown, n).run(&inputs, t);
            for (a, b) in before.iter().zip(&after) {
                assert!((a - b).abs() <= 1e-6 * a.abs().max(1.0), "grow changed an output: {a} vs {b}");
            }
            // The new units are live: they have non-zero incoming weights and so change state.
            let trace = Forward::new(&grown, n).run_traced(&inputs, t);
            let new_unit_activity: f32 = (0..t * n)
                .flat_map(|r| (hidden..hidden + k).map(move |u| r * (hidden + k) + u))
                .map(|idx| trace.hidden[idx].abs())
                .sum();
            assert!(new_unit_activity > 0.0);
        }
    }

    /// ONE grown from a copy that froze and grew computes what ONE computed, and its new units
    /// are the copy's, cut off from everything outside themselves.
    #[test]
    fn growing_from_a_copy_leaves_outputs_unchanged() {
        let shape = NetShape::for_maze(8, 12);
        let one = One::new(shape, 3);
        let mut copy = one.clone();
        let frozen = copy.grow(5, 7);
        // The copy learned: every new parameter changed, its outgoing weights included.
        let mut rng = Rng::new(11);
        for (p, &f) in copy.params.iter_mut().zip(&frozen) {
            if !f {
                *p += rng.symmetric(0.5);
            }
        }
        let mut grown = one.clone();
        assert_eq!(grown.grow_from(&copy), frozen);
        assert_eq!(grown.shape, copy.shape);
        let (n, t) = (3, 10);
        let inputs = random_inputs(t * n * shape.input(), 8);
        let before = Forward::new(&one, n).run(&inputs, t);
        let after = Forward::new(&grown, n).run(&inputs, t);
        for (a, b) in before.iter().zip(&after) {
            assert!((a - b).abs() <= 1e-6 * a.abs().max(1.0), "growing changed an output: {a} vs {b}");
        }
        // The new units' own rows (gates from inputs and units, biases) are the copy's; the
        // copy acts differently, the grown ONE does not.
        let (l, h2, i) = (grown.shape.layout(), grown.shape.hidden, grown.shape.input());
        for g in 0..4 {
            for u in 12..h2 {
                let r = g * h2 + u;
                assert_eq!(grown.params[l.wx.start + r * i..][..i], copy.params[l.wx.start + r * i..][..i]);
                assert_eq!(grown.params[l.wh.start + r * h2..][..h2], copy.params[l.wh.start + r * h2..][..h2]);
                assert_eq!(grown.params[l.b.start + r], copy.params[l.b.start + r]);
            }
        }
        assert_ne!(Forward::new(&copy, n).run(&inputs, t), after);
    }
}
