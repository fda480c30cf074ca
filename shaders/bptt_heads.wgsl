// BPTT's heads and losses, all steps of the batch at once (the heads do not feed back, and the
// inputs are the recorded ones): per row (step, sequence), the action logits and prediction from
// h_t, the weighted losses, and their gradients with respect to the logits and the prediction:
//   imitation  w_i * cross_entropy(softmax(logits), action)  ->  w_i * (softmax - onehot)
//   prediction w_p * |prediction - target|^2                 ->  w_p * 2 (prediction - target)
//
// Needs forward_dims.wgsl (`Dims`; n = B, steps = T), prepended at load. actions + pred <= 16.
//
// Bindings (group 0):
//   0 dims    storage, read (any step's block; only sizes and offsets are read)
//   1 params  storage, read       ONE's flat parameter buffer
//   2 hs      storage, read       [step][sequence][hidden]
//   3 actions storage, read       [step][sequence], the recorded action
//   4 targets storage, read       [step][sequence][pred], next observation and reward vector
//   5 weights storage, read       [step][sequence][2], imitation and prediction weights
//   6 dy      storage, read_write [step][sequence][actions + pred], the output gradients
//   7 losses  storage, read_write [step][sequence][2], the weighted loss terms
//
// Work split: one invocation per row, 64 per workgroup; each computes actions + pred dot
// products of length hidden. Dispatch: (ceil(T * B / 64), 1, 1).

@group(0) @binding(0) var<storage, read> dims: Dims;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> hs: array<f32>;
@group(0) @binding(3) var<storage, read> actions: array<u32>;
@group(0) @binding(4) var<storage, read> targets: array<f32>;
@group(0) @binding(5) var<storage, read> weights: array<f32>;
@group(0) @binding(6) var<storage, read_write> dy: array<f32>;
@group(0) @binding(7) var<storage, read_write> losses: array<f32>;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let row = gid.x;
    if (row >= dims.steps * dims.n) {
        return;
    }
    let h = dims.hidden;
    let a_count = dims.actions;
    let outs = a_count + dims.pred;
    var y: array<f32, 16>;
    for (var o = 0u; o < outs; o++) {
        var w_row = dims.off_wa + o * h;
        var acc = params[dims.off_ba + o];
        if (o >= a_count) {
            w_row = dims.off_wp + (o - a_count) * h;
            acc = params[dims.off_bp + o - a_count];
        }
        var dot = 0.0;
        for (var u = 0u; u < h; u++) {
            dot += params[w_row + u] * hs[row * h + u];
        }
        y[o] = dot + acc;
    }
    let w_imitate = weights[2u * row];
    let w_predict = weights[2u * row + 1u];
    var imitation = 0.0;
    var prediction = 0.0;
    let base = row * outs;
    if (w_imitate != 0.0) {
        var m = y[0];
        for (var o = 1u; o < a_count; o++) {
            m = max(m, y[o]);
        }
        var sum = 0.0;
        for (var o = 0u; o < a_count; o++) {
            sum += exp(y[o] - m);
        }
        let chosen = actions[row];
        imitation = w_imitate * (log(sum) + m - y[chosen]);
        for (var o = 0u; o < a_count; o++) {
            var p = exp(y[o] - m) / sum;
            if (o == chosen) {
                p -= 1.0;
            }
            dy[base + o] = w_imitate * p;
        }
    } else {
        for (var o = 0u; o < a_count; o++) {
            dy[base + o] = 0.0;
        }
    }
    for (var k = 0u; k < dims.pred; k++) {
        var d = 0.0;
        if (w_predict != 0.0) {
            let e = y[a_count + k] - targets[row * dims.pred + k];
            prediction += w_predict * e * e;
            d = w_predict * (e + e);
        }
        dy[base + a_count + k] = d;
    }
    losses[2u * row] = imitation;
    losses[2u * row + 1u] = prediction;
}
