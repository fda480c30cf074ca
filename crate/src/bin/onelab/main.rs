//! The native command line: the experiment headless, its copies and traces, and benchmarks.
//! `onelab --help` lists the commands; each takes `--help`.

mod bench;
mod evolve;
mod fuzz;
mod life;
mod progress;
mod run;
mod settings;
mod speech;
mod traces;

use clap::{Parser, Subcommand};
use onelab::device::Device;
use onelab::gpu;
use onelab::lifecycle::{WalkConfig, Walker};

/// ONE Lab on the command line: the experiment of paper 3.8, its copies, its traces, and the
/// benchmarks, each printing the GPU path beside the CPU path.
#[derive(Parser)]
#[command(name = "onelab", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The GPU adapter wgpu picks.
    Info,
    /// Throughput of ONE's kernels, the GPU path beside the CPU path.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// ONE walking the default maze, one line per step.
    Walk {
        /// Steps to walk.
        #[arg(long, default_value_t = 64)]
        steps: usize,
    },
    /// A copy of ONE learns one maze task by evolution strategies.
    Evolve(evolve::EvolveArgs),
    /// The experiment of paper 3.8: copies learn the commanded goals by evolution while
    /// hearing the commands, every trial is stored, ONE consolidates on the traces alone and is
    /// accepted only if it follows every command.
    Run(run::RunArgs),
    /// ONE's life ordered by its own search (PowerPlay, paper 3.14): candidates (a command,
    /// a copy's generation budget) tried cheapest first, each kept only if the command was new
    /// to ONE and the consolidated ONE follows it and every command it had.
    Life(life::LifeArgs),
    /// A recording's checks and its log-mel frames (or ONE's goal input).
    #[command(subcommand)]
    Speech(speech::SpeechCommand),
    /// The trace store of `onelab evolve|run|life --traces DIR`.
    #[command(subcommand)]
    Traces(traces::TracesCommand),
    /// Every kind of outside input, mutated and taken as the lab takes it, millions of times.
    Fuzz(fuzz::FuzzArgs),
}

fn main() {
    let result = match Cli::parse().command {
        Command::Info => info(),
        Command::Bench(what) => bench::command(what),
        Command::Walk { steps } => walk(steps),
        Command::Evolve(args) => evolve::evolve(args),
        Command::Run(args) => run::run(args),
        Command::Life(args) => life::life(args),
        Command::Speech(what) => speech::speech(what),
        Command::Traces(what) => traces::traces(what),
        Command::Fuzz(args) => fuzz::fuzz(args),
    };
    if let Err(message) = result {
        eprintln!("onelab: {message}");
        std::process::exit(2);
    }
}

/// The GPU context the kernel benchmarks and `info` measure.
/// A setting's option, when given, overwrites the setting.
fn given<T>(field: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *field = v;
    }
}

/// A whole number of at least 1, for counts that cannot be zero.
fn at_least_one(s: &str) -> Result<usize, String> {
    match s.parse() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{s:?} is not a whole number of at least 1")),
    }
}

/// A seed for a run given none, drawn from the operating system: each new run is a new
/// experiment, and the seed is printed so that `--seed N` repeats it.
fn fresh_seed() -> Result<u32, String> {
    getrandom::u32().map_err(|e| format!("no fresh seed could be drawn ({e}): give --seed N"))
}

/// Where `run` and `life` store their trials: the folder `--traces` names, kept, or a fresh one
/// in the temp folder, removed once the run is over (the default experiment stores about 100 MB,
/// and runs that leave theirs behind fill the temp folder). A run stopped before its end keeps
/// either, with its checkpoint, to go on with `--resume`.
#[derive(Clone)]
struct TraceDir {
    path: std::path::PathBuf,
    temporary: bool,
}

impl TraceDir {
    /// `--traces`'s folder, or a fresh temporary one named `prefix`-PID-`tag`.
    fn new(given: &Option<String>, prefix: &str, tag: u32) -> TraceDir {
        match given {
            Some(d) => TraceDir { path: d.into(), temporary: false },
            None => {
                let name = format!("{prefix}-{}-{tag:08x}", std::process::id());
                TraceDir { path: std::env::temp_dir().join(name), temporary: true }
            }
        }
    }

    /// The store a new run begins in, which must hold nothing yet; said on the console.
    fn open_empty(&self) -> Result<onelab::traces::FileStore, String> {
        let (store, recovery) = onelab::traces::FileStore::open(&self.path)?;
        if !store.is_empty() || recovery.torn.is_some() {
            return Err(format!("the trace store {} is not empty: give a fresh folder", self.path.display()));
        }
        match self.temporary {
            true => {
                println!("trace store: {} (removed when the run is over; --traces DIR keeps it)", self.path.display())
            }
            false => println!("trace store: {}", self.path.display()),
        }
        Ok(store)
    }

    /// The run is over: nothing to go on from, so its checkpoint goes, and a temporary store
    /// with it.
    fn over(&self, checkpoint: &str) {
        match self.temporary {
            true => drop(std::fs::remove_dir_all(&self.path)),
            false => drop(std::fs::remove_file(self.path.join(checkpoint))),
        }
    }

    /// `result`, the run's end: a temporary store it saved no checkpoint in (a recording refused
    /// before the first step, say) has nothing to go on from, so an error removes it too.
    fn ended<T>(&self, checkpoint: &str, result: Result<T, String>) -> Result<T, String> {
        if result.is_err() && self.temporary && !self.path.join(checkpoint).exists() {
            drop(std::fs::remove_dir_all(&self.path));
        }
        result
    }
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

/// `run` and `evolve`'s `--json FILE`: `body`'s fields after the lab's version and the device
/// it ran on, written and said.
fn write_results(file: &str, device: &str, body: serde_json::Value) -> Result<(), String> {
    let mut doc = serde_json::json!({ "onelab": env!("CARGO_PKG_VERSION"), "device": device });
    if let (Some(doc), serde_json::Value::Object(body)) = (doc.as_object_mut(), body) {
        doc.extend(body);
    }
    write_json_file(file, &doc)?;
    println!("results written to {file}");
    Ok(())
}

/// Writes `doc` to `file` as indented JSON: what every `--json FILE` gives.
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

fn walk(steps: usize) -> Result<(), String> {
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
