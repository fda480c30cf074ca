use super::{pool_frames, Corpus, MelFilterbank, Split};
use crate::rng::Rng;
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

/// For each episode's command (an index into `corpus.commands`), an utterance of that command by
/// a speaker of `split`, drawn with a generator seeded by `seed`, augmented, and turned into
/// listening frames: `[episode][listen][band]`, ready for `RolloutSpec::frames`.
pub fn episode_frames(
    corpus: &Corpus,
    bank: &MelFilterbank,
    commands: &[usize],
    split: Split,
    listen: usize,
    augment: &Augment,
    seed: u32,
) -> Result<Vec<f32>, String> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(commands.len() * listen * bank.config().bands);
    for &c in commands {
        let text = corpus.commands.get(c).ok_or_else(|| format!("command {c} is not in the corpus"))?;
        let choices: Vec<_> =
            corpus.utterances.iter().filter(|u| &u.text == text && corpus.speaker(&u.speaker).split == split).collect();
        if choices.is_empty() {
            return Err(format!("no {split:?} speaker says {text:?}"));
        }
        let u = choices[rng.below(choices.len())];
        let audio = augment.apply(&corpus.audio(u), corpus.sample_rate, &mut rng);
        out.extend(listening_frames(bank, &audio, listen));
    }
    Ok(out)
}
