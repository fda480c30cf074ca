// BPTT's forward pass for a batch of B sequences over all T steps, in one dispatch: the LSTM
// step of lstm_gates.wgsl, keeping what the backward pass needs. At step t, sequence b reads
// x_t and h_{t-1} (zero at t = 0) and writes the activated gates, c_t and h_t at step t.
//
// Needs forward_dims.wgsl (`Dims`; n = B, steps = T) and lstm_math.wgsl, prepended at load.
//
// Bindings (group 0):
//   0 dims    storage, read (the first step's block; only sizes and offsets are read)
//   1 params  storage, read       ONE's flat parameter buffer
//   2 inputs  storage, read       [step][sequence][input]
//   3 gates   storage, read_write [step][sequence][4 * hidden]: i, f, g, o blocks per sequence
//   4 cells   storage, read_write [step][sequence][hidden]
//   5 hs      storage, read_write [step][sequence][hidden]
//
// Work split: sequences are independent, so one workgroup of 64 invocations owns one sequence
// and walks its steps in order; invocation u computes units u, u + 64, ... (the four gate sums
// over [x_t; h_{t-1}], each the same row of [Wx | Wh] read by every sequence's workgroup). A
// storage barrier between steps makes h_t visible to the whole workgroup before step t + 1.
// One dispatch instead of one per step: (B, 1, 1).

const WG: u32 = 64u;

@group(0) @binding(0) var<storage, read> dims: Dims;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> inputs: array<f32>;
@group(0) @binding(3) var<storage, read_write> gates: array<f32>;
@group(0) @binding(4) var<storage, read_write> cells: array<f32>;
@group(0) @binding(5) var<storage, read_write> hs: array<f32>;

// Column k of [x_t; h_{t-1}] for sequence `seq`.
fn input_value(seq: u32, t: u32, k: u32) -> f32 {
    if (k < dims.input) {
        return inputs[(t * dims.n + seq) * dims.input + k];
    }
    if (t == 0u) {
        return 0.0;
    }
    return hs[((t - 1u) * dims.n + seq) * dims.hidden + (k - dims.input)];
}

// Row `row` of the stacked gate matrix [Wx | Wh], column k.
fn weight(row: u32, k: u32) -> f32 {
    if (k < dims.input) {
        return params[dims.off_wx + row * dims.input + k];
    }
    return params[dims.off_wh + row * dims.hidden + (k - dims.input)];
}

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let seq = wg.x;
    let h = dims.hidden;
    let k_total = dims.input + h;
    for (var t = 0u; t < dims.steps; t++) {
        let row = t * dims.n + seq;
        for (var unit = lid.x; unit < h; unit += WG) {
            var acc = vec4<f32>(0.0);
            for (var k = 0u; k < k_total; k++) {
                let w = vec4<f32>(weight(unit, k), weight(h + unit, k), weight(2u * h + unit, k), weight(3u * h + unit, k));
                acc += input_value(seq, t, k) * w;
            }
            let b = dims.off_b;
            let v = lstm_gate_values(acc, vec4<f32>(params[b + unit], params[b + h + unit], params[b + 2u * h + unit], params[b + 3u * h + unit]));
            var c_prev = 0.0;
            if (t > 0u) {
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
        storageBarrier();
    }
}
