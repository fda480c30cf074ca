//! Phase A by hand in the worker: `lifecycle::EvolveByHand`, a step per call.

use super::lab::Lab;
use super::{busy, drained, event_value, js_error};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

/// A copy of ONE evolving on one task in the worker (Phase A), driven like `ExperimentRun`.
#[wasm_bindgen]
pub struct Evolver {
    run: Rc<RefCell<crate::lifecycle::EvolveByHand>>,
}

/// The settings the page starts from: the small maze a copy learns in about a minute.
#[wasm_bindgen(js_name = defaultEvolveConfig)]
pub fn default_evolve_config() -> Result<JsValue, JsValue> {
    serde_wasm_bindgen::to_value(&crate::evolve::EvolveConfig::small_maze()).map_err(Into::into)
}

#[wasm_bindgen]
impl Lab {
    /// Starts a copy of a fresh ONE evolving under `config` (an EvolveConfig) for
    /// `generations` generations; bad settings are refused with a message that names them.
    pub fn evolver(&self, config: JsValue, generations: usize) -> Result<Evolver, JsValue> {
        let config: crate::evolve::EvolveConfig =
            serde_wasm_bindgen::from_value(config).map_err(|e| js_error(format!("settings not understood: {e}")))?;
        let run = crate::lifecycle::EvolveByHand::new(config, generations, &self.device).map_err(js_error)?;
        Ok(Evolver { run: Rc::new(RefCell::new(run)) })
    }
}

#[wasm_bindgen]
impl Evolver {
    /// The maze and task being learned.
    pub fn scene(&self) -> Result<JsValue, JsValue> {
        let run = self.run.try_borrow().map_err(|_| busy())?;
        super::copy_scene(Some(&run.evolution))
    }

    /// Resolves to what the next step did: a "generation", then the copy's "demonstrated".
    pub fn step(&self) -> js_sys::Promise {
        let run = self.run.clone();
        future_to_promise(async move {
            let mut run = run.try_borrow_mut().map_err(|_| busy())?;
            event_value(&run.step().await.map_err(js_error)?)
        })
    }

    /// Whether the copy has evolved and shown its skill.
    #[wasm_bindgen(js_name = isDone)]
    pub fn is_done(&self) -> Result<bool, JsValue> {
        Ok(self.run.try_borrow().map_err(|_| busy())?.is_done())
    }

    /// The trials (every member's episodes, the evaluations, the demonstration) and encoded
    /// policy snapshots since the last call: `{trials, policies}`.
    pub fn drain(&self) -> Result<JsValue, JsValue> {
        let (trials, policies) = self.run.try_borrow_mut().map_err(|_| busy())?.drain();
        drained(&trials, &policies)
    }
}
