// BPTT's backward pass through the cell for a batch, all T steps in one dispatch, walking the
// steps in reverse. For (sequence b, unit u) at step t:
//   dh   = Wa^T dy_logits + Wp^T dy_prediction (column u) + dh_rec   (dh_rec from step t + 1)
//   dc   = dh o (1 - tanh^2 c_t) + dc_carry                          (dc_carry from step t + 1)
//   dz_i = dc g i (1 - i),  dz_f = dc c_{t-1} f (1 - f),  dz_g = dc i (1 - g^2),
//   dz_o = dh tanh(c_t) o (1 - o);  then dc_carry = dc f for step t - 1,
// and then the recurrent gradient that step t sends back to h_{t-1}:
//   dh_rec[b][k] = sum over j < 4 * hidden of dz_t[b][j] * Wh[j][k].
//
// Needs forward_dims.wgsl (`Dims`; n = B, steps = T) and lstm_math.wgsl, prepended at load.
//
// Bindings (group 0):
//   0 dims     storage, read (the first step's block; only sizes and offsets are read)
//   1 params   storage, read       ONE's flat parameter buffer
//   2 gates    storage, read       [step][sequence][4 * hidden], activated
//   3 cells    storage, read       [step][sequence][hidden]
//   4 dy       storage, read       [step][sequence][actions + pred]
//   5 dh_rec   storage, read_write [sequence][hidden], zero before the dispatch
//   6 dc_carry storage, read_write [sequence][hidden], zero before the dispatch
//   7 dz       storage, read_write [step][sequence][4 * hidden]
//
// Work split: sequences are independent, so one workgroup of 64 invocations owns one sequence
// and walks its steps from the last to the first; invocation u owns units u, u + 64, ... in
// both halves of a step (so dh_rec and dc_carry of a unit are only ever touched by the
// invocation that owns it), and a storage barrier makes the step's dz visible to the whole
// workgroup before the recurrent product reads it. One dispatch instead of two per step: (B, 1, 1).

const WG: u32 = 64u;

@group(0) @binding(0) var<storage, read> dims: Dims;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> gates: array<f32>;
@group(0) @binding(3) var<storage, read> cells: array<f32>;
@group(0) @binding(4) var<storage, read> dy: array<f32>;
@group(0) @binding(5) var<storage, read_write> dh_rec: array<f32>;
@group(0) @binding(6) var<storage, read_write> dc_carry: array<f32>;
@group(0) @binding(7) var<storage, read_write> dz: array<f32>;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let seq = wg.x;
    let h = dims.hidden;
    let outs = dims.actions + dims.pred;
    for (var s = 0u; s < dims.steps; s++) {
        let t = dims.steps - 1u - s;
        let row = t * dims.n + seq;
        let g = row * 4u * h;
        for (var unit = lid.x; unit < h; unit += WG) {
            var dh = dh_rec[seq * h + unit];
            for (var o = 0u; o < dims.actions; o++) {
                dh += params[dims.off_wa + o * h + unit] * dy[row * outs + o];
            }
            for (var k = 0u; k < dims.pred; k++) {
                dh += params[dims.off_wp + k * h + unit] * dy[row * outs + dims.actions + k];
            }
            let i = gates[g + unit];
            let f = gates[g + h + unit];
            let gg = gates[g + 2u * h + unit];
            let o = gates[g + 3u * h + unit];
            let tc = tanh_safe(cells[row * h + unit]);
            var c_prev = 0.0;
            if (t > 0u) {
                c_prev = cells[(row - dims.n) * h + unit];
            }
            let state = seq * h + unit;
            let dc = dh * o * (1.0 - tc * tc) + dc_carry[state];
            dz[g + unit] = dc * gg * i * (1.0 - i);
            dz[g + h + unit] = dc * c_prev * f * (1.0 - f);
            dz[g + 2u * h + unit] = dc * i * (1.0 - gg * gg);
            dz[g + 3u * h + unit] = dh * tc * o * (1.0 - o);
            dc_carry[state] = dc * f;
        }
        storageBarrier();
        if (t > 0u) {
            for (var k = lid.x; k < h; k += WG) {
                var acc = 0.0;
                for (var j = 0u; j < 4u * h; j++) {
                    acc += dz[g + j] * params[dims.off_wh + j * h + k];
                }
                dh_rec[seq * h + k] = acc;
            }
        }
        storageBarrier();
    }
}
