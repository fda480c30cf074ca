// ONE's two heads on the new hidden state: action logits (Wa h + ba) and the prediction of the
// next observation and reward vector (Wp h + bp), written side by side per agent.
//
// Needs forward_dims.wgsl (`Dims`), prepended at load.
//
// Bindings (group 0):
//   0 dims    storage, read, one block per step (dynamic offset); `step` selects the output slice
//   1 params  storage, read       ONE's flat parameter buffer
//   2 hidden  storage, read       [agent][hidden], the state the gates kernel just wrote
//   3 outputs storage, read_write [step][agent][actions + pred]
//
// Work split: one invocation per (agent, output value), 64 per workgroup, flattened over
// N x (actions + pred); each computes one dot product of length `hidden`.
// Dispatch: (ceil(N * (actions + pred) / 64), 1, 1).

@group(0) @binding(0) var<storage, read> dims: Dims;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> hidden: array<f32>;
@group(0) @binding(3) var<storage, read_write> outputs: array<f32>;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let per_agent = dims.actions + dims.pred;
    let agent = gid.x / per_agent;
    let out = gid.x % per_agent;
    if (agent >= dims.n) {
        return;
    }
    var w_row: u32;
    var bias: f32;
    if (out < dims.actions) {
        w_row = dims.off_wa + out * dims.hidden;
        bias = params[dims.off_ba + out];
    } else {
        w_row = dims.off_wp + (out - dims.actions) * dims.hidden;
        bias = params[dims.off_bp + out - dims.actions];
    }
    let h_row = agent * dims.hidden;
    var acc = 0.0;
    for (var u = 0u; u < dims.hidden; u++) {
        acc += params[w_row + u] * hidden[h_row + u];
    }
    outputs[(dims.step * dims.n + agent) * per_agent + out] = acc + bias;
}
