//! The experiment of paper 3.8 in the worker, a step per call.

use super::lab::Lab;
use super::speech::Speech;
use super::{busy, decode_all, drained, event_value, js_error};
use crate::lifecycle::Walker;
use serde::Serialize;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

/// The settings of the lab's default experiment (paper 3.8).
#[wasm_bindgen(js_name = defaultExperimentConfig)]
pub fn default_experiment_config() -> Result<JsValue, JsValue> {
    serde_wasm_bindgen::to_value(&crate::lifecycle::ExperimentConfig::default_experiment()).map_err(Into::into)
}

/// The experiment of paper 3.8 in the worker: the same state machine as the CLI's
/// (`lifecycle::Experiment::step`), a step per call, so that the page shows its progress.
#[wasm_bindgen]
pub struct ExperimentRun {
    pub(super) experiment: Rc<RefCell<crate::lifecycle::Experiment>>,
}

impl ExperimentRun {
    fn new(experiment: crate::lifecycle::Experiment) -> ExperimentRun {
        ExperimentRun { experiment: Rc::new(RefCell::new(experiment)) }
    }
}

#[wasm_bindgen]
impl Lab {
    /// Starts the experiment under `config` (an ExperimentConfig) with the command corpus
    /// `speech` holds; bad settings are refused with a message that names them.
    pub fn experiment(&self, config: JsValue, speech: &Speech) -> Result<ExperimentRun, JsValue> {
        let config: crate::lifecycle::ExperimentConfig = serde_wasm_bindgen::from_value(config)
            .map_err(|e| js_error(format!("experiment settings not understood: {e}")))?;
        let corpus = speech.corpus.clone();
        let experiment = crate::lifecycle::Experiment::new(config, self.device.clone(), corpus).map_err(js_error)?;
        Ok(ExperimentRun::new(experiment))
    }

    /// The experiment a checkpoint (`ExperimentRun::checkpoint`'s bytes) describes, going on
    /// from where it was saved, with the command corpus `speech` holds. A checkpoint that
    /// cannot be read, or does not fit its own settings, is refused by name.
    #[wasm_bindgen(js_name = resumeExperiment)]
    pub fn resume_experiment(&self, checkpoint: &[u8], speech: &Speech) -> Result<ExperimentRun, JsValue> {
        let checkpoint: crate::lifecycle::Checkpoint = serde_json::from_slice(checkpoint)
            .map_err(|e| js_error(format!("the saved experiment cannot be read: {e}")))?;
        let corpus = speech.corpus.clone();
        let experiment =
            crate::lifecycle::Experiment::resume(checkpoint, self.device.clone(), corpus).map_err(js_error)?;
        Ok(ExperimentRun::new(experiment))
    }

    /// The ONE a ONE file holds (`ExperimentRun::oneFile`'s bytes, the pretrained ONE's), as a
    /// finished experiment to talk to, with the command corpus `speech` holds. A file that is
    /// cut, corrupt, of another shape or from a newer lab is refused by name.
    #[wasm_bindgen(js_name = loadOne)]
    pub fn load_one(&self, bytes: &[u8], speech: &Speech) -> Result<ExperimentRun, JsValue> {
        let file = crate::lifecycle::OneFile::from_bytes(bytes).map_err(js_error)?;
        let corpus = speech.corpus.clone();
        let experiment =
            crate::lifecycle::Experiment::from_file(file, self.device.clone(), corpus).map_err(js_error)?;
        Ok(ExperimentRun::new(experiment))
    }

    /// "Talk to ONE": from now on the lab's agent is the experiment's consolidated ONE (the
    /// accepted one, else the last candidate), hearing `audio` (16 kHz samples) at the start of
    /// every episode, in task `k`'s maze with its goal. Resolves
    /// to the new scene.
    pub fn talk(&self, run: &ExperimentRun, k: usize, audio: Vec<f32>) -> Result<JsValue, JsValue> {
        let exp = run.experiment.try_borrow().map_err(|_| js_error("the experiment is still running".into()))?;
        let one = exp.judged.as_ref().map(|(one, _)| one.clone());
        let one = one.ok_or_else(|| js_error("ONE has not consolidated yet".into()))?;
        if k >= exp.config.tasks.len() {
            return Err(js_error(format!("there is no command {k} in this experiment")));
        }
        let copy = exp.config.copy_config(k);
        let maze = copy.maze();
        let task = crate::world::Task::parse(&copy.task, &maze).map_err(js_error)?;
        // Heard for task k's own listening steps, the first of the settings' (`Task::listen_part`).
        let mut command = exp.hear(&audio);
        command.truncate(copy.listen * copy.goal);
        let forward = self.device.forward(&one, 1, 1).map_err(js_error)?;
        let walker =
            Walker::hearing(maze, task, one.shape, copy.step_limit, command, copy.seed, forward).map_err(js_error)?;
        *self.walker.borrow_mut() = walker;
        self.scene()
    }
}

#[wasm_bindgen]
impl ExperimentRun {
    /// Resolves to what the experiment's next step did: an `Event` (`kind`: "copy",
    /// "generation", "demonstrated", "read-traces", "consolidating", "update", "judged").
    pub fn step(&self) -> js_sys::Promise {
        let experiment = self.experiment.clone();
        future_to_promise(async move {
            let mut exp = experiment.try_borrow_mut().map_err(|_| busy())?;
            event_value(&exp.step().await.map_err(js_error)?)
        })
    }

    /// The stored trials (their encodings) a "read-traces" step asked for.
    pub fn read(&self, records: js_sys::Array) -> Result<(), JsValue> {
        let trials = decode_all(&records)?;
        self.experiment.try_borrow_mut().map_err(|_| busy())?.read(trials.into_iter().map(Ok)).map_err(js_error)
    }

    /// Whether the experiment is over.
    #[wasm_bindgen(js_name = isDone)]
    pub fn is_done(&self) -> Result<bool, JsValue> {
        Ok(self.now()?.is_done())
    }

    /// The trials and encoded policy snapshots since the last call: `{trials, policies}`.
    pub fn drain(&self) -> Result<JsValue, JsValue> {
        let (trials, policies) = self.experiment.try_borrow_mut().map_err(|_| busy())?.drain();
        drained(&trials, &policies)
    }

    /// Resolves to where the experiment stands, `{bytes, standing}`: the JSON bytes of its
    /// `Checkpoint` (what the page keeps in IndexedDB, in the transaction that stores the
    /// trials so far; a consolidation's state is read back from wherever it lives) and the
    /// `Standing` a resume offer shows.
    pub fn checkpoint(&self) -> js_sys::Promise {
        let experiment = self.experiment.clone();
        future_to_promise(async move {
            let exp = experiment.try_borrow().map_err(|_| busy())?;
            let checkpoint = exp.checkpoint().await.map_err(js_error)?;
            let bytes = serde_json::to_vec(&checkpoint)
                .map_err(|e| js_error(format!("the checkpoint cannot be written: {e}")))?;
            let out = js_sys::Object::new();
            js_sys::Reflect::set(&out, &"bytes".into(), &js_sys::Uint8Array::from(bytes.as_slice()))?;
            js_sys::Reflect::set(&out, &"standing".into(), &serde_wasm_bindgen::to_value(&checkpoint.standing())?)?;
            Ok(out.into())
        })
    }

    /// The commands' goals, in order.
    pub fn tasks(&self) -> Result<Vec<String>, JsValue> {
        Ok(self.now()?.config.tasks.clone())
    }

    /// The spoken commands, in task order.
    pub fn commands(&self) -> Result<Vec<String>, JsValue> {
        let exp = self.now()?;
        Ok((0..exp.config.tasks.len()).map(|k| exp.config.command(k).to_string()).collect())
    }

    /// Forgets the recordings added so far (the worker adds the stored ones again before
    /// each judgement).
    #[wasm_bindgen(js_name = clearRecordings)]
    pub fn clear_recordings(&self) -> Result<(), JsValue> {
        self.experiment.try_borrow_mut().map_err(|_| busy())?.clear_recordings();
        Ok(())
    }

    /// Adds a user's recording of `command` (16 kHz samples as stored) to judge ONE on.
    #[wasm_bindgen(js_name = addRecording)]
    pub fn add_recording(&self, command: &str, samples: Vec<f32>) -> Result<(), JsValue> {
        let mut exp = self.experiment.try_borrow_mut().map_err(|_| busy())?;
        exp.add_recording(command, &samples).map_err(js_error)
    }

    /// The evolving copy's maze and task, for the page to draw (null when no copy evolves).
    #[wasm_bindgen(js_name = copyScene)]
    pub fn copy_scene(&self) -> Result<JsValue, JsValue> {
        super::copy_scene(self.now()?.evolving())
    }

    /// The copies' learning curves so far, `[copy, generation, mean policy's success]` per
    /// generation.
    pub fn curve(&self) -> Result<JsValue, JsValue> {
        let exp = self.now()?;
        let points: Vec<(usize, usize, f32)> = (exp.curves.iter().enumerate())
            .flat_map(|(k, curve)| curve.iter().map(move |p| (k, p.generation, p.mean_policy)))
            .collect();
        serde_wasm_bindgen::to_value(&points).map_err(Into::into)
    }

    /// ONE as last judged, as a ONE file's bytes (for "Download ONE"); refused before the first
    /// judgement.
    #[wasm_bindgen(js_name = oneFile)]
    pub fn one_file(&self) -> Result<Vec<u8>, JsValue> {
        let file = self.now()?.one_file().ok_or_else(|| js_error("ONE has not been judged yet".into()))?;
        Ok(file.to_bytes())
    }

    /// What the last judged ONE is: `{ config, judgement, retention }`, for the page's table.
    pub fn judged(&self) -> Result<JsValue, JsValue> {
        #[derive(Serialize)]
        struct Judged<'a> {
            config: &'a crate::lifecycle::ExperimentConfig,
            judgement: &'a crate::lifecycle::Judgement,
            retention: &'a [crate::lifecycle::RetentionRow],
        }
        let exp = self.now()?;
        let (_, judgement) = exp.judged.as_ref().ok_or_else(|| js_error("ONE has not been judged yet".into()))?;
        let view = Judged { config: &exp.config, judgement, retention: &exp.retention };
        view.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(Into::into)
    }

    /// Trials the experiment has produced (all of them are in the trace store).
    pub fn trials(&self) -> Result<f64, JsValue> {
        Ok(self.now()?.trials as f64)
    }

    /// The retention matrix so far: a `RetentionRow` per consolidation.
    pub fn retention(&self) -> Result<JsValue, JsValue> {
        serde_wasm_bindgen::to_value(&self.now()?.retention).map_err(Into::into)
    }

    /// The spread (standard deviation) of each of ONE's weights over the finished copies'
    /// trials (paper 3.12), as a `Grid` for the heatmap: what consolidation's per-weight rates
    /// read when `variance_rates` is on.
    #[wasm_bindgen(js_name = weightSpread)]
    pub fn weight_spread(&self) -> Result<JsValue, JsValue> {
        let exp = self.now()?;
        let spread: Vec<f32> = exp.stats.variance().iter().map(|v| v.sqrt() as f32).collect();
        serde_wasm_bindgen::to_value(&exp.one.shape.grid(&spread)).map_err(Into::into)
    }
}

impl ExperimentRun {
    /// The experiment, unless a step holds it.
    fn now(&self) -> Result<std::cell::Ref<'_, crate::lifecycle::Experiment>, JsValue> {
        self.experiment.try_borrow().map_err(|_| busy())
    }
}
