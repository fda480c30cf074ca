// Adam on ONE's parameters, descending the loss, with a learning-rate multiplier per parameter
// (from the weight-variance statistics of paper 3.12; zero freezes a parameter bit for bit):
//   m = b1 m + (1 - b1) (-grad),  v = b2 v + (1 - b2) grad^2,
//   step = (lr * rate) * (m / c1) / (sqrt(v / c2) + eps),  param += step unless step is zero,
// with c1 = 1 - b1^t and c2 = 1 - b2^t computed on the CPU. The arithmetic is that of
// `evolve::Adam::update` (crate/src/evolve/optim.rs) on the negated gradient.
//
// Bindings (group 0):
//   0 a       uniform `AdamDims`; mirrors `AdamDims` in crate/src/gpu/bptt.rs
//   1 grad    storage, read       the loss gradient (parameter layout)
//   2 rates   storage, read       the learning-rate multiplier per parameter
//   3 params  storage, read_write
//   4 m       storage, read_write first moment
//   5 v       storage, read_write second moment
//
// Work split: one invocation per parameter, 64 per workgroup, over a 2-D grid of workgroups
// (x up to 65535). Dispatch: (min(groups, 65535), ceil(groups / 65535), 1).

struct AdamDims {
    n: u32,
    lr: f32,
    beta1: f32,
    beta2: f32,
    eps: f32,
    c1: f32,
    c2: f32,
    _pad: u32,
}

@group(0) @binding(0) var<uniform> a: AdamDims;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read> rates: array<f32>;
@group(0) @binding(3) var<storage, read_write> params: array<f32>;
@group(0) @binding(4) var<storage, read_write> m: array<f32>;
@group(0) @binding(5) var<storage, read_write> v: array<f32>;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let k = gid.y * groups.x * 64u + gid.x;
    if (k >= a.n) {
        return;
    }
    let g = -grad[k];
    m[k] = a.beta1 * m[k] + (1.0 - a.beta1) * g;
    v[k] = a.beta2 * v[k] + (1.0 - a.beta2) * g * g;
    let step = (a.lr * rates[k]) * (m[k] / a.c1) / (sqrt(v[k] / a.c2) + a.eps);
    if (step != 0.0) {
        params[k] += step;
    }
}
