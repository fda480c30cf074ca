//! Issue 19's cases, each a regression test: decoded records, WAV files, settings and checkpoints
//! that once crashed, hung or exhausted the lab are refused by name, before anything runs on
//! them (the bounds are in crate/src/limits.rs).

use onelab::device::Device;
use onelab::evolve::EvolveConfig;
use onelab::lifecycle::{Experiment, ExperimentConfig};
use onelab::speech::{parse_wav, prepare_recording, wav_file, Audio, Corpus};
use onelab::traces::{decode, encode, replay, Heard, MazeSpec, Phase, PolicyRef, Trial};

fn trial() -> Trial {
    // Twelve steps of staying put in the north-west corner: a step cost each, summed as replay sums.
    let cumulative_reward = (0..12).fold(0.0f32, |r, _| r + ((0.0 + 0.0) + -0.01));
    Trial {
        experiment: 1,
        task: "ne".into(),
        maze: MazeSpec { size: 5, openings: 0.5, seed: 3 },
        start: 0,
        step_limit: 44,
        heard: Some(Heard { speaker: "en-us+m1".into(), command: "north east".into(), augment_seed: 1, listen: 12 }),
        policy: PolicyRef::One { version: 0 },
        phase: Phase::Evolution,
        actions: vec![4; 12],
        success: false,
        cumulative_reward,
    }
}

#[test]
fn records_that_cannot_replay_are_refused_when_decoded() {
    let good = trial();
    let r = replay(&decode(&encode(&good)).unwrap()).unwrap();
    assert_eq!(r.cells.len(), 13);
    let cases: Vec<(Box<dyn Fn(&mut Trial)>, &str)> = vec![
        (Box::new(|t| t.maze.size = 0), "maze size must be from 2 to 64, got 0"),
        (Box::new(|t| t.maze.size = 1), "maze size must be from 2 to 64, got 1"),
        (Box::new(|t| t.maze.size = 65535), "maze size must be from 2 to 64, got 65535"),
        (Box::new(|t| t.maze.size = 20000), "got 20000"),
        (Box::new(|t| t.step_limit = 0), "step limit must be from 1 to 1024, got 0"),
        (Box::new(|t| t.start = 25), "starts at cell 25 of a 5x5 maze"),
        (Box::new(|t| t.maze.openings = f32::NAN), "openings"),
        (Box::new(|t| t.step_limit = 10), "over its step limit 10"),
        (Box::new(|t| t.heard.as_mut().unwrap().listen = 44), "listens for all its steps"),
    ];
    for (damage, words) in cases {
        let mut t = good.clone();
        damage(&mut t);
        let err = decode(&encode(&t)).unwrap_err();
        assert!(err.contains(words), "{err}");
    }
}

/// A WAV file of `rate` Hz with `data`, format `tag` (1 PCM, 3 float) and `bits`, whose data
/// chunk says it holds `data_len` bytes.
fn wav(tag: u16, rate: u32, bits: u16, data: &[u8], data_len: u32) -> Vec<u8> {
    let mut b = wav_file(tag, 1, rate, bits, data);
    b[40..44].copy_from_slice(&data_len.to_le_bytes());
    b
}

#[test]
fn wav_files_are_read_within_bounds() {
    let nan: Vec<u8> = [0.1f32, f32::NAN, 0.2].iter().flat_map(|v| v.to_le_bytes()).collect();
    assert!(parse_wav(&wav(3, 16_000, 32, &nan, nan.len() as u32)).unwrap_err().contains("not numbers"));
    let pcm = vec![0u8; 2048];
    assert!(parse_wav(&wav(1, 1, 16, &pcm, 2048)).unwrap_err().contains("audio at 1 Hz"));
    assert!(parse_wav(&wav(1, 0, 16, &pcm, 2048)).unwrap_err().contains("audio at 0 Hz"));
    // 400 KB at 8 kHz of 8-bit audio is 50 s: over the 30 s read, refused before any work.
    let long = vec![128u8; 400_000];
    assert!(parse_wav(&wav(1, 8000, 8, &long, 400_000)).unwrap_err().contains("at most 30 s"));
    // A chunk length of 0xfffffff8 in a 20-byte file: the chunk walk ends (it once wrapped
    // around on 32-bit targets and looped for ever).
    let mut tiny = b"RIFF\x0c\x00\x00\x00WAVE".to_vec();
    tiny.extend_from_slice(b"junk\xf8\xff\xff\xff");
    assert!(parse_wav(&tiny).unwrap_err().contains("no data chunk"));
    // The page's recording path hands samples and a rate straight to prepare_recording.
    let tone: Vec<f32> = (0..16_000).map(|n| 0.5 * (n as f32 * 0.1).sin()).collect();
    assert!(prepare_recording(&Audio { sample_rate: 0, samples: tone.clone() }, 16_000).unwrap_err().contains("0 Hz"));
    let mut bad = tone.clone();
    bad[5] = f32::INFINITY;
    assert!(prepare_recording(&Audio { sample_rate: 16_000, samples: bad }, 16_000)
        .unwrap_err()
        .contains("not numbers"));
    assert!(prepare_recording(&Audio { sample_rate: 16_000, samples: tone }, 16_000).is_ok());
}

#[test]
fn settings_that_passed_and_then_failed_are_refused_by_name() {
    let base = ExperimentConfig::default_experiment();
    let cases: Vec<(Box<dyn Fn(&mut ExperimentConfig)>, &str)> = vec![
        (Box::new(|c| c.copy.maze_size = 2), "leaves no cell to start from in a 2x2 maze"),
        (Box::new(|c| c.copy.maze_size = 300), "maze size must be from 2 to 64, got 300"),
        (Box::new(|c| c.copy.maze_size = 20_000), "got 20000"),
        (Box::new(|c| c.copy.maze_size = 1 << 32), "maze size"),
        (Box::new(|c| c.copy.step_limit = 65_537), "step limit must be from 1 to 1024"),
        (Box::new(|c| c.copy.listen = 44), "leaving none to move"),
        (Box::new(|c| c.copy.listen = 1_000_000_000), "leaving none to move"),
        (Box::new(|c| c.copy.strategy.population = 1_000_000_000), "population must be from 2 to 65536"),
        (Box::new(|c| c.consolidation.batch = 1_000_000_000_000), "batch must be from 2 to 4096"),
        (Box::new(|c| c.consolidation.updates = 1_000_000_000_000_000_000), "updates must be from 1 to 1000000"),
        (Box::new(|c| c.copy.augment.shift_ms = u32::MAX), "shift_ms"),
        (Box::new(|c| c.copy.augment.gain_db = 3.4e38), "gain_db"),
        (Box::new(|c| c.copy.augment.snr_db = -1.0), "snr_db"),
        (Box::new(|c| c.copy.hidden = 4096), "hidden size must be from 1 to 512"),
        (Box::new(|c| c.generations = 1_000_000_000), "generations must be from 1 to 100000"),
        (
            Box::new(|c| c.tasks[1] = "nw/100000x100000".into()),
            "maze size of task \"nw/100000x100000\" must be from 2 to 64",
        ),
        (
            Box::new(|c| c.tasks[1] = "nw:100000".into()),
            "task nw:100000 allows 100000 moves, more than the settings' 32",
        ),
        (Box::new(|c| c.tasks[1] = "nw:-1".into()), "its moves after ':' are a whole number of at least 1, not \"-1\""),
        (
            Box::new(|c| c.tasks[1] = "nw~100000".into()),
            "task nw~100000 listens 100000 steps, more than the settings' 12",
        ),
    ];
    for (change, words) in cases {
        let mut c = base.clone();
        change(&mut c);
        let err = c.validate().unwrap_err();
        assert!(err.contains(words), "{words:?}: {err}");
    }
    let e = EvolveConfig { episodes: 1 << 20, ..EvolveConfig::default() };
    assert!(e.validate().unwrap_err().contains("episodes must be from 1 to 1024"));
    // A copy alone honours no task moves of its own: its settings' moves are its task's.
    let small = EvolveConfig::small_maze();
    let e = EvolveConfig { task: "ne:20".into(), ..small.clone() };
    assert!(e
        .validate()
        .unwrap_err()
        .contains("task ne:20 allows 20 moves, but these settings allow 32 after listening"));
    EvolveConfig { task: "ne:32".into(), ..small }.validate().unwrap();
}

/// A checkpoint one generation into the first copy, as JSON, damaged by `damage`, resumed.
fn resume_damaged(damage: impl Fn(&mut serde_json::Value)) -> Result<(), String> {
    let mut c = ExperimentConfig::default_experiment();
    c.tasks = vec!["ne".into(), "sw".into()];
    c.copy.hidden = 8;
    c.copy.strategy.population = 16;
    let mut exp = Experiment::new(c, Device::Cpu, Corpus::committed().unwrap())?;
    pollster::block_on(exp.step())?; // the copy starts
    pollster::block_on(exp.step())?; // its first generation
    exp.drain();
    let mut json = serde_json::to_value(pollster::block_on(exp.checkpoint())?).unwrap();
    damage(&mut json);
    let checkpoint = serde_json::from_value(json).map_err(|e| e.to_string())?;
    Experiment::resume(checkpoint, Device::Cpu, Corpus::committed().unwrap()).map(|_| ())
}

#[test]
fn damaged_checkpoints_are_refused_whole_before_they_run() {
    resume_damaged(|_| {}).unwrap();
    let cases: Vec<(Box<dyn Fn(&mut serde_json::Value)>, &str)> = vec![
        (Box::new(|j| j["stats"]["mean"].as_array_mut().unwrap().truncate(3)), "weight statistics hold 3 values"),
        (
            Box::new(|j| {
                j["one"]["params"].as_array_mut().unwrap().pop();
            }),
            "parameters where its shape has",
        ),
        (Box::new(|j| j["one"]["params"] = serde_json::json!([])), "holds 0 parameters"),
        (
            Box::new(|j| {
                j["stage"]["copy"]["evolution"]["strategy"]["Pgpe"]["sigma"].as_array_mut().unwrap().pop();
            }),
            "mutation sizes for",
        ),
        (
            Box::new(|j| j["stage"]["copy"]["evolution"]["strategy"]["Pgpe"]["sigma"][0] = serde_json::json!(-1.0)),
            "mutation size of -1",
        ),
        (
            Box::new(|j| j["stage"]["copy"]["evolution"]["strategy"]["Pgpe"]["size"] = serde_json::json!(0)),
            "population must be from 2",
        ),
        (
            Box::new(|j| j["stage"]["copy"]["evolution"]["strategy"]["Pgpe"]["size"] = serde_json::json!(15)),
            "odd population of 15",
        ),
        (
            Box::new(|j| j["stage"]["copy"]["evolution"]["copy_id"] = serde_json::json!(7)),
            "stage does not fit its 0 finished",
        ),
        (
            Box::new(|j| {
                j["stage"] = serde_json::json!("read");
                j["curves"] = serde_json::json!([]);
            }),
            "stage does not fit its 0 finished",
        ),
        (Box::new(|j| j["curves"] = serde_json::json!([])), "0 learning curves for 1 copies"),
        (
            Box::new(|j| j["stage"]["copy"]["evolution"]["stats"]["m2"].as_array_mut().unwrap().truncate(1)),
            "weight statistics",
        ),
        (
            Box::new(|j| j["stage"]["copy"]["evolution"]["config"]["strategy"]["population"] = serde_json::json!(0)),
            "population must be from 2",
        ),
    ];
    for (damage, words) in cases {
        let err = resume_damaged(damage).unwrap_err();
        assert!(err.contains(words), "{words:?}: {err}");
    }
}
