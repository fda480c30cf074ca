//! The experiment of paper 3.8: copies evolve while hearing the commands, every trial is stored,
//! ONE consolidates on the stored traces alone (zero environment steps) and is accepted only if
//! it follows every command; a rejected consolidation leaves the previous ONE byte for byte.

use onelab::device::Device;
use onelab::gpu;
use onelab::lifecycle::{Event, Experiment, ExperimentConfig, Judgement};
use onelab::speech::{Augment, Corpus, Split};
use onelab::traces::{FileStore, Phase, Trial};

/// The reduced experiment CI runs: two commands ("north east", "south west") in the lab's 5x5
/// maze, ONE of 16 hidden units.
fn reduced() -> ExperimentConfig {
    let mut c = ExperimentConfig::default_experiment();
    c.tasks = vec!["ne".into(), "sw".into()];
    c.copy.hidden = 16;
    c.generations = 60;
    c.copy_target = 1.0;
    c.consolidation.updates = 1200;
    c.consolidation.learning_rate = 0.02;
    c
}

/// The split holds in what was stored: copies evolving and demonstrating hear training speakers
/// only, their evaluations validation speakers only; no trial hears a cross-synthesiser speaker.
fn hears_only_its_split(traces: &[Trial]) {
    let corpus = Corpus::committed().unwrap();
    for t in traces {
        let h = t.heard.as_ref().expect("every episode of the experiment listens");
        let want = if t.phase == Phase::Evaluation { Split::Validation } else { Split::Train };
        assert_eq!(corpus.speaker(&h.speaker).split, want, "a {:?} trial heard {}", t.phase, h.speaker);
    }
}

/// How the last consolidation was judged, and its held-out prediction error before and after.
struct Outcome {
    judgement: Judgement,
    held_out: (f32, f32),
}

/// Drives the experiment to its end as the CLI does (lifecycle/life.rs): each step's trials go
/// to a fresh trace store, and consolidation reads them back from it.
fn run(mut exp: Experiment, name: &str) -> (Experiment, Outcome) {
    let dir = std::env::temp_dir().join(format!("onelab-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (mut store, _) = FileStore::open(&dir).unwrap();
    let mut last = None;
    while !exp.is_done() {
        let steps = exp.env_steps;
        let event = pollster::block_on(exp.step()).unwrap();
        if let Some(line) = event.log_line() {
            eprintln!("{}", line.text());
        }
        match event {
            Event::ReadTraces { .. } => {
                let traces = store.read_all().unwrap();
                assert_eq!(traces.len(), exp.trials, "every trial is in the store");
                hears_only_its_split(&traces);
                exp.read(traces.into_iter().map(Ok)).unwrap();
            }
            Event::Judged {
                judgement,
                env_steps_evolution,
                env_steps_consolidation,
                held_out_before,
                held_out_after,
                ..
            } => {
                assert_eq!(env_steps_evolution, steps);
                assert_eq!(env_steps_consolidation, 0, "consolidation took environment steps");
                last = Some(Outcome { judgement, held_out: (held_out_before, held_out_after) });
            }
            _ => {}
        }
        let (trials, policies) = exp.drain();
        store.append(&trials).unwrap();
        store.append_policies(&policies).unwrap();
    }
    std::fs::remove_dir_all(&dir).unwrap();
    (exp, last.unwrap())
}

#[test]
fn a_reduced_experiment_reaches_its_targets_on_the_gpu_path() {
    let ctx = pollster::block_on(gpu::Context::new())
        .expect("this test needs a Vulkan adapter (mesa-vulkan-drivers gives lavapipe)");
    eprintln!("adapter: {}", ctx.describe());
    // Half the updates at a larger rate: BPTT on lavapipe, a CPU, was two thirds of this test's
    // ten minutes. On the CPU path these settings reach 95 to 100% on both commands and 80 to
    // 97% on the other synthesiser in seeds 1 to 4 (1200 updates at 0.02: 96 to 100%).
    let mut config = reduced();
    config.consolidation.updates = 600;
    config.consolidation.learning_rate = 0.03;
    let exp = Experiment::new(config, Device::Gpu(ctx), Corpus::committed().unwrap()).unwrap();
    let before = exp.one.clone();
    let (exp, outcome) = run(exp, "experiment");
    let report = &outcome.judgement;
    for r in &report.rows {
        eprintln!("{r:?}");
        assert!(r.one >= 0.9, "ONE follows {:?} in only {:.1}% of episodes", r.command, 100.0 * r.one);
        assert!(r.one_shuffled <= r.chance + 0.1, "with shuffled speech ONE still reaches {} ({r:?})", r.task);
        assert!((r.copy - r.copy_shuffled).abs() <= 0.05, "the copy for {} depends on speech ({r:?})", r.task);
        // The reduced experiment's target on the cross-synthesiser speakers (chance is 50%): the
        // default experiment's BENCHMARKS.md table says how far the full one gets.
        assert!(
            r.one_cross >= 0.75,
            "ONE follows the other synthesiser's {:?} in only {:.1}%",
            r.command,
            100.0 * r.one_cross
        );
    }
    let (before_error, after_error) = outcome.held_out;
    assert!(after_error < before_error, "prediction on held-out failures did not improve");
    assert!(report.accepted, "{}", report.verdict);
    assert_ne!(exp.one.params, before.params);
    assert_eq!(exp.retention.len(), 1, "one consolidation, one row of the retention matrix");
    let row = &exp.retention[0];
    assert_eq!(row.learned, ["ne", "sw"]);
    assert_eq!(row.success, report.rows.iter().map(|r| r.one).collect::<Vec<_>>());
}

/// ONE learns the skills one at a time: a consolidation and a judgement after each copy, the
/// retention matrix a row each; the new skill fails under the ONE before it and passes after,
/// and the old one is kept (CPU reference path). The second corner is next to the first: a copy
/// of a ONE that always goes north east learns north west, while south west, the opposite
/// corner, is a deceptive start its copies often never leave (0 to 17% after 100 generations in
/// seeds 1 to 3, with the speech front end of before issue 13 too; BENCHMARKS.md).
#[test]
fn learning_one_skill_at_a_time_fills_the_retention_matrix() {
    let mut c = reduced();
    c.tasks = vec!["ne".into(), "nw".into()];
    c.consolidate_each = true;
    c.generations = 100;
    let (exp, outcome) = run(Experiment::new(c, Device::Cpu, Corpus::committed().unwrap()).unwrap(), "each");
    let report = &outcome.judgement;
    for r in &exp.retention {
        eprintln!("{r:?}");
    }
    let r = &exp.retention;
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].learned, ["ne"]);
    assert_eq!(r[1].learned, ["ne", "nw"]);
    assert!(r[0].accepted && r[1].accepted, "{}", report.verdict);
    assert!(r[0].success[0] >= 0.9, "north east after learning it: {:?}", r[0]);
    assert!(r[0].success[1] < 0.9, "north west before learning it: {:?}", r[0]);
    assert!(r[1].success.iter().all(|&s| s >= 0.9), "both after learning both: {:?}", r[1]);
    assert_eq!(r[1].success, report.rows.iter().map(|r| r.one).collect::<Vec<_>>());
}

#[test]
fn a_rejected_consolidation_restores_the_previous_one_byte_for_byte() {
    let mut c = reduced();
    c.generations = 2;
    c.copy.strategy.population = 16;
    c.consolidation.updates = 3;
    c.accept = 1.0;
    let corpus = Corpus::committed().unwrap();
    // Two external recordings of "north east" (validation utterances, as a user's voice would be
    // given); none of "south west"; a command not in the experiment is refused by name.
    let voices: Vec<Vec<f32>> = corpus
        .utterances
        .iter()
        .filter(|u| u.text == "north east" && corpus.speaker(&u.speaker).split == Split::Validation)
        .take(2)
        .map(|u| corpus.audio(u))
        .collect();
    let mut exp = Experiment::new(c, Device::Cpu, corpus).unwrap();
    for v in &voices {
        exp.add_recording("north east", v).unwrap();
    }
    assert!(exp.add_recording("north west", &voices[0]).unwrap_err().contains("not one of this experiment's commands"));
    let bytes = |p: &[f32]| p.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>();
    let before = bytes(&exp.one.params);
    let (exp, outcome) = run(exp, "rejected");
    let report = &outcome.judgement;
    assert!(report.rows[0].one_recordings.is_some_and(|v| (0.0..=1.0).contains(&v)), "{:?}", report.rows[0]);
    assert_eq!(report.rows[1].one_recordings, None);
    assert!(!report.accepted);
    assert!(report.verdict.starts_with("rejected, the previous ONE is kept: below 100%"), "{}", report.verdict);
    assert_eq!(bytes(&exp.one.params), before);
}

#[test]
fn bad_settings_are_refused_by_name() {
    let cases: [(&str, fn(&mut ExperimentConfig)); 10] = [
        ("at least two commands", |c| c.tasks.truncate(1)),
        ("listed twice", |c| c.tasks = vec!["ne".into(), "ne".into()]),
        ("task tree is listed twice", |c| c.tasks = vec!["tree".into(), "ne".into(), "tree".into()]),
        ("unknown goal \"cat\": expected one of ne, nw, se, sw, center, tree, house, bird, dog", |c| {
            c.tasks[1] = "cat".into()
        }),
        ("the 2x2 maze is too small for the bird", |c| {
            c.copy.maze_size = 2;
            c.tasks = ["ne", "nw", "se", "sw", "bird"].map(String::from).to_vec();
        }),
        ("unknown start region \"close\": expected near or farther", |c| c.tasks[1] = "nw@close".into()),
        ("task ne@near is listed twice", |c| c.tasks = vec!["ne@near".into(), "ne".into(), "ne@near".into()]),
        ("listening steps", |c| c.copy.listen = 0),
        ("acceptance threshold", |c| c.accept = 1.5),
        ("learning rate", |c| c.consolidation.learning_rate = 0.0),
    ];
    for (want, spoil) in cases {
        let mut c = reduced();
        spoil(&mut c);
        let err = c.validate().unwrap_err();
        assert!(err.contains(want), "{want}: {err}");
    }
    let mut c = reduced();
    c.tasks[1] = "up".into();
    assert!(c.validate().unwrap_err().contains("up"));
}

/// A command near its goal and everywhere are two tasks of one command: neither is the other's
/// exit, and the other corners are exits once each.
#[test]
fn start_regions_are_tasks_of_the_same_command() {
    let mut c = reduced();
    c.tasks = ["ne@near", "nw", "ne", "nw@farther", "tree"].map(String::from).to_vec();
    c.validate().unwrap();
    let tasks: Vec<String> = (0..5).map(|k| c.copy_task(k)).collect();
    assert_eq!(tasks, ["ne@near|nw", "nw|ne", "ne|nw", "nw@farther|ne", "tree|ne|nw"]);
    assert_eq!((c.command(0), c.command(2), c.command(3)), ("north east", "north east", "north west"));
}

/// On the default 9x9 maze the corners lie on corridors: with the other corners as exits, north
/// east could be reached from only 52 of its 77 start cells (south west from 25), so the experiment is refused by
/// name, and so is a copy alone with such exits; without corner exits each copy's task is its goal alone. Settings written before the
/// switch existed (a share link, a ONE file) keep their corner exits.
#[test]
fn corners_that_cut_start_cells_off_are_refused_as_exits() {
    let mut c = reduced();
    (c.copy.maze_size, c.copy.extra_openings, c.copy.maze_seed) = (9, 0.1, 1);
    c.tasks = ["ne", "nw", "se", "sw", "tree"].map(String::from).to_vec();
    let err = c.validate().unwrap_err();
    assert!(
        err.contains(
            "task ne|nw|se|sw: 25 of its 77 start cells in the 9x9 maze reach its goal only through another corner"
        ),
        "{err}"
    );
    assert!(err.contains("corner_exits false"), "{err}");
    // A copy evolved alone on that maze (`onelab evolve`, whose default maze it is) with exits in its task.
    let copy = onelab::evolve::EvolveConfig { task: "ne|nw|se|sw".into(), ..Default::default() };
    let err = copy.validate().unwrap_err();
    assert!(
        err.contains("task ne|nw|se|sw: 25 of its 77 start cells") && err.contains("leave those exits out"),
        "{err}"
    );
    onelab::evolve::EvolveConfig { task: "ne".into(), ..Default::default() }.validate().unwrap();
    c.corner_exits = false;
    c.validate().unwrap();
    assert_eq!((0..5).map(|k| c.copy_task(k)).collect::<Vec<_>>(), ["ne", "nw", "se", "sw", "tree"]);
    let mut doc = serde_json::to_value(reduced()).unwrap();
    doc.as_object_mut().unwrap().remove("corner_exits");
    let old = ExperimentConfig::from_json(doc.to_string().as_bytes()).unwrap();
    assert!(old.corner_exits);
    assert_eq!(old.copy_task(0), "ne|sw");
}

/// A task may name its own maze ("ne/7x7", "sw/7x7#4"), moves ("sw:20") and listening steps
/// ("ne~6"): its copy evolves there, its trials record that maze, step limit and listening
/// (consolidation replays them so), and ONE is judged there; the same goal, start region, maze,
/// listening and moves under two names is one task, refused, and so are moves and listening
/// beyond the settings'.
#[test]
fn a_task_in_a_maze_of_its_own_evolves_stores_and_is_judged_there() {
    let mut c = reduced();
    c.tasks = ["ne/7x7", "sw", "sw/7x7#4:20", "ne~6"].map(String::from).to_vec();
    c.generations = 2;
    c.copy.strategy.population = 16;
    c.consolidation.updates = 2;
    c.validate().unwrap();
    assert_eq!(c.copy_task(0), "ne/7x7|sw");
    assert_eq!([c.copy_config(0).step_limit, c.copy_config(2).step_limit], [12 + 32, 12 + 20]);
    assert_eq!([c.copy_config(3).listen, c.copy_config(3).step_limit], [6, 6 + 32]);
    assert_eq!([c.maze(0).width, c.maze(1).width, c.maze(2).width], [7, 5, 7]);
    assert_ne!(c.maze(0).walls, c.maze(2).walls, "layout 4 is not layout 3");
    for (tasks, want) in [
        (
            ["ne", "sw", "ne/5x5"],
            "task ne/5x5 is task ne again: the same goal, start region, maze, listening and moves",
        ),
        (["ne", "sw", "sw~12"], "task sw~12 is task sw again"),
        (["ne", "sw", "sw~13"], "task sw~13 listens 13 steps, more than the settings' 12: raise the listening steps"),
        (["ne", "sw", "sw~0"], "its listening steps after '~' are a whole number of at least 1"),
        (["ne", "sw", "sw/5x5#3"], "task sw/5x5#3 is task sw again"),
        (["ne", "sw", "sw/5x4"], "the lab's mazes are square, not 5x4"),
        (["ne", "sw", "dog/2x2"], "the 2x2 maze is too small for the dog"),
        (["ne", "sw", "sw:32"], "task sw:32 is task sw again"),
        (["ne", "sw", "sw:33"], "task sw:33 allows 33 moves, more than the settings' 32: raise the moves"),
        (["ne", "sw", "sw:0"], "its moves after ':' are a whole number of at least 1"),
    ] {
        let mut bad = c.clone();
        bad.tasks = tasks.map(String::from).to_vec();
        let err = bad.validate().unwrap_err();
        assert!(err.contains(want), "{want}: {err}");
    }
    let mut exp = Experiment::new(c, Device::Cpu, Corpus::committed().unwrap()).unwrap();
    let (mut traces, mut judged) = (Vec::new(), None);
    while !exp.is_done() {
        match pollster::block_on(exp.step()).unwrap() {
            Event::ReadTraces { .. } => exp.read(traces.iter().cloned().map(Ok)).unwrap(),
            Event::Judged { judgement, .. } => judged = Some(judgement),
            _ => {}
        }
        traces.extend(exp.drain().0);
    }
    for (task, size, seed, steps, listen) in [
        ("ne/7x7|sw", 7, 3, 44, 12),
        ("sw|ne", 5, 3, 44, 12),
        ("sw/7x7#4:20|ne", 7, 4, 32, 12),
        ("ne~6|sw", 5, 3, 38, 6),
    ] {
        let mine: Vec<&Trial> = traces.iter().filter(|t| t.task == task).collect();
        assert!(!mine.is_empty(), "{task} stored trials");
        assert!(mine.iter().all(|t| t.step_limit == steps), "{task} in {steps} steps");
        assert!(mine.iter().all(|t| t.heard.as_ref().unwrap().listen == listen), "{task} heard for {listen} steps");
        assert!(
            mine.iter().all(|t| (t.maze.size, t.maze.seed) == (size, seed)),
            "{task} in the {size}x{size} maze {seed}"
        );
        let cells = mine.iter().map(|t| onelab::traces::replay(t).unwrap().maze.walls.len());
        assert!(cells.into_iter().all(|n| n == size as usize * size as usize), "{task} replays in its maze");
    }
    assert_eq!(judged.unwrap().rows.len(), 4, "ONE judged at each task");
}

/// The page's checkpoint: an experiment saved after every step (through JSON, as the page
/// stores it) and resumed from it each time, in every stage (a copy starting, evolving, done,
/// consolidation waiting for its traces, between two updates, judged), goes on exactly as the
/// one that never stopped: the same events, the same trials in the same order, the same ONE,
/// copies, statistics, curves and counts at the end.
#[test]
fn a_run_resumed_after_every_step_is_the_run_that_never_stopped() {
    let mut c = reduced();
    c.generations = 3;
    c.copy.strategy.population = 16;
    c.consolidation.updates = 6;
    // Without augmentation: each resume hears the training speakers again.
    c.copy.augment = Augment::default();
    let corpus = Corpus::committed().unwrap();
    // One step as a driver takes it: its event as JSON, its trials kept in `store`.
    let advance = |exp: &mut Experiment, events: &mut Vec<String>, store: &mut Vec<Trial>| {
        let event = pollster::block_on(exp.step()).unwrap();
        if let Event::ReadTraces { .. } = event {
            exp.read(store.iter().cloned().map(Ok)).unwrap();
        }
        events.push(serde_json::to_string(&event).unwrap());
        store.extend(exp.drain().0);
    };
    // A: straight through.
    let mut a = Experiment::new(c.clone(), Device::Cpu, corpus.clone()).unwrap();
    let (mut events_a, mut store_a) = (Vec::new(), Vec::new());
    while !a.is_done() {
        advance(&mut a, &mut events_a, &mut store_a);
    }
    // B: a new experiment from the last checkpoint at every step.
    let mut b = Experiment::new(c, Device::Cpu, corpus.clone()).unwrap();
    let (mut events_b, mut store_b, mut stages, mut resumed) = (Vec::new(), Vec::new(), Vec::new(), 0);
    while !b.is_done() {
        advance(&mut b, &mut events_b, &mut store_b);
        let checkpoint = pollster::block_on(b.checkpoint()).unwrap();
        stages.push(checkpoint.standing().phase);
        // Not right after the traces were read or consolidation announced: resumed there, it
        // waits for the traces again, and would never get on.
        let last = events_b.last().map(String::as_str).unwrap_or("");
        if !last.contains("read-traces") && !last.contains("\"consolidating\"") {
            let json = serde_json::to_vec(&checkpoint).unwrap();
            b = Experiment::resume(serde_json::from_slice(&json).unwrap(), Device::Cpu, corpus.clone()).unwrap();
            resumed += 1;
        }
    }
    eprintln!("resumed {resumed} times at: {stages:?}");
    for phase in ["copy", "next-copy", "read", "consolidate", "done"] {
        assert!(stages.contains(&phase), "no checkpoint at stage {phase}: {stages:?}");
    }
    // A resumed consolidation asks for its traces and announces itself again: the work is the same.
    let work = |events: &[String]| -> Vec<String> {
        events.iter().filter(|e| !e.contains("read-traces") && !e.contains("\"consolidating\"")).cloned().collect()
    };
    assert_eq!(work(&events_a), work(&events_b));
    assert_eq!(store_a, store_b);
    assert_eq!((a.trials, a.env_steps), (b.trials, b.env_steps));
    assert_eq!(a.one, b.one);
    assert_eq!(a.copies, b.copies);
    assert_eq!(a.stats, b.stats);
    let end = |e: &Experiment| serde_json::to_string(&pollster::block_on(e.checkpoint()).unwrap()).unwrap();
    assert_eq!(end(&a), end(&b));
    assert_eq!(pollster::block_on(b.step()).unwrap_err(), "the experiment is over");
    // A checkpoint that does not fit its own settings is refused by name.
    let mut bad = pollster::block_on(a.checkpoint()).unwrap();
    bad.config.copy.hidden += 1;
    let refused = Experiment::resume(bad, Device::Cpu, corpus).err().unwrap();
    assert!(refused.contains("a saved ONE has shape"), "{refused}");
}
