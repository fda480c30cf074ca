// The per-step block shared by the kernels that step ONE (lstm_gates.wgsl, lstm_heads.wgsl and
// the bptt_*.wgsl family), prepended to each of them at load. One block per time step, bound as a
// read-only storage buffer at a dynamic offset (why not a uniform: `dims_binding` in
// crate/src/gpu/shader.rs); it mirrors `Dims` there field for field. Offsets index ONE's flat
// parameter buffer (crate/src/net/layout.rs).

struct Dims {
    n: u32,
    input: u32,
    hidden: u32,
    actions: u32,
    pred: u32,
    step: u32,
    off_wx: u32,
    off_wh: u32,
    off_b: u32,
    off_wa: u32,
    off_ba: u32,
    off_wp: u32,
    off_bp: u32,
    // Steps held by the BPTT buffers (the forward kernels leave it 0).
    steps: u32,
    _pad1: u32,
    _pad2: u32,
}
