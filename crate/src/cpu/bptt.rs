use super::activation::Activations;
use crate::data::{Batch, Gradients};
use crate::net::NetShape;
use nalgebra::{DMatrix, DVector, RealField};

#[inline(always)]
fn sigmoid<T: Activations>(x: T) -> T {
    x.sigmoid()
}

#[inline(always)]
fn tanh<T: Activations>(x: T) -> T {
    Activations::tanh(x)
}

/// Backpropagation through time for ONE on a batch, the reference for the BPTT kernels: the
/// forward pass keeps every step's gates and states; the backward pass walks the steps in
/// reverse. Generic over the float so that it runs in f32 (the CPU training path) and in f64
/// (checked against finite differences).
pub fn bptt<T: RealField + Activations>(shape: NetShape, params: &[T], batch: &Batch) -> Gradients<T> {
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
        let mut z = &wx * &x + &wh * &hs[s];
        for mut col in z.column_iter_mut() {
            col += &b;
        }
        let (mut c, mut hn) = (DMatrix::zeros(h, n), DMatrix::zeros(h, n));
        for j in 0..n {
            for u in 0..h {
                let (ig, fg) = (sigmoid(z[(u, j)]), sigmoid(z[(h + u, j)]));
                let (gg, og) = (tanh(z[(2 * h + u, j)]), sigmoid(z[(3 * h + u, j)]));
                z[(u, j)] = ig;
                z[(h + u, j)] = fg;
                z[(2 * h + u, j)] = gg;
                z[(3 * h + u, j)] = og;
                c[(u, j)] = fg * cs[s][(u, j)] + ig * gg;
                hn[(u, j)] = og * tanh(c[(u, j)]);
            }
        }
        xs.push(x);
        gates.push(z);
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
        let z = &gates[s];
        let mut dz = DMatrix::zeros(4 * h, n);
        for j in 0..n {
            for u in 0..h {
                let (ig, fg, gg, og) = (z[(u, j)], z[(h + u, j)], z[(2 * h + u, j)], z[(3 * h + u, j)]);
                let tc = tanh(cs[s + 1][(u, j)]);
                let dc = dh[(u, j)] * og * (T::one() - tc * tc) + dc_next[(u, j)];
                dz[(u, j)] = dc * gg * ig * (T::one() - ig);
                dz[(h + u, j)] = dc * cs[s][(u, j)] * fg * (T::one() - fg);
                dz[(2 * h + u, j)] = dc * ig * (T::one() - gg * gg);
                dz[(3 * h + u, j)] = dh[(u, j)] * tc * og * (T::one() - og);
                dc_next[(u, j)] = dc * fg;
            }
        }
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
