/// The GPU device and queue, and a description of the adapter behind them.
#[derive(Clone)]
pub struct Context {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub adapter: wgpu::AdapterInfo,
}

impl Context {
    /// Opens the best adapter there is (Vulkan natively, WebGPU in the browser) with all of its
    /// limits, since batched rollouts want large storage buffers. Fails with a plain sentence
    /// when there is none.
    pub async fn new() -> Result<Context, String> {
        // Chromium can expose `navigator.gpu` yet have no adapter; this asks for one up front.
        #[cfg(target_arch = "wasm32")]
        if !wgpu::util::is_browser_webgpu_supported().await {
            return Err("this browser offers no WebGPU adapter".into());
        }
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                ..Default::default()
            })
            .await
            .map_err(|e| format!("no GPU adapter is available ({e})"))?;
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("onelab"),
                required_limits: adapter.limits(),
                ..Default::default()
            })
            .await
            .map_err(|e| format!("the GPU adapter refused a device ({e})"))?;
        Ok(Context { device, queue, adapter: adapter.get_info() })
    }

    /// e.g. "llvmpipe (LLVM 15.0.6, 256 bits) (Vulkan, cpu)".
    pub fn describe(&self) -> String {
        let a = &self.adapter;
        let name = if a.name.is_empty() { "unnamed adapter" } else { a.name.as_str() };
        format!("{name} ({:?}, {:?})", a.backend, a.device_type)
    }
}
