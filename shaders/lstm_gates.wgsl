// ONE's LSTM cell, one time step for N agents: z = Wx x_t + Wh h_{t-1} + b, then
// i, f, o = sigmoid, g = tanh, c_t = f c_{t-1} + i g, h_t = o tanh(c_t).
//
// Needs forward_dims.wgsl (`Dims`), lstm_math.wgsl and gate_sums.wgsl, prepended at load.
//
// Bindings (group 0):
//   0 dims    storage, read, one block per step (dynamic offset); `step` selects the input slice
//   1 params  storage, read       ONE's flat parameter buffer (layout: crate/src/net/layout.rs)
//   2 inputs  storage, read       [step][agent][input]
//   3 h_prev  storage, read       [agent][hidden]
//   4 h_next  storage, read_write [agent][hidden]
//   5 cell    storage, read_write [agent][hidden], updated in place
//
// Work split: that of gate_sums.wgsl, a 16 x 16 workgroup per 16 hidden units (x) of 16 agents
// (y), one invocation per (agent, unit). Dispatch: (ceil(hidden / 16), ceil(N / 16), 1).

@group(0) @binding(0) var<storage, read> dims: Dims;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> inputs: array<f32>;
@group(0) @binding(3) var<storage, read> h_prev: array<f32>;
@group(0) @binding(4) var<storage, read_write> h_next: array<f32>;
@group(0) @binding(5) var<storage, read_write> cell: array<f32>;

fn input_value(agent: u32, k: u32) -> f32 {
    if (k < dims.input) {
        return inputs[(dims.step * dims.n + agent) * dims.input + k];
    }
    return h_prev[agent * dims.hidden + (k - dims.input)];
}

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let acc = gate_sums(wg, lid);
    let unit = wg.x * TILE + lid.x;
    let agent = wg.y * TILE + lid.y;
    if (agent >= dims.n || unit >= dims.hidden) {
        return;
    }
    let idx = agent * dims.hidden + unit;
    let c = lstm_cell(acc, gate_bias(unit), cell[idx]);
    cell[idx] = c.x;
    h_next[idx] = c.y;
}
