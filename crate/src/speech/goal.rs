use super::fft::Fft;
use super::{pool_frames, Corpus, MelFilterbank, Split};
use crate::rng::{hash2, Rng};
use crate::threads::{cores, on_threads};
use serde::{Deserialize, Serialize};

/// Seeded augmentation of a training utterance before ONE hears it: what the copies hear while
/// evolving and demonstrating, and so what consolidation imitates. Validation and
/// cross-synthesiser speakers and the user's recordings are heard as they are. Each version of
/// an utterance draws every kind from its own seed, so a stored trial hears the same frames
/// again. A field at 0 turns its kind off; `Augment::default()` changes nothing.
///
/// In the order applied: speed, reverberation, gain, noise and shift to the audio; the
/// vocal-tract warp to the filterbank; the masks to the normalised goal input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Augment {
    /// Versions of each training utterance, each augmented with its own seed.
    pub copies: usize,
    /// Speed perturbation: the audio played faster or slower by a factor drawn from
    /// [1 - speed, 1 + speed], tempo and pitch together (as a tape), sample rate unchanged.
    pub speed: f32,
    /// Vocal-tract-length perturbation: the filterbank's frequency axis warped by a factor drawn
    /// from [1 - warp, 1 + warp] (`MelFilterbank::warped`).
    pub warp: f32,
    /// Room reverberation, on half the versions: the audio convolved with exponentially decaying
    /// white noise whose reverberation time (60 dB of decay) is drawn from [0.1 s, reverb s].
    pub reverb: f32,
    /// A gain in dB drawn from [-gain_db, gain_db].
    pub gain_db: f32,
    /// White noise at a signal-to-noise ratio drawn from [snr_db, snr_db + 30] dB; 0 adds none.
    pub snr_db: f32,
    /// A delay of up to `shift_ms` of silence before the utterance.
    pub shift_ms: u32,
    /// Masks on the goal input (SpecAugment): up to `time_mask` consecutive listening steps and
    /// up to `band_mask` consecutive bands set to 0, the normalised utterance's mean.
    pub time_mask: usize,
    pub band_mask: usize,
}

impl Default for Augment {
    fn default() -> Augment {
        Augment {
            copies: 1,
            speed: 0.0,
            warp: 0.0,
            reverb: 0.0,
            gain_db: 0.0,
            snr_db: 0.0,
            shift_ms: 0,
            time_mask: 0,
            band_mask: 0,
        }
    }
}

impl Augment {
    /// The lab's default for the experiment's training speakers: twelve versions of each
    /// utterance, faster or slower by up to 15% and warped by up to 12%. Of the kinds tried on
    /// the cross-synthesiser speakers (BENCHMARKS.md, "Speech that generalises"), these helped;
    /// reverberation, noise, gain and shift did not, and the masks hurt a stand-in model, so
    /// they are off. Twelve versions rather than four raised ONE's mean on those speakers by
    /// about six points (five seeds); twenty-four added half a point at twice the cost.
    pub fn standard() -> Augment {
        Augment { copies: 12, speed: 0.15, warp: 0.12, ..Augment::default() }
    }

    pub fn validate(&self) -> Result<(), String> {
        crate::limits::check("augmentation copies", self.copies, crate::limits::AUGMENT_COPIES)?;
        let masks = [("time_mask", self.time_mask, 64), ("band_mask", self.band_mask, 64)];
        for (name, v, max) in masks {
            crate::limits::check(&format!("augmentation {name}"), v, 0..=max)?;
        }
        for (name, v, max) in [("speed", self.speed, 0.5), ("warp", self.warp, 0.5)] {
            if !(0.0..=max).contains(&v) {
                return Err(format!("augmentation {name} is a fraction in [0, {max}], got {v}"));
            }
        }
        for (name, v, max) in
            [("reverb", self.reverb, 2.0), ("gain_db", self.gain_db, 40.0), ("snr_db", self.snr_db, 60.0)]
        {
            if !(0.0..=max).contains(&v) {
                return Err(format!("augmentation {name} must lie in [0, {max}], got {v}"));
            }
        }
        if self.shift_ms > 1000 {
            return Err(format!("augmentation shift_ms must be at most 1000, got {}", self.shift_ms));
        }
        Ok(())
    }

    /// The utterance `audio` as one augmented version hears it, with `rng` seeded for it.
    fn audio(&self, audio: &[f32], sample_rate: u32, rng: &mut Rng) -> Vec<f32> {
        let mut out = audio.to_vec();
        if self.speed > 0.0 {
            // Sample n of the result is sample n * factor of the original, read by linear
            // interpolation: cheap, and its slight low-pass is one more perturbation.
            let factor = 1.0 + rng.symmetric(self.speed);
            let len = ((out.len() as f32 - 1.0) / factor).max(0.0) as usize;
            out = (0..len)
                .map(|n| {
                    let t = n as f32 * factor;
                    let (i, frac) = (t as usize, t.fract());
                    out[i] * (1.0 - frac) + out.get(i + 1).map_or(0.0, |v| v * frac)
                })
                .collect();
        }
        if self.reverb > 0.0 && rng.uniform() < 0.5 {
            let t60 = 0.1 + rng.uniform() * (self.reverb - 0.1).max(0.0);
            out = reverberate(&out, sample_rate, t60, rng);
        }
        let gain = 10f32.powf(rng.symmetric(self.gain_db) / 20.0);
        let shift = (rng.uniform() * self.shift_ms as f32 * sample_rate as f32 / 1000.0) as usize;
        let mut shifted = vec![0.0; shift];
        shifted.extend(out.iter().map(|v| v * gain));
        if self.snr_db > 0.0 {
            let snr = self.snr_db + 30.0 * rng.uniform();
            let power = out.iter().map(|v| v * v).sum::<f32>() / out.len().max(1) as f32 * gain * gain;
            // Sum of two uniforms: a cheap, bounded, zero-mean noise of the wanted deviation.
            let scale = (power / 10f32.powf(snr / 10.0)).sqrt() * 6f32.sqrt() / 2.0;
            shifted.iter_mut().for_each(|v| *v += scale * (rng.symmetric(1.0) + rng.symmetric(1.0)));
        }
        shifted
    }

    /// ONE's goal input `[listen][band]` for one augmented version of `audio`, its generator
    /// seeded `seed`.
    pub fn frames(&self, bank: &MelFilterbank, audio: &[f32], sample_rate: u32, seed: u32, listen: usize) -> Vec<f32> {
        if *self == Augment::default() {
            return listening_frames(bank, audio, listen);
        }
        let mut rng = Rng::new(seed);
        let heard = self.audio(audio, sample_rate, &mut rng);
        let mut out = if self.warp > 0.0 {
            let alpha = 1.0 + rng.symmetric(self.warp) as f64;
            listening_frames(&MelFilterbank::warped(bank.config().clone(), alpha), &heard, listen)
        } else {
            listening_frames(bank, &heard, listen)
        };
        let bands = bank.config().bands;
        if self.time_mask > 0 {
            let width = rng.below(self.time_mask + 1).min(listen);
            let start = rng.below(listen - width + 1);
            out[start * bands..(start + width) * bands].fill(0.0);
        }
        if self.band_mask > 0 {
            let width = rng.below(self.band_mask + 1).min(bands);
            let start = rng.below(bands - width + 1);
            out.chunks_mut(bands).for_each(|frame| frame[start..start + width].fill(0.0));
        }
        out
    }
}

/// `audio` in a room: convolved (by FFT) with white noise decaying by 60 dB over `t60` seconds,
/// its energy normalised to 1 and its first tap 1 (the direct sound); the tail is kept up to a
/// quarter of the reverberation time.
fn reverberate(audio: &[f32], sample_rate: u32, t60: f32, rng: &mut Rng) -> Vec<f32> {
    let taps = ((t60 * sample_rate as f32) as usize).max(1);
    let mut h: Vec<f64> = (0..taps)
        .map(|n| {
            let decay = (-6.9 * n as f64 / taps as f64).exp();
            if n == 0 {
                1.0
            } else {
                decay * (rng.symmetric(1.0) as f64 + rng.symmetric(1.0) as f64) * 1.2247
            }
        })
        .collect();
    let energy = h.iter().map(|v| v * v).sum::<f64>().sqrt();
    h.iter_mut().for_each(|v| *v /= energy);
    let len = audio.len() + taps - 1;
    let n = len.next_power_of_two();
    let (mut ar, mut ai) = (vec![0.0; n], vec![0.0; n]);
    let (mut hr, mut hi) = (vec![0.0; n], vec![0.0; n]);
    audio.iter().enumerate().for_each(|(i, &v)| ar[i] = v as f64);
    hr[..taps].copy_from_slice(&h);
    let fft = Fft::new(n);
    fft.run(&mut ar, &mut ai);
    fft.run(&mut hr, &mut hi);
    // The product, conjugated: a forward FFT of the conjugate is N times the conjugated inverse.
    for k in 0..n {
        let (re, im) = (ar[k] * hr[k] - ai[k] * hi[k], ar[k] * hi[k] + ai[k] * hr[k]);
        ar[k] = re;
        ai[k] = -im;
    }
    fft.run(&mut ar, &mut ai);
    let keep = (audio.len() + taps / 4).min(len);
    ar[..keep].iter().map(|v| (v / n as f64) as f32).collect()
}

/// ONE's goal input for the listening phase: the utterance's log-mel frames, centred per band
/// on their mean over the utterance when the filterbank's settings `normalise`, pooled to one
/// frame per step and cut or padded with zeros to exactly `listen` steps, `[step][band]` flat.
/// The padding is silence before normalisation and the utterance's mean after it.
pub fn listening_frames(bank: &MelFilterbank, audio: &[f32], listen: usize) -> Vec<f32> {
    let config = bank.config();
    let bands = config.bands;
    let mut frames = bank.frames(audio);
    if config.normalise && !frames.is_empty() {
        let mut mean = vec![0.0f32; bands];
        for f in &frames {
            mean.iter_mut().zip(f).for_each(|(m, v)| *m += v);
        }
        mean.iter_mut().for_each(|m| *m /= frames.len() as f32);
        frames.iter_mut().for_each(|f| f.iter_mut().zip(&mean).for_each(|(v, m)| *v -= m));
    }
    let pooled = pool_frames(&frames, config.frames_per_step);
    let mut out = vec![0.0; listen * bands];
    for (t, frame) in pooled.iter().take(listen).enumerate() {
        out[t * bands..(t + 1) * bands].copy_from_slice(frame);
    }
    out
}

/// The goal-input frames `[listen][band]` of `speaker` saying `command`, augmented with a
/// generator seeded `augment_seed` if the speaker is a training speaker (no other is ever
/// augmented): everything a stored trial needs to hear again what it heard.
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
    let augment = if corpus.speaker(speaker).split == Split::Train { augment } else { &Augment::default() };
    Ok(augment.frames(bank, &corpus.audio(u), corpus.sample_rate, augment_seed, listen))
}

/// Goal-input frames of a set of utterances, `[row][listen][band]` flat, with each row's speaker
/// and augmentation seed. Episodes only choose a row, and the table is uploaded to the GPU once.
#[derive(Clone, Debug, PartialEq)]
pub struct UtteranceTable {
    pub frames: Vec<f32>,
    pub rows: Vec<(String, u32)>,
}

/// Every utterance of `command` by speakers of `split`, the training speakers' each in
/// `augment.copies` versions augmented with generators seeded `hash2(seed, row)` (other speakers
/// once, as they are).
pub fn utterance_table(
    corpus: &Corpus,
    bank: &MelFilterbank,
    command: &str,
    split: Split,
    listen: usize,
    augment: &Augment,
    seed: u32,
) -> Result<UtteranceTable, String> {
    let utterances: Vec<_> =
        corpus.utterances.iter().filter(|u| u.text == command && corpus.speaker(&u.speaker).split == split).collect();
    if utterances.is_empty() {
        return Err(format!("no {split:?} speaker says {command:?}"));
    }
    let augment = if split == Split::Train { augment } else { &Augment::default() };
    // Utterance i's versions are rows i * copies and on, so a block of utterances heard on any
    // core gives the rows it would in order; natively the blocks are heard on every core.
    let hear = |block: std::ops::Range<usize>| {
        let mut frames = Vec::new();
        for i in block {
            let audio = corpus.audio(utterances[i]);
            for c in 0..augment.copies {
                let augment_seed = hash2(seed, (i * augment.copies + c) as u32);
                frames.extend(augment.frames(bank, &audio, corpus.sample_rate, augment_seed, listen));
            }
        }
        frames
    };
    let table = UtteranceTable {
        frames: on_threads(utterances.len(), cores(), hear).concat(),
        rows: utterances
            .iter()
            .flat_map(|u| std::iter::repeat_n(&u.speaker, augment.copies))
            .enumerate()
            .map(|(row, speaker)| (speaker.clone(), hash2(seed, row as u32)))
            .collect(),
    };
    Ok(table)
}
