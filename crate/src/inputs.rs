//! Every way bytes from outside reach the lab, one `Input` per kind, each taken as the lab takes
//! it: decoded, checked, and then used the way the lab uses it next (a record replayed, a
//! checkpoint resumed, a WAV file turned into ONE's goal input), so that bytes the lab accepts
//! are bytes it can run. The fuzzing harness (`onelab fuzz`) and the wasm32 check of the same
//! inputs (tests/browser/inputs.test.mjs) drive these; a panic, a hang or a huge allocation
//! here is a bug in the lab.

use crate::device::Device;
use crate::lifecycle::{Checkpoint, Experiment, ExperimentConfig, OneFile};
use crate::speech::{listening_frames, parse_wav, prepare_recording, Corpus, MelConfig, MelFilterbank};
use crate::traces::{decode, replay, Archive, PolicySnapshot, Trial};

/// A kind of input from outside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// A stored trial's record (IndexedDB, the segment store, an export), replayed.
    Record,
    /// A policy snapshot of the policy log, its members regenerated.
    Policy,
    /// An export file, every trial replayed and its settings checked.
    Archive,
    /// A WAV file, read as a user's recording and heard for 12 steps.
    Wav,
    /// Experiment settings as JSON (a share link's payload, the settings form, an export's).
    Settings,
    /// A saved experiment (the page's IndexedDB checkpoint, JSON), resumed.
    Checkpoint,
    /// A ONE file (the page's Download ONE, `onelab run --out`), loaded to talk to.
    One,
}

impl Input {
    pub const ALL: [Input; 7] =
        [Input::Record, Input::Policy, Input::Archive, Input::Wav, Input::Settings, Input::Checkpoint, Input::One];

    pub fn name(self) -> &'static str {
        match self {
            Input::Record => "record",
            Input::Policy => "policy",
            Input::Archive => "archive",
            Input::Wav => "wav",
            Input::Settings => "settings",
            Input::Checkpoint => "checkpoint",
            Input::One => "one",
        }
    }

    pub fn parse(name: &str) -> Result<Input, String> {
        Input::ALL.into_iter().find(|i| i.name() == name).ok_or_else(|| {
            let names: Vec<&str> = Input::ALL.iter().map(|i| i.name()).collect();
            format!("unknown input kind {name:?}: expected one of {}", names.join(", "))
        })
    }

    /// Takes `bytes` as the lab takes this kind of input: a short account of what was accepted,
    /// or why it was refused. `corpus` is the command corpus a checkpoint resumes with.
    pub fn take(self, bytes: &[u8], corpus: &Corpus) -> Result<String, String> {
        match self {
            Input::Record => replayed(&decode(bytes)?),
            Input::Policy => {
                let p = PolicySnapshot::decode(bytes)?;
                let member = if p.sigma.is_empty() { crate::data::MEAN_MEMBER } else { 1 };
                let params = p.params(member);
                Ok(format!("a policy of {} parameters, copy {} generation {}", params.len(), p.copy, p.generation))
            }
            Input::Archive => {
                let a = Archive::from_bytes(bytes)?;
                for t in &a.trials {
                    replay(t)?;
                }
                if let Some(settings) = &a.settings {
                    ExperimentConfig::from_json(settings.as_bytes())?;
                }
                Ok(format!("an export of {} trials and {} recordings", a.trials.len(), a.recordings.len()))
            }
            Input::Wav => {
                let config = MelConfig::default();
                let audio = prepare_recording(&parse_wav(bytes)?, config.sample_rate)?;
                let goal = listening_frames(&MelFilterbank::new(config), &audio.samples, 12);
                if goal.iter().any(|v| !v.is_finite()) {
                    return Err("the recording's features are not numbers".into());
                }
                Ok(format!("a recording of {} samples", audio.samples.len()))
            }
            Input::Settings => {
                let c = ExperimentConfig::from_json(bytes)?;
                Ok(format!("settings of {} commands, {} generations", c.tasks.len(), c.generations))
            }
            Input::Checkpoint => {
                let checkpoint: Checkpoint =
                    serde_json::from_slice(bytes).map_err(|e| format!("the saved experiment cannot be read: {e}"))?;
                // Settings first, so that refused ones cost no copy of the corpus.
                checkpoint.config.validate()?;
                let phase = checkpoint.standing().phase;
                let exp = Experiment::resume(checkpoint, Device::Cpu, corpus.clone())?;
                Ok(format!("an experiment after {} copies, at its {phase} stage", exp.copies.len()))
            }
            Input::One => {
                let file = OneFile::from_bytes(bytes)?;
                let (params, tasks) = (file.one.params.len(), file.config.tasks.len());
                Experiment::from_file(file, Device::Cpu, corpus.clone())?;
                Ok(format!("a ONE of {params} parameters for {tasks} commands"))
            }
        }
    }
}

fn replayed(t: &Trial) -> Result<String, String> {
    let r = replay(t)?;
    Ok(format!("a trial of {} steps in a {}x{} maze", t.actions.len(), r.maze.width, r.maze.height))
}
