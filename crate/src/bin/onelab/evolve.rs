//! `onelab evolve`: one copy of ONE learning one task by evolution strategies.

use crate::args::Args;
use crate::device;
use crate::speech::external_recordings;
use onelab::evolve::GenerationPoint;
use onelab::net::One;
use std::time::Instant;

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
  --seed N          seed of ONE, the maze starts and the noise    (default: drawn fresh
                    and printed)
  --out FILE        write the copy (parameters, shape, statistics) as JSON
  --json FILE       write the settings and the curve (each generation's best and mean
                    fitness, success, and mean policy's success) as JSON
  --traces DIR      keep every trial (evolution and evaluation) in the trace store DIR";

pub fn evolve(rest: &[&str]) -> Result<(), String> {
    use onelab::evolve::{Evolution, EvolveConfig, MeanOptimizer, StrategyKind};
    use onelab::gpu::Perturbation;
    if crate::args::asks_help(rest) {
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
    let seed_given = args.value::<u32>("--seed")?;
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
    let json: Option<String> = args.value("--json")?;
    let eval_wav: Option<String> = args.value("--eval-wav")?;
    let traces_dir: Option<String> = args.value("--traces")?;
    let on_cpu = args.flag("--cpu");
    args.finish()?;
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
    let mut evo = Evolution::new(c.clone(), &one, device.rollout(), corpus.as_ref())?;
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
    let mut curve = Vec::new();
    for _ in 0..generations {
        let r = pollster::block_on(evo.generation())?;
        let eval = pollster::block_on(evo.evaluate())?;
        curve.push(GenerationPoint::new(&r, eval));
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
    let seconds = start.elapsed().as_secs_f64();
    let mut heard = None;
    if let Some((table, rows)) = recordings {
        let success = pollster::block_on(evo.evaluate_heard(std::sync::Arc::new(table), rows))?;
        println!("mean policy with your {rows} recording(s), from every start cell: {:.1}%", 100.0 * success);
        heard = Some(success);
    }
    if let Some(file) = json {
        let doc = serde_json::json!({
            "onelab": env!("CARGO_PKG_VERSION"),
            "device": device_name,
            "config": c,
            "generations": curve,
            "recordings_success": heard,
            "seconds": seconds,
        });
        crate::write_json_file(&file, &doc)?;
        println!("results written to {file}");
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
