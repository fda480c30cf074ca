//! The command corpus and the log-mel features (issue 4, first part).

use onelab::speech::{pool_frames, Corpus, MelConfig, MelFilterbank, Split};
use std::collections::{HashMap, HashSet};

#[derive(serde::Deserialize)]
struct Golden {
    signal: Vec<f32>,
    signal_frames: Vec<Vec<f32>>,
    utterance: HashMap<String, String>,
    utterance_frames: Vec<Vec<f32>>,
}

fn golden() -> Golden {
    serde_json::from_str(include_str!("data/mel_golden.json")).unwrap()
}

#[test]
fn corpus_is_complete_checksummed_and_split_by_voice_variant() {
    let corpus = Corpus::committed().unwrap();
    assert!(corpus.speakers.len() >= 48, "{} speakers", corpus.speakers.len());
    assert_eq!(corpus.sample_rate, 16_000);
    for want in ["north east", "north west", "south east", "south west", "center", "tree", "house", "bird", "dog"] {
        assert!(corpus.commands.iter().any(|c| c == want), "missing command {want}");
    }
    let said: HashSet<(&str, &str)> = corpus.utterances.iter().map(|u| (u.speaker.as_str(), u.text.as_str())).collect();
    for s in &corpus.speakers {
        for c in &corpus.commands {
            assert!(said.contains(&(s.id.as_str(), c.as_str())), "{} never says {c:?}", s.id);
        }
    }
    let variants =
        |split| corpus.speakers.iter().filter(|s| s.split == split).map(|s| s.variant.clone()).collect::<HashSet<_>>();
    let (train, validation) = (variants(Split::Train), variants(Split::Validation));
    assert!(!train.is_empty() && !validation.is_empty());
    assert!(
        train.is_disjoint(&validation),
        "voice variants shared across the split: {:?}",
        train.intersection(&validation).collect::<Vec<_>>()
    );
    let accents: HashSet<&str> = corpus.speakers.iter().map(|s| s.accent.as_str()).collect();
    assert!(accents.len() >= 4, "{accents:?}");
}

#[test]
fn a_corrupt_corpus_is_refused_naming_what_is_wrong() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../www/corpus/");
    let manifest = std::fs::read_to_string(format!("{dir}manifest.json")).unwrap();
    let mut blob = std::fs::read(format!("{dir}corpus.bin")).unwrap();
    blob[1000] ^= 0x55;
    let err = Corpus::load(&manifest, blob.clone()).err().unwrap();
    assert!(err.contains("checksum"), "{err}");
    let err = Corpus::load("{\"format\": \"something else\"}", blob).err().unwrap();
    assert!(err.contains("corpus manifest"), "{err}");
}

fn assert_close(got: &[Vec<f32>], want: &[Vec<f32>], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: frame count");
    for (f, (g, w)) in got.iter().zip(want).enumerate() {
        for (b, (x, y)) in g.iter().zip(w).enumerate() {
            assert!((x - y).abs() < 1e-3, "{what}: frame {f} band {b}: {x} vs numpy {y}");
        }
    }
}

#[test]
fn log_mel_matches_numpy_golden_values() {
    let g = golden();
    let bank = MelFilterbank::new(MelConfig::default());
    assert_close(&bank.frames(&g.signal), &g.signal_frames, "synthetic signal");
    let corpus = Corpus::committed().unwrap();
    let u = corpus
        .utterances
        .iter()
        .find(|u| u.speaker == g.utterance["speaker"] && u.text == g.utterance["text"])
        .unwrap();
    assert_close(&bank.frames(&corpus.audio(u)), &g.utterance_frames, "corpus utterance");
}

#[test]
fn pooling_gives_one_frame_per_step() {
    let frames: Vec<Vec<f32>> = (0..25).map(|i| vec![i as f32; 3]).collect();
    let pooled = pool_frames(&frames, 10);
    assert_eq!(pooled.len(), 3);
    assert_eq!(pooled[0], vec![4.5; 3]);
    assert_eq!(pooled[2], vec![22.0; 3]);
}

/// The features carry the command: a nearest-centroid classifier on a fixed-length summary of
/// each utterance (the mean log-mel over 4 equal time segments, standardised with training
/// statistics), trained on training speakers, tested on validation speakers. Not part of ONE.
#[test]
fn a_simple_classifier_separates_commands_on_validation_speakers() {
    let corpus = Corpus::committed().unwrap();
    let bank = MelFilterbank::new(MelConfig::default());
    let summary = |audio: &[f32]| -> Vec<f32> {
        let frames = bank.frames(audio);
        let per = frames.len().div_ceil(4);
        pool_frames(&frames, per).into_iter().flatten().collect()
    };
    let mut train: Vec<(usize, Vec<f32>)> = Vec::new();
    let mut test: Vec<(usize, Vec<f32>)> = Vec::new();
    for u in &corpus.utterances {
        let label = corpus.commands.iter().position(|c| *c == u.text).unwrap();
        let x = summary(&corpus.audio(u));
        match corpus.speaker(&u.speaker).split {
            Split::Train => train.push((label, x)),
            Split::Validation => test.push((label, x)),
        }
    }
    let dims = train[0].1.len();
    assert!(train.iter().chain(&test).all(|(_, x)| x.len() == dims), "every utterance yields 4 segments");
    let mean: Vec<f32> = (0..dims).map(|d| train.iter().map(|(_, x)| x[d]).sum::<f32>() / train.len() as f32).collect();
    let std: Vec<f32> = (0..dims)
        .map(|d| {
            (train.iter().map(|(_, x)| (x[d] - mean[d]).powi(2)).sum::<f32>() / train.len() as f32).sqrt().max(1e-6)
        })
        .collect();
    let z = |x: &[f32]| -> Vec<f32> { (0..dims).map(|d| (x[d] - mean[d]) / std[d]).collect() };
    let classes = corpus.commands.len();
    let mut centroids = vec![vec![0.0f32; dims]; classes];
    let mut counts = vec![0usize; classes];
    for (label, x) in &train {
        for (c, v) in centroids[*label].iter_mut().zip(z(x)) {
            *c += v;
        }
        counts[*label] += 1;
    }
    for (c, n) in centroids.iter_mut().zip(&counts) {
        c.iter_mut().for_each(|v| *v /= *n as f32);
    }
    let correct = test
        .iter()
        .filter(|(label, x)| {
            let zx = z(x);
            let dist = |c: &Vec<f32>| c.iter().zip(&zx).map(|(a, b)| (a - b) * (a - b)).sum::<f32>();
            (0..classes).min_by(|&a, &b| dist(&centroids[a]).total_cmp(&dist(&centroids[b]))).unwrap() == *label
        })
        .count();
    let accuracy = correct as f32 / test.len() as f32;
    eprintln!(
        "nearest-centroid accuracy on validation speakers: {:.1}% ({correct}/{}), chance {:.1}%",
        100.0 * accuracy,
        test.len(),
        100.0 / classes as f32
    );
    assert!(accuracy > 0.5, "accuracy {accuracy} is not well above chance");
}

#[test]
fn utterance_tables_hold_every_utterance_of_the_command_from_the_split() {
    use onelab::speech::{listening_frames, utterance_table, Augment};
    let corpus = Corpus::committed().unwrap();
    let bank = MelFilterbank::new(MelConfig::default());
    let listen = 12;
    let per = listen * 16;
    let t =
        utterance_table(&corpus, &bank, "north west", Split::Validation, listen, &Augment::default(), 1, 5).unwrap();
    let (table, speakers): (_, Vec<_>) = (t.frames, t.rows.iter().map(|r| r.0.clone()).collect());
    let said: Vec<_> = corpus
        .utterances
        .iter()
        .filter(|u| u.text == "north west" && corpus.speaker(&u.speaker).split == Split::Validation)
        .collect();
    let rows = speakers.len();
    assert_eq!(rows, said.len());
    assert!(said.iter().zip(&speakers).all(|(u, s)| &u.speaker == s));
    assert_eq!(table.len(), rows * per);
    for (row, u) in said.iter().enumerate() {
        assert_eq!(&table[row * per..(row + 1) * per], listening_frames(&bank, &corpus.audio(u), listen).as_slice());
    }
    let noisy = Augment { gain_db: 6.0, noise: 0.01, shift_ms: 100 };
    let a = utterance_table(&corpus, &bank, "north west", Split::Validation, listen, &noisy, 3, 5).unwrap();
    let b = utterance_table(&corpus, &bank, "north west", Split::Validation, listen, &noisy, 3, 5).unwrap();
    assert_eq!(a.rows.len(), 3 * rows);
    assert_eq!(a, b, "augmentation is seeded");
    assert_ne!(&a.frames[..per], &a.frames[per..2 * per], "the copies differ");
    // A row is heard again from its speaker and augmentation seed alone, as a stored trial is.
    let (speaker, seed) = &a.rows[4];
    let again = onelab::speech::heard_frames(&corpus, &bank, speaker, "north west", &noisy, *seed, listen).unwrap();
    assert_eq!(again, &a.frames[4 * per..5 * per]);
    let err = utterance_table(&corpus, &bank, "up", Split::Train, listen, &noisy, 1, 5).unwrap_err();
    assert!(err.contains("\"up\""), "{err}");
}

#[test]
fn the_listening_phase_feeds_exactly_listen_frames_then_silence() {
    use onelab::evolve::RolloutSpec;
    use onelab::net::NetShape;
    use onelab::world::{Corner, Maze, Task};
    let shape = NetShape::for_maze(16, 8);
    let maze = Maze::generate(5, 5, 0.5, 3);
    let task = Task::corner(Corner::NorthEast, &maze);
    let mut spec = RolloutSpec::random_starts(shape, maze, task, 2, 20, 1);
    spec.listen = 7;
    spec.utterances = std::sync::Arc::new((0..3 * 7 * 16).map(|i| 1.0 + i as f32).collect());
    spec.heard = vec![2, 0];
    for e in 0..2 {
        for t in 0..20 {
            let mut x = vec![9.0; shape.input()];
            shape.write_input(&mut x, &[0.0; 6], spec.goal_frame(e, t), &[0.0; 3], None);
            let goal = &x[6..22];
            if t < 7 {
                let u = spec.heard[e] as usize;
                assert_eq!(goal, &spec.utterances[(u * 7 + t) * 16..(u * 7 + t + 1) * 16], "episode {e} step {t}");
            } else {
                assert!(goal.iter().all(|&v| v == 0.0), "episode {e} step {t} should be silent");
            }
        }
    }
}
