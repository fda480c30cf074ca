// BPTT's recurrent gradient, one time step for a batch: dh_rec = Wh^T dz_t, the gradient that
// step t sends back to h_{t-1} through the recurrent weights:
//   dh_rec[b][k] = sum over j < 4 * hidden of dz_t[b][j] * Wh[j][k].
//
// Needs forward_dims.wgsl (`Dims`; n = B), prepended at load.
//
// Bindings (group 0):
//   0 dims    storage, read, one block per step (dynamic offset)
//   1 params  storage, read       ONE's flat parameter buffer
//   2 dz      storage, read       [step][sequence][4 * hidden]
//   3 dh_rec  storage, read_write [sequence][hidden]
//
// Work split: a 16 x 16 workgroup covers 16 units k (x) of 16 sequences (y), a tiled product
// over j in chunks of 16: the workgroup stages 16 x 16 of dz and of Wh in workgroup memory.
// Dispatch: (ceil(hidden / 16), ceil(B / 16), 1), once per step, after bptt_backward.wgsl.

@group(0) @binding(0) var<storage, read> dims: Dims;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> dz: array<f32>;
@group(0) @binding(3) var<storage, read_write> dh_rec: array<f32>;

var<workgroup> dzs: array<array<f32, 17>, 16>; // [sequence][j]
var<workgroup> whs: array<array<f32, 17>, 16>; // [j][k]

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let h = dims.hidden;
    let rows = 4u * h;
    let k = wg.x * 16u + lid.x;
    let seq = wg.y * 16u + lid.y;
    let row = dims.step * dims.n + seq;
    var acc = 0.0;
    for (var j0 = 0u; j0 < rows; j0 += 16u) {
        // Invocation (x, y) stages dz of sequence y at j0 + x, and Wh row j0 + y at column k.
        var v = 0.0;
        if (seq < dims.n && j0 + lid.x < rows) {
            v = dz[row * rows + j0 + lid.x];
        }
        dzs[lid.y][lid.x] = v;
        var w = 0.0;
        if (j0 + lid.y < rows && k < h) {
            w = params[dims.off_wh + (j0 + lid.y) * h + k];
        }
        whs[lid.y][lid.x] = w;
        workgroupBarrier();
        for (var jj = 0u; jj < 16u; jj++) {
            acc += dzs[lid.y][jj] * whs[jj][lid.x];
        }
        workgroupBarrier();
    }
    if (seq < dims.n && k < h) {
        dh_rec[seq * h + k] = acc;
    }
}
