//! Small helpers shared by the kernel families: WGSL sources, the per-step `Dims` blocks, buffers.

use super::Context;
use crate::net::NetShape;
use bytemuck::{Pod, Zeroable};
use wgpu::util::DeviceExt;

/// WGSL pieces prepended to kernels (WGSL has no includes).
pub const FORWARD_DIMS: &str = include_str!("../../../shaders/forward_dims.wgsl");
pub const LSTM_MATH: &str = include_str!("../../../shaders/lstm_math.wgsl");
pub const GATE_SUMS: &str = include_str!("../../../shaders/gate_sums.wgsl");
pub const NOISE: &str = include_str!("../../../shaders/noise.wgsl");

/// Mirrors `Dims` in shaders/forward_dims.wgsl. Bound as a read-only storage block at a dynamic
/// offset, not as a uniform, because Mesa's lavapipe specialises and JIT-compiles a shader
/// variant per distinct uniform value that steers control flow, and leaks each one's code: with
/// the step in a uniform, a few hundred training steps exhausted 24 GiB.
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub struct Dims {
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
    steps: u32,
    _pad: [u32; 2],
}

/// A buffer of `blocks` `Dims` blocks for ONE of `shape` stepping `n` agents, block k
/// for step k, each at a multiple of the returned stride (for dynamic offsets).
pub fn dims_blocks(ctx: &Context, shape: NetShape, n: usize, blocks: usize, steps: usize) -> (wgpu::Buffer, u64) {
    let l = shape.layout();
    let stride = (std::mem::size_of::<Dims>() as u64)
        .next_multiple_of(ctx.device.limits().min_storage_buffer_offset_alignment as u64);
    let mut bytes = vec![0u8; stride as usize * blocks];
    for step in 0..blocks {
        let d = Dims {
            n: n as u32,
            input: shape.input() as u32,
            hidden: shape.hidden as u32,
            actions: shape.actions() as u32,
            pred: shape.pred() as u32,
            step: step as u32,
            off_wx: l.wx.start as u32,
            off_wh: l.wh.start as u32,
            off_b: l.b.start as u32,
            off_wa: l.wa.start as u32,
            off_ba: l.ba.start as u32,
            off_wp: l.wp.start as u32,
            off_bp: l.bp.start as u32,
            steps: steps as u32,
            _pad: [0; 2],
        };
        let at = step * stride as usize;
        bytes[at..at + std::mem::size_of::<Dims>()].copy_from_slice(bytemuck::bytes_of(&d));
    }
    let buffer = ctx.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("dims"),
        contents: &bytes,
        usage: wgpu::BufferUsages::STORAGE,
    });
    (buffer, stride)
}

/// A buffer of `words` 4-byte values (at least one, as zero-sized bindings are invalid).
pub fn buffer(ctx: &Context, name: &str, words: usize, usage: wgpu::BufferUsages) -> wgpu::Buffer {
    ctx.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(name),
        size: (words.max(1) * 4) as u64,
        usage,
        mapped_at_creation: false,
    })
}
