//! A compute kernel made from its WGSL. The bindings are read from the shader's own
//! `@group(0) @binding(k) var<space[, access]> name` lines, so each is declared once, in the
//! shader; the host binds buffers by those names, and a name that is unknown, unbound or bound
//! twice stops with the kernel and the name (a programming error, caught by any test that runs
//! the kernel).

use super::Context;

/// A binding as its shader declares it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub index: u32,
    pub name: String,
    /// `var<uniform>` rather than `var<storage, ...>`.
    pub uniform: bool,
    /// `var<storage, read>` (or `var<storage>`, read by default).
    pub read_only: bool,
}

/// The bindings of group 0 that `source` declares, in the order written.
pub fn bindings(source: &str) -> Vec<Binding> {
    source
        .lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("@group(0) @binding(")?;
            let (index, rest) = rest.split_once(')')?;
            let (space, rest) = rest.split_once("var<")?.1.split_once('>')?;
            let name = rest.split_once(':')?.0.trim();
            let mut space = space.split(',').map(str::trim);
            let uniform = space.next()? == "uniform";
            let read_only = space.next().is_none_or(|access| access == "read");
            Some(Binding { index: index.parse().ok()?, name: name.to_string(), uniform, read_only })
        })
        .collect()
}

/// What a binding is bound to: a whole buffer, or a block of `size` bytes of one, at the
/// offset each dispatch gives (a dynamic offset).
pub enum Bound<'a> {
    Whole(&'a wgpu::Buffer),
    Block(&'a wgpu::Buffer, usize),
}

pub struct Kernel {
    name: &'static str,
    pub pipeline: wgpu::ComputePipeline,
    layout: wgpu::BindGroupLayout,
    bindings: Vec<Binding>,
}

impl Kernel {
    /// The kernel of WGSL `parts` concatenated (WGSL has no includes), entry point `main`; the
    /// bindings named in `dynamic` are bound at per-dispatch offsets.
    pub fn new(ctx: &Context, name: &'static str, parts: &[&str], dynamic: &[&str]) -> Kernel {
        let source = parts.join("\n");
        let bindings = bindings(&source);
        for d in dynamic {
            assert!(bindings.iter().any(|b| b.name == *d), "kernel {name} declares no binding {d}");
        }
        let entries: Vec<wgpu::BindGroupLayoutEntry> = bindings
            .iter()
            .map(|b| wgpu::BindGroupLayoutEntry {
                binding: b.index,
                visibility: wgpu::ShaderStages::COMPUTE,
                ty: wgpu::BindingType::Buffer {
                    ty: if b.uniform {
                        wgpu::BufferBindingType::Uniform
                    } else {
                        wgpu::BufferBindingType::Storage { read_only: b.read_only }
                    },
                    has_dynamic_offset: dynamic.contains(&b.name.as_str()),
                    min_binding_size: None,
                },
                count: None,
            })
            .collect();
        let dev = &ctx.device;
        let layout =
            dev.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor { label: Some(name), entries: &entries });
        let module = dev.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(name),
            source: wgpu::ShaderSource::Wgsl(source.into()),
        });
        let pipeline_layout = dev.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some(name),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = dev.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(name),
            layout: Some(&pipeline_layout),
            module: &module,
            entry_point: Some("main"),
            compilation_options: Default::default(),
            cache: None,
        });
        Kernel { name, pipeline, layout, bindings }
    }

    /// A bind group giving every binding of the kernel the buffer named for it.
    pub fn bind(&self, ctx: &Context, named: &[(&str, Bound)]) -> wgpu::BindGroup {
        for (i, (name, _)) in named.iter().enumerate() {
            assert!(self.bindings.iter().any(|b| b.name == *name), "kernel {} declares no binding {name}", self.name);
            assert!(!named[..i].iter().any(|(n, _)| n == name), "kernel {}: {name} bound twice", self.name);
        }
        let entries: Vec<wgpu::BindGroupEntry> = self
            .bindings
            .iter()
            .map(|b| {
                let bound = named.iter().find(|(n, _)| *n == b.name).map(|(_, bound)| bound);
                let bound = bound.unwrap_or_else(|| panic!("kernel {}: nothing bound to {}", self.name, b.name));
                let resource = match bound {
                    Bound::Whole(buffer) => buffer.as_entire_binding(),
                    Bound::Block(buffer, size) => wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                        buffer,
                        offset: 0,
                        size: wgpu::BufferSize::new(*size as u64),
                    }),
                };
                wgpu::BindGroupEntry { binding: b.index, resource }
            })
            .collect();
        ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(self.name),
            layout: &self.layout,
            entries: &entries,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_are_read_from_the_shader() {
        let b = bindings(include_str!("../../../shaders/adam.wgsl"));
        let names: Vec<&str> = b.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names, ["a", "grad", "rates", "params", "m", "v"]);
        assert_eq!((b[0].index, b[0].uniform), (0, true));
        assert_eq!((b[1].index, b[1].uniform, b[1].read_only), (1, false, true));
        assert_eq!((b[3].index, b[3].read_only), (3, false));
    }

    #[test]
    fn every_shader_declares_its_bindings_in_order_once_each() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shaders");
        let mut kernels = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let source = std::fs::read_to_string(&path).unwrap();
            let declared = bindings(&source);
            // Every binding line is understood: none is skipped by the reader above.
            assert_eq!(declared.len(), source.matches("@binding(").count(), "{}", path.display());
            for (k, b) in declared.iter().enumerate() {
                assert_eq!(b.index as usize, k, "{}: bindings numbered in order", path.display());
                assert!(!declared[..k].iter().any(|o| o.name == b.name), "{}: {} twice", path.display(), b.name);
            }
            kernels += !declared.is_empty() as usize;
        }
        assert_eq!(kernels, 9, "nine kernel files declare bindings");
    }
}
