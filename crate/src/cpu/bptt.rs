use super::activation::Activations;
use crate::data::{Batch, Gradients};
use crate::net::NetShape;
use crate::threads::{cores, on_threads};
use crate::wide::wide_fn;
use nalgebra::{DMatrix, DVector, RealField};
use std::ops::Range;

/// Sequences per chunk of a batch on the CPU path. Each chunk's gradient is computed alone and
/// the chunks' gradients are summed in chunk order, so a batch's gradient is the same bit for
/// bit however many threads (or the page's helper workers) share its chunks. It differs from
/// `bptt` on the whole batch only in the order of the sums over sequences (last bits). Chunks
/// much narrower cost speed: each matrix product packs its weights again for fewer columns (at
/// 16 sequences one thread ran at 0.84 times the whole batch's speed with hidden 64, at 0.57
/// with hidden 256). The default experiment's batch of 128 is two chunks.
pub const CHUNK: usize = 64;

/// A batch's gradient as the CPU path computes it: its chunks spread over the cores.
pub fn gradient(shape: NetShape, params: &[f32], batch: &Batch) -> Gradients<f32> {
    gradient_on_threads(shape, params, batch, cores())
}

/// `gradient` on at most `threads` threads, a block of chunks each (`blocks`).
fn gradient_on_threads(shape: NetShape, params: &[f32], batch: &Batch, threads: usize) -> Gradients<f32> {
    let chunks = batch.sequences.div_ceil(CHUNK);
    summed(on_threads(chunks, threads, |b| chunk_gradients(shape, params, batch, b)).into_iter().flatten())
}

/// The gradient of each of the chunks `chunks` of `batch`, in order.
pub fn chunk_gradients(shape: NetShape, params: &[f32], batch: &Batch, chunks: Range<usize>) -> Vec<Gradients<f32>> {
    chunks.map(|c| bptt(shape, params, &batch.part(c * CHUNK..((c + 1) * CHUNK).min(batch.sequences)))).collect()
}

/// Chunks' gradients summed in the order given (at least one).
pub fn summed(parts: impl IntoIterator<Item = Gradients<f32>>) -> Gradients<f32> {
    let mut parts = parts.into_iter();
    let mut total = parts.next().expect("a batch has at least one chunk");
    for g in parts {
        for (t, v) in total.grad.iter_mut().zip(&g.grad) {
            *t += v;
        }
        total.imitation += g.imitation;
        total.prediction += g.prediction;
    }
    total
}

/// The float BPTT runs in, with its LSTM cell loops over a block of sequences: plain by
/// default (f64), in f32 (the training path) compiled as wide as the processor allows, like the
/// rollouts' (`wide_fn!`). The same operations in the same order either way, so the wide loops give the
/// bits of the plain ones.
pub trait Cells: RealField + Activations {
    /// The activated gates `gates` from their pre-activations `z` (column j is sequence j's
    /// `[i; f; g; o]`, H rows each, before the bias `b`), and the cell and hidden states `c`
    /// and `h` from the previous cell state `c_prev`. (Into a buffer of its own rather than in
    /// place: the compiler vectorises only the first.)
    fn cells_forward(
        z: &[Self],
        b: &[Self],
        c_prev: &[Self],
        gates: &mut [Self],
        c: &mut [Self],
        h: &mut [Self],
        hs: usize,
    ) {
        forward_body(z, b, c_prev, gates, c, h, hs)
    }

    /// From the activated gates `z`, the cell states before and after the step and the
    /// gradient `dh` reaching the hidden state, the gradient `dz` of the pre-activations;
    /// `dc_next` carries the cell state's gradient from the step after to the step before.
    fn cells_backward(
        z: &[Self],
        c_prev: &[Self],
        c: &[Self],
        dh: &[Self],
        dc_next: &mut [Self],
        dz: &mut [Self],
        hs: usize,
    ) {
        backward_body(z, c_prev, c, dh, dc_next, dz, hs)
    }
}

#[inline(always)]
fn forward_body<T: RealField + Activations>(
    z: &[T],
    b: &[T],
    c_prev: &[T],
    gates: &mut [T],
    c: &mut [T],
    h: &mut [T],
    hs: usize,
) {
    let (bi, bf, bg, bo) = (&b[..hs], &b[hs..2 * hs], &b[2 * hs..3 * hs], &b[3 * hs..4 * hs]);
    let states = c_prev.chunks_exact(hs).zip(c.chunks_exact_mut(hs)).zip(h.chunks_exact_mut(hs));
    for ((z, gates), ((cp, c), h)) in z.chunks_exact(4 * hs).zip(gates.chunks_exact_mut(4 * hs)).zip(states) {
        let (zi, zf, zg, zo) = (&z[..hs], &z[hs..2 * hs], &z[2 * hs..3 * hs], &z[3 * hs..4 * hs]);
        let (gi, rest) = gates.split_at_mut(hs);
        let (gf, rest) = rest.split_at_mut(hs);
        let (gg, go) = rest.split_at_mut(hs);
        let (cp, c, h, go) = (&cp[..hs], &mut c[..hs], &mut h[..hs], &mut go[..hs]);
        for u in 0..hs {
            let i = (zi[u] + bi[u]).sigmoid();
            let f = (zf[u] + bf[u]).sigmoid();
            let g = Activations::tanh(zg[u] + bg[u]);
            let o = (zo[u] + bo[u]).sigmoid();
            (gi[u], gf[u], gg[u], go[u]) = (i, f, g, o);
            c[u] = f * cp[u] + i * g;
            h[u] = o * Activations::tanh(c[u]);
        }
    }
}

#[inline(always)]
fn backward_body<T: RealField + Activations>(
    z: &[T],
    c_prev: &[T],
    c: &[T],
    dh: &[T],
    dc_next: &mut [T],
    dz: &mut [T],
    hs: usize,
) {
    let states = c_prev.chunks_exact(hs).zip(c.chunks_exact(hs)).zip(dh.chunks_exact(hs));
    for ((z, dz), (((cp, c), dh), dcn)) in
        z.chunks_exact(4 * hs).zip(dz.chunks_exact_mut(4 * hs)).zip(states.zip(dc_next.chunks_exact_mut(hs)))
    {
        let (zi, zf, zg, zo) = (&z[..hs], &z[hs..2 * hs], &z[2 * hs..3 * hs], &z[3 * hs..4 * hs]);
        let (di, rest) = dz.split_at_mut(hs);
        let (df, rest) = rest.split_at_mut(hs);
        let (dg, dout) = rest.split_at_mut(hs);
        let (cp, c, dh, dcn, dout) = (&cp[..hs], &c[..hs], &dh[..hs], &mut dcn[..hs], &mut dout[..hs]);
        let one = T::one();
        for u in 0..hs {
            let (ig, fg, gg, og) = (zi[u], zf[u], zg[u], zo[u]);
            let tc = Activations::tanh(c[u]);
            let dc = dh[u] * og * (one - tc * tc) + dcn[u];
            di[u] = dc * gg * ig * (one - ig);
            df[u] = dc * cp[u] * fg * (one - fg);
            dg[u] = dc * ig * (one - gg * gg);
            dout[u] = dh[u] * tc * og * (one - og);
            dcn[u] = dc * fg;
        }
    }
}

wide_fn! {
fn forward_f32(z: &[f32], b: &[f32], c_prev: &[f32], gates: &mut [f32], c: &mut [f32], h: &mut [f32], hs: usize) {
    forward_body(z, b, c_prev, gates, c, h, hs)
}
}

wide_fn! {
fn backward_f32(z: &[f32], c_prev: &[f32], c: &[f32], dh: &[f32], dc_next: &mut [f32], dz: &mut [f32], hs: usize) {
    backward_body(z, c_prev, c, dh, dc_next, dz, hs)
}
}

impl Cells for f32 {
    fn cells_forward(z: &[f32], b: &[f32], c_prev: &[f32], gates: &mut [f32], c: &mut [f32], h: &mut [f32], hs: usize) {
        forward_f32(z, b, c_prev, gates, c, h, hs)
    }
    fn cells_backward(
        z: &[f32],
        c_prev: &[f32],
        c: &[f32],
        dh: &[f32],
        dc_next: &mut [f32],
        dz: &mut [f32],
        hs: usize,
    ) {
        backward_f32(z, c_prev, c, dh, dc_next, dz, hs)
    }
}

impl Cells for f64 {}

/// Backpropagation through time for ONE on a batch, the reference for the BPTT kernels: the
/// forward pass keeps every step's gates and states; the backward pass walks the steps in
/// reverse. Generic over the float so that it runs in f32 (the CPU training path) and in f64
/// (checked against finite differences).
pub fn bptt<T: Cells>(shape: NetShape, params: &[T], batch: &Batch) -> Gradients<T> {
    let l = shape.layout();
    let (h, i, a, p) = (shape.hidden, shape.input(), shape.actions(), shape.pred());
    let (n, steps) = (batch.sequences, batch.steps);
    let t = |v: f32| nalgebra::convert::<f64, T>(v as f64);
    let mat = |r: &std::ops::Range<usize>, rows, cols| DMatrix::from_row_slice(rows, cols, &params[r.clone()]);
    let vec = |r: &std::ops::Range<usize>| DVector::from_column_slice(&params[r.clone()]);
    let (wx, wh, b) = (mat(&l.wx, 4 * h, i), mat(&l.wh, 4 * h, h), vec(&l.b));
    let (wa, ba, wp, bp) = (mat(&l.wa, a, h), vec(&l.ba), mat(&l.wp, p, h), vec(&l.bp));
    let column = |buf: &[f32], width: usize, step: usize| {
        DMatrix::from_iterator(width, n, buf[step * n * width..(step + 1) * n * width].iter().map(|&v| t(v)))
    };

    // Forward, keeping per step: inputs, activated gates (4H x n), cell and hidden states.
    let mut xs = Vec::with_capacity(steps);
    let mut gates = Vec::with_capacity(steps);
    let mut cs = vec![DMatrix::zeros(h, n)];
    let mut hs = vec![DMatrix::zeros(h, n)];
    for s in 0..steps {
        let x = column(&batch.inputs, i, s);
        let z = &wx * &x + &wh * &hs[s];
        let (mut g, mut c, mut hn) = (DMatrix::zeros(4 * h, n), DMatrix::zeros(h, n), DMatrix::zeros(h, n));
        let (zs, bs, cp) = (z.as_slice(), b.as_slice(), cs[s].as_slice());
        T::cells_forward(zs, bs, cp, g.as_mut_slice(), c.as_mut_slice(), hn.as_mut_slice(), h);
        xs.push(x);
        gates.push(g);
        cs.push(c);
        hs.push(hn);
    }

    // Backward. `dh_next` and `dc_next` carry the gradient from step s + 1 into step s.
    let mut g = Gradients { grad: vec![T::zero(); l.total], imitation: T::zero(), prediction: T::zero() };
    let (mut dwx, mut dwh, mut db) = (DMatrix::zeros(4 * h, i), DMatrix::zeros(4 * h, h), DVector::zeros(4 * h));
    let (mut dwa, mut dba, mut dwp, mut dbp) =
        (DMatrix::zeros(a, h), DVector::zeros(a), DMatrix::zeros(p, h), DVector::zeros(p));
    let mut dh_next = DMatrix::<T>::zeros(h, n);
    let mut dc_next = DMatrix::<T>::zeros(h, n);
    for s in (0..steps).rev() {
        let hcur = &hs[s + 1];
        let mut logits = &wa * hcur;
        let mut pred = &wp * hcur;
        for j in 0..n {
            for k in 0..a {
                logits[(k, j)] += ba[k];
            }
            for k in 0..p {
                pred[(k, j)] += bp[k];
            }
        }
        // dLoss/dlogits and dLoss/dprediction.
        let (mut dy, mut dq) = (DMatrix::zeros(a, n), DMatrix::zeros(p, n));
        for j in 0..n {
            let row = s * n + j;
            let (wi, wq) = (t(batch.weights[2 * row]), t(batch.weights[2 * row + 1]));
            if wi != T::zero() {
                let max = (0..a).map(|k| logits[(k, j)]).fold(logits[(0, j)], |m, v| if v > m { v } else { m });
                let sum = (0..a).fold(T::zero(), |acc, k| acc + (logits[(k, j)] - max).exp());
                let target = batch.actions[row] as usize;
                g.imitation += wi * (sum.ln() + max - logits[(target, j)]);
                for k in 0..a {
                    let prob = (logits[(k, j)] - max).exp() / sum;
                    dy[(k, j)] = wi * (prob - if k == target { T::one() } else { T::zero() });
                }
            }
            if wq != T::zero() {
                for k in 0..p {
                    let e = pred[(k, j)] - t(batch.targets[row * p + k]);
                    g.prediction += wq * e * e;
                    dq[(k, j)] = wq * (e + e);
                }
            }
        }
        dwa += &dy * hcur.transpose();
        dwp += &dq * hcur.transpose();
        dba += dy.column_sum();
        dbp += dq.column_sum();

        let dh = wa.transpose() * &dy + wp.transpose() * &dq + &dh_next;
        let mut dz = DMatrix::zeros(4 * h, n);
        T::cells_backward(
            gates[s].as_slice(),
            cs[s].as_slice(),
            cs[s + 1].as_slice(),
            dh.as_slice(),
            dc_next.as_mut_slice(),
            dz.as_mut_slice(),
            h,
        );
        dwx += &dz * xs[s].transpose();
        dwh += &dz * hs[s].transpose();
        db += dz.column_sum();
        dh_next = wh.transpose() * &dz;
    }

    let mut put_mat = |r: &std::ops::Range<usize>, m: &DMatrix<T>| {
        for (k, v) in g.grad[r.clone()].iter_mut().enumerate() {
            *v = m[(k / m.ncols(), k % m.ncols())];
        }
    };
    put_mat(&l.wx, &dwx);
    put_mat(&l.wh, &dwh);
    put_mat(&l.wa, &dwa);
    put_mat(&l.wp, &dwp);
    for (r, v) in [(&l.b, &db), (&l.ba, &dba), (&l.bp, &dbp)] {
        g.grad[r.clone()].copy_from_slice(v.as_slice());
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Central differences in f64 on every parameter of a small net agree with BPTT.
    #[test]
    fn gradients_match_finite_differences_in_f64() {
        for (hidden, goal, n, steps, seed) in [(3, 2, 2, 4, 1), (5, 0, 3, 6, 2), (8, 4, 1, 9, 3)] {
            let shape = NetShape::for_maze(goal, hidden);
            let batch = Batch::random(shape, n, steps, seed);
            let params: Vec<f64> = crate::net::One::new(shape, seed).params.iter().map(|&v| 1.5 * v as f64).collect();
            let g = bptt(shape, &params, &batch);
            assert!(g.imitation > 0.0 && g.prediction > 0.0);
            let eps = 1e-5;
            let mut worst = 0.0f64;
            for k in 0..params.len() {
                let mut q = params.clone();
                q[k] += eps;
                let up = bptt(shape, &q, &batch);
                q[k] -= 2.0 * eps;
                let down = bptt(shape, &q, &batch);
                let fd = ((up.imitation + up.prediction) - (down.imitation + down.prediction)) / (2.0 * eps);
                let err = (fd - g.grad[k]).abs() / (fd.abs().max(g.grad[k].abs()).max(1e-3));
                worst = worst.max(err);
            }
            assert!(worst < 1e-6, "hidden {hidden}: worst relative error {worst}");
        }
    }

    /// The cell loops, vectorised as wide as this processor allows, give the bits of the same
    /// loops compiled for the baseline.
    #[test]
    fn wide_cells_give_the_plain_bits() {
        let mut rng = crate::rng::Rng::new(5);
        let mut random = |len: usize, scale: f32| (0..len).map(|_| rng.symmetric(scale)).collect::<Vec<f32>>();
        for (hs, n) in [(1, 1), (7, 3), (32, 17), (100, 2)] {
            let (z, b, c_prev) = (random(4 * hs * n, 8.0), random(4 * hs, 1.0), random(hs * n, 2.0));
            let mut wide = (vec![0.0; 4 * hs * n], vec![0.0; hs * n], vec![0.0; hs * n]);
            let mut plain = wide.clone();
            forward_f32(&z, &b, &c_prev, &mut wide.0, &mut wide.1, &mut wide.2, hs);
            forward_body(&z, &b, &c_prev, &mut plain.0, &mut plain.1, &mut plain.2, hs);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&wide.0), bits(&plain.0), "gates, hidden {hs}");
            assert_eq!(bits(&wide.1), bits(&plain.1), "cells, hidden {hs}");
            assert_eq!(bits(&wide.2), bits(&plain.2), "hidden states, hidden {hs}");

            let (gates, c) = (plain.0, plain.1);
            let (dh, dc) = (random(hs * n, 1.0), random(hs * n, 1.0));
            let mut wide = (dc, vec![0.0; 4 * hs * n]);
            let mut plain = wide.clone();
            backward_f32(&gates, &c_prev, &c, &dh, &mut wide.0, &mut wide.1, hs);
            backward_body(&gates, &c_prev, &c, &dh, &mut plain.0, &mut plain.1, hs);
            assert_eq!(bits(&wide.0), bits(&plain.0), "cell gradients, hidden {hs}");
            assert_eq!(bits(&wide.1), bits(&plain.1), "gate gradients, hidden {hs}");
        }
    }

    /// A batch's chunks, summed, give the whole batch's gradient (in f64, to rounding), and the
    /// CPU path's chunked gradient is the same bit for bit on any number of threads.
    #[test]
    fn chunks_sum_to_the_batch_on_any_threads() {
        let shape = NetShape::for_maze(4, 8);
        let batch = Batch::random(shape, 2 * CHUNK + 5, 7, 4);
        let one = crate::net::One::new(shape, 4);
        let wide: Vec<f64> = one.params.iter().map(|&v| v as f64).collect();
        let whole = bptt(shape, &wide, &batch);
        let mut sum = vec![0.0f64; wide.len()];
        for c in 0..3 {
            let part = batch.part(c * CHUNK..((c + 1) * CHUNK).min(batch.sequences));
            assert_eq!(part.sequences, if c < 2 { CHUNK } else { 5 });
            for (t, v) in sum.iter_mut().zip(bptt(shape, &wide, &part).grad) {
                *t += v;
            }
        }
        let largest = whole.grad.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for (a, b) in sum.iter().zip(&whole.grad) {
            assert!((a - b).abs() <= 1e-12 * largest, "{a} against {b}");
        }

        let one_thread = gradient_on_threads(shape, &one.params, &batch, 1);
        let bits = |g: &Gradients<f32>| g.grad.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        for threads in [2, 3, 8] {
            let split = gradient_on_threads(shape, &one.params, &batch, threads);
            assert_eq!(bits(&split), bits(&one_thread), "on {threads} threads");
            assert_eq!(split.imitation.to_bits(), one_thread.imitation.to_bits());
            assert_eq!(split.prediction.to_bits(), one_thread.prediction.to_bits());
        }
        for (a, b) in one_thread.grad.iter().zip(&whole.grad) {
            assert!((*a as f64 - b).abs() <= 1e-5 * largest, "{a} against {b}");
        }
    }

    /// Steps past a sequence's end (zero weights) change nothing, whatever they hold.
    #[test]
    fn padding_contributes_nothing() {
        let shape = NetShape::for_maze(2, 6);
        let mut batch = Batch::random(shape, 3, 5, 7);
        let params: Vec<f64> = crate::net::One::new(shape, 7).params.iter().map(|&v| v as f64).collect();
        // Sequence 1 ends after step 2.
        for s in 3..5 {
            let row = s * 3 + 1;
            batch.weights[2 * row] = 0.0;
            batch.weights[2 * row + 1] = 0.0;
        }
        let before = bptt(shape, &params, &batch);
        for s in 3..5 {
            let row = s * 3 + 1;
            batch.inputs[row * shape.input()..(row + 1) * shape.input()].fill(9.0);
            batch.targets[row * shape.pred()..(row + 1) * shape.pred()].fill(-4.0);
        }
        let after = bptt(shape, &params, &batch);
        assert_eq!(before.grad, after.grad);
    }
}
