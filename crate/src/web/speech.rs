//! The command corpus, recordings and WAV files, heard as ONE hears them.

use super::js_error;
use serde::Serialize;
use wasm_bindgen::prelude::*;

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
    pub(super) corpus: crate::speech::Corpus,
    pub(super) bank: crate::speech::MelFilterbank,
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
