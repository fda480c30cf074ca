// The tiled matrix product at the heart of the kernel that steps ONE's LSTM for many agents
// (lstm_gates.wgsl; BPTT's forward pass walks all steps in one dispatch instead, a workgroup per
// sequence, bptt_forward.wgsl): the four gate sums z = [Wx | Wh] [x_t; h_{t-1}] of one (agent, unit),
// without bias. Prepended at load after forward_dims.wgsl; the kernel itself declares `dims`,
// `params` (ONE's flat parameter buffer) and `fn input_value(agent: u32, k: u32) -> f32`, which
// gives column k of the concatenated input [x_t, h_{t-1}].
//
// Work split: a 16 x 16 workgroup covers 16 hidden units (x) of 16 agents (y). Per 16-wide chunk
// of K = input + hidden, the workgroup stages its agents' inputs and its units' 4 x 16 weight rows
// in workgroup memory, so each weight read from global memory serves 16 agents.
// Dispatch: (ceil(hidden / 16), ceil(N / 16), 1); call from uniform control flow.

const TILE: u32 = 16u;

// Rows padded to 17 so that invocations reading a column hit different banks.
var<workgroup> xs: array<array<f32, 17>, 16>;  // [agent][k]
var<workgroup> ws: array<array<f32, 17>, 64>;  // [gate * 16 + unit][k]

// Row `row` of the stacked gate matrix [Wx | Wh], column k of the concatenated input.
fn weight(row: u32, k: u32) -> f32 {
    if (k < dims.input) {
        return params[dims.off_wx + row * dims.input + k];
    }
    return params[dims.off_wh + row * dims.hidden + (k - dims.input)];
}

// The gate sums (i, f, g, o) of agent `wg.y * 16 + lid.y`, unit `wg.x * 16 + lid.x` (zero for
// invocations past the edges, which must still call this for the barriers).
fn gate_sums(wg: vec3<u32>, lid: vec3<u32>) -> vec4<f32> {
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
    return acc;
}

// The four gate biases (i, f, g, o) of `unit`.
fn gate_bias(unit: u32) -> vec4<f32> {
    let h = dims.hidden;
    let b = dims.off_b;
    return vec4<f32>(params[b + unit], params[b + h + unit], params[b + 2u * h + unit], params[b + 3u * h + unit]);
}
