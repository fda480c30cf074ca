//! Phase B by hand: ONE consolidating on the stored traces, an update per call.

use super::lab::Lab;
use super::{busy, decode_all, js_error};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

/// The consolidation settings the page starts from.
#[wasm_bindgen(js_name = defaultConsolidateConfig)]
pub fn default_consolidate_config() -> Result<JsValue, JsValue> {
    serde_wasm_bindgen::to_value(&crate::consolidate::ConsolidateConfig::default()).map_err(Into::into)
}

/// ONE consolidating on stored traces in the worker (Phase B): BPTT on WebGPU when the lab has
/// it, else on the CPU reference.
#[wasm_bindgen]
pub struct Consolidator {
    pub(super) consolidation: Rc<RefCell<crate::consolidate::Consolidation>>,
}

#[wasm_bindgen]
impl Lab {
    /// Starts consolidating ONE, as first made under the copies' `settings` (an EvolveConfig),
    /// on the stored trials `records` (their encodings), with consolidation settings `config`
    /// (a ConsolidateConfig). Every task with a successful demonstration is worth memorizing.
    /// The page's copies evolve without listening, so the traces are silent; their weight
    /// statistics are not kept across phases, so the rates are uniform.
    pub fn consolidator(
        &self,
        settings: JsValue,
        config: JsValue,
        records: js_sys::Array,
    ) -> Result<Consolidator, JsValue> {
        let settings: crate::evolve::EvolveConfig =
            serde_wasm_bindgen::from_value(settings).map_err(|e| js_error(format!("settings not understood: {e}")))?;
        let config: crate::consolidate::ConsolidateConfig = serde_wasm_bindgen::from_value(config)
            .map_err(|e| js_error(format!("consolidation settings not understood: {e}")))?;
        let trials = decode_all(&records)?;
        let mut registry = crate::consolidate::Registry::default();
        for t in trials.iter().filter(|t| t.success && t.phase == crate::traces::Phase::Demonstration) {
            registry.memorize(&t.task);
        }
        let one = crate::net::One::new(settings.shape(), settings.seed);
        let hear = |_: &crate::traces::Heard| Err("the page's copies do not listen yet".to_string());
        let consolidation = crate::consolidate::Consolidation::new(
            config,
            &one,
            &crate::evolve::WeightStats::new(one.params.len()),
            trials,
            &registry,
            &hear,
            settings.step_limit,
            &self.device,
        )
        .map_err(js_error)?;
        Ok(Consolidator { consolidation: Rc::new(RefCell::new(consolidation)) })
    }
}

#[wasm_bindgen]
impl Consolidator {
    /// Updates taken so far (more than 0 for a consolidation resumed from a checkpoint).
    pub fn update(&self) -> Result<usize, JsValue> {
        Ok(self.consolidation.try_borrow().map_err(|_| busy())?.update)
    }

    /// `[imitated, predicted, held out]` trace counts.
    pub fn pools(&self) -> Vec<u32> {
        let (a, b, c) = self.consolidation.borrow().pools();
        vec![a as u32, b as u32, c as u32]
    }

    /// Resolves to one update's `UpdateReport` (losses before the step).
    pub fn step(&self) -> js_sys::Promise {
        let consolidation = self.consolidation.clone();
        future_to_promise(async move {
            let mut c = consolidation.try_borrow_mut().map_err(|_| js_error("an update is already running".into()))?;
            let report = c.step().await.map_err(js_error)?;
            serde_wasm_bindgen::to_value(&report).map_err(Into::into)
        })
    }

    /// Resolves to the prediction error per value on the held-out failed traces.
    #[wasm_bindgen(js_name = heldOut)]
    pub fn held_out(&self) -> js_sys::Promise {
        let consolidation = self.consolidation.clone();
        future_to_promise(async move {
            let mut c = consolidation.try_borrow_mut().map_err(|_| js_error("an update is running".into()))?;
            Ok(c.held_out_prediction().await.map_err(js_error)?.into())
        })
    }
}
