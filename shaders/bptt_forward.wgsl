// BPTT's forward pass, one time step for a batch of B sequences: the LSTM step of
// lstm_gates.wgsl, keeping what the backward pass needs. Step t reads h_{t-1} and c_{t-1} from
// the histories (zero at t = 0) and writes the activated gates, c_t and h_t at step t.
//
// Needs forward_dims.wgsl (`Dims`; n = B), lstm_math.wgsl and gate_sums.wgsl, prepended at load.
//
// Bindings (group 0):
//   0 dims    storage, read, one block per step (dynamic offset)
//   1 params  storage, read       ONE's flat parameter buffer
//   2 inputs  storage, read       [step][sequence][input]
//   3 gates   storage, read_write [step][sequence][4 * hidden]: i, f, g, o blocks per sequence
//   4 cells   storage, read_write [step][sequence][hidden]
//   5 hs      storage, read_write [step][sequence][hidden]
//
// Work split: that of gate_sums.wgsl, one invocation per (sequence, unit).
// Dispatch: (ceil(hidden / 16), ceil(B / 16), 1), once per step, steps in order.

@group(0) @binding(0) var<storage, read> dims: Dims;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> inputs: array<f32>;
@group(0) @binding(3) var<storage, read_write> gates: array<f32>;
@group(0) @binding(4) var<storage, read_write> cells: array<f32>;
@group(0) @binding(5) var<storage, read_write> hs: array<f32>;

fn input_value(agent: u32, k: u32) -> f32 {
    if (k < dims.input) {
        return inputs[(dims.step * dims.n + agent) * dims.input + k];
    }
    if (dims.step == 0u) {
        return 0.0;
    }
    return hs[((dims.step - 1u) * dims.n + agent) * dims.hidden + (k - dims.input)];
}

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let acc = gate_sums(wg, lid);
    let unit = wg.x * TILE + lid.x;
    let seq = wg.y * TILE + lid.y;
    let h = dims.hidden;
    if (seq >= dims.n || unit >= h) {
        return;
    }
    let v = lstm_gate_values(acc, gate_bias(unit));
    let row = dims.step * dims.n + seq;
    var c_prev = 0.0;
    if (dims.step > 0u) {
        c_prev = cells[(row - dims.n) * h + unit];
    }
    let c = v.y * c_prev + v.x * v.z;
    let g = row * 4u * h;
    gates[g + unit] = v.x;
    gates[g + h + unit] = v.y;
    gates[g + 2u * h + unit] = v.z;
    gates[g + 3u * h + unit] = v.w;
    cells[row * h + unit] = c;
    hs[row * h + unit] = v.w * tanh_safe(c);
}
