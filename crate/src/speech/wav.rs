//! WAV files from users (external recordings): parsing, mono mixdown, resampling to the corpus
//! rate, and the checks a recording must pass before it may serve as a goal input.

/// Mono samples in [-1, 1] at `sample_rate`.
#[derive(Clone, Debug, PartialEq)]
pub struct Audio {
    pub sample_rate: u32,
    pub samples: Vec<f32>,
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Parses a RIFF/WAVE file: integer PCM of 8, 16, 24 or 32 bits or 32-bit float, any number of
/// channels (averaged to mono), any sample rate. Anything else is refused with what it is.
pub fn parse_wav(bytes: &[u8]) -> Result<Audio, String> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err("not a WAV file: it has no RIFF/WAVE header".into());
    }
    let mut at = 12;
    let mut format = None;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let len = u32_at(bytes, at + 4) as usize;
        let body = at + 8;
        let end = body.checked_add(len).filter(|&e| e <= bytes.len());
        match id {
            b"fmt " => {
                end.ok_or("the WAV file is truncated inside its format chunk")?;
                if len < 16 {
                    return Err("the WAV format chunk is too short".into());
                }
                let mut tag = u16_at(bytes, body);
                if tag == 0xFFFE && len >= 40 {
                    tag = u16_at(bytes, body + 24); // WAVE_FORMAT_EXTENSIBLE: the sub-format's tag
                }
                format = Some((tag, u16_at(bytes, body + 2), u32_at(bytes, body + 4), u16_at(bytes, body + 14)));
            }
            b"data" => {
                let (tag, channels, rate, bits) = format.ok_or("the WAV file has no format chunk before its data")?;
                // A recorder killed mid-write leaves a data length past the end: read what is there.
                let data = &bytes[body..end.unwrap_or(bytes.len())];
                return decode(data, tag, channels, rate, bits);
            }
            _ => {}
        }
        // A chunk's length may claim up to 4 GB: on a 32-bit target the sum can wrap around.
        match body.checked_add(len).and_then(|e| e.checked_add(len & 1)) {
            Some(next) => at = next,
            None => break,
        }
    }
    Err("the WAV file has no data chunk".into())
}

fn decode(data: &[u8], tag: u16, channels: u16, rate: u32, bits: u16) -> Result<Audio, String> {
    if channels == 0 || channels > 32 {
        return Err(format!("the WAV file claims {channels} channels"));
    }
    check_rate(rate)?;
    let sample: fn(&[u8]) -> f32 = match (tag, bits) {
        (1, 8) => |b| (b[0] as f32 - 128.0) / 128.0,
        (1, 16) => |b| i16::from_le_bytes([b[0], b[1]]) as f32 / 32768.0,
        (1, 24) => |b| (i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8) as f32 / 8_388_608.0,
        (1, 32) => |b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32 / 2_147_483_648.0,
        (3, 32) => |b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        (1, _) | (3, _) => return Err(format!("unsupported WAV encoding: {bits}-bit samples")),
        _ => return Err(format!("unsupported WAV encoding: format tag {tag} (only PCM and 32-bit float are read)")),
    };
    let width = bits as usize / 8;
    let frame = width * channels as usize;
    let seconds = (data.len() / frame) as f64 / rate as f64;
    if seconds > crate::limits::WAV_SECONDS {
        return Err(format!(
            "the WAV file is {seconds:.0} s long; the lab reads at most {} s",
            crate::limits::WAV_SECONDS
        ));
    }
    let samples: Vec<f32> =
        data.chunks_exact(frame).map(|f| f.chunks_exact(width).map(sample).sum::<f32>() / channels as f32).collect();
    if samples.iter().any(|v| !v.is_finite()) {
        return Err("the WAV file holds samples that are not numbers (NaN or infinite)".into());
    }
    Ok(Audio { sample_rate: rate, samples })
}

/// Sample rates the lab reads (`limits::SAMPLE_RATE`), named when refused.
fn check_rate(rate: u32) -> Result<(), String> {
    if crate::limits::SAMPLE_RATE.contains(&rate) {
        return Ok(());
    }
    let (lo, hi) = (crate::limits::SAMPLE_RATE.start(), crate::limits::SAMPLE_RATE.end());
    Err(format!("audio at {rate} Hz: the lab reads sample rates from {lo} to {hi} Hz"))
}

/// Band-limited resampling by a Hann-windowed sinc (16 zero crossings each side), with the
/// cutoff below the lower of the two Nyquist frequencies.
pub fn resample(audio: &Audio, rate: u32) -> Audio {
    if audio.sample_rate == rate {
        return audio.clone();
    }
    let ratio = rate as f64 / audio.sample_rate as f64;
    let cutoff = 0.95 * ratio.min(1.0);
    let half = (16.0 / cutoff).ceil() as i64;
    let len = (audio.samples.len() as f64 * ratio).floor() as usize;
    let x = &audio.samples;
    // Along one output sample's taps the sinc's and the window's arguments fall by a constant
    // step, so their sines and cosines are rotated from the first tap's instead of computed
    // per tap (two complex multiplications in place of a sine and a cosine).
    let (sinc_step, window_step) = (std::f64::consts::PI * cutoff, std::f64::consts::PI / half as f64);
    let (sinc_rot, window_rot) = ((sinc_step.cos(), sinc_step.sin()), (window_step.cos(), window_step.sin()));
    let samples = (0..len)
        .map(|j| {
            let t = j as f64 / ratio;
            let centre = t.floor() as i64;
            let first = centre - half + 1;
            let d0 = t - first as f64;
            // (cos, sin) of the sinc's argument and of the window's, at the first tap.
            let mut sinc = ((sinc_step * d0).cos(), (sinc_step * d0).sin());
            let mut window = ((window_step * d0).cos(), (window_step * d0).sin());
            let mut acc = 0.0;
            for i in first..=centre + half {
                if i >= 0 && (i as usize) < x.len() {
                    let d = t - i as f64;
                    let arg = sinc_step * d;
                    let s = if arg.abs() < 1e-12 { 1.0 } else { sinc.1 / arg };
                    acc += x[i as usize] as f64 * cutoff * s * (0.5 + 0.5 * window.0);
                }
                // One tap on: both arguments fall by their step.
                sinc = (sinc.0 * sinc_rot.0 + sinc.1 * sinc_rot.1, sinc.1 * sinc_rot.0 - sinc.0 * sinc_rot.1);
                window = (
                    window.0 * window_rot.0 + window.1 * window_rot.1,
                    window.1 * window_rot.0 - window.0 * window_rot.1,
                );
            }
            acc as f32
        })
        .collect();
    Audio { sample_rate: rate, samples }
}

/// The voiced part: 10 ms frames whose RMS exceeds 2% of the loudest frame's, plus 50 ms either
/// side (the rule scripts/make-corpus.py applies to the corpus). Empty input gives empty output.
pub fn trim_voiced(audio: &Audio) -> Audio {
    let frame = (audio.sample_rate / 100).max(1) as usize;
    let pad = (audio.sample_rate / 20) as usize;
    let rms: Vec<f32> =
        audio.samples.chunks(frame).map(|c| (c.iter().map(|v| v * v).sum::<f32>() / c.len() as f32).sqrt()).collect();
    let loudest = rms.iter().fold(0.0f32, |m, &v| m.max(v));
    let loud: Vec<usize> = (0..rms.len()).filter(|&i| loudest > 0.0 && rms[i] > 0.02 * loudest).collect();
    let (Some(&first), Some(&last)) = (loud.first(), loud.last()) else {
        return Audio { sample_rate: audio.sample_rate, samples: Vec::new() };
    };
    let start = (first * frame).saturating_sub(pad);
    let end = ((last + 1) * frame + pad).min(audio.samples.len());
    Audio { sample_rate: audio.sample_rate, samples: audio.samples[start..end].to_vec() }
}

/// Turns a user's recording or WAV file into a corpus-rate, trimmed utterance, or says why it
/// cannot be one: silence, clipping, or a voiced part shorter than 0.3 s or longer than 3 s.
pub fn prepare_recording(audio: &Audio, rate: u32) -> Result<Audio, String> {
    // A recording from the page arrives as samples and a rate, not through `parse_wav`.
    check_rate(audio.sample_rate)?;
    let seconds = audio.samples.len() as f64 / audio.sample_rate as f64;
    if seconds > crate::limits::WAV_SECONDS {
        return Err(format!(
            "the recording is {seconds:.0} s long; the lab reads at most {} s",
            crate::limits::WAV_SECONDS
        ));
    }
    if audio.samples.iter().any(|v| !v.is_finite()) {
        return Err("the recording holds samples that are not numbers (NaN or infinite)".into());
    }
    let peak = audio.samples.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    if audio.samples.is_empty() || peak < 0.01 {
        return Err("the recording is silent: nothing louder than 1% of full scale".into());
    }
    let clipped = audio.samples.iter().filter(|v| v.abs() >= 0.999).count();
    if clipped * 100 > audio.samples.len() {
        return Err(format!(
            "the recording is clipped: {:.1}% of its samples are at full scale; speak further from the microphone",
            100.0 * clipped as f32 / audio.samples.len() as f32
        ));
    }
    let trimmed = resample(&trim_voiced(audio), rate);
    let seconds = trimmed.samples.len() as f32 / rate as f32;
    if seconds < 0.3 {
        return Err(format!("the spoken part is {seconds:.2} s long, shorter than 0.3 s"));
    }
    if seconds > 3.0 {
        return Err(format!("the spoken part is {seconds:.2} s long, longer than 3 s"));
    }
    Ok(trimmed)
}

/// A RIFF/WAVE file around `data`: format `tag` (1 integer PCM, 3 float), `channels`
/// interleaved, `rate` Hz, `bits` per sample. For tests and fuzzing seeds: the lab itself
/// never writes audio files.
pub fn wav_file(tag: u16, channels: u16, rate: u32, bits: u16, data: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&tag.to_le_bytes());
    b.extend_from_slice(&channels.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&(rate * channels as u32 * bits as u32 / 8).to_le_bytes());
    b.extend_from_slice(&(channels * bits / 8).to_le_bytes());
    b.extend_from_slice(&bits.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&(data.len() as u32).to_le_bytes());
    b.extend_from_slice(data);
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, hz: f32, seconds: f32, amplitude: f32) -> Vec<f32> {
        (0..(rate as f32 * seconds) as usize)
            .map(|n| amplitude * (2.0 * std::f32::consts::PI * hz * n as f32 / rate as f32).sin())
            .collect()
    }

    fn wav(tag: u16, channels: u16, rate: u32, bits: u16, data: &[u8]) -> Vec<u8> {
        wav_file(tag, channels, rate, bits, data)
    }

    #[test]
    fn reads_pcm16_stereo_and_float_mono() {
        let data: Vec<u8> = [1000i16, 3000, -2000, -4000].iter().flat_map(|v| v.to_le_bytes()).collect();
        let a = parse_wav(&wav(1, 2, 44_100, 16, &data)).unwrap();
        assert_eq!(a.sample_rate, 44_100);
        assert_eq!(a.samples, vec![2000.0 / 32768.0, -3000.0 / 32768.0]);
        let data: Vec<u8> = [0.5f32, -0.25].iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(parse_wav(&wav(3, 1, 8000, 32, &data)).unwrap().samples, vec![0.5, -0.25]);
    }

    #[test]
    fn refuses_what_is_not_readable_audio() {
        assert!(parse_wav(b"ID3\x04 this is an mp3").unwrap_err().contains("not a WAV file"));
        assert!(parse_wav(&wav(2, 1, 8000, 4, &[0; 16])).unwrap_err().contains("format tag 2"));
        assert!(parse_wav(&wav(1, 1, 8000, 12, &[0; 16])).unwrap_err().contains("12-bit"));
        let mut no_data = wav(1, 1, 8000, 16, &[]);
        no_data.truncate(36);
        assert!(parse_wav(&no_data).unwrap_err().contains("no data chunk"));
    }

    #[test]
    fn resampling_keeps_a_tone_and_its_length() {
        let a = Audio { sample_rate: 44_100, samples: tone(44_100, 440.0, 0.5, 0.5) };
        let r = resample(&a, 16_000);
        assert_eq!(r.samples.len(), 8000);
        let want = tone(16_000, 440.0, 0.5, 0.5);
        let worst = r.samples[200..7800].iter().zip(&want[200..7800]).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
        assert!(worst < 0.01, "resampled tone deviates by {worst}");
        let up = resample(&Audio { sample_rate: 8000, samples: tone(8000, 300.0, 0.5, 0.5) }, 16_000);
        let want = tone(16_000, 300.0, 0.5, 0.5);
        let worst = up.samples[200..7800].iter().zip(&want[200..7800]).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
        assert!(worst < 0.01, "upsampled tone deviates by {worst}");
    }

    #[test]
    fn trimming_keeps_the_voiced_part_with_padding() {
        let mut samples = vec![0.0; 8000];
        samples.extend(tone(16_000, 500.0, 0.5, 0.3));
        samples.extend(vec![0.0; 8000]);
        let t = trim_voiced(&Audio { sample_rate: 16_000, samples });
        assert_eq!(t.samples.len(), 8000 + 2 * 800);
    }

    #[test]
    fn recordings_are_checked() {
        let rate = 16_000;
        let ok = |s: Vec<f32>| prepare_recording(&Audio { sample_rate: rate, samples: s }, rate);
        assert!(ok(vec![0.0; 16_000]).unwrap_err().contains("silent"));
        assert!(ok(tone(rate, 300.0, 1.0, 4.0).into_iter().map(|v| v.clamp(-1.0, 1.0)).collect())
            .unwrap_err()
            .contains("clipped"));
        assert!(ok(tone(rate, 300.0, 0.1, 0.5)).unwrap_err().contains("shorter than 0.3 s"));
        assert!(ok(tone(rate, 300.0, 3.5, 0.5)).unwrap_err().contains("longer than 3 s"));
        assert_eq!(ok(tone(rate, 300.0, 1.0, 0.5)).unwrap().samples.len(), 16_000);
    }
}
