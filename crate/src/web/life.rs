//! ONE's life ordered by PowerPlay (lifecycle/powerplay.rs) in the worker, a step per call.

use super::lab::Lab;
use super::speech::Speech;
use super::{busy, decode_all, drained, event_value, js_error};
use crate::lifecycle::{ExperimentConfig, Life, LifeCheckpoint, LifeConfig, Metrics, Tried};
use serde::Serialize;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

/// A life in the worker, driven like `ExperimentRun`.
#[wasm_bindgen]
pub struct LifeRun {
    life: Rc<RefCell<Life>>,
}

#[wasm_bindgen]
impl Lab {
    /// Starts a life whose task space and candidates' settings are `config` (an
    /// ExperimentConfig: its tasks are the space), with budgets from `first_budget` doubling up
    /// to `last_budget` generations; bad settings are refused by name.
    pub fn life(
        &self,
        config: JsValue,
        first_budget: usize,
        last_budget: usize,
        speech: &Speech,
    ) -> Result<LifeRun, JsValue> {
        let experiment: ExperimentConfig = serde_wasm_bindgen::from_value(config)
            .map_err(|e| js_error(format!("life settings not understood: {e}")))?;
        let config = LifeConfig { experiment, first_budget, last_budget, replay: true };
        let life = Life::new(config, self.device.clone(), speech.corpus.clone()).map_err(js_error)?;
        Ok(LifeRun { life: Rc::new(RefCell::new(life)) })
    }

    /// The life a checkpoint (`LifeRun::checkpoint`'s bytes) describes, going on from where it
    /// was saved; one that cannot be read, or does not fit its own settings, is refused by name.
    #[wasm_bindgen(js_name = resumeLife)]
    pub fn resume_life(&self, checkpoint: &[u8], speech: &Speech) -> Result<LifeRun, JsValue> {
        let checkpoint: LifeCheckpoint =
            serde_json::from_slice(checkpoint).map_err(|e| js_error(format!("the saved life cannot be read: {e}")))?;
        let life = Life::resume(checkpoint, self.device.clone(), speech.corpus.clone()).map_err(js_error)?;
        Ok(LifeRun { life: Rc::new(RefCell::new(life)) })
    }
}

#[wasm_bindgen]
impl LifeRun {
    /// Resolves to what the life's next step did: a `LifeEvent` ("born", "trying", "outcome",
    /// "over") or the candidate's experiment's own `Event` ("generation", "read-traces", ...).
    pub fn step(&self) -> js_sys::Promise {
        let life = self.life.clone();
        future_to_promise(async move {
            let mut life = life.try_borrow_mut().map_err(|_| busy())?;
            event_value(&life.step().await.map_err(js_error)?)
        })
    }

    /// The stored trials (their encodings) a "read-traces" step asked for.
    pub fn read(&self, records: js_sys::Array) -> Result<(), JsValue> {
        let trials = decode_all(&records)?;
        self.life.try_borrow_mut().map_err(|_| busy())?.read(trials.into_iter().map(Ok)).map_err(js_error)
    }

    /// The candidate's evolving copy's maze and task, for the page to draw (null when no copy
    /// evolves): a task of the space may have a maze of its own.
    #[wasm_bindgen(js_name = copyScene)]
    pub fn copy_scene(&self) -> Result<JsValue, JsValue> {
        super::copy_scene(self.life.try_borrow().map_err(|_| busy())?.evolving())
    }

    /// Whether the life is over.
    #[wasm_bindgen(js_name = isDone)]
    pub fn is_done(&self) -> Result<bool, JsValue> {
        Ok(self.life.try_borrow().map_err(|_| busy())?.is_over())
    }

    /// The trials and encoded policy snapshots since the last call: `{trials, policies}`.
    pub fn drain(&self) -> Result<JsValue, JsValue> {
        let (trials, policies) = self.life.try_borrow_mut().map_err(|_| busy())?.drain();
        drained(&trials, &policies)
    }

    /// Resolves to where the life stands, `{bytes, standing}`: the JSON bytes of its
    /// `LifeCheckpoint` (kept in IndexedDB with the trials so far) and, for a resume offer,
    /// `{tried, accepted, tasks, trials}`.
    pub fn checkpoint(&self) -> js_sys::Promise {
        let life = self.life.clone();
        future_to_promise(async move {
            let life = life.try_borrow().map_err(|_| busy())?;
            let checkpoint = life.checkpoint().await.map_err(js_error)?;
            let bytes = serde_json::to_vec(&checkpoint)
                .map_err(|e| js_error(format!("the checkpoint cannot be written: {e}")))?;
            #[derive(Serialize)]
            struct Standing<'a> {
                tried: usize,
                accepted: usize,
                tasks: &'a [String],
                trials: usize,
            }
            let standing = Standing {
                tried: checkpoint.tried.len(),
                accepted: checkpoint.accepted.len(),
                tasks: &checkpoint.config.experiment.tasks,
                trials: life.counts().0,
            };
            let out = js_sys::Object::new();
            js_sys::Reflect::set(&out, &"bytes".into(), &js_sys::Uint8Array::from(bytes.as_slice()))?;
            js_sys::Reflect::set(&out, &"standing".into(), &serde_wasm_bindgen::to_value(&standing)?)?;
            Ok(out.into())
        })
    }

    /// Trials stored so far.
    pub fn trials(&self) -> Result<usize, JsValue> {
        Ok(self.life.try_borrow().map_err(|_| busy())?.counts().0)
    }

    /// The life so far, for the page's tables: `{space, budgets, grow, accepted, retention,
    /// tried, metrics, params, hidden}` (`budgets`: the first and the last; `grow`: the units
    /// each copy adds; `params`, `hidden`: ONE's size now).
    pub fn state(&self) -> Result<JsValue, JsValue> {
        #[derive(Serialize)]
        struct State<'a> {
            space: &'a [String],
            budgets: (usize, usize),
            grow: usize,
            params: usize,
            hidden: usize,
            accepted: &'a [String],
            retention: &'a [Vec<f32>],
            tried: &'a [Tried],
            metrics: Option<Metrics>,
        }
        let life = self.life.try_borrow().map_err(|_| busy())?;
        let state = State {
            space: &life.config.experiment.tasks,
            budgets: (life.config.first_budget, life.config.last_budget),
            grow: life.config.experiment.copy.grow,
            params: life.one().params.len(),
            hidden: life.one().shape.hidden,
            accepted: &life.accepted,
            retention: &life.retention,
            tried: &life.tried,
            metrics: life.metrics(),
        };
        state.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(Into::into)
    }
}
