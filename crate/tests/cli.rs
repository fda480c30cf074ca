//! The `onelab` binary as a user runs it.

use std::process::Command;

fn onelab(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_onelab")).args(args).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn bench_forward_prints_gpu_beside_cpu() {
    let (ok, out, err) = onelab(&["bench", "forward", "--quick"]);
    assert!(ok, "{err}");
    assert!(out.contains("GPU steps/s") && out.contains("CPU steps/s") && out.contains("GPU/CPU"), "{out}");
    let rows: Vec<&str> = out.lines().filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit())).collect();
    assert_eq!(rows.len(), 2, "{out}");
    for row in rows {
        let cols: Vec<f64> = row.split_whitespace().map(|c| c.parse().unwrap()).collect();
        assert!(cols[2] > 0.0 && cols[3] > 0.0 && cols[4] > 0.0, "{row}");
    }
}

#[test]
fn bench_rollout_prints_both_gpu_paths_beside_cpu() {
    let (ok, out, err) = onelab(&["bench", "rollout", "--quick"]);
    assert!(ok, "{err}");
    assert!(out.contains("GPU regen") && out.contains("GPU mater.") && out.contains("CPU /s"), "{out}");
    let row = out.lines().find(|l| l.trim_start().starts_with("64")).expect("one row");
    assert!(row.ends_with("materialised") || row.ends_with("regenerated"), "{row}");
}

#[test]
fn evolve_prints_a_line_per_generation_and_writes_the_copy() {
    let path = std::env::temp_dir().join(format!("onelab-copy-{}.json", std::process::id()));
    let (ok, out, err) = onelab(&[
        "evolve",
        "--task",
        "sw",
        "--maze",
        "5",
        "--hidden",
        "8",
        "--population",
        "16",
        "--episodes",
        "4",
        "--steps",
        "12",
        "--generations",
        "3",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert_eq!(out.lines().filter(|l| l.starts_with("gen ")).count(), 3, "{out}");
    let saved = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).ok();
    assert!(saved.contains("\"format\":\"onelab-copy\"") && saved.contains("\"stats\""));
}

#[test]
fn evolve_refuses_bad_settings_by_name() {
    for (args, words) in [
        (vec!["--strategy", "openai-es", "--population", "7"], "population 7 is odd"),
        (vec!["--sigma", "0"], "sigma"),
        (vec!["--episodes", "0"], "episodes must be at least 1"),
        (vec!["--hidden", "0"], "hidden size"),
        (vec!["--task", "12,3"], "outside the 9x9 maze"),
        (vec!["--generations", "0"], "--generations"),
        (vec!["--population", "many"], "--population got \"many\""),
        (vec!["--colour", "red"], "unknown argument \"--colour\""),
    ] {
        let mut all = vec!["evolve", "--cpu"];
        all.extend(args);
        let (ok, _, err) = onelab(&all);
        assert!(!ok, "{all:?} should fail");
        assert!(err.contains(words), "{all:?}: {err}");
    }
}

#[test]
fn bad_arguments_are_named() {
    let (ok, _, err) = onelab(&["walk", "--steps", "many"]);
    assert!(!ok);
    assert!(err.contains("--steps") && err.contains("\"many\""), "{err}");
    let (ok, _, err) = onelab(&["fly"]);
    assert!(!ok);
    assert!(err.contains("usage"), "{err}");
}

#[test]
fn walk_moves_the_agent() {
    let (ok, out, err) = onelab(&["walk", "--steps", "40"]);
    assert!(ok, "{err}");
    let cells: std::collections::HashSet<&str> =
        out.lines().filter_map(|l| l.split(" at ").nth(1)).map(|r| r.split(" action").next().unwrap()).collect();
    assert!(cells.len() > 2, "{out}");
}
