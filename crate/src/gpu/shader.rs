//! Small helpers shared by the kernel families: WGSL sources, bind-group entries, pipelines.

use super::Context;
use crate::net::NetShape;
use bytemuck::{Pod, Zeroable};
use wgpu::util::DeviceExt;

/// WGSL pieces prepended to kernels (WGSL has no includes).
pub const FORWARD_DIMS: &str = include_str!("../../../shaders/forward_dims.wgsl");
pub const LSTM_MATH: &str = include_str!("../../../shaders/lstm_math.wgsl");
pub const GATE_SUMS: &str = include_str!("../../../shaders/gate_sums.wgsl");
pub const NOISE: &str = include_str!("../../../shaders/noise.wgsl");

/// Mirrors `Dims` in shaders/forward_dims.wgsl.
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

/// The binding of a per-step `Dims` block: a read-only storage buffer at a dynamic offset. Not a
/// uniform buffer, because Mesa's lavapipe specialises and JIT-compiles a shader variant per
/// distinct uniform value that steers control flow, and leaks each one's code: with the step in
/// a uniform, a few hundred training steps exhausted 24 GiB.
pub fn dims_binding(size: usize) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding: 0,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only: true },
            has_dynamic_offset: true,
            min_binding_size: wgpu::BufferSize::new(size as u64),
        },
        count: None,
    }
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

pub fn storage(binding: u32, read_only: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only },
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

/// A uniform block of `size` bytes at binding 0; `dynamic` when bound at per-dispatch offsets.
pub fn uniform(size: usize, dynamic: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding: 0,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Uniform,
            has_dynamic_offset: dynamic,
            min_binding_size: wgpu::BufferSize::new(size as u64),
        },
        count: None,
    }
}

/// A compute pipeline from WGSL `parts` concatenated, entry point `main`.
pub fn pipeline(ctx: &Context, name: &str, parts: &[&str], layout: &wgpu::BindGroupLayout) -> wgpu::ComputePipeline {
    let module = ctx.device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(name),
        source: wgpu::ShaderSource::Wgsl(parts.join("\n").into()),
    });
    let layout = ctx.device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some(name),
        bind_group_layouts: &[Some(layout)],
        immediate_size: 0,
    });
    ctx.device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(name),
        layout: Some(&layout),
        module: &module,
        entry_point: Some("main"),
        compilation_options: Default::default(),
        cache: None,
    })
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

/// A bind group whose entry i is `buffers[i]`, whole.
pub fn bind(ctx: &Context, layout: &wgpu::BindGroupLayout, buffers: &[&wgpu::Buffer]) -> wgpu::BindGroup {
    let entries: Vec<wgpu::BindGroupEntry> = buffers
        .iter()
        .enumerate()
        .map(|(i, b)| wgpu::BindGroupEntry { binding: i as u32, resource: b.as_entire_binding() })
        .collect();
    ctx.device.create_bind_group(&wgpu::BindGroupDescriptor { label: None, layout, entries: &entries })
}
