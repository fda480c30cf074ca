//! `onelab speech features`, and reading a user's recordings for evaluation.

use crate::USAGE;

/// Reads a WAV file as a user's recording would be read: resampled to the corpus rate, trimmed
/// to its voiced part and checked; then prints one line per log-mel frame.
pub fn speech_features(rest: &[&str]) -> Result<(), String> {
    use onelab::speech::{parse_wav, prepare_recording, Corpus, MelConfig, MelFilterbank};
    let (path, label) = match rest {
        [path] => (*path, None),
        [path, "--label", label] => (*path, Some(*label)),
        _ => return Err(format!("unexpected arguments {rest:?}\n{USAGE}")),
    };
    if let Some(label) = label {
        let corpus = Corpus::committed()?;
        if !corpus.commands.iter().any(|c| c == label) {
            return Err(format!("unknown command label {label:?}: expected one of {}", corpus.commands.join(", ")));
        }
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let config = MelConfig::default();
    let audio = prepare_recording(&parse_wav(&bytes).map_err(|e| format!("{path}: {e}"))?, config.sample_rate)
        .map_err(|e| format!("{path}: {e}"))?;
    let bank = MelFilterbank::new(config);
    println!("{path}: {:.2} s spoken", audio.samples.len() as f32 / audio.sample_rate as f32);
    for frame in bank.frames(&audio.samples) {
        println!("{}", frame.iter().map(|v| format!("{v:.6}")).collect::<Vec<_>>().join(" "));
    }
    Ok(())
}

/// `--eval-wav "north east=a.wav,b.wav"`: the recordings as listening frames `[recording][listen][band]`,
/// after the checks every recording passes; the label must be the task's command.
pub fn external_recordings(
    spec: &str,
    c: &onelab::evolve::EvolveConfig,
    corpus: Option<&onelab::speech::Corpus>,
) -> Result<(Vec<f32>, usize), String> {
    use onelab::speech::{listening_frames, parse_wav, prepare_recording, MelConfig, MelFilterbank};
    let corpus = corpus.ok_or("--eval-wav needs --listen: recordings are heard during the listening steps")?;
    let (label, files) = spec.split_once('=').ok_or("--eval-wav takes COMMAND=FILE[,FILE...]")?;
    if !corpus.commands.iter().any(|cmd| cmd == label) {
        return Err(format!("unknown command label {label:?}: expected one of {}", corpus.commands.join(", ")));
    }
    let want = onelab::world::Corner::parse(&c.task)?.command();
    if label != want {
        return Err(format!("the recordings say {label:?}, but task {} is commanded by {want:?}", c.task));
    }
    let config = MelConfig::default();
    let bank = MelFilterbank::new(config.clone());
    let mut table = Vec::new();
    let paths: Vec<&str> = files.split(',').collect();
    for path in &paths {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
        let audio = prepare_recording(&parse_wav(&bytes).map_err(|e| format!("{path}: {e}"))?, config.sample_rate)
            .map_err(|e| format!("{path}: {e}"))?;
        table.extend(listening_frames(&bank, &audio.samples, c.listen));
    }
    Ok((table, paths.len()))
}
