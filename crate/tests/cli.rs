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
    let cells: std::collections::HashSet<&str> = out.lines().filter_map(|l| l.split(" at ").nth(1)).map(|r| r.split(" action").next().unwrap()).collect();
    assert!(cells.len() > 2, "{out}");
}
