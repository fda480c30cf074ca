use super::{pool_frames, Corpus, MelFilterbank, Split};
use crate::rng::{hash2, Rng};
use serde::{Deserialize, Serialize};

/// Seeded augmentation of an utterance before its features are taken: a gain in dB drawn from
/// +-`gain_db`, white noise of standard deviation `noise`, and a delay of up to `shift_ms` of
/// silence. All zero (the default) leaves the audio untouched.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Augment {
    pub gain_db: f32,
    pub noise: f32,
    pub shift_ms: u32,
}

impl Augment {
    pub fn apply(&self, audio: &[f32], sample_rate: u32, rng: &mut Rng) -> Vec<f32> {
        let gain = 10f32.powf(rng.symmetric(self.gain_db) / 20.0);
        let shift = (rng.uniform() * self.shift_ms as f32 * sample_rate as f32 / 1000.0) as usize;
        let mut out = vec![0.0; shift];
        out.extend(audio.iter().map(|v| v * gain));
        if self.noise > 0.0 {
            // Sum of two uniforms: a cheap, bounded, zero-mean noise with the given deviation.
            let scale = self.noise * 6f32.sqrt() / 2.0;
            out.iter_mut().for_each(|v| *v += scale * (rng.symmetric(1.0) + rng.symmetric(1.0)));
        }
        out
    }
}

/// ONE's goal input for the listening phase: the utterance's log-mel frames pooled to one frame
/// per step, cut or padded with silence (zeros) to exactly `listen` steps, `[step][band]` flat.
pub fn listening_frames(bank: &MelFilterbank, audio: &[f32], listen: usize) -> Vec<f32> {
    let bands = bank.config().bands;
    let pooled = pool_frames(&bank.frames(audio), bank.config().frames_per_step);
    let mut out = vec![0.0; listen * bands];
    for (t, frame) in pooled.iter().take(listen).enumerate() {
        out[t * bands..(t + 1) * bands].copy_from_slice(frame);
    }
    out
}

/// The goal-input frames `[listen][band]` of `speaker` saying `command`, augmented with a
/// generator seeded `augment_seed`: everything a stored trial needs to hear again what it heard.
pub fn heard_frames(
    corpus: &Corpus,
    bank: &MelFilterbank,
    speaker: &str,
    command: &str,
    augment: &Augment,
    augment_seed: u32,
    listen: usize,
) -> Result<Vec<f32>, String> {
    let u = corpus
        .utterances
        .iter()
        .find(|u| u.text == command && u.speaker == speaker)
        .ok_or_else(|| format!("the corpus has no utterance of {command:?} by {speaker:?}"))?;
    let audio = augment.apply(&corpus.audio(u), corpus.sample_rate, &mut Rng::new(augment_seed));
    Ok(listening_frames(bank, &audio, listen))
}

/// Goal-input frames of a set of utterances, `[row][listen][band]` flat, with each row's speaker
/// and augmentation seed. Episodes only choose a row, and the table is uploaded to the GPU once.
#[derive(Clone, Debug, PartialEq)]
pub struct UtteranceTable {
    pub frames: Vec<f32>,
    pub rows: Vec<(String, u32)>,
}

/// Every utterance of `command` by speakers of `split`, each in `copies` versions augmented with
/// generators seeded `hash2(seed, row)` (with the default `Augment` the copies are identical,
/// so pass 1).
#[allow(clippy::too_many_arguments)]
pub fn utterance_table(
    corpus: &Corpus,
    bank: &MelFilterbank,
    command: &str,
    split: Split,
    listen: usize,
    augment: &Augment,
    copies: usize,
    seed: u32,
) -> Result<UtteranceTable, String> {
    let speakers: Vec<&str> = corpus
        .utterances
        .iter()
        .filter(|u| u.text == command && corpus.speaker(&u.speaker).split == split)
        .map(|u| u.speaker.as_str())
        .collect();
    if speakers.is_empty() {
        return Err(format!("no {split:?} speaker says {command:?}"));
    }
    let mut table = UtteranceTable { frames: Vec::new(), rows: Vec::new() };
    for speaker in speakers {
        for _ in 0..copies {
            let augment_seed = hash2(seed, table.rows.len() as u32);
            table.frames.extend(heard_frames(corpus, bank, speaker, command, augment, augment_seed, listen)?);
            table.rows.push((speaker.to_string(), augment_seed));
        }
    }
    Ok(table)
}
