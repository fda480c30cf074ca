//! Phase A by hand: a copy of ONE evolving on one task, a generation per call.

use super::lab::Lab;
use super::{js_error, trial_entries, Scene};
use serde::Serialize;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

/// A copy of ONE evolving on one task in the worker (Phase A).
#[wasm_bindgen]
pub struct Evolver {
    pub(super) evolution: Rc<RefCell<crate::evolve::Evolution>>,
}

#[derive(Serialize)]
struct GenerationView {
    report: crate::evolve::GenerationReport,
    /// Success of the mean policy from every start cell.
    evaluation: f32,
    /// The best member's first episode, cell by cell.
    path: Vec<(usize, usize)>,
}

/// The settings the page starts from: the small maze a copy learns in about a minute.
#[wasm_bindgen(js_name = defaultEvolveConfig)]
pub fn default_evolve_config() -> Result<JsValue, JsValue> {
    serde_wasm_bindgen::to_value(&crate::evolve::EvolveConfig::small_maze()).map_err(Into::into)
}

#[wasm_bindgen]
impl Lab {
    /// Starts a copy of a fresh ONE evolving under `config`; bad settings are refused with a
    /// message that names them.
    pub fn evolver(&self, config: JsValue) -> Result<Evolver, JsValue> {
        let config: crate::evolve::EvolveConfig =
            serde_wasm_bindgen::from_value(config).map_err(|e| js_error(format!("settings not understood: {e}")))?;
        config.validate().map_err(js_error)?;
        let one = crate::net::One::new(config.shape(), config.seed);
        let evolution = crate::evolve::Evolution::new(config, &one, self.device.rollout(), None).map_err(js_error)?;
        Ok(Evolver { evolution: Rc::new(RefCell::new(evolution)) })
    }
}

#[wasm_bindgen]
impl Evolver {
    /// The maze and task being learned.
    pub fn scene(&self) -> Result<JsValue, JsValue> {
        let e = self.evolution.borrow();
        let scene = Scene { maze: &e.maze, task: &e.task, start: (0, 0) };
        serde_wasm_bindgen::to_value(&scene).map_err(Into::into)
    }

    /// The trials recorded since the last call (every member's episodes and the evaluation
    /// episodes), for the worker to store in IndexedDB: `[{task, phase, success, record}]` where
    /// `record` is the trial's encoding (crate/src/traces/record.rs).
    #[wasm_bindgen(js_name = drainTrials)]
    pub fn drain_trials(&self) -> Result<JsValue, JsValue> {
        trial_entries(&self.evolution.borrow_mut().drain_trials())
    }

    /// The policy snapshots behind those trials (crate/src/traces/policy.rs), encoded, for the
    /// worker to store in the same transaction.
    #[wasm_bindgen(js_name = drainPolicies)]
    pub fn drain_policies(&self) -> js_sys::Array {
        let snapshots = self.evolution.borrow_mut().drain_policies();
        snapshots.iter().map(|s| JsValue::from(js_sys::Uint8Array::from(s.encode().as_slice()))).collect()
    }

    /// Resolves to the finished copy's success when its mean policy shows its skill from every
    /// start cell; those demonstration trials are what consolidation imitates (drain them next).
    pub fn demonstrate(&self) -> js_sys::Promise {
        let evolution = self.evolution.clone();
        future_to_promise(async move {
            let mut e = evolution.try_borrow_mut().map_err(|_| js_error("a generation is still running".into()))?;
            Ok(e.demonstrate().await.map_err(js_error)?.into())
        })
    }

    /// Resolves to one generation's report, the mean policy's success and the best episode.
    pub fn generation(&self) -> js_sys::Promise {
        let evolution = self.evolution.clone();
        future_to_promise(async move {
            let mut e = evolution.try_borrow_mut().map_err(|_| js_error("a generation is already running".into()))?;
            let report = e.generation().await.map_err(js_error)?;
            let evaluation = e.evaluate().await.map_err(js_error)?;
            let path = crate::world::replay_path(
                &e.maze,
                &e.task,
                report.best_start,
                &report.best_actions,
                e.config.step_limit,
            );
            serde_wasm_bindgen::to_value(&GenerationView { report, evaluation, path }).map_err(Into::into)
        })
    }
}
