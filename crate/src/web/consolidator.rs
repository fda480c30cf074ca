//! Phase B by hand in the worker: `lifecycle::ConsolidateByHand`, a step per call.

use super::lab::Lab;
use super::{busy, decode_all, drained, event_value, js_error};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

/// The consolidation settings the page starts from.
#[wasm_bindgen(js_name = defaultConsolidateConfig)]
pub fn default_consolidate_config() -> Result<JsValue, JsValue> {
    serde_wasm_bindgen::to_value(&crate::consolidate::ConsolidateConfig::default()).map_err(Into::into)
}

/// ONE consolidating on the stored traces in the worker (Phase B), driven like
/// `ExperimentRun`: BPTT on WebGPU when the lab has it, else on the CPU reference.
#[wasm_bindgen]
pub struct Consolidator {
    run: Rc<RefCell<crate::lifecycle::ConsolidateByHand>>,
}

#[wasm_bindgen]
impl Lab {
    /// Consolidation of ONE, as first made under the copies' `settings` (an EvolveConfig), with
    /// consolidation settings `config` (a ConsolidateConfig); bad settings are refused by name.
    pub fn consolidator(&self, settings: JsValue, config: JsValue) -> Result<Consolidator, JsValue> {
        let settings: crate::evolve::EvolveConfig =
            serde_wasm_bindgen::from_value(settings).map_err(|e| js_error(format!("settings not understood: {e}")))?;
        let config: crate::consolidate::ConsolidateConfig = serde_wasm_bindgen::from_value(config)
            .map_err(|e| js_error(format!("consolidation settings not understood: {e}")))?;
        let run = crate::lifecycle::ConsolidateByHand::new(settings, config, &self.device).map_err(js_error)?;
        Ok(Consolidator { run: Rc::new(RefCell::new(run)) })
    }
}

#[wasm_bindgen]
impl Consolidator {
    /// Resolves to what the next step did: "read-traces", "consolidating", an "update" per
    /// step, then "consolidated".
    pub fn step(&self) -> js_sys::Promise {
        let run = self.run.clone();
        future_to_promise(async move {
            let mut run = run.try_borrow_mut().map_err(|_| busy())?;
            event_value(&run.step().await.map_err(js_error)?)
        })
    }

    /// Every stored trial (their encodings), as "read-traces" asked.
    pub fn read(&self, records: js_sys::Array) -> Result<(), JsValue> {
        let trials = decode_all(&records)?;
        self.run.try_borrow_mut().map_err(|_| busy())?.read(trials).map_err(js_error)
    }

    /// Whether the last update was taken and the held-out error measured after it.
    #[wasm_bindgen(js_name = isDone)]
    pub fn is_done(&self) -> Result<bool, JsValue> {
        Ok(self.run.try_borrow().map_err(|_| busy())?.is_done())
    }

    /// Consolidation makes no trials: `{trials: [], policies: []}`, for a driver that stores
    /// what every step made.
    pub fn drain(&self) -> Result<JsValue, JsValue> {
        drained(&[], &[])
    }
}
