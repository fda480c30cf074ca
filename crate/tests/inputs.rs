//! Inputs from outside (crate/src/inputs.rs): each seed input gets the verdict recorded in
//! crate/tests/data/inputs/verdicts.json (tests/browser/inputs.test.mjs checks the same verdicts
//! from the wasm32 build, so that 32-bit and 64-bit targets agree), and a short fuzzing run of
//! every kind finds no panic and no allocation over 256 MiB.

use onelab::inputs::Input;
use onelab::speech::Corpus;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/inputs");

/// "accepted: ..." or "refused: ...", as `onelab fuzz --replay` prints it.
fn verdict(kind: Input, bytes: &[u8], corpus: &Corpus) -> String {
    match kind.take(bytes, corpus) {
        Ok(what) => format!("accepted: {what}"),
        Err(why) => format!("refused: {why}"),
    }
}

/// Set ONELAB_WRITE_VERDICTS=1 to record the verdicts after a deliberate change.
#[test]
fn every_seed_input_gets_its_recorded_verdict() {
    let corpus = Corpus::committed().unwrap().first_speakers(2);
    let mut got = BTreeMap::new();
    for kind in Input::ALL {
        let dir = Path::new(DATA).join(kind.name());
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = format!("{}/{}", kind.name(), path.file_name().unwrap().to_str().unwrap());
            got.insert(name, verdict(kind, &std::fs::read(&path).unwrap(), &corpus));
        }
    }
    let file = Path::new(DATA).join("verdicts.json");
    if std::env::var_os("ONELAB_WRITE_VERDICTS").is_some() {
        std::fs::write(&file, serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
    }
    let want: BTreeMap<String, String> = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(got, want);
    // Every kind has a seed the lab accepts, and the 32-bit traps are refused.
    for kind in Input::ALL {
        assert!(want.iter().any(|(k, v)| k.starts_with(kind.name()) && v.starts_with("accepted")), "{kind:?}");
    }
    for trap in [
        "archive/length-4294967301.bin",
        "policy/count-wraps.bin",
        "wav/chunk-wraps.wav",
        "settings/generation-too-large.json",
        "settings/batch-over-32-bits.json",
    ] {
        assert!(want[trap].starts_with("refused"), "{trap}: {}", want[trap]);
    }
}

/// Seconds of `onelab fuzz all`: the seeds and about 1,500 mutants of each kind.
#[test]
fn a_short_fuzzing_run_finds_no_failure() {
    let out = Command::new(env!("CARGO_BIN_EXE_onelab"))
        .args(["fuzz", "all", "--executions", "1500", "--seed", "7"])
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    println!("{stdout}");
    for kind in Input::ALL {
        let row = stdout.lines().find(|l| l.starts_with(&format!("| {} |", kind.name()))).expect("a row per kind");
        let cols: Vec<&str> = row.split('|').map(str::trim).collect();
        assert_eq!((cols[2], cols[8]), ("1500", "0"), "{row}");
        // Mutants are refused far more often than not, and some are still accepted.
        let accepted: usize = cols[3].parse().unwrap();
        assert!(accepted > 0 && accepted < 1500, "{row}");
    }
}
