/// The GPU device and queue, and a description of the adapter behind them.
#[derive(Clone)]
pub struct Context {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub adapter: wgpu::AdapterInfo,
    /// Why the device was lost, once it is (a driver reset, the GPU taken away, `destroy`):
    /// the page's worker then goes on on the CPU path from its last checkpoint.
    lost: std::sync::Arc<std::sync::Mutex<Option<String>>>,
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
        let lost = std::sync::Arc::new(std::sync::Mutex::new(None));
        let record = lost.clone();
        device.set_device_lost_callback(move |reason, message| {
            let why = match reason {
                wgpu::DeviceLostReason::Destroyed => "the device was destroyed".to_string(),
                wgpu::DeviceLostReason::Unknown if message.is_empty() => "no reason given".to_string(),
                wgpu::DeviceLostReason::Unknown => message,
            };
            *record.lock().unwrap_or_else(|e| e.into_inner()) = Some(why);
        });
        Ok(Context { device, queue, adapter: adapter.get_info(), lost })
    }

    /// Why the GPU device was lost, if it was.
    pub fn lost(&self) -> Option<String> {
        self.lost.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// e.g. "llvmpipe (LLVM 15.0.6, 256 bits) (Vulkan, cpu)".
    pub fn describe(&self) -> String {
        let a = &self.adapter;
        let name = if a.name.is_empty() { "unnamed adapter" } else { a.name.as_str() };
        format!("{name} ({:?}, {:?})", a.backend, a.device_type)
    }
}
