//! The `onelab` binary as a user runs it.

use std::process::Command;

fn onelab(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_onelab")).args(args).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

/// Every command answers --help (or -h) on stdout and succeeds, as does --version; no command
/// at all is an error that shows the list.
#[test]
fn help_and_version_answer_on_stdout() {
    let commands: &[&[&str]] = &[
        &[],
        &["info"],
        &["walk"],
        &["evolve"],
        &["run"],
        &["life"],
        &["bench", "forward"],
        &["bench", "rollout"],
        &["bench", "bptt"],
        &["bench", "speech"],
        &["bench", "traces"],
        &["speech", "features"],
        &["traces", "stats"],
        &["traces", "replay"],
        &["traces", "export"],
        &["traces", "import"],
        &["fuzz"],
    ];
    for command in commands {
        for flag in ["--help", "-h"] {
            let (ok, out, err) = onelab(&[command, &[flag][..]].concat());
            assert!(ok && out.contains("--") && err.is_empty(), "{command:?} {flag}: {out}{err}");
        }
    }
    let (ok, out, _) = onelab(&["--version"]);
    assert!(ok && out.starts_with("onelab 0."), "{out}");
    let (ok, _, err) = onelab(&[]);
    assert!(!ok && err.contains("Usage: onelab <COMMAND>"), "{err}");
}

/// `run --json` writes the settings and results as data (a tiny run), and a file that cannot be
/// written is refused by name before anything runs. `run --out` saves the judged ONE; `run --one`
/// judges it again to the same numbers and writes the same bytes back; a cut file, or a setting
/// given beside `--one`, is refused by name. The tiny run is seeded: in about 3 of 100 seeds its
/// copies of two generations never succeed, and a run with nothing to imitate stops.
#[test]
fn run_writes_its_results_as_json_and_its_one_as_a_file() {
    let tmp = |name: &str| std::env::temp_dir().join(format!("onelab-run-{}-{name}", std::process::id()));
    let (path, one, again) = (tmp("results.json"), tmp("one.onelab"), tmp("again.onelab"));
    let tiny =
        ["run", "--cpu", "--seed", "1", "--tasks", "ne,sw", "--hidden", "8", "--generations", "2", "--updates", "3"];
    let files = ["--json", path.to_str().unwrap(), "--out", one.to_str().unwrap()];
    let (ok, out, err) = onelab(&[&tiny[..], &["--population", "8", "--no-baseline"], &files].concat());
    assert!(ok, "{err}");
    let store = store_of(&out);
    assert!(!store.exists(), "the temporary trace store {} is removed when the run is over", store.display());
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    // Not on a terminal, each generation and update line ends with the run's totals and ETA.
    assert!(out.contains("  [copy 1/2 gen 1/2 · consolidation 0/1 update 0/3 · "), "{out}");
    assert!(out.contains("· consolidation 1/1 update 3/3 · at most 0:00 left]"), "{out}");
    let (ok, judged, err) = onelab(&[
        "run",
        "--one",
        one.to_str().unwrap(),
        "--cpu",
        "--json",
        path.to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(judged.contains("judged again here"), "{judged}");
    assert_eq!(std::fs::read(&one).unwrap(), std::fs::read(&again).unwrap(), "a ONE file read and written back");
    let redone: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(redone["judgement"]["rows"], doc["report"]["rows"], "ONE judged again gives the same table");
    let (ok, _, err) = onelab(&["run", "--one", one.to_str().unwrap(), "--hidden", "4"]);
    assert!(!ok && err.contains("'--one <FILE>' cannot be used with") && err.contains("--hidden"), "{err}");
    let bytes = std::fs::read(&one).unwrap();
    std::fs::write(&again, &bytes[..bytes.len() - 3]).unwrap();
    let (ok, _, err) = onelab(&["run", "--one", again.to_str().unwrap(), "--cpu"]);
    assert!(!ok && err.contains("not a ONE file: the file is truncated"), "{err}");
    // --from: the experiment starts from an accepted ONE of its shape (the pretrained one:
    // hidden 32, the default), whose copy already follows north east at its first generation
    // (90% or more); a rejected ONE, or one of another shape, is refused by name.
    let pretrained = concat!(env!("CARGO_MANIFEST_DIR"), "/../www/pretrained/one.onelab");
    let from = ["run", "--cpu", "--tasks", "ne,sw", "--generations", "1", "--updates", "1", "--population", "8"];
    let (ok, started, err) = onelab(&[&from[..], &["--no-baseline", "--seed", "2", "--from", pretrained]].concat());
    assert!(ok && started.contains("starting from the ONE in"), "{err}");
    let copy_at_first_generation = started
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("ne  north east     1"))
        .and_then(|rest| rest.split_whitespace().next()?.strip_suffix('%')?.parse::<f32>().ok());
    assert!(copy_at_first_generation.is_some_and(|copy| copy >= 90.0), "{started}");
    let (ok, _, err) = onelab(&[&from[..], &["--hidden", "8", "--from", pretrained]].concat());
    assert!(!ok && err.contains("does not fit these settings"), "{err}");
    // Two generations and three updates do not make a ONE that passes: the tiny run's is rejected.
    assert_eq!(doc["report"]["accepted"], false);
    let (ok, _, err) = onelab(&[&from[..], &["--from", one.to_str().unwrap()]].concat());
    assert!(!ok && err.contains("was rejected by its experiment"), "{err}");
    for f in [&path, &one, &again] {
        std::fs::remove_file(f).ok();
    }
    assert_eq!(doc["config"]["tasks"], serde_json::json!(["ne", "sw"]));
    let rows = doc["report"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for r in rows {
        assert!(r["one"].as_f64().unwrap() >= 0.0 && r["one_cross"].as_f64().unwrap() <= 1.0, "{r}");
    }
    assert_eq!(doc["report"]["losses"].as_array().unwrap().len(), 3);
    let copies = doc["copies"].as_array().unwrap();
    assert_eq!(copies.iter().map(|c| c["task"].as_str().unwrap()).collect::<Vec<_>>(), ["ne", "sw"]);
    for (c, row) in copies.iter().zip(rows) {
        assert_eq!(c["generations"].as_array().unwrap().len(), row["copy_generations"].as_u64().unwrap() as usize);
    }
    assert_eq!(doc["report"]["retention"].as_array().unwrap().len(), 1);
    assert!(doc["baseline"].is_null() && out.contains("results written to"));
    let (ok, out, err) = onelab(&[&tiny[..], &["--json", "/nonexistent-dir/results.json"]].concat());
    assert!(!ok && err.contains("cannot write /nonexistent-dir/results.json"), "{err}");
    assert!(!out.contains("trace store"), "it ran: {out}");
}

/// `run --print-config` writes the settings as the page's share links carry them; `--config`
/// reads them back (options and `--set` still change them), and refuses an unknown or invalid
/// setting by name.
#[test]
fn run_settings_go_through_a_json_file() {
    let dir = std::env::temp_dir().join(format!("onelab-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (ok, printed, err) = onelab(&["run", "--print-config"]);
    assert!(ok, "{err}");
    let file = dir.join("settings.json");
    std::fs::write(&file, &printed).unwrap();
    let path = file.to_str().unwrap();
    let (ok, again, _) = onelab(&["run", "--config", path, "--print-config"]);
    assert!(ok && again == printed);
    let (_, changed, _) = onelab(&["run", "--config", path, "--generations", "7", "--print-config"]);
    let changed: serde_json::Value = serde_json::from_str(&changed).unwrap();
    assert_eq!(changed["generations"], 7);
    // A new experiment draws a fresh seed (the settings file keeps its own); --seed gives one.
    let seed = |printed: &str| serde_json::from_str::<serde_json::Value>(printed).unwrap()["copy"]["seed"].clone();
    let seeds: std::collections::HashSet<String> =
        (0..3).map(|_| seed(&onelab(&["run", "--print-config"]).1).to_string()).collect();
    assert_eq!(seeds.len(), 3, "three new experiments, three seeds: {seeds:?}");
    assert_eq!(seed(&onelab(&["run", "--seed", "5", "--print-config"]).1), 5);
    // --set names one setting, and the seed does not overwrite it.
    let (_, set, _) = onelab(&["run", "--seed", "5", "--set", "consolidation.seed=6", "--print-config"]);
    let set: serde_json::Value = serde_json::from_str(&set).unwrap();
    assert_eq!((set["copy"]["seed"].clone(), set["consolidation"]["seed"].clone()), (5.into(), 6.into()));
    assert_eq!(changed["copy"]["seed"], seed(&printed));
    let mut doc: serde_json::Value = serde_json::from_str(&printed).unwrap();
    doc["copy"]["hiden"] = serde_json::json!(3);
    std::fs::write(&file, doc.to_string()).unwrap();
    let (ok, _, err) = onelab(&["run", "--config", path]);
    assert!(!ok && err.contains("no setting \"copy.hiden\""), "{err}");
    doc["copy"].as_object_mut().unwrap().remove("hiden");
    doc["generations"] = serde_json::json!(0);
    std::fs::write(&file, doc.to_string()).unwrap();
    let (ok, _, err) = onelab(&["run", "--config", path]);
    assert!(!ok && err.contains("generations must be from 1"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
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

/// The same measurement code as the page's benchmark, on the CPU path alone: its rates, n/a
/// where the GPU's would be; an unknown option is refused by name.
#[test]
fn bench_bptt_runs_on_the_cpu_path_alone() {
    let (ok, out, err) = onelab(&["bench", "bptt", "--quick", "--cpu-only"]);
    assert!(ok, "{err}");
    assert!(out.contains("GPU: not used"), "{out}");
    let row = out.lines().find(|l| l.trim_start().starts_with("16")).expect("one row");
    let cols: Vec<&str> = row.split_whitespace().collect();
    assert_eq!((cols[2], cols[4], cols[6]), ("n/a", "n/a", "n/a"), "{row}");
    assert!(cols[3].parse::<f64>().unwrap() > 0.0 && cols[5].parse::<f64>().unwrap() > 0.0, "{row}");
    let path = std::env::temp_dir().join(format!("onelab-bptt-{}.json", std::process::id()));
    let (ok, _, err) = onelab(&["bench", "bptt", "--quick", "--cpu-only", "--json", path.to_str().unwrap()]);
    assert!(ok, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!((doc["bench"].as_str(), doc["gpu"].is_null()), (Some("bptt"), true));
    let row = &doc["rows"][0];
    assert_eq!((row["case"]["size"].as_u64(), row["unit"].as_str()), (Some(16), Some("trace-steps")));
    assert!(row["cpu"].as_f64().unwrap() > 0.0 && row["gpu"].is_null(), "{row}");
    let (ok, _, err) = onelab(&["bench", "forward", "--fast"]);
    assert!(!ok && err.contains("--fast"), "{err}");
}

#[test]
fn bench_rollout_prints_both_gpu_paths_beside_cpu() {
    let (ok, out, err) = onelab(&["bench", "rollout", "--quick"]);
    assert!(ok, "{err}");
    assert!(out.contains("GPU regen/s") && out.contains("GPU mater/s") && out.contains("CPU 1 thr/s"), "{out}");
    let row = out.lines().find(|l| l.trim_start().starts_with("64")).expect("one row");
    let cols: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cols.len(), 10, "{row}");
    for c in [&cols[2..7], &cols[9..]].concat() {
        assert!(c.parse::<f64>().unwrap() > 0.0, "{row}");
    }
}

#[test]
fn bench_rollout_takes_sizes_and_writes_json() {
    let path = std::env::temp_dir().join(format!("onelab-rollout-{}.json", std::process::id()));
    let (ok, out, err) = onelab(&[
        "bench",
        "rollout",
        "--quick",
        "--cpu-only",
        "--members",
        "6,9",
        "--hidden=8",
        "--steps",
        "5",
        "--episodes",
        "3",
        "--threads",
        "2",
        "--json",
        path.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("3 episodes per member, T = 5 steps") && out.contains("not used"), "{out}");
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    std::fs::remove_file(&path).ok();
    let rows = doc["rows"].as_array().unwrap();
    assert_eq!(rows.iter().map(|r| r["members"].as_u64().unwrap()).collect::<Vec<_>>(), [6, 9]);
    for r in rows {
        assert_eq!((r["hidden"].as_u64(), r["threads"].as_u64()), (Some(8), Some(2)));
        assert!(r["cpu_one_thread"].as_f64().unwrap() > 0.0 && r["cpu_all_threads"].as_f64().unwrap() > 0.0);
        assert!(r["gpu_regenerated"].is_null() && r["peer"].is_null());
    }
    for (bad, named) in
        [(["--members", "0"], "--members"), (["--threads", "0"], "--threads"), (["--steps", "x"], "--steps")]
    {
        let (ok, _, err) = onelab(&[&["bench", "rollout", "--cpu-only"][..], &bad[..]].concat());
        assert!(!ok && err.contains(named), "{bad:?}: {err}");
    }
}

#[test]
fn evolve_prints_a_line_per_generation_and_writes_the_copy() {
    let path = std::env::temp_dir().join(format!("onelab-copy-{}.json", std::process::id()));
    let curve = std::env::temp_dir().join(format!("onelab-curve-{}.json", std::process::id()));
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
        "--json",
        curve.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert_eq!(out.lines().filter(|l| l.contains(" s  gen ")).count(), 3, "{out}");
    let saved = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).ok();
    // --json: the curve, a point per generation printed.
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&curve).unwrap()).unwrap();
    std::fs::remove_file(&curve).ok();
    let points = doc["generations"].as_array().unwrap();
    assert_eq!(points.len(), 3);
    for (g, p) in points.iter().enumerate() {
        assert_eq!(p["generation"], g);
        let line = out.lines().filter(|l| l.contains(" s  gen ")).nth(g).unwrap();
        assert!(line.contains(&format!("best {:>7.3}", p["best"].as_f64().unwrap())), "{line} vs {p}");
        assert!((0.0..=1.0).contains(&p["mean_policy"].as_f64().unwrap()));
    }
    assert_eq!(doc["config"]["task"], "sw");
    assert!(saved.contains("\"format\":\"onelab-copy\"") && saved.contains("\"stats\""));
}

#[test]
fn evolve_refuses_bad_settings_by_name() {
    for (args, words) in [
        (vec!["--strategy", "openai-es", "--population", "7"], "population 7 is odd"),
        (vec!["--sigma", "0"], "sigma"),
        (vec!["--episodes", "0"], "episodes must be from 1 to 1024, got 0"),
        (vec!["--hidden", "0"], "hidden size"),
        (vec!["--task", "12,3"], "outside the 9x9 maze"),
        (vec!["--generations", "0"], "--generations"),
        (vec!["--population", "many"], "invalid value 'many' for '--population"),
        (vec!["--colour", "red"], "unexpected argument '--colour'"),
        (vec!["--strategy", "cma"], "[possible values: pgpe, openai-es, snes]"),
        (vec!["--materialise", "--regenerate"], "'--materialise' cannot be used with '--regenerate'"),
        (vec!["--steps", "20", "--moves", "8"], "'--steps <STEPS>' cannot be used with '--moves <M>'"),
        (vec!["--task", "cat"], "unknown goal \"cat\": expected one of ne, nw, se, sw, center, tree, house, bird, dog"),
        (vec!["--task", "dog", "--maze", "2"], "the 2x2 maze is too small for the dog"),
        (vec!["--fitness", "speed"], "[possible values: reward, progress]"),
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
    assert!(err.contains("invalid value 'many' for '--steps"), "{err}");
    let (ok, _, err) = onelab(&["fly"]);
    assert!(!ok);
    assert!(err.contains("unrecognized subcommand 'fly'"), "{err}");
    let (ok, _, err) = onelab(&["run", "--cpu", "--rates", "steep"]);
    assert!(!ok && err.contains("invalid value 'steep' for '--rates"), "{err}");
    assert!(err.contains("[possible values: uniform, variance]"), "{err}");
    // Any setting by its dotted name: an unknown one is named, a bad value refused as the page does.
    let (ok, out, _) = onelab(&["run", "--set", "copy.strategy.sigma=0.05", "--seed", "1", "--print-config"]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(ok && doc["copy"]["strategy"]["sigma"] == 0.05);
    let (ok, _, err) = onelab(&["run", "--set", "copy.hiden=3"]);
    assert!(!ok && err.contains("there is no setting \"copy.hiden\""), "{err}");
    let (ok, _, err) = onelab(&["run", "--cpu", "--tasks", "ne,tree,ne"]);
    assert!(!ok && err.contains("task ne is listed twice"), "{err}");
    let (ok, out, _) = onelab(&["run", "--set", "copy.fitness=progress", "--seed", "1", "--print-config"]);
    assert!(ok && serde_json::from_str::<serde_json::Value>(&out).unwrap()["copy"]["fitness"] == "progress");
    let (ok, _, err) = onelab(&["run", "--set", "copy.strategy.kind=Cma"]);
    assert!(!ok && err.contains("--set copy.strategy.kind=Cma"), "{err}");
}

#[test]
fn walk_moves_the_agent() {
    let (ok, out, err) = onelab(&["walk", "--steps", "40"]);
    assert!(ok, "{err}");
    let cells: std::collections::HashSet<&str> =
        out.lines().filter_map(|l| l.split(" at ").nth(1)).map(|r| r.split(" action").next().unwrap()).collect();
    assert!(cells.len() > 2, "{out}");
}

#[test]
fn evolve_evaluates_with_external_recordings() {
    // A recording of "south west" made from the corpus's first validation speaker, as a user's
    // WAV file would arrive: 44.1 kHz stereo 16-bit.
    let corpus = onelab::speech::Corpus::committed().unwrap();
    let u = corpus.utterances.iter().find(|u| u.text == "south west" && u.speaker.ends_with("+m4")).unwrap();
    let audio =
        onelab::speech::resample(&onelab::speech::Audio { sample_rate: 16_000, samples: corpus.audio(u) }, 44_100);
    let mut data = Vec::new();
    for v in &audio.samples {
        let s = ((v * 32767.0) as i16).to_le_bytes();
        data.extend_from_slice(&s);
        data.extend_from_slice(&s);
    }
    let mut wav = Vec::new();
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    for v in [16u32, 0x0002_0001, 44_100, 44_100 * 4, 0x0010_0004] {
        wav.extend_from_slice(&v.to_le_bytes());
    }
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&(data.len() as u32).to_le_bytes());
    wav.extend_from_slice(&data);
    let path = std::env::temp_dir().join(format!("onelab-sw-{}.wav", std::process::id()));
    std::fs::write(&path, &wav).unwrap();
    let file = path.to_str().unwrap();
    let base = [
        "evolve",
        "--cpu",
        "--task",
        "sw",
        "--maze",
        "5",
        "--hidden",
        "8",
        "--population",
        "8",
        "--episodes",
        "2",
        "--steps",
        "12",
        "--generations",
        "1",
    ];
    let with = |extra: &[&str]| {
        let mut all = base.to_vec();
        all.extend_from_slice(extra);
        onelab(&all)
    };
    let spec = format!("south west={file}");
    let (ok, out, err) = with(&["--listen", "6", "--eval-wav", &spec]);
    assert!(ok, "{err}");
    assert!(out.contains("mean policy with your 1 recording(s)"), "{out}");
    let (ok, _, err) = with(&["--eval-wav", &spec]);
    assert!(!ok && err.contains("needs --listen"), "{err}");
    let (ok, _, err) = with(&["--listen", "6", "--eval-wav", &format!("north east={file}")]);
    assert!(!ok && err.contains("commanded by \"south west\""), "{err}");
    let (ok, _, err) = with(&["--listen", "6", "--eval-wav", &format!("up={file}")]);
    assert!(!ok && err.contains("unknown command label \"up\""), "{err}");
    // `onelab run` judges ONE on recordings of its own commands only, and says so before evolving.
    let traces = std::env::temp_dir().join(format!("onelab-cli-run-{}", std::process::id()));
    let run = |label: &str| {
        let wav = format!("{label}={file}");
        onelab(&["run", "--cpu", "--tasks", "ne,sw", "--eval-wav", &wav, "--traces", traces.to_str().unwrap()])
    };
    let (ok, _, err) = run("north west");
    assert!(!ok && err.contains("\"north west\" is not one of this experiment's commands"), "{err}");
    let (ok, _, err) = run("up");
    assert!(!ok && err.contains("unknown command label \"up\""), "{err}");
    std::fs::remove_dir_all(&traces).ok();
    std::fs::write(&path, b"RIFF....WAVEjunk").unwrap();
    let (ok, _, err) = with(&["--listen", "6", "--eval-wav", &spec]);
    assert!(!ok && err.contains("no data chunk"), "{err}");
    std::fs::remove_file(&path).ok();
}

#[test]
fn evolve_keeps_every_trial_and_traces_replay() {
    let dir = std::env::temp_dir().join(format!("onelab-cli-traces-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_str().unwrap();
    let (ok, _, err) = onelab(&[
        "evolve",
        "--cpu",
        "--task",
        "ne",
        "--maze",
        "5",
        "--hidden",
        "8",
        "--population",
        "8",
        "--episodes",
        "3",
        "--steps",
        "10",
        "--generations",
        "2",
        "--listen",
        "4",
        "--seed",
        "1",
        "--traces",
        d,
    ]);
    assert!(ok, "{err}");
    let (ok, out, err) = onelab(&["traces", "stats", d]);
    assert!(ok, "{err}");
    // 2 generations x 8 members x 3 episodes, and 2 evaluations from the 24 start cells.
    assert!(out.contains(": 96 trials,") && out.contains("every one replayed"), "{out}");
    assert!(out.contains("Evolution       48") && out.contains("Evaluation       48"), "{out}");
    let (ok, out, err) = onelab(&["traces", "replay", d, "5"]);
    assert!(ok, "{err}");
    assert!(out.contains("trial 5: task ne") && out.contains("cumulative reward"), "{out}");
    let (ok, _, err) = onelab(&["traces", "replay", d, "500"]);
    assert!(!ok && err.contains("no trial 500"), "{err}");
    let missing = format!("{d}-misspelt");
    let (ok, _, err) = onelab(&["traces", "stats", &missing]);
    assert!(!ok && err.contains("there is no trace store at") && err.contains("no such folder"), "{err}");
    assert!(!std::path::Path::new(&missing).exists(), "reading a missing store made none");

    // Export, then import into a second store; damaged files are refused and change nothing.
    let file = format!("{d}.onelab");
    let other = format!("{d}-other");
    assert!(onelab(&["traces", "export", d, &file]).0);
    let (ok, out, err) = onelab(&["traces", "import", &file, &other]);
    assert!(ok && out.contains("imported 96 trials"), "{out}{err}");
    let good = std::fs::read(&file).unwrap();
    // A bit of the first section's payload (after the magic, its kind and its u64 length).
    let mut flipped = good.clone();
    let first_payload = u64::from_le_bytes(good[9..17].try_into().unwrap()) as usize;
    flipped[17 + first_payload / 2] ^= 1;
    for (bytes, why) in [
        (good[..good.len() - 3].to_vec(), "truncated"),
        (flipped, "checksum"),
        (b"PK\x03\x04 a zip file".to_vec(), "not a ONE Lab export file"),
        ([b"ONELABX3".as_slice(), &good[8..]].concat(), "version 3 is not supported"),
    ] {
        std::fs::write(&file, &bytes).unwrap();
        let (ok, _, err) = onelab(&["traces", "import", &file, &other]);
        assert!(!ok && err.contains(why) && err.contains("nothing was imported"), "{why}: {err}");
        let (_, out, _) = onelab(&["traces", "stats", &other]);
        assert!(out.contains(": 96 trials,"), "{out}");
    }
    std::fs::remove_file(&file).ok();
    std::fs::remove_dir_all(&other).ok();
    std::fs::remove_dir_all(&dir).ok();
}

/// The temporary trace store a run's output names (`trace store: DIR (removed when ...)`).
fn store_of(out: &str) -> std::path::PathBuf {
    let line = out.lines().find(|l| l.starts_with("trace store: ")).expect("the run names its store");
    let (dir, why) = line["trace store: ".len()..].split_once(" (").expect("a temporary store is said to be");
    assert!(why.starts_with("removed when the run is over; --traces DIR keeps it)"), "{line}");
    dir.into()
}

/// A run given no --traces stores its trials in a temporary folder: killed, the run leaves it
/// with its checkpoint to go on from; resumed to its end, the folder goes. A run refused before
/// its first checkpoint (a recording of an unknown command) leaves no folder either.
#[test]
fn a_temporary_trace_store_stays_for_resume_and_goes_when_the_run_is_over() {
    let tiny = ["--tasks", "ne,sw", "--hidden", "8", "--generations", "3", "--population", "8", "--updates", "50"];
    let (ok, out, err) = onelab(&[&["run", "--cpu", "--eval-wav", "up=x.wav"][..], &tiny[..]].concat());
    assert!(!ok && err.contains("unknown command label \"up\""), "{err}");
    assert!(!store_of(&out).exists(), "a refused run removed its temporary store");
    let mut child = Command::new(env!("CARGO_BIN_EXE_onelab"))
        .args(["run", "--cpu", "--no-baseline", "--seed", "5", "--checkpoint-every", "0"])
        .args(tiny)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = String::new();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    while !out.contains("trace store: ") {
        out.push_str(&lines.next().expect("the run names its store").unwrap());
        out.push('\n');
    }
    let store = store_of(&out);
    // Drained, so that the run never waits on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    let checkpoint = store.join("checkpoint.json");
    while !std::fs::read_to_string(&checkpoint).is_ok_and(|t| t.contains("\"stage\":{\"copy\"")) {
        assert!(child.try_wait().unwrap().is_none(), "the run ended before its first checkpoint");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(checkpoint.exists(), "a killed run keeps its temporary store and checkpoint");
    let (ok, out, err) = onelab(&["run", "--no-baseline", "--resume", store.to_str().unwrap()]);
    assert!(ok && out.contains("resumed from"), "{out}{err}");
    assert!(!store.exists(), "the resumed run removed its temporary store at its end");
}

/// A run killed while its copies evolve, resumed (`run --resume DIR`), killed again while ONE
/// consolidates and resumed again ends as the run that never stopped: the same table, losses,
/// curves, environment steps and held-out errors, and the same trials and policy snapshots in
/// its store (each cut back to what its checkpoint counted, then made again). A folder with no
/// checkpoint, or a setting beside --resume, is refused by name.
#[test]
fn a_killed_run_resumes_to_the_result_of_the_run_that_never_stopped() {
    let tmp = |name: &str| std::env::temp_dir().join(format!("onelab-resume-{}-{name}", std::process::id()));
    let (whole, cut, a, b) = (tmp("whole"), tmp("cut"), tmp("a.json"), tmp("b.json"));
    let settings = ["--tasks", "ne,sw", "--hidden", "8", "--generations", "3", "--population", "8", "--updates", "100"];
    let tiny = [&["run", "--cpu", "--no-baseline", "--seed", "5"][..], &settings[..]].concat();
    let (ok, _, err) =
        onelab(&[&tiny[..], &["--traces", whole.to_str().unwrap(), "--json", a.to_str().unwrap()]].concat());
    assert!(ok, "{err}");
    assert!(!whole.join("checkpoint.json").exists(), "a finished run leaves no checkpoint");

    // Killed once its checkpoint says `stage` (every step saves one), then resumed.
    let checkpoint = cut.join("checkpoint.json");
    let kill_at = |args: &[&str], stage: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_onelab"))
            .args(args)
            .args(["--checkpoint-every", "0"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let wanted = format!("\"stage\":{{\"{stage}\"");
        while !std::fs::read_to_string(&checkpoint).is_ok_and(|t| t.contains(&wanted)) {
            assert!(child.try_wait().unwrap().is_none(), "the run ended before its checkpoint said {stage}");
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        child.kill().unwrap();
        child.wait().unwrap();
    };
    kill_at(&[&tiny[..], &["--traces", cut.to_str().unwrap()]].concat(), "copy");
    let dir = cut.to_str().unwrap();
    // Without --cpu: a run begun on the CPU path goes on there.
    kill_at(&["run", "--no-baseline", "--resume", dir], "consolidate");
    let (ok, out, err) = onelab(&["run", "--cpu", "--no-baseline", "--resume", dir, "--json", b.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("resumed from") && out.contains("consolidate (generation 0, update"), "{out}");

    let read = |p: &std::path::Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    let (a, b) = (read(&a), read(&b));
    for key in ["config", "report", "copies", "env_steps"] {
        assert_eq!(a[key], b[key], "{key}");
    }
    let (x, _) = onelab::traces::FileStore::open(&whole).unwrap();
    let (y, _) = onelab::traces::FileStore::open(&cut).unwrap();
    assert_eq!(x.len(), y.len(), "trials stored");
    let encoded =
        |s: &onelab::traces::FileStore| s.read_all().unwrap().iter().map(onelab::traces::encode).collect::<Vec<_>>();
    assert!(encoded(&x) == encoded(&y), "the same trials in the same order");
    let policies = |s: &onelab::traces::FileStore| s.policies().unwrap().iter().map(|p| p.encode()).collect::<Vec<_>>();
    assert!(policies(&x) == policies(&y), "the same policy snapshots");

    let (ok, _, err) = onelab(&["run", "--cpu", "--resume", dir]);
    assert!(!ok && err.contains("the run saved no checkpoint there, or finished"), "{err}");
    let (ok, _, err) = onelab(&["run", "--resume", dir, "--hidden", "4"]);
    assert!(!ok && err.contains("'--resume <DIR>' cannot be used with"), "{err}");
    for p in [&whole, &cut] {
        std::fs::remove_dir_all(p).ok();
    }
}

/// `onelab life`: a tiny life prints its candidates and measures and writes them as JSON; killed
/// while a candidate's copy evolves and resumed, it ends as the life that never stopped; bad
/// budgets and a missing checkpoint are named.
#[test]
fn a_killed_life_resumes_to_the_life_that_never_stopped() {
    let tmp = |name: &str| std::env::temp_dir().join(format!("onelab-life-cli-{}-{name}", std::process::id()));
    let (whole, cut, a, b) = (tmp("whole"), tmp("cut"), tmp("a.json"), tmp("b.json"));
    let settings = ["--tasks", "ne,nw", "--hidden", "8", "--population", "16", "--updates", "50"];
    let budgets = ["--first-budget", "2", "--last-budget", "8", "--seed", "3"];
    let tiny = [&["life", "--cpu"][..], &settings[..], &budgets[..]].concat();
    let (ok, out, err) =
        onelab(&[&tiny[..], &["--traces", whole.to_str().unwrap(), "--json", a.to_str().unwrap()]].concat());
    assert!(ok, "{err}");
    assert!(
        out.contains("candidate 1: ne with a budget of 2 generations") && out.contains("the life is over"),
        "{out}"
    );
    assert!(!whole.join("life-checkpoint.json").exists(), "a finished life leaves no checkpoint");

    let checkpoint = cut.join("life-checkpoint.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_onelab"))
        .args(&tiny)
        .args(["--traces", cut.to_str().unwrap(), "--checkpoint-every", "0"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Killed once a candidate's copy is evolving (the second candidate, so that one is behind it).
    while !std::fs::read_to_string(&checkpoint)
        .is_ok_and(|t| t.contains("\"tried\":[{") && t.contains("\"stage\":{\"copy\""))
    {
        assert!(child.try_wait().unwrap().is_none(), "the life ended before a second candidate evolved");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let dir = cut.to_str().unwrap();
    // Without --cpu: a life begun on the CPU path goes on there.
    let (ok, out, err) = onelab(&["life", "--resume", dir, "--json", b.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("resumed from") && out.contains("CPU reference path"), "{out}");
    let read = |p: &std::path::Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    let (a, b) = (read(&a), read(&b));
    for key in ["settings", "tried", "accepted", "retention", "metrics", "trials", "env_steps"] {
        assert_eq!(a[key], b[key], "{key}");
    }
    let (x, _) = onelab::traces::FileStore::open(&whole).unwrap();
    let (y, _) = onelab::traces::FileStore::open(&cut).unwrap();
    assert_eq!(x.len(), y.len(), "trials stored");

    let (ok, _, err) = onelab(&["life", "--cpu", "--resume", dir]);
    assert!(!ok && err.contains("the life saved no checkpoint there, or finished"), "{err}");
    let (ok, _, err) = onelab(&["life", "--cpu", "--first-budget", "50", "--last-budget", "20"]);
    assert!(!ok && err.contains("the first budget (50 generations) is above the last (20)"), "{err}");
    for p in [&whole, &cut] {
        std::fs::remove_dir_all(p).ok();
    }
}
