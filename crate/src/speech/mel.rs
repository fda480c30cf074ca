use super::fft::Fft;
use serde::{Deserialize, Serialize};

/// Log-mel settings. Defaults: 16 kHz audio, 25 ms Hann windows every 10 ms, a 512-point FFT,
/// 16 triangular mel bands (HTK mel scale) from 0 Hz to 8 kHz, natural log of band energy plus
/// 1e-6, and 10 frames (100 ms) pooled by their mean into each goal-input frame, one per step.
/// 16 bands keep ONE's input within the rollout kernel's 64 values.
///
/// `normalise` (on by default) centres each band of an utterance's goal input on its mean over
/// the utterance's frames (cepstral mean normalisation in the log-mel domain): a fixed gain or a
/// fixed colouring of the spectrum, the mark of one synthesiser, one microphone or one room,
/// adds a constant to a band's log energy and so disappears. `frames` itself stays raw.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MelConfig {
    pub sample_rate: u32,
    pub window: usize,
    pub hop: usize,
    pub fft: usize,
    pub bands: usize,
    pub frames_per_step: usize,
    pub normalise: bool,
}

impl Default for MelConfig {
    fn default() -> MelConfig {
        MelConfig {
            sample_rate: 16_000,
            window: 400,
            hop: 160,
            fft: 512,
            bands: 16,
            frames_per_step: 10,
            normalise: true,
        }
    }
}

fn hz_to_mel(hz: f64) -> f64 {
    2595.0 * (1.0 + hz / 700.0).log10()
}

fn mel_to_hz(mel: f64) -> f64 {
    700.0 * (10f64.powf(mel / 2595.0) - 1.0)
}

/// The filterbank and window for one `MelConfig`, built once.
pub struct MelFilterbank {
    config: MelConfig,
    window: Vec<f64>,
    /// Each band's first power-spectrum bin and its weights from there: a triangle covers a
    /// few of the `fft / 2 + 1` bins, and the bins outside it, weighted 0, would add exactly 0.
    filters: Vec<(usize, Vec<f64>)>,
    fft: Fft,
}

impl MelFilterbank {
    pub fn new(config: MelConfig) -> MelFilterbank {
        MelFilterbank::warped(config, 1.0)
    }

    /// The filterbank of a vocal tract `alpha` times as long (vocal-tract-length perturbation,
    /// Jaitly and Hinton 2013): each bin's frequency f is read as alpha f up to a knee at
    /// 80% of Nyquist (scaled so that it maps inside), then linearly onto Nyquist, so no band
    /// runs off the spectrum. `alpha` = 1 is the plain filterbank.
    pub fn warped(config: MelConfig, alpha: f64) -> MelFilterbank {
        let bins = config.fft / 2 + 1;
        let nyquist = config.sample_rate as f64 / 2.0;
        let knee = 0.8 * nyquist * alpha.min(1.0) / alpha;
        let warp = |f: f64| {
            if f <= knee || alpha == 1.0 {
                alpha * f
            } else {
                nyquist - (nyquist - alpha * knee) * (nyquist - f) / (nyquist - knee)
            }
        };
        // Periodic Hann window, as numpy's 0.5 - 0.5 cos(2 pi n / N).
        let window = (0..config.window)
            .map(|n| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * n as f64 / config.window as f64).cos())
            .collect();
        let top = hz_to_mel(config.sample_rate as f64 / 2.0);
        let edges: Vec<f64> =
            (0..config.bands + 2).map(|i| mel_to_hz(top * i as f64 / (config.bands + 1) as f64)).collect();
        let bin_hz = |k: usize| warp(k as f64 * config.sample_rate as f64 / config.fft as f64);
        let filters = (0..config.bands)
            .map(|b| {
                let (lo, mid, hi) = (edges[b], edges[b + 1], edges[b + 2]);
                let weights: Vec<f64> = (0..bins)
                    .map(|k| {
                        let f = bin_hz(k);
                        if f <= lo || f >= hi {
                            0.0
                        } else if f <= mid {
                            (f - lo) / (mid - lo)
                        } else {
                            (hi - f) / (hi - mid)
                        }
                    })
                    .collect();
                // The warp is monotonic, so a band's nonzero weights are consecutive.
                let first = weights.iter().position(|&w| w > 0.0).unwrap_or(0);
                let last = weights.iter().rposition(|&w| w > 0.0).map_or(first, |k| k + 1);
                (first, weights[first..last].to_vec())
            })
            .collect();
        MelFilterbank { fft: Fft::new(config.fft), config, window, filters }
    }

    pub fn config(&self) -> &MelConfig {
        &self.config
    }

    /// Log-mel frames `[frame][band]` of `audio`: one frame per hop whose window fits entirely.
    pub fn frames(&self, audio: &[f32]) -> Vec<Vec<f32>> {
        let c = &self.config;
        if audio.len() < c.window {
            return Vec::new();
        }
        let count = (audio.len() - c.window) / c.hop + 1;
        let mut re = vec![0.0; c.fft];
        let mut im = vec![0.0; c.fft];
        (0..count)
            .map(|f| {
                re.fill(0.0);
                im.fill(0.0);
                for n in 0..c.window {
                    re[n] = audio[f * c.hop + n] as f64 * self.window[n];
                }
                self.fft.run(&mut re, &mut im);
                let power: Vec<f64> = (0..c.fft / 2 + 1).map(|k| re[k] * re[k] + im[k] * im[k]).collect();
                self.filters
                    .iter()
                    .map(|(first, w)| {
                        (w.iter().zip(&power[*first..]).map(|(a, b)| a * b).sum::<f64>() + 1e-6).ln() as f32
                    })
                    .collect()
            })
            .collect()
    }
}

/// Means of consecutive groups of `per_step` frames: one goal-input frame per environment step
/// (a last, shorter group is averaged over what it has).
pub fn pool_frames(frames: &[Vec<f32>], per_step: usize) -> Vec<Vec<f32>> {
    frames
        .chunks(per_step.max(1))
        .map(|group| {
            let mut mean = vec![0.0; group[0].len()];
            for f in group {
                mean.iter_mut().zip(f).for_each(|(m, v)| *m += v / group.len() as f32);
            }
            mean
        })
        .collect()
}
