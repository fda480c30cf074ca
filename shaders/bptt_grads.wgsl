// BPTT's weight gradients: a block of the gradient as a sum of outer products over all rows
// (step, sequence) of the batch,
//   grad[j][c] = sum over rows r of left[r][j] * right[r - shift][c]   (zero where r < shift)
//   grad_bias[j] = sum over rows r of left[r][j]                        (if has_bias)
// Four dispatches make the whole gradient: (dz, inputs) -> Wx and b; (dz, h shifted by one step)
// -> Wh; (dy logits, h) -> Wa and ba; (dy prediction, h) -> Wp and bp. Every gradient value is
// written once, so the gradient buffer needs no clearing.
//
// Bindings (group 0):
//   0 g      uniform `GradDims`, one block per dispatch (dynamic offset); mirrors `GradDims` in
//            crate/src/gpu/bptt.rs
//   1 left   storage, read       [row][left_stride], read from column left_offset
//   2 right  storage, read       [row][right_stride]
//   3 grad   storage, read_write ONE's flat gradient buffer (parameter layout)
//
// Work split: a 16 x 16 workgroup covers 16 columns c (x) of 16 gradient rows j (y); the bias is
// column c = c_count. Per chunk of 16 batch rows the workgroup stages 16 x 16 of left and of right
// in workgroup memory. Dispatch: (ceil((c_count + 1) / 16), ceil(j_count / 16), 1).

struct GradDims {
    rows: u32,
    j_count: u32,
    c_count: u32,
    left_stride: u32,
    left_offset: u32,
    right_stride: u32,
    right_shift: u32,
    out_offset: u32,
    bias_offset: u32,
    has_bias: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> g: GradDims;
@group(0) @binding(1) var<storage, read> left: array<f32>;
@group(0) @binding(2) var<storage, read> right: array<f32>;
@group(0) @binding(3) var<storage, read_write> grad: array<f32>;

var<workgroup> ls: array<array<f32, 17>, 16>; // [row][j]
var<workgroup> rs: array<array<f32, 17>, 16>; // [row][c]

fn right_value(r: u32, c: u32) -> f32 {
    if (c == g.c_count) {
        return 1.0;
    }
    if (c > g.c_count || r < g.right_shift) {
        return 0.0;
    }
    return right[(r - g.right_shift) * g.right_stride + c];
}

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let c = wg.x * 16u + lid.x;
    let j = wg.y * 16u + lid.y;
    var acc = 0.0;
    for (var r0 = 0u; r0 < g.rows; r0 += 16u) {
        // Invocation (x, y) stages batch row r0 + y: left at gradient row wg.y * 16 + x, right at column c.
        let r = r0 + lid.y;
        let load_j = wg.y * 16u + lid.x;
        var lv = 0.0;
        var rv = 0.0;
        if (r < g.rows) {
            if (load_j < g.j_count) {
                lv = left[r * g.left_stride + g.left_offset + load_j];
            }
            rv = right_value(r, c);
        }
        ls[lid.y][lid.x] = lv;
        rs[lid.y][lid.x] = rv;
        workgroupBarrier();
        for (var rr = 0u; rr < 16u; rr++) {
            acc += ls[rr][lid.y] * rs[rr][lid.x];
        }
        workgroupBarrier();
    }
    if (j >= g.j_count) {
        return;
    }
    if (c < g.c_count) {
        grad[g.out_offset + j * g.c_count + c] = acc;
    } else if (c == g.c_count && g.has_bias == 1u) {
        grad[g.bias_offset + j] = acc;
    }
}
