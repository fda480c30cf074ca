//! The wasm-bindgen API the page's worker drives. It wraps the same `Walker`, `gpu` and `cpu`
//! code the native CLI and tests use; nothing here computes anything of its own.

use crate::backend::Backend;
use crate::lifecycle::{WalkConfig, Walker};
use crate::{cpu, gpu};
use serde::Serialize;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

/// A running lab: ONE walking the default maze, on WebGPU when the browser has it.
#[wasm_bindgen]
pub struct Lab {
    walker: Rc<RefCell<Walker>>,
    gpu: Option<gpu::Context>,
    adapter: String,
    fallback_reason: String,
}

#[derive(Serialize)]
struct Scene<'a> {
    maze: &'a crate::world::Maze,
    task: &'a crate::world::Task,
    start: (usize, usize),
}

fn js_error(message: String) -> JsValue {
    JsError::new(&message).into()
}

/// Starts the default walk. With `want_gpu` it opens WebGPU, and when that fails it runs the CPU
/// reference instead and keeps the reason, which the page shows.
#[wasm_bindgen(js_name = startLab)]
pub async fn start_lab(want_gpu: bool) -> Result<Lab, JsValue> {
    std::panic::set_hook(Box::new(|info| web_sys::console::error_1(&info.to_string().into())));
    let config = WalkConfig::default();
    let one = config.one();
    let opened = if want_gpu {
        match gpu::Context::new().await {
            Ok(ctx) => gpu::Forward::new(&ctx, &one, 1, 1).map(|f| (ctx, f)),
            Err(e) => Err(e),
        }
    } else {
        Err("this browser has no WebGPU (navigator.gpu is missing)".to_string())
    };
    let (backend, gpu, adapter, fallback_reason) = match opened {
        Ok((ctx, forward)) => (Backend::Gpu(forward), Some(ctx.clone()), ctx.describe(), String::new()),
        Err(reason) => (Backend::Cpu(cpu::Forward::new(&one, 1)), None, String::new(), reason),
    };
    let walker = Walker::new(config, backend).map_err(js_error)?;
    Ok(Lab { walker: Rc::new(RefCell::new(walker)), gpu, adapter, fallback_reason })
}

#[wasm_bindgen]
impl Lab {
    /// "gpu" or "cpu".
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        if self.walker.borrow().backend().is_gpu() { "gpu" } else { "cpu" }.into()
    }

    #[wasm_bindgen(getter)]
    pub fn adapter(&self) -> String {
        self.adapter.clone()
    }

    /// Why the CPU path is in use; empty on the GPU path.
    /// Why the GPU device was lost ("" while it is not, and on the CPU path).
    #[wasm_bindgen(getter, js_name = deviceLost)]
    pub fn device_lost(&self) -> String {
        self.gpu.as_ref().and_then(|c| c.lost()).unwrap_or_default()
    }

    /// Destroys the GPU device, as a driver reset would lose it: how the page's fault test
    /// (tests/browser/faults.test.mjs) and a curious visitor see the lab recover.
    #[wasm_bindgen(js_name = loseDevice)]
    pub fn lose_device(&self) {
        if let Some(c) = &self.gpu {
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
        let ctx = self.gpu.clone();
        let corpus = &speech.corpus;
        let audio: Vec<Vec<f32>> = corpus.utterances.iter().take(8).map(|u| corpus.audio(u)).collect();
        future_to_promise(async move {
            let now = || js_sys::Date::now() / 1000.0;
            let rates = crate::lifecycle::calibrate(ctx.as_ref(), &audio, &now).await.map_err(js_error)?;
            serde_wasm_bindgen::to_value(&rates).map_err(Into::into)
        })
    }

    /// Resolves to a `ParityReport`: the GPU forward kernels against the CPU reference, run here
    /// in the browser on random weights and inputs.
    pub fn parity(&self, agents: usize, hidden: usize, steps: usize) -> js_sys::Promise {
        let ctx = self.gpu.clone();
        let goal = WalkConfig::default().goal;
        future_to_promise(async move {
            let ctx = ctx.ok_or_else(|| js_error("the parity check needs the GPU path".into()))?;
            let shape = crate::net::NetShape::for_maze(goal, hidden);
            let report = gpu::check_forward(&ctx, shape, agents, steps, 2026).await.map_err(js_error)?;
            serde_wasm_bindgen::to_value(&report).map_err(Into::into)
        })
    }
}

/// A copy of ONE evolving on one task in the worker (Phase A).
#[wasm_bindgen]
pub struct Evolver {
    evolution: Rc<RefCell<crate::evolve::Evolution>>,
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

/// The consolidation settings the page starts from.
#[wasm_bindgen(js_name = defaultConsolidateConfig)]
pub fn default_consolidate_config() -> Result<JsValue, JsValue> {
    serde_wasm_bindgen::to_value(&crate::consolidate::ConsolidateConfig::default()).map_err(Into::into)
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
        let backend = match &self.gpu {
            Some(ctx) => crate::evolve::RolloutBackend::Gpu(gpu::Rollout::new(ctx)),
            None => crate::evolve::RolloutBackend::Cpu,
        };
        let evolution = crate::evolve::Evolution::new(config, &one, backend, None).map_err(js_error)?;
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

/// ONE consolidating on stored traces in the worker (Phase B): BPTT on WebGPU when the lab has
/// it, else on the CPU reference.
#[wasm_bindgen]
pub struct Consolidator {
    consolidation: Rc<RefCell<crate::consolidate::Consolidation>>,
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
            self.gpu.as_ref(),
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

/// A WAV file's audio, read, resampled and trimmed as a user's recording is: its log-mel frames
/// (`MelConfig::default()`, flat `[frame][band]`) and ONE's goal input for `listen` steps
/// (normalised, pooled; flat `[step][band]`), as `{frames, goal}`; bad files are refused with
/// the reason.
#[wasm_bindgen(js_name = wavFeatures)]
pub fn wav_features(bytes: &[u8], listen: usize) -> Result<JsValue, JsValue> {
    #[derive(Serialize)]
    struct Features {
        frames: Vec<f32>,
        goal: Vec<f32>,
    }
    let config = crate::speech::MelConfig::default();
    let audio = crate::speech::parse_wav(bytes).map_err(js_error)?;
    let audio = crate::speech::prepare_recording(&audio, config.sample_rate).map_err(js_error)?;
    let bank = crate::speech::MelFilterbank::new(config);
    let features = Features {
        frames: bank.frames(&audio.samples).concat(),
        goal: crate::speech::listening_frames(&bank, &audio.samples, listen),
    };
    serde_wasm_bindgen::to_value(&features).map_err(Into::into)
}

/// The command corpus and log-mel features in the worker: what the page's command panel plays,
/// draws and records.
#[wasm_bindgen]
pub struct Speech {
    corpus: crate::speech::Corpus,
    bank: crate::speech::MelFilterbank,
}

#[derive(Serialize)]
struct Heard {
    /// 16 kHz samples, as played and as stored.
    audio: Vec<f32>,
    /// Log-mel frames, flat `[frame][band]`.
    frames: Vec<f32>,
    bands: usize,
}

#[wasm_bindgen]
impl Speech {
    /// Checks the corpus files against their checksums.
    #[wasm_bindgen(constructor)]
    pub fn new(manifest: &str, blob: Vec<u8>) -> Result<Speech, JsValue> {
        let corpus = crate::speech::Corpus::load(manifest, blob).map_err(js_error)?;
        Ok(Speech { corpus, bank: crate::speech::MelFilterbank::new(crate::speech::MelConfig::default()) })
    }

    /// `{commands, speakers: [{id, split}]}`, split being "train", "validation" or "cross".
    pub fn catalogue(&self) -> Result<JsValue, JsValue> {
        #[derive(Serialize)]
        struct Entry<'a> {
            id: &'a str,
            split: &'a str,
        }
        #[derive(Serialize)]
        struct Catalogue<'a> {
            commands: &'a [String],
            speakers: Vec<Entry<'a>>,
        }
        let speakers = self.corpus.speakers.iter().map(|s| Entry { id: &s.id, split: s.split.name() }).collect();
        serde_wasm_bindgen::to_value(&Catalogue { commands: &self.corpus.commands, speakers }).map_err(Into::into)
    }

    fn heard(&self, audio: Vec<f32>) -> Result<JsValue, JsValue> {
        let frames = self.bank.frames(&audio).concat();
        let heard = Heard { audio, frames, bands: self.bank.config().bands };
        serde_wasm_bindgen::to_value(&heard).map_err(Into::into)
    }

    /// A corpus utterance's audio and features.
    pub fn utterance(&self, speaker: &str, command: &str) -> Result<JsValue, JsValue> {
        let u = self
            .corpus
            .utterances
            .iter()
            .find(|u| u.speaker == speaker && u.text == command)
            .ok_or_else(|| js_error(format!("{speaker} does not say {command:?} in the corpus")))?;
        self.heard(self.corpus.audio(u))
    }

    /// A WAV file labelled `label`, read and checked as a recording is.
    pub fn wav(&self, bytes: &[u8], label: &str) -> Result<JsValue, JsValue> {
        let audio = crate::speech::parse_wav(bytes).map_err(js_error)?;
        self.recording(audio.samples, audio.sample_rate, label)
    }

    /// A user's recording (mono samples at `rate`) labelled `label`: resampled, trimmed, checked,
    /// and turned into features; refused with the reason (unknown label, silence, clipping, too
    /// short or too long).
    pub fn recording(&self, samples: Vec<f32>, rate: u32, label: &str) -> Result<JsValue, JsValue> {
        if !self.corpus.commands.iter().any(|c| c == label) {
            return Err(js_error(format!(
                "unknown command label {label:?}: expected one of {}",
                self.corpus.commands.join(", ")
            )));
        }
        let audio = crate::speech::Audio { sample_rate: rate, samples };
        let prepared = crate::speech::prepare_recording(&audio, self.corpus.sample_rate).map_err(js_error)?;
        self.heard(prepared.samples)
    }
}

/// What the lab says of `bytes` taken as input `kind` (crate/src/inputs.rs: record, policy,
/// archive, wav, settings, checkpoint): "accepted: ..." or "refused: ...", checkpoints resumed
/// with the first two speakers of each split, as `onelab fuzz` takes them; so that the wasm32
/// build's verdicts can be checked against the native ones (tests/browser/inputs.test.mjs).
#[wasm_bindgen(js_name = takeInput)]
pub fn take_input(speech: &Speech, kind: &str, bytes: &[u8]) -> Result<String, JsValue> {
    let kind = crate::inputs::Input::parse(kind).map_err(js_error)?;
    Ok(match kind.take(bytes, &speech.corpus.first_speakers(2)) {
        Ok(what) => format!("accepted: {what}"),
        Err(why) => format!("refused: {why}"),
    })
}

/// An export file (crate/src/traces/archive.rs) of stored trial records and recordings (JSON).
#[wasm_bindgen(js_name = buildArchive)]
pub fn build_archive(records: Vec<js_sys::Uint8Array>, recordings: Vec<String>) -> Result<Vec<u8>, JsValue> {
    let trials = records
        .iter()
        .map(|r| crate::traces::decode(&r.to_vec()))
        .collect::<Result<Vec<_>, String>>()
        .map_err(js_error)?;
    Ok(crate::traces::Archive { trials, recordings, ..Default::default() }.to_bytes())
}

/// Checks a whole export file; resolves to `{trials: [{task, phase, success, record}],
/// recordings: [json]}` or throws what is wrong with it.
#[wasm_bindgen(js_name = readArchive)]
pub fn read_archive(bytes: &[u8]) -> Result<JsValue, JsValue> {
    let archive = crate::traces::Archive::from_bytes(bytes).map_err(js_error)?;
    let trials = trial_entries(&archive.trials)?;
    let out = js_sys::Object::new();
    js_sys::Reflect::set(&out, &"trials".into(), &trials)?;
    let recordings: js_sys::Array = archive.recordings.iter().map(|r| JsValue::from(r.as_str())).collect();
    js_sys::Reflect::set(&out, &"recordings".into(), &recordings)?;
    Ok(out.into())
}

/// Trials as the worker stores them in IndexedDB: `[{task, phase, success, record}]`.
fn trial_entries(trials: &[crate::traces::Trial]) -> Result<JsValue, JsValue> {
    let out = js_sys::Array::new();
    for t in trials {
        let entry = js_sys::Object::new();
        let set = |k: &str, v: JsValue| js_sys::Reflect::set(&entry, &k.into(), &v).map(|_| ());
        set("task", t.task.as_str().into())?;
        set("phase", format!("{:?}", t.phase).into())?;
        set("success", t.success.into())?;
        set("record", js_sys::Uint8Array::from(crate::traces::encode(t).as_slice()).into())?;
        out.push(&entry);
    }
    Ok(out.into())
}

#[derive(Serialize)]
struct ReplayView {
    maze: crate::world::Maze,
    task: crate::world::Task,
    start: (usize, usize),
    path: Vec<(usize, usize)>,
    summary: String,
}

/// A stored trial (its record bytes) replayed: its maze, task and the cells it visited.
#[wasm_bindgen(js_name = replayTrial)]
pub fn replay_trial(record: &[u8]) -> Result<JsValue, JsValue> {
    let t = crate::traces::decode(record).map_err(js_error)?;
    let replay = crate::traces::replay(&t).map_err(js_error)?;
    let policy = match t.policy {
        crate::traces::PolicyRef::One { version } => format!("ONE version {version}"),
        crate::traces::PolicyRef::Copy { generation, member, .. } if member == crate::evolve::MEAN_MEMBER => {
            format!("the copy's mean policy after generation {generation}")
        }
        crate::traces::PolicyRef::Copy { generation, member, .. } => {
            format!("member {member} of generation {generation}")
        }
    };
    let summary = format!(
        "task {}, {:?}, {policy}: {} in {} steps, cumulative reward {:.2}",
        t.task,
        t.phase,
        if replay.success { "reached the goal" } else { "did not reach the goal" },
        t.actions.len(),
        replay.cumulative_reward
    );
    let view = ReplayView { start: replay.cells[0], path: replay.cells, maze: replay.maze, task: replay.task, summary };
    serde_wasm_bindgen::to_value(&view).map_err(Into::into)
}

/// The settings of the lab's default experiment (paper 3.8).
#[wasm_bindgen(js_name = defaultExperimentConfig)]
pub fn default_experiment_config() -> Result<JsValue, JsValue> {
    serde_wasm_bindgen::to_value(&crate::lifecycle::ExperimentConfig::default_experiment()).map_err(Into::into)
}

/// The experiment of paper 3.8 in the worker, driven step by step so that the page can show its
/// progress: copies evolve one generation at a time, consolidation one update at a time.
#[wasm_bindgen]
pub struct ExperimentRun {
    experiment: Rc<RefCell<crate::lifecycle::Experiment>>,
    copy: Rc<RefCell<Option<crate::evolve::Evolution>>>,
    /// The last consolidated ONE, accepted or not, for "talk to ONE".
    candidate: Rc<RefCell<Option<crate::net::One>>>,
    /// A resumed checkpoint's consolidation, restored once its traces are read back.
    consolidating: RefCell<Option<crate::consolidate::ConsolidationState>>,
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
    /// (`manifest`, `blob`); bad settings are refused with a message that names them.
    pub fn experiment(&self, config: JsValue, manifest: &str, blob: Vec<u8>) -> Result<ExperimentRun, JsValue> {
        let config: crate::lifecycle::ExperimentConfig = serde_wasm_bindgen::from_value(config)
            .map_err(|e| js_error(format!("experiment settings not understood: {e}")))?;
        let corpus = crate::speech::Corpus::load(manifest, blob).map_err(js_error)?;
        let experiment = crate::lifecycle::Experiment::new(config, self.gpu.clone(), corpus).map_err(js_error)?;
        Ok(ExperimentRun {
            experiment: Rc::new(RefCell::new(experiment)),
            copy: Rc::new(RefCell::new(None)),
            candidate: Rc::new(RefCell::new(None)),
            consolidating: RefCell::new(None),
        })
    }

    /// The experiment a checkpoint (`ExperimentRun::checkpoint`'s bytes) describes, going on
    /// from where it was saved, with the command corpus (`manifest`, `blob`). A checkpoint that
    /// cannot be read, or does not fit its own settings, is refused by name.
    #[wasm_bindgen(js_name = resumeExperiment)]
    pub fn resume_experiment(
        &self,
        checkpoint: &[u8],
        manifest: &str,
        blob: Vec<u8>,
    ) -> Result<ExperimentRun, JsValue> {
        let checkpoint: crate::lifecycle::Checkpoint = serde_json::from_slice(checkpoint)
            .map_err(|e| js_error(format!("the saved experiment cannot be read: {e}")))?;
        let corpus = crate::speech::Corpus::load(manifest, blob).map_err(js_error)?;
        let (experiment, evolving, consolidating) =
            crate::lifecycle::Experiment::resume(checkpoint, self.gpu.clone(), corpus).map_err(js_error)?;
        Ok(ExperimentRun {
            experiment: Rc::new(RefCell::new(experiment)),
            copy: Rc::new(RefCell::new(evolving)),
            candidate: Rc::new(RefCell::new(None)),
            consolidating: RefCell::new(consolidating),
        })
    }

    /// "Talk to ONE": from now on the lab's agent is the experiment's consolidated ONE (the
    /// accepted one, else the last candidate), hearing `audio` (16 kHz samples) at the start of
    /// every episode, in the experiment's maze with command `k`'s corner as the goal. Resolves
    /// to the new scene.
    pub fn talk(&self, run: &ExperimentRun, k: usize, audio: Vec<f32>) -> Result<JsValue, JsValue> {
        let exp = run.experiment.try_borrow().map_err(|_| js_error("the experiment is still running".into()))?;
        let one = run.candidate.borrow().clone().ok_or_else(|| js_error("ONE has not consolidated yet".into()))?;
        if k >= exp.config.tasks.len() {
            return Err(js_error(format!("there is no command {k} in this experiment")));
        }
        let task = crate::world::Task::parse(&exp.config.copy_task(k), &exp.maze).map_err(js_error)?;
        let c = &exp.config.copy;
        let command = exp.hear(&audio);
        let backend = match &self.gpu {
            Some(ctx) => Backend::Gpu(gpu::Forward::new(ctx, &one, 1, 1).map_err(js_error)?),
            None => Backend::Cpu(cpu::Forward::new(&one, 1)),
        };
        let walker = Walker::hearing(exp.maze.clone(), task, one.shape, c.step_limit, command, c.seed, backend)
            .map_err(js_error)?;
        *self.walker.borrow_mut() = walker;
        self.scene()
    }
}

#[wasm_bindgen]
impl ExperimentRun {
    /// The commands' corner tasks, in order.
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
        let (experiment, candidate) = (self.experiment.clone(), self.candidate.clone());
        let consolidation = consolidator.consolidation.clone();
        future_to_promise(async move {
            let one = consolidation.borrow().one().await.map_err(js_error)?;
            let mut exp = experiment.try_borrow_mut().map_err(|_| busy())?;
            let judgement = exp.judge(one.clone()).await.map_err(js_error)?;
            *candidate.borrow_mut() = Some(one);
            serde_wasm_bindgen::to_value(&judgement).map_err(Into::into)
        })
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

fn busy() -> JsValue {
    js_error("a step is already running".into())
}

fn decode_all(records: &js_sys::Array) -> Result<Vec<crate::traces::Trial>, JsValue> {
    let mut trials = Vec::with_capacity(records.length() as usize);
    for r in records.iter() {
        let bytes = js_sys::Uint8Array::new(&r).to_vec();
        trials.push(crate::traces::decode(&bytes).map_err(js_error)?);
    }
    Ok(trials)
}

/// What an experiment under `config` asks of the machine (`lifecycle::Cost`) with `speech`'s
/// corpus, or what is wrong with the settings.
#[wasm_bindgen(js_name = experimentCost)]
pub fn experiment_cost(config: JsValue, speech: &Speech) -> Result<JsValue, JsValue> {
    let config = valid_experiment_config(config)?;
    serde_wasm_bindgen::to_value(&config.cost(&speech.corpus).map_err(js_error)?).map_err(Into::into)
}

/// Experiment settings from the page, read and checked, or what is wrong with them in words.
fn valid_experiment_config(config: JsValue) -> Result<crate::lifecycle::ExperimentConfig, JsValue> {
    let config: crate::lifecycle::ExperimentConfig =
        serde_wasm_bindgen::from_value(config).map_err(|e| js_error(plain(e.to_string())))?;
    config.validate().map_err(js_error)?;
    Ok(config)
}

/// A settings decoder's complaint in the words of the page ("2.5 is not a whole number", "Foo
/// is not one of Pgpe, OpenAiEs, Snes"), or as it is when it is none of the usual ones.
fn plain(serde_message: String) -> String {
    let quoted = |s: &str| s.split('`').skip(1).step_by(2).map(String::from).collect::<Vec<_>>();
    // serde-wasm-bindgen's errors print as JavaScript errors do: "Error: ...".
    let m = serde_message.strip_prefix("Error: ").unwrap_or(&serde_message);
    if m.starts_with("unknown variant") {
        let names = quoted(m);
        if let Some((given, allowed)) = names.split_first() {
            return format!("{given} is not one of {}", allowed.join(", "));
        }
    }
    if let Some(rest) = m.strip_prefix("invalid type: floating point ") {
        if rest.contains("expected u") {
            return format!("{} is not a whole number", quoted(rest).first().map_or("the value", String::as_str));
        }
    }
    if m.starts_with("invalid value: integer") && m.contains("expected u") {
        return format!(
            "{} is not a whole number of at least 0",
            quoted(m).first().map_or("the value", String::as_str)
        );
    }
    if m.starts_with("missing field") {
        return format!("the setting {} is missing", quoted(m).first().map_or("", String::as_str));
    }
    m.to_string()
}

/// The settings that take one of a few names, with the names: the page offers them as lists.
#[wasm_bindgen(js_name = settingChoices)]
pub fn setting_choices() -> Result<JsValue, JsValue> {
    fn names<T: Serialize>(values: &[T]) -> Vec<String> {
        let name = |v: &T| serde_json::to_value(v).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
        values.iter().map(name).collect()
    }
    let choices: std::collections::BTreeMap<&str, Vec<String>> = [
        ("copy.strategy.kind", names(&crate::evolve::StrategyKind::ALL)),
        ("copy.strategy.optimizer", names(&crate::evolve::MeanOptimizer::ALL)),
        ("copy.perturbation", names(&gpu::Perturbation::ALL)),
    ]
    .into_iter()
    .collect();
    serde_wasm_bindgen::to_value(&choices).map_err(Into::into)
}

/// Checks experiment settings (from a share link) as the experiment would: resolves to them, or
/// fails with what is wrong.
#[wasm_bindgen(js_name = checkExperimentConfig)]
pub fn check_experiment_config(config: JsValue) -> Result<JsValue, JsValue> {
    serde_wasm_bindgen::to_value(&valid_experiment_config(config)?).map_err(Into::into)
}
