// ONE's LSTM cell, one time step for N agents: z = Wx x_t + Wh h_{t-1} + b, then
// i, f, o = sigmoid, g = tanh, c_t = f c_{t-1} + i g, h_t = o tanh(c_t).
//
// Needs forward_dims.wgsl (`Dims`) and lstm_math.wgsl, prepended at load.
//
// Bindings (group 0):
//   0 dims    uniform, one block per step (dynamic offset); `step` selects the input slice
//   1 params  storage, read       ONE's flat parameter buffer (layout: crate/src/net/layout.rs)
//   2 inputs  storage, read       [step][agent][input]
//   3 h_prev  storage, read       [agent][hidden]
//   4 h_next  storage, read_write [agent][hidden]
//   5 cell    storage, read_write [agent][hidden], updated in place
//
// Work split: a 16 x 16 workgroup covers 16 hidden units (x) of 16 agents (y). Each invocation
// accumulates the four gate pre-activations of one (agent, unit) as a tiled matrix product over
// K = input + hidden (x_t followed by h_{t-1}): per 16-wide chunk of K, the workgroup stages its
// agents' inputs and its units' 4 x 16 weight rows in workgroup memory, so each weight read from
// global memory serves 16 agents. Dispatch: (ceil(hidden / 16), ceil(N / 16), 1).

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> inputs: array<f32>;
@group(0) @binding(3) var<storage, read> h_prev: array<f32>;
@group(0) @binding(4) var<storage, read_write> h_next: array<f32>;
@group(0) @binding(5) var<storage, read_write> cell: array<f32>;

const TILE: u32 = 16u;

// Rows padded to 17 so that invocations reading a column hit different banks.
var<workgroup> xs: array<array<f32, 17>, 16>;  // [agent][k]
var<workgroup> ws: array<array<f32, 17>, 64>;  // [gate * 16 + unit][k]

// Row `row` of the stacked gate matrix [Wx | Wh], column k of the concatenated input [x_t, h_{t-1}].
fn weight(row: u32, k: u32) -> f32 {
    if (k < dims.input) {
        return params[dims.off_wx + row * dims.input + k];
    }
    return params[dims.off_wh + row * dims.hidden + (k - dims.input)];
}

fn input_value(agent: u32, k: u32) -> f32 {
    if (k < dims.input) {
        return inputs[(dims.step * dims.n + agent) * dims.input + k];
    }
    return h_prev[agent * dims.hidden + (k - dims.input)];
}

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let unit = wg.x * TILE + lid.x;
    let agent = wg.y * TILE + lid.y;
    let k_total = dims.input + dims.hidden;
    var acc = vec4<f32>(0.0);

    for (var k0 = 0u; k0 < k_total; k0 += TILE) {
        let k = k0 + lid.x;
        // Stage x/h for the workgroup's agents: invocation (x, y) loads agent y, column k0 + x.
        var v = 0.0;
        if (agent < dims.n && k < k_total) {
            v = input_value(agent, k);
        }
        xs[lid.y][lid.x] = v;
        // Stage the weight rows of the workgroup's units: invocation (x, y) loads unit y of each gate.
        let load_unit = wg.x * TILE + lid.y;
        for (var g = 0u; g < 4u; g++) {
            var w = 0.0;
            if (load_unit < dims.hidden && k < k_total) {
                w = weight(g * dims.hidden + load_unit, k);
            }
            ws[g * TILE + lid.y][lid.x] = w;
        }
        workgroupBarrier();
        for (var kk = 0u; kk < TILE; kk++) {
            let xv = xs[lid.y][kk];
            acc += xv * vec4<f32>(ws[lid.x][kk], ws[TILE + lid.x][kk], ws[2u * TILE + lid.x][kk], ws[3u * TILE + lid.x][kk]);
        }
        workgroupBarrier();
    }

    if (agent >= dims.n || unit >= dims.hidden) {
        return;
    }
    let h = dims.hidden;
    let b = dims.off_b;
    let bias = vec4<f32>(params[b + unit], params[b + h + unit], params[b + 2u * h + unit], params[b + 3u * h + unit]);
    let idx = agent * h + unit;
    let c = lstm_cell(acc, bias, cell[idx]);
    cell[idx] = c.x;
    h_next[idx] = c.y;
}
