//! The experiment of paper 3.8 in the worker, a step per call.

use super::consolidator::Consolidator;
use super::lab::Lab;
use super::speech::Speech;
use super::{busy, decode_all, js_error, trial_entries, Scene};
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

/// The experiment of paper 3.8 in the worker, driven step by step so that the page can show its
/// progress: copies evolve one generation at a time, consolidation one update at a time.
#[wasm_bindgen]
pub struct ExperimentRun {
    pub(super) experiment: Rc<RefCell<crate::lifecycle::Experiment>>,
    pub(super) copy: Rc<RefCell<Option<crate::evolve::Evolution>>>,
    /// A resumed checkpoint's consolidation, restored once its traces are read back.
    pub(super) consolidating: RefCell<Option<crate::consolidate::ConsolidationState>>,
}

#[derive(Serialize)]
struct CopyView {
    report: crate::evolve::GenerationReport,
    evaluation: f32,
    done: bool,
    /// The best member's first episode, cell by cell.
    path: Vec<(usize, usize)>,
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
        Ok(ExperimentRun {
            experiment: Rc::new(RefCell::new(experiment)),
            copy: Rc::new(RefCell::new(None)),
            consolidating: RefCell::new(None),
        })
    }

    /// The experiment a checkpoint (`ExperimentRun::checkpoint`'s bytes) describes, going on
    /// from where it was saved, with the command corpus `speech` holds. A checkpoint that
    /// cannot be read, or does not fit its own settings, is refused by name.
    #[wasm_bindgen(js_name = resumeExperiment)]
    pub fn resume_experiment(&self, checkpoint: &[u8], speech: &Speech) -> Result<ExperimentRun, JsValue> {
        let checkpoint: crate::lifecycle::Checkpoint = serde_json::from_slice(checkpoint)
            .map_err(|e| js_error(format!("the saved experiment cannot be read: {e}")))?;
        let corpus = speech.corpus.clone();
        let (experiment, evolving, consolidating) =
            crate::lifecycle::Experiment::resume(checkpoint, self.device.clone(), corpus).map_err(js_error)?;
        Ok(ExperimentRun {
            experiment: Rc::new(RefCell::new(experiment)),
            copy: Rc::new(RefCell::new(evolving)),
            consolidating: RefCell::new(consolidating),
        })
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
        Ok(ExperimentRun {
            experiment: Rc::new(RefCell::new(experiment)),
            copy: Rc::new(RefCell::new(None)),
            consolidating: RefCell::new(None),
        })
    }

    /// "Talk to ONE": from now on the lab's agent is the experiment's consolidated ONE (the
    /// accepted one, else the last candidate), hearing `audio` (16 kHz samples) at the start of
    /// every episode, in the experiment's maze with command `k`'s goal. Resolves
    /// to the new scene.
    pub fn talk(&self, run: &ExperimentRun, k: usize, audio: Vec<f32>) -> Result<JsValue, JsValue> {
        let exp = run.experiment.try_borrow().map_err(|_| js_error("the experiment is still running".into()))?;
        let one = exp.judged.as_ref().map(|(one, _)| one.clone());
        let one = one.ok_or_else(|| js_error("ONE has not consolidated yet".into()))?;
        if k >= exp.config.tasks.len() {
            return Err(js_error(format!("there is no command {k} in this experiment")));
        }
        let task = crate::world::Task::parse(&exp.config.copy_task(k), &exp.maze).map_err(js_error)?;
        let c = &exp.config.copy;
        let command = exp.hear(&audio);
        let forward = self.device.forward(&one, 1, 1).map_err(js_error)?;
        let walker = Walker::hearing(exp.maze.clone(), task, one.shape, c.step_limit, command, c.seed, forward)
            .map_err(js_error)?;
        *self.walker.borrow_mut() = walker;
        self.scene()
    }
}

#[wasm_bindgen]
impl ExperimentRun {
    /// The commands' goals, in order.
    pub fn tasks(&self) -> Result<Vec<String>, JsValue> {
        Ok(self.now()?.config.tasks.clone())
    }

    /// The spoken commands, in task order.
    pub fn commands(&self) -> Result<Vec<String>, JsValue> {
        let exp = self.now()?;
        Ok((0..exp.config.tasks.len()).map(|k| exp.config.command(k).to_string()).collect())
    }

    /// Adds a user's recording of `command` (16 kHz samples as stored) to judge ONE on.
    #[wasm_bindgen(js_name = addRecording)]
    pub fn add_recording(&self, command: &str, samples: Vec<f32>) -> Result<(), JsValue> {
        let mut exp = self.experiment.try_borrow_mut().map_err(|_| busy())?;
        exp.add_recording(command, &samples).map_err(js_error)
    }

    /// The task of copy `k` as stored in its trials ("ne|nw|se|sw").
    #[wasm_bindgen(js_name = copyTask)]
    pub fn copy_task(&self, k: usize) -> Result<String, JsValue> {
        Ok(self.now()?.config.copy_task(k))
    }

    /// Starts copy `k`'s evolution and returns its scene; refuses a bad `k` by name.
    #[wasm_bindgen(js_name = startCopy)]
    pub fn start_copy(&self, k: usize) -> Result<JsValue, JsValue> {
        let exp = self.now()?;
        if k >= exp.config.tasks.len() {
            return Err(js_error(format!("there is no command {k} in this experiment")));
        }
        let evo = exp.copy(k).map_err(js_error)?;
        *self.copy.try_borrow_mut().map_err(|_| busy())? = Some(evo);
        self.copy_scene()
    }

    /// The evolving copy's maze and task, for the page to draw (null when no copy evolves).
    #[wasm_bindgen(js_name = copyScene)]
    pub fn copy_scene(&self) -> Result<JsValue, JsValue> {
        let slot = self.copy.try_borrow().map_err(|_| busy())?;
        match slot.as_ref() {
            Some(evo) => Ok(serde_wasm_bindgen::to_value(&Scene { maze: &evo.maze, task: &evo.task, start: (0, 0) })?),
            None => Ok(JsValue::NULL),
        }
    }

    /// Resolves to one generation of the running copy: its report, its mean policy's success
    /// on validation speakers, and whether it is done.
    pub fn generation(&self) -> js_sys::Promise {
        let (experiment, copy) = (self.experiment.clone(), self.copy.clone());
        future_to_promise(async move {
            let mut exp = experiment.try_borrow_mut().map_err(|_| busy())?;
            let mut slot = copy.try_borrow_mut().map_err(|_| busy())?;
            let evo = slot.as_mut().ok_or_else(|| js_error("no copy is evolving".into()))?;
            let (report, evaluation, done) = exp.copy_generation(evo).await.map_err(js_error)?;
            let path = crate::world::replay_path(
                &evo.maze,
                &evo.task,
                report.best_start,
                &report.best_actions,
                evo.config.step_limit,
            );
            serde_wasm_bindgen::to_value(&CopyView { report, evaluation, done, path }).map_err(Into::into)
        })
    }

    /// Resolves to the finished copy's demonstration success (its trials are then drained).
    #[wasm_bindgen(js_name = finishCopy)]
    pub fn finish_copy(&self) -> js_sys::Promise {
        let (experiment, copy) = (self.experiment.clone(), self.copy.clone());
        future_to_promise(async move {
            let mut exp = experiment.try_borrow_mut().map_err(|_| busy())?;
            let mut slot = copy.try_borrow_mut().map_err(|_| busy())?;
            let evo = slot.take().ok_or_else(|| js_error("no copy is evolving".into()))?;
            Ok(exp.finish_copy(evo).await.map_err(js_error)?.into())
        })
    }

    /// The trials and encoded policy snapshots since the last call: `{trials, policies}`.
    pub fn drain(&self) -> Result<JsValue, JsValue> {
        let (trials, policies) = self.experiment.try_borrow_mut().map_err(|_| busy())?.drain();
        let out = js_sys::Object::new();
        js_sys::Reflect::set(&out, &"trials".into(), &trial_entries(&trials)?)?;
        let encoded: js_sys::Array =
            policies.iter().map(|s| JsValue::from(js_sys::Uint8Array::from(s.encode().as_slice()))).collect();
        js_sys::Reflect::set(&out, &"policies".into(), &encoded)?;
        Ok(out.into())
    }

    /// ONE's consolidation on the stored trials `records` (their encodings); after a resume,
    /// the checkpoint's consolidation goes on where it was.
    pub fn consolidator(&self, records: js_sys::Array) -> Result<Consolidator, JsValue> {
        let trials = decode_all(&records)?;
        let mut consolidation = self.now()?.consolidation(trials).map_err(js_error)?;
        if let Some(state) = self.consolidating.borrow_mut().take() {
            consolidation.restore(state).map_err(js_error)?;
        }
        Ok(Consolidator { consolidation: Rc::new(RefCell::new(consolidation)) })
    }

    /// Resolves to the acceptance test of the consolidated ONE (`Judgement`: the table per
    /// command, accepted, the verdict) and the environment steps taken so far.
    pub fn judge(&self, consolidator: &Consolidator) -> js_sys::Promise {
        let experiment = self.experiment.clone();
        let consolidation = consolidator.consolidation.clone();
        future_to_promise(async move {
            let one = consolidation.borrow().one().await.map_err(js_error)?;
            let mut exp = experiment.try_borrow_mut().map_err(|_| busy())?;
            let judgement = exp.judge(one).await.map_err(js_error)?;
            serde_wasm_bindgen::to_value(&judgement).map_err(Into::into)
        })
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

    /// Where the experiment stands (JSON bytes of `Checkpoint`), with the evolving copy if one
    /// is: what the page keeps in IndexedDB, in the transaction that stores the trials so far.
    pub fn checkpoint(&self) -> Result<Vec<u8>, JsValue> {
        let exp = self.now()?;
        let copy = self.copy.try_borrow().map_err(|_| busy())?;
        checkpoint_bytes(&exp.checkpoint(copy.as_ref(), None))
    }

    /// The checkpoint while `consolidator` runs: resolves to its bytes, with the
    /// consolidation's parameters and Adam state read back from wherever they live.
    #[wasm_bindgen(js_name = checkpointConsolidating)]
    pub fn checkpoint_consolidating(&self, consolidator: &Consolidator) -> js_sys::Promise {
        let experiment = self.experiment.clone();
        let consolidation = consolidator.consolidation.clone();
        future_to_promise(async move {
            let state = consolidation.try_borrow().map_err(|_| busy())?.state().await.map_err(js_error)?;
            let exp = experiment.try_borrow().map_err(|_| busy())?;
            let bytes = checkpoint_bytes(&exp.checkpoint(None, Some(state)))?;
            Ok(js_sys::Uint8Array::from(bytes.as_slice()).into())
        })
    }

    /// Trials the experiment has produced (all of them are in the trace store).
    pub fn trials(&self) -> Result<f64, JsValue> {
        Ok(self.now()?.trials as f64)
    }

    /// The retention matrix so far: a `RetentionRow` per consolidation.
    pub fn retention(&self) -> Result<JsValue, JsValue> {
        serde_wasm_bindgen::to_value(&self.now()?.retention).map_err(Into::into)
    }

    /// The evolving copy's generations so far (0 when no copy is evolving).
    #[wasm_bindgen(js_name = copyGeneration)]
    pub fn copy_generation(&self) -> Result<usize, JsValue> {
        Ok(self.copy.try_borrow().map_err(|_| busy())?.as_ref().map_or(0, |e| e.generation))
    }

    /// Whether ONE consolidates once copy `k` has finished (after each copy, or after the last).
    #[wasm_bindgen(js_name = consolidatesAfter)]
    pub fn consolidates_after(&self, k: usize) -> Result<bool, JsValue> {
        Ok(self.now()?.config.consolidates_after(k))
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

    /// Environment steps taken by the experiment so far (copies' trials and evaluations).
    #[wasm_bindgen(js_name = envSteps)]
    pub fn env_steps(&self) -> Result<f64, JsValue> {
        Ok(self.now()?.env_steps as f64)
    }
}

impl ExperimentRun {
    /// The experiment, unless a step holds it.
    fn now(&self) -> Result<std::cell::Ref<'_, crate::lifecycle::Experiment>, JsValue> {
        self.experiment.try_borrow().map_err(|_| busy())
    }
}

/// A checkpoint as the page stores it: JSON, read back by `Lab::resume_experiment`.
fn checkpoint_bytes(checkpoint: &crate::lifecycle::Checkpoint) -> Result<Vec<u8>, JsValue> {
    serde_json::to_vec(checkpoint).map_err(|e| js_error(format!("the checkpoint cannot be written: {e}")))
}
