//! Small helpers shared by the kernel families: WGSL sources, bind-group entries, pipelines.

use super::Context;

/// WGSL pieces prepended to kernels (WGSL has no includes).
pub const FORWARD_DIMS: &str = include_str!("../../../shaders/forward_dims.wgsl");
pub const LSTM_MATH: &str = include_str!("../../../shaders/lstm_math.wgsl");
pub const NOISE: &str = include_str!("../../../shaders/noise.wgsl");

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
