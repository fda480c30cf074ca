//! The native command line: benchmarks and a headless look at what the page shows.
//!
//!     onelab info                     the GPU adapter wgpu picks
//!     onelab bench forward [--quick]  forward-pass agent-steps/s, GPU beside CPU
//!     onelab walk [--steps N]         ONE walking the default maze, one line per step

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
        ["walk", rest @ ..] => walk(rest),
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
  onelab walk [--steps N]          ONE walking the default maze";

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
        .and_then(|s| s.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string()))
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
            println!("{:>7} {:>6} {:>16.0} {:>16.0} {:>9}", n, hidden, work / gpu_s, work / cpu_s, ratio(cpu_s / gpu_s));
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
        println!("episode {} t {:>3} at ({}, {}) action {} outcome {:?}", f.episode, f.t, f.x, f.y, onelab::world::ACTION_NAMES[f.action], f.outcome);
    }
    Ok(())
}
