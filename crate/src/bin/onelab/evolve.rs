//! `onelab evolve`: one copy of ONE learning one task by evolution strategies.

use crate::device;
use crate::progress::Progress;
use crate::speech::external_recordings;
use onelab::evolve::GenerationPoint;
use onelab::lifecycle::LogLine;
use onelab::net::One;
use std::time::Instant;

/// Defaults are `EvolveConfig::default()`'s: the world's default maze (9x9).
#[derive(clap::Args)]
pub struct EvolveArgs {
    /// A goal (ne, nw, se, sw, center, tree, house, bird, dog) or a cell x,y; exits may follow
    /// after | ("tree|ne|sw") [default: ne].
    #[arg(long)]
    task: Option<String>,
    /// Generations to run.
    #[arg(long, default_value_t = 100, value_parser = crate::at_least_one)]
    generations: usize,
    /// Stop once the mean policy succeeds from a share S of all start cells.
    #[arg(long, value_name = "S")]
    target: Option<f32>,
    /// Members per generation (even for pgpe, openai-es) [default: 256].
    #[arg(long)]
    population: Option<usize>,
    /// Episodes per member per generation [default: 16].
    #[arg(long, conflicts_with = "all_starts")]
    episodes: Option<usize>,
    /// Instead, one episode from every cell outside the goal.
    #[arg(long)]
    all_starts: bool,
    /// The evolution strategy [default: pgpe].
    #[arg(long, value_parser = ["pgpe", "openai-es", "snes"])]
    strategy: Option<String>,
    /// The optimiser of pgpe's mean [default: clipup].
    #[arg(long, value_parser = ["clipup", "adam"])]
    optimizer: Option<String>,
    /// Initial mutation size per parameter [default: 0.1].
    #[arg(long)]
    sigma: Option<f32>,
    /// Learning rate (clipup: step size) [default: 0.5].
    #[arg(long)]
    lr: Option<f32>,
    /// Hidden units of ONE [default: 64].
    #[arg(long)]
    hidden: Option<usize>,
    /// Maze of N x N cells [default: 9].
    #[arg(long, value_name = "N")]
    maze: Option<usize>,
    /// Share of extra openings in the maze [default: 0.1].
    #[arg(long)]
    openings: Option<f32>,
    /// Seed of the maze layout [default: 1].
    #[arg(long)]
    maze_seed: Option<u32>,
    /// Episode step limit [default: 64].
    #[arg(long, conflicts_with = "moves")]
    steps: Option<usize>,
    /// Instead, steps after listening, at most (as `onelab run` sets them): the step limit is
    /// --listen + M.
    #[arg(long, value_name = "M")]
    moves: Option<usize>,
    /// Freeze the copy, add K units, evolve only those.
    #[arg(long, value_name = "K")]
    grow: Option<usize>,
    /// Scale mutation sizes by weight variance (paper 3.12).
    #[arg(long)]
    variance: bool,
    /// Sample actions from the softmax [default: argmax].
    #[arg(long)]
    sampled: bool,
    /// What members are ranked by: reward (cumulative), or progress (success first, then the
    /// nearest each episode came to the goal, by maze distance) [default: reward].
    #[arg(long, value_parser = ["reward", "progress"])]
    fitness: Option<String>,
    /// Start episodes near the goal first, farther as the copy succeeds there (a start-cell
    /// curriculum); the mean policy is judged from every start cell all along.
    #[arg(long)]
    curriculum: bool,
    /// The first L steps of each episode feed the spoken command [default: 0].
    #[arg(long, value_name = "L")]
    listen: Option<usize>,
    /// At the end, evaluate with your recordings F of command C (needs --listen).
    #[arg(long, value_name = "C=F,F")]
    eval_wav: Option<String>,
    /// Always materialise perturbed weights [default: when they fit].
    #[arg(long, conflicts_with = "regenerate")]
    materialise: bool,
    /// Always regenerate perturbed weights inside the rollout kernel.
    #[arg(long)]
    regenerate: bool,
    /// Run rollouts on the CPU reference path.
    #[arg(long)]
    cpu: bool,
    /// Seed of ONE, the maze starts and the noise [default: drawn fresh and printed].
    #[arg(long)]
    seed: Option<u32>,
    /// Write the copy (parameters, shape, statistics) as JSON.
    #[arg(long, value_name = "FILE")]
    out: Option<String>,
    /// Write the settings and the curve (each generation's best and mean fitness, success, and
    /// mean policy's success) as JSON.
    #[arg(long, value_name = "FILE")]
    json: Option<String>,
    /// Keep every trial (evolution and evaluation) in the trace store DIR.
    #[arg(long, value_name = "DIR")]
    traces: Option<String>,
}

pub fn evolve(args: EvolveArgs) -> Result<(), String> {
    use onelab::evolve::{Evolution, EvolveConfig, MeanOptimizer, StrategyKind};
    use onelab::gpu::Perturbation;
    let mut c = EvolveConfig::default();
    use crate::given as set;
    set(&mut c.task, args.task);
    if let Some(v) = &args.strategy {
        c.strategy.kind = StrategyKind::parse(v)?;
    }
    if let Some(v) = args.optimizer.as_deref() {
        c.strategy.optimizer = if v == "adam" { MeanOptimizer::Adam } else { MeanOptimizer::ClipUp };
    }
    set(&mut c.strategy.population, args.population);
    set(&mut c.strategy.sigma, args.sigma);
    set(&mut c.strategy.learning_rate, args.lr);
    set(&mut c.episodes, args.episodes);
    set(&mut c.hidden, args.hidden);
    set(&mut c.maze_size, args.maze);
    set(&mut c.extra_openings, args.openings);
    set(&mut c.listen, args.listen);
    set(&mut c.maze_seed, args.maze_seed);
    set(&mut c.step_limit, args.steps);
    set(&mut c.step_limit, args.moves.map(|m| c.listen + m));
    set(&mut c.grow, args.grow);
    c.variance_scaled = args.variance;
    c.all_starts = args.all_starts;
    c.sampled_actions = args.sampled;
    c.curriculum = args.curriculum;
    if args.fitness.as_deref() == Some("progress") {
        c.fitness = onelab::evolve::Fitness::Progress;
    }
    // A knob of the device, not a setting: it changes memory and speed, never results.
    let perturbation = if args.materialise {
        Perturbation::Materialised
    } else if args.regenerate {
        Perturbation::Regenerated
    } else {
        Perturbation::Auto
    };
    let EvolveArgs { generations, target, out, json, eval_wav, traces: traces_dir, cpu: on_cpu, .. } = args;
    let seed_given = args.seed;
    c.seed = match seed_given {
        Some(seed) => seed,
        None => crate::fresh_seed()?,
    };
    c.validate()?;
    if seed_given.is_none() {
        println!("seed {} (drawn fresh: --seed {} repeats this run)", c.seed, c.seed);
    }

    crate::writable(&json)?;
    let device = device(on_cpu)?;
    let device_name = match device.context() {
        Some(ctx) => format!("GPU, {}", ctx.describe()),
        None => format!("CPU reference path ({})", crate::cpu_model()),
    };
    println!("rollouts: {device_name}");
    let one = One::new(c.shape(), c.seed);
    let corpus = if c.listen > 0 { Some(onelab::speech::Corpus::committed()?) } else { None };
    let recordings = match eval_wav {
        None => None,
        Some(spec) => Some(external_recordings(&spec, &c, corpus.as_ref())?),
    };
    let mut evo = Evolution::new(c.clone(), &one, device.rollout().perturbing(perturbation), corpus.as_ref())?;
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
        evo.maze.width,
        evo.maze.height,
        c.strategy.kind,
        c.strategy.population,
        c.episodes,
        c.step_limit,
        evo.copy.one.params.len(),
        evo.copy.mutation_mask().iter().filter(|&&m| m > 0.0).count()
    );
    let start = Instant::now();
    let mut progress = Progress::new(1, generations, 0, 0);
    progress.copy_starts();
    let mut curve = Vec::new();
    for _ in 0..generations {
        let r = pollster::block_on(evo.generation())?;
        let eval = pollster::block_on(evo.evaluate())?;
        curve.push(GenerationPoint::new(&r, eval));
        if let Some(store) = traces.as_mut() {
            store.append(&evo.drain_trials())?;
            store.append_policies(&evo.drain_policies())?;
        }
        let reach = r.reach.map_or(String::new(), |(reach, far)| format!("  reach {reach}/{far}"));
        progress.log(LogLine::Generation(format!(
            "gen {:>4}  best {:>7.3}  mean {:>7.3}  success {:>5.1}%  mean policy {:>5.1}%{reach}",
            r.generation,
            r.best,
            r.mean,
            100.0 * r.success,
            100.0 * eval,
        )));
        if target.is_some_and(|t| eval >= t) {
            println!(
                "reached {:.0}% success from all start cells after {} generations",
                100.0 * eval,
                r.generation + 1
            );
            break;
        }
    }
    progress.finish();
    let seconds = start.elapsed().as_secs_f64();
    let mut heard = None;
    if let Some((table, rows)) = recordings {
        let success = pollster::block_on(evo.evaluate_heard(std::sync::Arc::new(table), rows))?;
        println!("mean policy with your {rows} recording(s), from every start cell: {:.1}%", 100.0 * success);
        heard = Some(success);
    }
    if let Some(file) = json {
        crate::write_results(
            &file,
            &device_name,
            serde_json::json!({
            "config": c,
            "generations": curve,
            "recordings_success": heard,
            "seconds": seconds,
            }),
        )?;
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
