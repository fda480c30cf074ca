//! The native command line: benchmarks and a headless look at what the page shows.
//!
//!     onelab info                     the GPU adapter wgpu picks
//!     onelab bench forward [--quick]  forward-pass agent-steps/s, GPU beside CPU
//!     onelab bench rollout [--quick]  population-rollout env-steps/s, GPU beside CPU
//!     onelab walk [--steps N]         ONE walking the default maze, one line per step
//!     onelab evolve --task ne ...     a copy of ONE evolves on one task (see `onelab evolve --help`)
//!     onelab speech features F.wav    a recording's checks and log-mel frames
//!     onelab bench speech             log-mel extraction time per second of audio
//!     onelab traces stats|replay ...  the trace store of `onelab evolve --traces DIR`

use onelab::backend::Backend;
use onelab::lifecycle::{WalkConfig, Walker};
use onelab::net::{NetShape, One};
use onelab::rng::Rng;
use onelab::{cpu, gpu};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match words.as_slice() {
        ["info"] => info(),
        ["bench", "forward", rest @ ..] => bench_forward(rest),
        ["bench", "rollout", rest @ ..] => bench_rollout(rest),
        ["walk", rest @ ..] => walk(rest),
        ["evolve", rest @ ..] => evolve(rest),
        ["speech", "features", rest @ ..] => speech_features(rest),
        ["bench", "speech"] => bench_speech(),
        ["traces", "stats", dir] => traces_stats(dir),
        ["bench", "traces"] => bench_traces(),
        ["traces", "replay", dir, index] => traces_replay(dir, index),
        ["traces", "export", dir, file] => traces_export(dir, file),
        ["traces", "import", file, dir] => traces_import(file, dir),
        _ => Err(USAGE.to_string()),
    };
    if let Err(message) = result {
        eprintln!("onelab: {message}");
        std::process::exit(2);
    }
}

const USAGE: &str = "usage:
  onelab info                      show the GPU adapter
  onelab bench forward [--quick]   forward-pass throughput, GPU beside CPU
  onelab bench rollout [--quick]   population-rollout throughput, GPU beside CPU
  onelab walk [--steps N]          ONE walking the default maze
  onelab evolve [options]          a copy of ONE evolves on one task (--help lists options)
  onelab speech features FILE.wav [--label COMMAND]
                                   checks a recording and prints its log-mel frames
  onelab bench speech              log-mel extraction time per second of audio
  onelab bench traces              trace store: bytes per trial, append and stream rates
  onelab traces stats DIR          trials per task and phase in a trace store, each replayed
  onelab traces replay DIR N       trial N of a trace store, step by step
  onelab traces export DIR FILE    the store's trials as one checked export file
  onelab traces import FILE DIR    adds an export file's trials to a store, all or nothing";

const EVOLVE_HELP: &str = "onelab evolve: a copy of ONE learns one maze task by evolution strategies
  --task T          ne, nw, se, sw, or a goal cell x,y            (default ne)
  --generations G   generations to run                            (default 100)
  --target S        stop once the mean policy succeeds from a share S of all start cells
  --population P    members per generation (even for pgpe, openai-es)   (default 256)
  --episodes E      episodes per member per generation            (default 16)
  --all-starts      instead, one episode from every cell outside the goal
  --strategy S      pgpe, openai-es or snes                       (default pgpe)
  --optimizer O     clipup or adam, for pgpe's mean               (default clipup)
  --sigma S         initial mutation size per parameter           (default 0.1)
  --lr L            learning rate (clipup: step size)             (default 0.5)
  --hidden H        hidden units of ONE                           (default 64)
  --maze N          maze of N x N cells                           (default 9)
  --openings F      share of extra openings in the maze           (default 0.1)
  --maze-seed N     seed of the maze layout                       (default 1)
  --steps T         episode step limit                            (default 64)
  --grow K          freeze the copy, add K units, evolve only those
  --variance        scale mutation sizes by weight variance (3.12)
  --sampled         sample actions from the softmax (default argmax)
  --listen L        the first L steps of each episode feed the spoken command (default 0)
  --eval-wav C=F,F  at the end, evaluate with your recordings F of command C (needs --listen)
  --materialise     always materialise perturbed weights (default: when they fit)
  --regenerate      always regenerate perturbed weights inside the rollout kernel
  --cpu             run rollouts on the CPU reference path
  --seed N          seed of ONE, the maze starts and the noise    (default 1)
  --out FILE        write the copy (parameters, shape, statistics) as JSON
  --traces DIR      keep every trial (evolution and evaluation) in the trace store DIR";

fn gpu_context() -> Result<gpu::Context, String> {
    pollster::block_on(gpu::Context::new())
}

fn info() -> Result<(), String> {
    let ctx = gpu_context()?;
    println!("adapter: {}", ctx.describe());
    println!("driver:  {} {}", ctx.adapter.driver, ctx.adapter.driver_info);
    Ok(())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// Repeats `f` until `min` has passed (at least once) and returns the mean seconds per call.
fn time_per_call(min: Duration, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut calls = 0;
    while calls == 0 || start.elapsed() < min {
        f();
        calls += 1;
    }
    start.elapsed().as_secs_f64() / calls as f64
}

/// Agent-steps per second of ONE's forward pass: N agents x T steps per call, inputs uploaded
/// and all outputs read back in each timed GPU call, after one untimed warm-up call.
fn bench_forward(rest: &[&str]) -> Result<(), String> {
    let quick = match rest {
        [] => false,
        ["--quick"] => true,
        _ => return Err(format!("unexpected arguments {rest:?}\n{USAGE}")),
    };
    let (agents, hiddens, steps, min): (&[usize], &[usize], usize, Duration) = if quick {
        (&[1, 64], &[64], 8, Duration::from_millis(50))
    } else {
        (&[1, 64, 1024, 16384], &[64, 256], 64, Duration::from_millis(1500))
    };
    let ctx = gpu_context()?;
    println!("onelab bench forward: T = {steps} steps per call");
    println!("GPU: {}", ctx.describe());
    println!("CPU: {} (nalgebra reference, one thread)", cpu_model());
    println!("{:>7} {:>6} {:>16} {:>16} {:>9}", "agents", "hidden", "GPU steps/s", "CPU steps/s", "GPU/CPU");
    for &hidden in hiddens {
        for &n in agents {
            let shape = NetShape::for_maze(16, hidden);
            let one = One::new(shape, 1);
            let mut rng = Rng::new(2);
            let inputs: Vec<f32> = (0..steps * n * shape.input()).map(|_| rng.symmetric(1.0)).collect();
            let mut g = gpu::Forward::new(&ctx, &one, n, steps)?;
            pollster::block_on(g.run(&inputs, steps))?;
            let gpu_s = time_per_call(min, || {
                pollster::block_on(g.run(&inputs, steps)).expect("GPU forward failed");
            });
            let mut c = cpu::Forward::new(&one, n);
            let cpu_s = time_per_call(min, || {
                c.run(&inputs, steps);
            });
            let work = (n * steps) as f64;
            println!(
                "{:>7} {:>6} {:>16.0} {:>16.0} {:>9}",
                n,
                hidden,
                work / gpu_s,
                work / cpu_s,
                ratio(cpu_s / gpu_s)
            );
        }
    }
    Ok(())
}

/// Three significant digits, so that small ratios stay readable.
fn ratio(r: f64) -> String {
    if r >= 0.01 {
        format!("{r:.3}")
    } else {
        format!("{r:.2e}")
    }
}

/// Env-steps per second (members x episodes x steps / wall time) of one generation's rollout:
/// the GPU kernel with regenerated and with materialised perturbations (one readback of the
/// results each), beside the CPU reference, which is timed on at most 32 members since its cost
/// is linear in the members.
fn bench_rollout(rest: &[&str]) -> Result<(), String> {
    use onelab::evolve::{Population, RolloutSpec};
    use onelab::gpu::Perturbation;
    use onelab::world::{Corner, Maze, Task};
    let quick = match rest {
        [] => false,
        ["--quick"] => true,
        _ => return Err(format!("unexpected arguments {rest:?}\n{USAGE}")),
    };
    let (members, hiddens, steps, min): (&[usize], &[usize], usize, Duration) = if quick {
        (&[64], &[32], 16, Duration::from_millis(50))
    } else {
        (&[64, 256, 1024, 4096], &[32, 64, 128], 64, Duration::from_millis(1500))
    };
    let episodes = 16;
    let ctx = gpu_context()?;
    let mut rollout = gpu::Rollout::new(&ctx);
    println!("onelab bench rollout: {episodes} episodes per member, T = {steps} steps, 9x9 maze, argmax actions");
    println!("GPU: {}", ctx.describe());
    println!("CPU: {} (reference path, one thread)", cpu_model());
    println!(
        "{:>7} {:>6} {:>15} {:>15} {:>13} {:>10} {:>10}  faster GPU path",
        "members", "hidden", "GPU regen /s", "GPU mater. /s", "CPU /s", "regen/CPU", "mater/CPU"
    );
    let maze = Maze::generate(9, 9, 0.1, 1);
    let task = Task::corner(Corner::NorthEast, &maze);
    for &hidden in hiddens {
        for &p in members {
            let shape = NetShape::for_maze(16, hidden);
            let one = One::new(shape, 1);
            let pop = Population {
                seed: 3,
                size: p,
                antithetic: true,
                mean: one.params.clone(),
                sigma: vec![0.1; one.params.len()],
            };
            let spec = RolloutSpec::random_starts(shape, maze.clone(), task.clone(), episodes, steps, 4);
            let work = (p * episodes * steps) as f64;
            let mut gpu_rate = |mode| -> Result<f64, String> {
                pollster::block_on(rollout.run(&pop, &spec, mode, false))?;
                let mut failure = None;
                let s = time_per_call(min, || {
                    if let Err(e) = pollster::block_on(rollout.run(&pop, &spec, mode, false)) {
                        failure = Some(e);
                    }
                });
                failure.map_or(Ok(work / s), Err)
            };
            let regen = gpu_rate(Perturbation::Regenerated)?;
            let mater = gpu_rate(Perturbation::Materialised);
            let cpu_members = p.min(32);
            let cpu_pop = Population { size: cpu_members, ..pop.clone() };
            let cpu_s = time_per_call(min, || {
                cpu::rollout(&cpu_pop, &spec);
            });
            let cpu_rate = (cpu_members * episodes * steps) as f64 / cpu_s;
            let (mater_text, mater_ratio, faster) = match mater {
                Ok(m) => {
                    (format!("{m:.0}"), ratio(m / cpu_rate), if m > regen { "materialised" } else { "regenerated" })
                }
                Err(e) => {
                    eprintln!("materialised at {p} members, hidden {hidden}: {e}");
                    ("n/a".into(), "n/a".into(), "regenerated")
                }
            };
            println!(
                "{:>7} {:>6} {:>15.0} {:>15} {:>13.0} {:>10} {:>10}  {}",
                p,
                hidden,
                regen,
                mater_text,
                cpu_rate,
                ratio(regen / cpu_rate),
                mater_ratio,
                faster
            );
        }
    }
    Ok(())
}

fn walk(rest: &[&str]) -> Result<(), String> {
    let steps = match rest {
        [] => 64,
        ["--steps", n] => n.parse().map_err(|_| format!("--steps takes a whole number, got {n:?}"))?,
        _ => return Err(format!("unexpected arguments {rest:?}\n{USAGE}")),
    };
    let config = WalkConfig::default();
    let one = config.one();
    let backend = match gpu_context().and_then(|ctx| gpu::Forward::new(&ctx, &one, 1, 1)) {
        Ok(f) => Backend::Gpu(f),
        Err(e) => {
            println!("no GPU ({e}); using the CPU reference");
            Backend::Cpu(cpu::Forward::new(&one, 1))
        }
    };
    let mut walker = Walker::new(config, backend)?;
    for _ in 0..steps {
        let f = pollster::block_on(walker.step())?;
        println!(
            "episode {} t {:>3} at ({}, {}) action {} outcome {:?}",
            f.episode,
            f.t,
            f.x,
            f.y,
            onelab::world::ACTION_NAMES[f.action],
            f.outcome
        );
    }
    Ok(())
}

/// `--name value` pairs and bare flags, in order.
struct Args<'a> {
    words: &'a [&'a str],
    /// Which words an option or flag has taken, so that `finish` can name any other.
    taken: std::cell::RefCell<Vec<bool>>,
}

impl<'a> Args<'a> {
    fn new(words: &'a [&'a str]) -> Args<'a> {
        Args { words, taken: std::cell::RefCell::new(vec![false; words.len()]) }
    }

    fn value<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, String> {
        let Some(i) = self.words.iter().position(|w| *w == name) else {
            return Ok(None);
        };
        let v = self.words.get(i + 1).ok_or_else(|| format!("{name} needs a value"))?;
        self.taken.borrow_mut()[i..=i + 1].fill(true);
        v.parse().map(Some).map_err(|_| format!("{name} got {v:?}, which is not a valid value"))
    }

    /// Overwrites `field` when the option is given.
    fn set<T: std::str::FromStr>(&self, name: &str, field: &mut T) -> Result<(), String> {
        if let Some(v) = self.value(name)? {
            *field = v;
        }
        Ok(())
    }

    fn flag(&self, name: &str) -> bool {
        let i = self.words.iter().position(|w| *w == name);
        if let Some(i) = i {
            self.taken.borrow_mut()[i] = true;
        }
        i.is_some()
    }

    /// Refuses the first word no option or flag took.
    fn finish(&self) -> Result<(), String> {
        match self.taken.borrow().iter().position(|t| !t) {
            Some(i) => Err(format!("unknown argument {:?}; see onelab evolve --help", self.words[i])),
            None => Ok(()),
        }
    }
}

fn evolve(rest: &[&str]) -> Result<(), String> {
    use onelab::evolve::{Evolution, EvolveConfig, MeanOptimizer, RolloutBackend, StrategyKind};
    use onelab::gpu::Perturbation;
    if rest.contains(&"--help") {
        println!("{EVOLVE_HELP}");
        return Ok(());
    }
    let args = Args::new(rest);
    let mut c = EvolveConfig::default();
    args.set("--task", &mut c.task)?;
    if let Some(v) = args.value::<String>("--strategy")? {
        c.strategy.kind = StrategyKind::parse(&v)?;
    }
    if let Some(v) = args.value::<String>("--optimizer")? {
        c.strategy.optimizer = match v.as_str() {
            "clipup" => MeanOptimizer::ClipUp,
            "adam" => MeanOptimizer::Adam,
            _ => return Err(format!("--optimizer got {v:?}: expected clipup or adam")),
        };
    }
    args.set("--population", &mut c.strategy.population)?;
    args.set("--sigma", &mut c.strategy.sigma)?;
    args.set("--lr", &mut c.strategy.learning_rate)?;
    args.set("--episodes", &mut c.episodes)?;
    args.set("--hidden", &mut c.hidden)?;
    args.set("--maze", &mut c.maze_size)?;
    args.set("--openings", &mut c.extra_openings)?;
    args.set("--listen", &mut c.listen)?;
    args.set("--maze-seed", &mut c.maze_seed)?;
    args.set("--steps", &mut c.step_limit)?;
    args.set("--grow", &mut c.grow)?;
    args.set("--seed", &mut c.seed)?;
    c.variance_scaled = args.flag("--variance");
    c.all_starts = args.flag("--all-starts");
    c.sampled_actions = args.flag("--sampled");
    if args.flag("--materialise") {
        c.perturbation = Perturbation::Materialised;
    }
    if args.flag("--regenerate") {
        c.perturbation = Perturbation::Regenerated;
    }
    let generations: usize = args.value("--generations")?.unwrap_or(100);
    if generations == 0 {
        return Err("--generations must be at least 1".into());
    }
    let target: Option<f32> = args.value("--target")?;
    let out: Option<String> = args.value("--out")?;
    let eval_wav: Option<String> = args.value("--eval-wav")?;
    let traces_dir: Option<String> = args.value("--traces")?;
    let on_cpu = args.flag("--cpu");
    args.finish()?;
    c.validate()?;

    let backend = if on_cpu {
        println!("rollouts: CPU reference path");
        RolloutBackend::Cpu
    } else {
        let ctx = gpu_context()?;
        println!("rollouts: GPU, {}", ctx.describe());
        RolloutBackend::Gpu(gpu::Rollout::new(&ctx))
    };
    let one = One::new(c.shape(), c.seed);
    let corpus = if c.listen > 0 { Some(onelab::speech::Corpus::committed()?) } else { None };
    let recordings = match eval_wav {
        None => None,
        Some(spec) => Some(external_recordings(&spec, &c, corpus.as_ref())?),
    };
    let mut evo = Evolution::new(c.clone(), &one, backend, corpus.as_ref())?;
    let mut traces = match traces_dir {
        None => None,
        Some(dir) => {
            let (store, recovery) = onelab::traces::FileStore::open(std::path::Path::new(&dir))?;
            if let Some(torn) = &recovery.torn {
                println!("trace store: {torn}; the {} records before it are kept", recovery.records);
            }
            Some(store)
        }
    };
    println!(
        "task {} in a {}x{} maze; {:?}, population {}, {} episodes of at most {} steps; {} parameters ({} evolving)",
        evo.task.name,
        c.maze_size,
        c.maze_size,
        c.strategy.kind,
        c.strategy.population,
        c.episodes,
        c.step_limit,
        evo.copy.one.params.len(),
        evo.copy.mutation_mask().iter().filter(|&&m| m > 0.0).count()
    );
    let start = Instant::now();
    for _ in 0..generations {
        let r = pollster::block_on(evo.generation())?;
        let eval = pollster::block_on(evo.evaluate())?;
        if let Some(store) = traces.as_mut() {
            store.append(&evo.drain_trials())?;
            store.append_policies(&evo.drain_policies())?;
        }
        println!(
            "gen {:>4}  best {:>7.3}  mean {:>7.3}  success {:>5.1}%  mean policy {:>5.1}%  {:>7.2} s",
            r.generation,
            r.best,
            r.mean,
            100.0 * r.success,
            100.0 * eval,
            start.elapsed().as_secs_f64()
        );
        if target.is_some_and(|t| eval >= t) {
            println!(
                "reached {:.0}% success from all start cells after {} generations",
                100.0 * eval,
                r.generation + 1
            );
            break;
        }
    }
    if let Some((table, rows)) = recordings {
        let success = pollster::block_on(evo.evaluate_heard(std::sync::Arc::new(table), rows))?;
        println!("mean policy with your {rows} recording(s), from every start cell: {:.1}%", 100.0 * success);
    }
    if let Some(path) = out {
        let saved = serde_json::json!({
            "format": "onelab-copy",
            "version": 1,
            "config": c,
            "shape": evo.copy.one.shape,
            "params": evo.copy.one.params,
            "frozen": evo.copy.frozen,
            "stats": evo.stats,
        });
        std::fs::write(&path, saved.to_string()).map_err(|e| format!("cannot write {path}: {e}"))?;
        println!("wrote the copy to {path}");
    }
    Ok(())
}

/// Reads a WAV file as a user's recording would be read: resampled to the corpus rate, trimmed
/// to its voiced part and checked; then prints one line per log-mel frame.
fn speech_features(rest: &[&str]) -> Result<(), String> {
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

/// Log-mel extraction over the whole committed corpus: milliseconds per second of audio.
fn bench_speech() -> Result<(), String> {
    use onelab::speech::{Corpus, MelConfig, MelFilterbank};
    let corpus = Corpus::committed()?;
    let bank = MelFilterbank::new(MelConfig::default());
    let audio: Vec<Vec<f32>> = corpus.utterances.iter().map(|u| corpus.audio(u)).collect();
    let seconds: f64 = audio.iter().map(|a| a.len() as f64).sum::<f64>() / corpus.sample_rate as f64;
    let per_pass = time_per_call(Duration::from_millis(1500), || {
        for a in &audio {
            std::hint::black_box(bank.frames(a));
        }
    });
    println!("onelab bench speech: {} utterances, {seconds:.1} s of audio", audio.len());
    println!("CPU: {} (one thread)", cpu_model());
    println!(
        "log-mel extraction: {:.3} ms per second of audio ({:.0}x real time)",
        1000.0 * per_pass / seconds,
        seconds / per_pass
    );
    Ok(())
}

/// `--eval-wav "north east=a.wav,b.wav"`: the recordings as listening frames `[recording][listen][band]`,
/// after the checks every recording passes; the label must be the task's command.
fn external_recordings(
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

fn traces_stats(dir: &str) -> Result<(), String> {
    use onelab::traces::{replay, FileStore};
    let (store, recovery) = FileStore::open(std::path::Path::new(dir))?;
    if let Some(torn) = recovery.torn {
        println!("{torn}");
    }
    let trials = store.read_all()?;
    let mut rows: std::collections::BTreeMap<(String, String), (usize, usize)> = Default::default();
    for t in &trials {
        replay(t)?;
        let row = rows.entry((t.task.clone(), format!("{:?}", t.phase))).or_default();
        row.0 += 1;
        row.1 += t.success as usize;
    }
    println!(
        "{dir}: {} trials, {} bytes ({:.1} per trial), every one replayed consistently",
        trials.len(),
        store.bytes(),
        store.bytes() as f64 / trials.len().max(1) as f64
    );
    println!("{:>6} {:>12} {:>8} {:>10}", "task", "phase", "trials", "successes");
    for ((task, phase), (n, ok)) in rows {
        println!("{task:>6} {phase:>12} {n:>8} {ok:>10}");
    }
    Ok(())
}

fn traces_replay(dir: &str, index: &str) -> Result<(), String> {
    use onelab::traces::{replay, FileStore};
    let i: usize = index.parse().map_err(|_| format!("trial index must be a whole number, got {index:?}"))?;
    let (store, _) = FileStore::open(std::path::Path::new(dir))?;
    let t = store.get(i)?;
    let r = replay(&t)?;
    println!("trial {i}: task {} policy {:?} phase {:?} heard {:?}", t.task, t.policy, t.phase, t.heard);
    for (step, (a, reward)) in t.actions.iter().zip(&r.rewards).enumerate() {
        let obs = r.observations[step + 1];
        println!(
            "step {:>3} {:>4}  reward {:?}  then at ({:.3}, {:.3})",
            step + 1,
            onelab::world::ACTION_NAMES[*a as usize],
            reward,
            obs[4],
            obs[5]
        );
    }
    println!("success {} cumulative reward {}", r.success, r.cumulative_reward);
    Ok(())
}

/// One million evolution trials of up to 64 steps into a fresh store in the system's temp folder, in
/// generation-sized batches (4096 trials, one write and one sync each), then streamed back.
fn bench_traces() -> Result<(), String> {
    use onelab::traces::{replay, FileStore, Filter, MazeSpec, Phase, PolicyRef, Trial};
    let dir = std::env::temp_dir().join(format!("onelab-bench-traces-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (mut store, _) = FileStore::open(&dir)?;
    let mut rng = Rng::new(9);
    // Real trials: random walks from random start cells, at most 64 steps.
    let maze = onelab::world::Maze::generate(9, 9, 0.1, 1);
    let task = onelab::world::Task::parse("ne", &maze)?;
    let cells = task.free_cells(&maze);
    let batch: Vec<Trial> = (0..4096u32)
        .map(|m| {
            let start = cells[rng.below(cells.len())];
            let (x, y) = maze.xy(start);
            let mut episode = onelab::world::Episode::at(x, y, 64);
            let (mut actions, mut ret) = (Vec::new(), 0.0f32);
            while episode.outcome == onelab::world::StepOutcome::Running {
                let a = rng.below(5);
                let r = episode.step(&maze, &task, a).reward;
                ret += (r[0] + r[1]) + r[2];
                actions.push(a as u8);
            }
            Trial {
                experiment: 1,
                task: "ne".into(),
                maze: MazeSpec { size: 9, openings: 0.1, seed: 1 },
                start: start as u16,
                step_limit: 64,
                heard: None,
                policy: PolicyRef::Copy { copy: 0, generation: 7, member: m, population_seed: 3 },
                phase: Phase::Evolution,
                success: episode.outcome == onelab::world::StepOutcome::Reached,
                actions,
                cumulative_reward: ret,
            }
        })
        .collect();
    let total = 1_000_000usize;
    let start = Instant::now();
    let mut written = 0;
    while written < total {
        let n = (total - written).min(batch.len());
        store.append(&batch[..n])?;
        written += n;
    }
    let append_s = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let (store, _) = FileStore::open(&dir)?;
    let trials = store.read_all()?;
    let read_s = start.elapsed().as_secs_f64();
    // What training does: stream filtered batches and replay each trial to its sensory stream.
    let start = Instant::now();
    let mut steps = 0usize;
    let streamed = store.batches(&Filter { task: Some("ne".into()), ..Filter::default() }, 256, |batch| {
        for t in &batch {
            steps += replay(t)?.rewards.len();
        }
        Ok(())
    })?;
    let stream_s = start.elapsed().as_secs_f64();
    println!("onelab bench traces: {} trials of up to 64 steps (random walks), batches of {}", trials.len(), batch.len());
    println!("CPU: {} (one thread), store in {}", cpu_model(), dir.display());
    println!("bytes per trial on disk: {:.1}", store.bytes() as f64 / trials.len() as f64);
    println!("append: {:.0} trials/s", total as f64 / append_s);
    println!("open, check every CRC and decode all: {:.2} s ({:.0} trials/s)", read_s, total as f64 / read_s);
    println!(
        "stream for training (filtered batches of 256, each trial replayed to its observations and rewards): \
         {streamed} trials, {steps} steps in {stream_s:.2} s ({:.0} trials/s)",
        streamed as f64 / stream_s
    );
    std::fs::remove_dir_all(&dir).map_err(|e| format!("cannot remove {}: {e}", dir.display()))?;
    Ok(())
}

fn traces_export(dir: &str, file: &str) -> Result<(), String> {
    use onelab::traces::{Archive, FileStore};
    let (store, _) = FileStore::open(std::path::Path::new(dir))?;
    let archive = Archive { trials: store.read_all()?, ..Archive::default() };
    std::fs::write(file, archive.to_bytes()).map_err(|e| format!("cannot write {file}: {e}"))?;
    println!("exported {} trials to {file}", archive.trials.len());
    Ok(())
}

/// Checks the whole file first; only a file that passes every check touches the store.
fn traces_import(file: &str, dir: &str) -> Result<(), String> {
    use onelab::traces::{Archive, FileStore};
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read {file}: {e}"))?;
    let archive = Archive::from_bytes(&bytes).map_err(|e| format!("{file} refused: {e}; nothing was imported"))?;
    let (mut store, _) = FileStore::open(std::path::Path::new(dir))?;
    store.append(&archive.trials)?;
    println!("imported {} trials into {dir}, which now holds {}", archive.trials.len(), store.len());
    Ok(())
}
