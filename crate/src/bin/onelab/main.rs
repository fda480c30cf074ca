//! The native command line: benchmarks and a headless look at what the page shows.
//!
//!     onelab info                     the GPU adapter wgpu picks
//!     onelab bench forward [...]      forward-pass agent-steps/s, GPU beside CPU
//!     onelab bench rollout [...]      population-rollout env-steps/s, GPU beside CPU and a peer
//!     onelab bench bptt [...]         consolidation trace-steps/s and GFLOP/s, GPU beside CPU
//!     onelab walk [--steps N]         ONE walking the default maze, one line per step
//!     onelab evolve --task ne ...     a copy of ONE evolves on one task (see `onelab evolve --help`)
//!     onelab run ...                  the experiment of paper 3.8 (see `onelab run --help`)
//!     onelab speech features F.wav    a recording's checks and log-mel frames (or goal input)
//!     onelab bench speech             log-mel extraction time per second of audio
//!     onelab traces stats|replay ...  the trace store of `onelab evolve --traces DIR`
//!     onelab fuzz KIND|all ...        every kind of outside input, mutated and taken millions of times

mod args;
mod bench;
mod evolve;
mod fuzz;
mod run;
mod speech;
mod traces;

use bench::{bench_bptt, bench_forward, bench_rollout, bench_speech, bench_traces};
use evolve::evolve;
use onelab::device::Device;
use onelab::gpu;
use onelab::lifecycle::{WalkConfig, Walker};
use run::run;
use speech::speech_features;
use traces::{traces_export, traces_import, traces_replay, traces_stats};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    // Help and version, asked anywhere, answer on stdout and succeed; `run`, `evolve` and
    // `fuzz` list their many options themselves.
    if matches!(words.as_slice(), ["--version" | "-V"]) {
        println!("onelab {}", env!("CARGO_PKG_VERSION"));
        return;
    }
    if args::asks_help(&words) && !matches!(words.first(), Some(&"run" | &"evolve" | &"fuzz")) {
        print!("{USAGE}");
        return;
    }
    let result = match words.as_slice() {
        ["info"] => info(),
        ["bench", "forward", rest @ ..] => bench_forward(rest),
        ["bench", "rollout", rest @ ..] => bench_rollout(rest),
        ["bench", "bptt", rest @ ..] => bench_bptt(rest),
        ["walk", rest @ ..] => walk(rest),
        ["run", rest @ ..] => run(rest),
        ["evolve", rest @ ..] => evolve(rest),
        ["speech", "features", rest @ ..] => speech_features(rest),
        ["bench", "speech"] => bench_speech(),
        ["traces", "stats", dir] => traces_stats(dir),
        ["bench", "traces"] => bench_traces(),
        ["traces", "replay", dir, index] => traces_replay(dir, index),
        ["traces", "export", dir, file] => traces_export(dir, file),
        ["traces", "import", file, dir] => traces_import(file, dir),
        ["fuzz", rest @ ..] => fuzz::fuzz(rest),
        _ => Err(USAGE.to_string()),
    };
    if let Err(message) = result {
        eprintln!("onelab: {message}");
        std::process::exit(2);
    }
}

const USAGE: &str = "usage:
  onelab --help | --version        this list | the version
  onelab info                      show the GPU adapter
  onelab bench forward [--quick] [--cpu-only] [--json FILE]
                                   forward-pass throughput, GPU beside CPU
  onelab bench rollout [--quick] [--cpu-only] [--members N,..] [--hidden N,..] [--steps T]
        [--episodes E] [--threads N] [--peer jax_rollout.py] [--json FILE]
                                   population-rollout throughput: GPU beside the CPU path on
                                   one thread and on N (default: every core), and the JAX peer
  onelab bench bptt [--quick] [--cpu-only] [--json FILE]
                                   consolidation (BPTT + Adam) throughput, GPU beside CPU
  onelab walk [--steps N]          ONE walking the default maze
  onelab evolve [options]          a copy of ONE evolves on one task (--help lists options)
  onelab run [options]             the experiment of paper 3.8: copies, traces, consolidation
                                   into ONE, acceptance (--help lists options)
  onelab speech features FILE.wav [--label COMMAND] [--listen L]
                                   checks a recording and prints its log-mel frames (with
                                   --listen, ONE's goal input for L steps: normalised, pooled)
  onelab bench speech              log-mel extraction time per second of audio
  onelab bench traces              trace store: bytes per trial, append and stream rates
  onelab traces stats DIR          trials per task and phase in a trace store, each replayed
  onelab traces replay DIR N       trial N of a trace store, step by step
  onelab traces export DIR FILE    the store's trials as one checked export file
  onelab traces import FILE DIR    adds an export file's trials to a store, all or nothing
  onelab fuzz KIND|all [options]   records, policies, exports, WAVs, settings and checkpoints,
                                   mutated and taken as the lab takes them (--help lists options)";

/// The GPU context the kernel benchmarks and `info` measure.
/// Writes `doc` to `file` as indented JSON: what every `--json FILE` gives.
/// A seed for a run given none, drawn from the operating system: each new run is a new
/// experiment, and the seed is printed so that `--seed N` repeats it.
fn fresh_seed() -> Result<u32, String> {
    getrandom::u32().map_err(|e| format!("no fresh seed could be drawn ({e}): give --seed N"))
}

/// A file that cannot be written is refused before the run, not after it; one that exists
/// keeps its contents until the new ones replace them.
fn writable(file: &Option<String>) -> Result<(), String> {
    if let Some(file) = file {
        let open = std::fs::OpenOptions::new().append(true).create(true).open(file);
        open.map_err(|e| format!("cannot write {file}: {e}"))?;
    }
    Ok(())
}

fn write_json_file(file: &str, doc: &serde_json::Value) -> Result<(), String> {
    let text = serde_json::to_string_pretty(doc).map_err(|e| e.to_string())?;
    std::fs::write(file, text).map_err(|e| format!("cannot write {file}: {e}"))
}

fn gpu_context() -> Result<gpu::Context, String> {
    pollster::block_on(gpu::Context::new())
}

/// Where `run` and `evolve` compute: the CPU reference with `--cpu`, else the GPU (refused
/// with the reason when there is none).
fn device(on_cpu: bool) -> Result<Device, String> {
    if on_cpu {
        Ok(Device::Cpu)
    } else {
        pollster::block_on(Device::gpu())
    }
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

fn walk(rest: &[&str]) -> Result<(), String> {
    let steps = match rest {
        [] => 64,
        ["--steps", n] => n.parse().map_err(|_| format!("--steps takes a whole number, got {n:?}"))?,
        _ => return Err(format!("unexpected arguments {rest:?}\n{USAGE}")),
    };
    let config = WalkConfig::default();
    let one = config.one();
    let (device, no_gpu) = pollster::block_on(Device::gpu_or_cpu());
    if let Some(e) = no_gpu {
        println!("no GPU ({e}); using the CPU reference");
    }
    let mut walker = Walker::new(config, device.forward(&one, 1, 1)?)?;
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
