//! `onelab bench ...`: every figure printed with the GPU path beside the CPU path, as ratios.

use crate::{cpu_model, gpu_context};
use onelab::device::Device;
use onelab::lifecycle::bench::{bench, rollout_workload, BenchCase, BenchRow, Workload, GOAL};
use onelab::net::NetShape;
use onelab::rng::Rng;
use onelab::{cpu, gpu};
use std::time::{Duration, Instant};

#[derive(clap::Subcommand)]
pub enum BenchCommand {
    /// Forward-pass agent-steps/s, GPU beside CPU.
    Forward(KernelArgs),
    /// Population-rollout env-steps/s: the GPU beside the CPU path on one thread and on every
    /// core, and the JAX peer.
    Rollout(RolloutArgs),
    /// Consolidation (BPTT + Adam) trace-steps/s and GFLOP/s, GPU beside CPU.
    Bptt(KernelArgs),
    /// Log-mel extraction time per second of audio.
    Speech(JsonArg),
    /// The trace store: bytes per trial, append and stream rates.
    Traces(JsonArg),
}

#[derive(clap::Args)]
pub struct JsonArg {
    /// Also write the figures as JSON.
    #[arg(long, value_name = "FILE")]
    json: Option<String>,
}

#[derive(clap::Args)]
pub struct KernelArgs {
    /// Small sizes and short timings (a smoke test, not a figure).
    #[arg(long)]
    quick: bool,
    /// The CPU path alone (no GPU needed).
    #[arg(long)]
    cpu_only: bool,
    /// Also write the rows as JSON.
    #[arg(long, value_name = "FILE")]
    json: Option<String>,
}

#[derive(clap::Args)]
pub struct RolloutArgs {
    #[command(flatten)]
    kernel: KernelArgs,
    /// Population sizes [default: 64,256,1024,4096; --quick: 64].
    #[arg(long, value_delimiter = ',', value_name = "N,..", value_parser = crate::at_least_one)]
    members: Option<Vec<usize>>,
    /// Hidden sizes [default: 32,64,128; --quick: 32].
    #[arg(long, value_delimiter = ',', value_name = "N,..", value_parser = crate::at_least_one)]
    hidden: Option<Vec<usize>>,
    /// Steps per episode [default: 64; --quick: 16].
    #[arg(long, value_parser = crate::at_least_one)]
    steps: Option<usize>,
    /// Episodes per member.
    #[arg(long, default_value_t = 16, value_parser = crate::at_least_one)]
    episodes: usize,
    /// Threads of the multi-core CPU column [default: every core].
    #[arg(long, value_parser = crate::at_least_one)]
    threads: Option<usize>,
    /// The JAX peer (../shared/peers/jax_rollout.py), run at the same sizes in the same run.
    #[arg(long, value_name = "jax_rollout.py")]
    peer: Option<String>,
}

pub fn command(what: BenchCommand) -> Result<(), String> {
    match what {
        BenchCommand::Forward(args) => bench_forward(args),
        BenchCommand::Rollout(args) => bench_rollout(args),
        BenchCommand::Bptt(args) => bench_bptt(args),
        BenchCommand::Speech(args) => bench_speech(args.json),
        BenchCommand::Traces(args) => bench_traces(args.json),
    }
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

/// `case` on the GPU beside the CPU path (`lifecycle::bench`, the code the page's benchmark
/// runs), each for at least `min`.
fn measure(device: &Device, case: BenchCase, min: Duration) -> Result<BenchRow, String> {
    let clock = Instant::now();
    let now = || clock.elapsed().as_secs_f64();
    pollster::block_on(bench(device, &case, min.as_secs_f64(), &now))
}

/// Agent-steps per second of ONE's forward pass: N agents x T steps per call, inputs uploaded
/// and all outputs read back in each timed GPU call, after one untimed warm-up call.
fn bench_forward(args: KernelArgs) -> Result<(), String> {
    let KernelArgs { quick, cpu_only, json } = args;
    let (agents, hiddens, steps, min): (&[usize], &[usize], usize, Duration) = if quick {
        (&[1, 64], &[64], 8, Duration::from_millis(50))
    } else {
        (&[1, 64, 1024, 16384], &[64, 256], 64, Duration::from_millis(1500))
    };
    let device = if cpu_only { Device::Cpu } else { Device::Gpu(gpu_context()?) };
    println!("onelab bench forward: T = {steps} steps per call");
    describe_gpu(&device);
    println!("CPU: {} (nalgebra reference, one thread)", cpu_model());
    println!("{:>7} {:>6} {:>16} {:>16} {:>9}", "agents", "hidden", "GPU steps/s", "CPU steps/s", "GPU/CPU");
    let mut rows = Vec::new();
    for &hidden in hiddens {
        for &size in agents {
            let row = measure(&device, BenchCase { workload: Workload::Forward, size, hidden, steps }, min)?;
            println!("{:>7} {:>6} {:>16} {:>16.0} {:>9}", size, hidden, rate(row.gpu), row.cpu, ratio_or_na(row.ratio));
            rows.push(row);
        }
    }
    write_json(json, "forward", "agent-steps per second", device.context(), &rows)
}

/// Trace-steps per second of one consolidation step (forward keeping states, losses, BPTT,
/// weight gradients, Adam) on a batch of B sequences x T steps, and the GFLOP/s that implies,
/// for the GPU kernels (loss sums read back each step, after one untimed warm-up step) and the
/// CPU reference in f32 with the same Adam.
fn bench_bptt(args: KernelArgs) -> Result<(), String> {
    let KernelArgs { quick, cpu_only, json } = args;
    let (batches, hiddens, steps, min): (&[usize], &[usize], usize, Duration) = if quick {
        (&[16], &[32], 16, Duration::from_millis(50))
    } else {
        (&[64, 256], &[64, 256], 64, Duration::from_millis(1500))
    };
    let device = if cpu_only { Device::Cpu } else { Device::Gpu(gpu_context()?) };
    println!("onelab bench bptt: T = {steps} steps, goal input 16, imitation and prediction losses, Adam");
    describe_gpu(&device);
    println!(
        "CPU: {} (reference in f32, a batch's chunks of {} sequences over {} threads)",
        cpu_model(),
        cpu::CHUNK,
        onelab::threads::cores()
    );
    println!(
        "{:>5} {:>6} {:>14} {:>14} {:>10} {:>10} {:>9}",
        "batch", "hidden", "GPU steps/s", "CPU steps/s", "GPU GF/s", "CPU GF/s", "GPU/CPU"
    );
    let mut rows = Vec::new();
    for &hidden in hiddens {
        for &size in batches {
            let row = measure(&device, BenchCase { workload: Workload::Bptt, size, hidden, steps }, min)?;
            let flops = 2.0 * NetShape::for_maze(GOAL, hidden).bptt_macs();
            println!(
                "{:>5} {:>6} {:>14} {:>14.0} {:>10} {:>10.2} {:>9}",
                size,
                hidden,
                rate(row.gpu),
                row.cpu,
                row.gpu.map_or("n/a".into(), |g| format!("{:.2}", flops * g / 1e9)),
                flops * row.cpu / 1e9,
                ratio_or_na(row.ratio)
            );
            rows.push(row);
        }
    }
    write_json(json, "bptt", "trace-steps per second", device.context(), &rows)
}

/// The GPU's name, or that it is not used.
fn describe_gpu(device: &Device) {
    match device.context() {
        Some(ctx) => println!("GPU: {}", ctx.describe()),
        None => println!("GPU: not used (--cpu-only)"),
    }
}

/// A rate per second, or n/a where it was not measured.
fn rate(r: Option<f64>) -> String {
    r.map_or("n/a".to_string(), |r| format!("{r:.0}"))
}

fn ratio_or_na(r: Option<f64>) -> String {
    r.map_or("n/a".to_string(), ratio)
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
/// results each), beside the CPU path on all members, on one thread and on every core; with
/// `--peer FILE`, the JAX peer (`../shared/peers/jax_rollout.py`) at the same sizes in the same
/// run. Episodes hear a 12-frame utterance, as the experiment's do.
fn bench_rollout(args: RolloutArgs) -> Result<(), String> {
    use onelab::gpu::Perturbation;
    let KernelArgs { quick, cpu_only, json } = args.kernel;
    let (members, hiddens, steps, min) = if quick {
        (vec![64], vec![32], 16, Duration::from_millis(50))
    } else {
        (vec![64, 256, 1024, 4096], vec![32, 64, 128], 64, Duration::from_millis(1500))
    };
    let members = args.members.unwrap_or(members);
    let hiddens = args.hidden.unwrap_or(hiddens);
    let steps = args.steps.unwrap_or(steps);
    let episodes = args.episodes;
    let threads = args.threads.unwrap_or_else(onelab::threads::cores);
    let peer = args.peer;
    let ctx = if cpu_only { None } else { Some(gpu_context()?) };
    let mut rollout = ctx.as_ref().map(gpu::Rollout::new);
    let listen = 12.min(steps);
    println!(
        "onelab bench rollout: {episodes} episodes per member, T = {steps} steps, 9x9 maze, argmax actions, \
         {listen} listening steps"
    );
    match &ctx {
        Some(ctx) => println!("GPU: {}", ctx.describe()),
        None => println!("GPU: not used (--cpu-only)"),
    }
    println!("CPU: {} (reference path; 1 thread, and {threads} threads)", cpu_model());
    println!(
        "{:>7} {:>6} {:>13} {:>13} {:>11} {:>11} {:>9} {:>11} {:>9} {:>9}",
        "members",
        "hidden",
        "GPU regen/s",
        "GPU mater/s",
        "CPU 1 thr/s",
        "CPU all/s",
        "all/1thr",
        "peer/s",
        "all/peer",
        "GPU/all"
    );
    let mut rows = Vec::new();
    for &hidden in &hiddens {
        for &p in &members {
            let (pop, spec) = rollout_workload(p, hidden, steps, episodes);
            let work = (p * episodes * steps) as f64;
            let mut gpu_rate = |mode| -> Option<f64> {
                let r = rollout.as_mut()?;
                let mut failure = pollster::block_on(r.run(&pop, &spec, mode, false)).err();
                let s = time_per_call(min, || {
                    if let Err(e) = pollster::block_on(r.run(&pop, &spec, mode, false)) {
                        failure = Some(e);
                    }
                });
                match failure {
                    Some(e) => {
                        eprintln!("GPU {mode:?} at {p} members, hidden {hidden}: {e}");
                        None
                    }
                    None => Some(work / s),
                }
            };
            let regen = gpu_rate(Perturbation::Regenerated);
            let mater = gpu_rate(Perturbation::Materialised);
            let one_thread = work / time_per_call(min, || drop(cpu::rollout_on_threads(&pop, &spec, 1)));
            let all = work / time_per_call(min, || drop(cpu::rollout_on_threads(&pop, &spec, threads)));
            let peer_rate = match &peer {
                Some(file) => Some(run_peer(file, p, hidden, steps, episodes, GOAL, listen)?),
                None => None,
            };
            let gpu_best = regen.into_iter().chain(mater).reduce(f64::max);
            println!(
                "{:>7} {:>6} {:>13} {:>13} {:>11.0} {:>11.0} {:>9} {:>11} {:>9} {:>9}",
                p,
                hidden,
                rate(regen),
                rate(mater),
                one_thread,
                all,
                ratio(all / one_thread),
                rate(peer_rate),
                ratio_or_na(peer_rate.map(|r| all / r)),
                ratio_or_na(gpu_best.map(|g| g / all)),
            );
            rows.push(serde_json::json!({
                "members": p, "hidden": hidden, "steps": steps, "episodes": episodes, "threads": threads,
                "gpu_regenerated": regen, "gpu_materialised": mater,
                "cpu_one_thread": one_thread, "cpu_all_threads": all, "peer": peer_rate,
            }));
        }
    }
    write_json(json, "rollout", "env-steps per second", ctx.as_ref(), &rows)
}

/// With `--json FILE`, a benchmark's rows and the machine they ran on, as JSON.
fn write_json<T: serde::Serialize>(
    file: Option<String>,
    bench: &str,
    unit: &str,
    gpu: Option<&gpu::Context>,
    rows: &[T],
) -> Result<(), String> {
    let Some(file) = file else { return Ok(()) };
    let doc = serde_json::json!({
        "bench": bench, "unit": unit, "cpu": cpu_model(), "gpu": gpu.map(|c| c.describe()), "rows": rows,
    });
    crate::write_json_file(&file, &doc)
}

/// Runs the JAX peer at the same sizes and returns its env-steps per second.
fn run_peer(
    file: &str,
    members: usize,
    hidden: usize,
    steps: usize,
    episodes: usize,
    goal: usize,
    listen: usize,
) -> Result<f64, String> {
    let sizes = [("P", members), ("H", hidden), ("T", steps), ("E", episodes), ("G", goal), ("L", listen), ("W", 9)];
    let mut cmd = std::process::Command::new("python3");
    cmd.arg(file);
    for (k, v) in sizes {
        cmd.arg(format!("--{k}")).arg(v.to_string());
    }
    let out = cmd.output().map_err(|e| format!("cannot run the peer {file} with python3: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace().find_map(|w| w.strip_prefix("env_steps_per_s=")).and_then(|v| v.parse().ok()).ok_or_else(
        || format!("the peer {file} printed no env_steps_per_s: {}{}", text, String::from_utf8_lossy(&out.stderr)),
    )
}

/// Log-mel extraction over the whole committed corpus: milliseconds per second of audio.
fn bench_speech(json: Option<String>) -> Result<(), String> {
    crate::writable(&json)?;
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
    let row = serde_json::json!({
        "utterances": audio.len(), "audio_seconds": seconds, "ms_per_audio_second": 1000.0 * per_pass / seconds,
    });
    write_json(json, "speech", "log-mel extraction", None, &[row])
}

/// One million evolution trials of up to 64 steps into a fresh store in the system's temp folder, in
/// generation-sized batches (4096 trials, one write and one sync each), then streamed back.
fn bench_traces(json: Option<String>) -> Result<(), String> {
    crate::writable(&json)?;
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
    println!(
        "onelab bench traces: {} trials of up to 64 steps (random walks), batches of {}",
        trials.len(),
        batch.len()
    );
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
    let row = serde_json::json!({
        "trials": trials.len(), "bytes_per_trial": store.bytes() as f64 / trials.len() as f64,
        "append_trials_per_s": total as f64 / append_s, "read_all_trials_per_s": total as f64 / read_s,
        "stream_trials_per_s": streamed as f64 / stream_s,
    });
    write_json(json, "traces", "trace store", None, &[row])
}
