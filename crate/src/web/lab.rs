//! The lab as the worker first starts it: ONE walking the default maze on the device the
//! browser gives, the GPU parity check and the device's measured speeds.

use super::speech::Speech;
use super::{js_error, Scene};
use crate::device::Device;
use crate::lifecycle::bench::BenchCase;
use crate::lifecycle::{WalkConfig, Walker};
use serde::Serialize;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

/// The clock the page's measurements read, in seconds.
fn seconds_now() -> f64 {
    js_sys::Date::now() / 1000.0
}

/// A running lab: ONE walking the default maze, on WebGPU when the browser has it.
#[wasm_bindgen]
pub struct Lab {
    pub(super) walker: Rc<RefCell<Walker>>,
    pub(super) device: Device,
    pub(super) adapter: String,
    pub(super) fallback_reason: String,
}

/// Starts the default walk. With `want_gpu` it opens WebGPU, and when that fails it runs the CPU
/// reference instead and keeps the reason, which the page shows.
#[wasm_bindgen(js_name = startLab)]
pub async fn start_lab(want_gpu: bool) -> Result<Lab, JsValue> {
    std::panic::set_hook(Box::new(|info| web_sys::console::error_1(&info.to_string().into())));
    let config = WalkConfig::default();
    let one = config.one();
    let (device, fallback_reason) = if want_gpu {
        Device::gpu_or_cpu().await
    } else {
        (Device::Cpu, Some("this browser has no WebGPU (navigator.gpu is missing)".to_string()))
    };
    let adapter = device.context().map(|ctx| ctx.describe()).unwrap_or_default();
    let walker = Walker::new(config, device.forward(&one, 1, 1).map_err(js_error)?).map_err(js_error)?;
    let fallback_reason = fallback_reason.unwrap_or_default();
    Ok(Lab { walker: Rc::new(RefCell::new(walker)), device, adapter, fallback_reason })
}

#[wasm_bindgen]
impl Lab {
    /// "gpu" or "cpu".
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        if self.walker.borrow().forward().is_gpu() { "gpu" } else { "cpu" }.into()
    }

    #[wasm_bindgen(getter)]
    pub fn adapter(&self) -> String {
        self.adapter.clone()
    }

    /// Why the CPU path is in use; empty on the GPU path.
    /// Why the GPU device was lost ("" while it is not, and on the CPU path).
    #[wasm_bindgen(getter, js_name = deviceLost)]
    pub fn device_lost(&self) -> String {
        self.device.context().and_then(|c| c.lost()).unwrap_or_default()
    }

    /// Destroys the GPU device, as a driver reset would lose it: how the page's fault test
    /// (tests/browser/faults.test.mjs) and a curious visitor see the lab recover.
    #[wasm_bindgen(js_name = loseDevice)]
    pub fn lose_device(&self) {
        if let Some(c) = self.device.context() {
            c.device.destroy();
        }
    }

    #[wasm_bindgen(getter, js_name = fallbackReason)]
    pub fn fallback_reason(&self) -> String {
        self.fallback_reason.clone()
    }

    /// The maze, the task and the agent's start cell.
    pub fn scene(&self) -> Result<JsValue, JsValue> {
        let w = self.walker.borrow();
        let scene = Scene { maze: &w.maze, task: &w.task, start: w.position() };
        serde_wasm_bindgen::to_value(&scene).map_err(Into::into)
    }

    /// Resolves to the next `Frame`.
    pub fn step(&self) -> js_sys::Promise {
        let walker = self.walker.clone();
        future_to_promise(async move {
            let mut w = walker.try_borrow_mut().map_err(|_| js_error("a step is already running".into()))?;
            let frame = w.step().await.map_err(js_error)?;
            serde_wasm_bindgen::to_value(&frame).map_err(Into::into)
        })
    }

    /// Resolves to the `Rates` (multiply-adds per second of rollouts and of consolidation,
    /// utterances heard per second) this lab's device gives, measured here with `speech`'s
    /// corpus: what the page's duration estimates start from.
    pub fn calibrate(&self, speech: &Speech) -> js_sys::Promise {
        let device = self.device.clone();
        let corpus = &speech.corpus;
        let audio: Vec<Vec<f32>> = corpus.utterances.iter().take(8).map(|u| corpus.audio(u)).collect();
        future_to_promise(async move {
            let rates = crate::lifecycle::calibrate(&device, &audio, &seconds_now).await.map_err(js_error)?;
            serde_wasm_bindgen::to_value(&rates).map_err(Into::into)
        })
    }

    /// Resolves to a `ParityReport`: the GPU forward kernels against the CPU reference, run here
    /// in the browser on random weights and inputs.
    pub fn parity(&self, agents: usize, hidden: usize, steps: usize) -> js_sys::Promise {
        let ctx = self.device.context().cloned();
        let goal = WalkConfig::default().goal;
        future_to_promise(async move {
            let ctx = ctx.ok_or_else(|| js_error("the parity check needs the GPU path".into()))?;
            let shape = crate::net::NetShape::for_maze(goal, hidden);
            let report = crate::device::check_forward(&ctx, shape, agents, steps, 2026).await.map_err(js_error)?;
            serde_wasm_bindgen::to_value(&report).map_err(Into::into)
        })
    }

    /// Resolves to a `BenchRow`: `case` (a `BenchCase`) timed on this lab's GPU, when it has
    /// one, and on the CPU path in wasm, each for at least `min_seconds`. The page's benchmark
    /// (www/bench.html) calls it case by case.
    pub fn bench(&self, case: JsValue, min_seconds: f64) -> js_sys::Promise {
        let device = self.device.clone();
        future_to_promise(async move {
            let case: BenchCase = serde_wasm_bindgen::from_value(case)
                .map_err(|e| js_error(format!("not a benchmark case ({{workload, size, hidden, steps}}): {e}")))?;
            let row =
                crate::lifecycle::bench::bench(&device, &case, min_seconds, &seconds_now).await.map_err(js_error)?;
            // JSON-compatible: a rate the CPU path alone lacks is null, as in the copied JSON.
            row.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(Into::into)
        })
    }
}
