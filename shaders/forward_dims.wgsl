// The uniform block shared by the forward kernels (lstm_gates.wgsl, lstm_heads.wgsl), which
// gpu/forward.rs prepends to each of them. One block per time step, bound with a dynamic offset;
// it mirrors `Dims` in crate/src/gpu/forward.rs field for field. Offsets index ONE's flat
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
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}
