//! `onelab speech features`, and reading a user's recordings for evaluation.

#[derive(clap::Subcommand)]
pub enum SpeechCommand {
    /// Checks a recording as the lab checks yours (resampled, trimmed to its voiced part) and
    /// prints its log-mel frames, or with --listen ONE's goal input (normalised, pooled).
    Features {
        /// A WAV file.
        file: String,
        /// The command it says (checked against the corpus's commands).
        #[arg(long)]
        label: Option<String>,
        /// Print ONE's goal input for this many listening steps instead of the frames.
        #[arg(long)]
        listen: Option<usize>,
    },
}

pub fn speech(what: SpeechCommand) -> Result<(), String> {
    let SpeechCommand::Features { file, label, listen } = what;
    speech_features(&file, label, listen)
}

/// Reads a WAV file as a user's recording would be read: resampled to the corpus rate, trimmed
/// to its voiced part and checked; then prints one line per log-mel frame, or with `--listen L`
/// one line per step of ONE's goal input (normalised and pooled).
fn speech_features(path: &str, label: Option<String>, listen: Option<usize>) -> Result<(), String> {
    use onelab::speech::{listening_frames, parse_wav, prepare_recording, Corpus, MelConfig, MelFilterbank};
    if let Some(label) = label {
        let corpus = Corpus::committed()?;
        if !corpus.commands.contains(&label) {
            return Err(format!("unknown command label {label:?}: expected one of {}", corpus.commands.join(", ")));
        }
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let config = MelConfig::default();
    let audio = prepare_recording(&parse_wav(&bytes).map_err(|e| format!("{path}: {e}"))?, config.sample_rate)
        .map_err(|e| format!("{path}: {e}"))?;
    let bank = MelFilterbank::new(config);
    println!("{path}: {:.2} s spoken", audio.samples.len() as f32 / audio.sample_rate as f32);
    let rows = match listen {
        Some(listen) => {
            listening_frames(&bank, &audio.samples, listen).chunks(bank.config().bands).map(<[f32]>::to_vec).collect()
        }
        None => bank.frames(&audio.samples),
    };
    for row in rows {
        println!("{}", row.iter().map(|v| format!("{v:.6}")).collect::<Vec<_>>().join(" "));
    }
    Ok(())
}

/// `--eval-wav "north east=a.wav,b.wav"`: the command and each file's samples, read, resampled,
/// trimmed and checked as every recording is; the label must be one of the corpus's commands.
pub fn recordings(spec: &str, corpus: &onelab::speech::Corpus) -> Result<(String, Vec<Vec<f32>>), String> {
    use onelab::speech::{parse_wav, prepare_recording, MelConfig};
    let (label, files) = spec.split_once('=').ok_or("--eval-wav takes COMMAND=FILE[,FILE...]")?;
    if !corpus.commands.iter().any(|cmd| cmd == label) {
        return Err(format!("unknown command label {label:?}: expected one of {}", corpus.commands.join(", ")));
    }
    let rate = MelConfig::default().sample_rate;
    let mut audio = Vec::new();
    for path in files.split(',') {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
        let prepared = prepare_recording(&parse_wav(&bytes).map_err(|e| format!("{path}: {e}"))?, rate)
            .map_err(|e| format!("{path}: {e}"))?;
        audio.push(prepared.samples);
    }
    Ok((label.to_string(), audio))
}

/// The same, as listening frames `[recording][listen][band]` for a copy of task `c.task`, whose
/// command the label must be.
pub fn external_recordings(
    spec: &str,
    c: &onelab::evolve::EvolveConfig,
    corpus: Option<&onelab::speech::Corpus>,
) -> Result<(Vec<f32>, usize), String> {
    use onelab::speech::{listening_frames, MelFilterbank};
    let corpus = corpus.ok_or("--eval-wav needs --listen: recordings are heard during the listening steps")?;
    let (label, audio) = recordings(spec, corpus)?;
    let task = c.task(&c.maze())?;
    let want = task.spoken_goal().ok_or_else(|| format!("task {} has no spoken command", c.task))?.command();
    if label != want {
        return Err(format!("the recordings say {label:?}, but task {} is commanded by {want:?}", c.task));
    }
    let bank = MelFilterbank::new(c.mel());
    let table = audio.iter().flat_map(|a| listening_frames(&bank, a, c.listen)).collect();
    Ok((table, audio.len()))
}
