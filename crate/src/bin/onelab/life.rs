//! `onelab life`: ONE's life ordered by PowerPlay's search (lifecycle/powerplay.rs), headless:
//! every candidate tried, the retention matrix over the accepted commands, ACC, BWT and FWT.

use crate::run::{corpus, named_device};
use crate::settings::Settings;
use crate::TraceDir;
use onelab::lifecycle::{Event, Life, LifeCheckpoint, LifeConfig, LifeEvent, Tried};
use onelab::traces::FileStore;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The file in the trace store's folder that a life goes on from (`--resume`).
const CHECKPOINT: &str = "life-checkpoint.json";

#[derive(clap::Args)]
pub struct LifeArgs {
    /// The task space and each candidate's copy and consolidation: the experiment's settings
    /// (--tasks lists the commands a candidate may take, in the order candidates of one budget
    /// are tried; --generations is not used: budgets are).
    #[command(flatten)]
    settings: Settings,
    /// Generations of the cheapest candidates; each round doubles them.
    #[arg(long, value_name = "G", default_value_t = 10)]
    first_budget: usize,
    /// The largest budget; when no candidate is accepted within it, the life ends.
    #[arg(long, value_name = "G", default_value_t = 160)]
    last_budget: usize,
    /// The baseline without replay: consolidation imitates the newest copy alone, and
    /// acceptance asks only for the new command (the retention matrix shows the forgetting).
    #[arg(long)]
    no_replay: bool,
    /// The command corpus [default: the committed www/corpus].
    #[arg(long, value_name = "DIR")]
    corpus: Option<String>,
    /// The trace store, kept [default: a fresh folder in the temp folder, removed when the life
    /// is over]. The life saves where it stands there too (life-checkpoint.json), so that
    /// --resume can go on from it.
    #[arg(long, value_name = "DIR")]
    traces: Option<String>,
    /// Go on with the life whose trace store is DIR from the checkpoint it saved there, under
    /// its own settings, to the result the life that never stopped gives (wall times apart), on
    /// the path it ran on (--cpu moves a life begun on the GPU path to the CPU path).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["settings", "traces", "no_replay"])]
    resume: Option<String>,
    /// Save the checkpoint every S seconds (0: after every step).
    #[arg(long, value_name = "S", default_value_t = 10.0)]
    checkpoint_every: f64,
    /// Rollouts and consolidation on the CPU reference path.
    #[arg(long)]
    cpu: bool,
    /// Also write the settings, every candidate tried, the retention matrix and the measures
    /// as JSON.
    #[arg(long, value_name = "FILE")]
    json: Option<String>,
}

pub fn life(args: LifeArgs) -> Result<(), String> {
    if args.checkpoint_every.is_nan() || args.checkpoint_every < 0.0 {
        return Err(format!("--checkpoint-every {}: give seconds, 0 or more", args.checkpoint_every));
    }
    if let Some(dir) = args.resume.clone() {
        return resume(args, PathBuf::from(dir));
    }
    let (experiment, fresh) = args.settings.config()?;
    let config = LifeConfig {
        experiment,
        first_budget: args.first_budget,
        last_budget: args.last_budget,
        replay: !args.no_replay,
    };
    config.validate()?;
    if args.settings.print_config {
        println!("{}", serde_json::to_string_pretty(&config.experiment).map_err(|e| e.to_string())?);
        return Ok(());
    }
    crate::writable(&args.json)?;
    let (device, device_name) = named_device(args.cpu)?;
    let seed = config.experiment.copy.seed;
    if fresh {
        println!("seed {seed} (drawn fresh: --seed {seed} repeats this life)");
    }
    let dir = TraceDir::new(&args.traces, "onelab-life", seed);
    let life = Life::new(config, device, corpus(args.corpus.clone())?)?;
    // Opened once the settings are known to run, so that a refused life leaves no folder behind.
    let store = dir.open_empty()?;
    dir.ended(CHECKPOINT, go_on(args, life, store, dir.clone(), device_name, 0.0))
}

/// What `onelab life` keeps in its trace store's folder to go on from.
#[derive(Serialize, Deserialize)]
struct Saved {
    checkpoint: LifeCheckpoint,
    policies: usize,
    seconds: f64,
    /// The life went on the CPU reference path, so it resumes there too (a checkpoint from
    /// before this was kept reads false: the path `--cpu` chooses).
    #[serde(default)]
    cpu: bool,
    /// The store is a temporary folder, removed when the life is over.
    #[serde(default)]
    temporary: bool,
}

/// `life --resume DIR`: the life DIR's checkpoint describes, its store cut back to the trials and
/// policy snapshots the checkpoint counted.
fn resume(mut args: LifeArgs, dir: PathBuf) -> Result<(), String> {
    let file = dir.join(CHECKPOINT);
    let bytes = std::fs::read(&file).map_err(|e| {
        format!("--resume: cannot read {} ({e}): the life saved no checkpoint there, or finished", file.display())
    })?;
    let saved: Saved =
        serde_json::from_slice(&bytes).map_err(|e| format!("--resume: {} cannot be read: {e}", file.display()))?;
    crate::writable(&args.json)?;
    args.cpu |= saved.cpu;
    let (device, device_name) = named_device(args.cpu)?;
    let life = Life::resume(saved.checkpoint, device, corpus(args.corpus.clone())?)?;
    let (mut store, _) = FileStore::open(&dir)?;
    store.cut(life.counts().0, saved.policies)?;
    let dir = TraceDir { path: dir, temporary: saved.temporary };
    println!(
        "resumed from {}: {} candidates tried, {} accepted",
        file.display(),
        life.tried.len(),
        life.accepted.len()
    );
    dir.ended(CHECKPOINT, go_on(args, life, store, dir.clone(), device_name, saved.seconds))
}

/// The life, a step at a time from wherever it stands; each step's trials stored at once and
/// the checkpoint saved every `--checkpoint-every` seconds. Then every candidate's outcome, the
/// retention matrix and the measures.
fn go_on(
    args: LifeArgs,
    mut life: Life,
    mut store: FileStore,
    dir: TraceDir,
    device_name: String,
    seconds: f64,
) -> Result<(), String> {
    let space = life.config.experiment.tasks.clone();
    let start = Instant::now() - Duration::from_secs_f64(seconds);
    let mut saved_at = Instant::now();
    let mut why = String::new();
    while !life.is_over() {
        let event = pollster::block_on(life.step())?;
        match &event {
            LifeEvent::Born { success } => {
                let each: Vec<String> =
                    space.iter().zip(success).map(|(t, s)| format!("{t} {:.1}%", 100.0 * s)).collect();
                println!("the fresh ONE: {}", each.join(", "));
            }
            LifeEvent::Trying { candidate, before } => {
                // A task with fewer start cells (near its goal, a smaller maze) gets more
                // generations for its budget, one with more (a larger maze) fewer.
                let generations = life.generations(&candidate.task, candidate.budget)?;
                let more = if generations == candidate.budget {
                    String::new()
                } else {
                    format!(" ({generations} for its start cells)")
                };
                println!(
                    "candidate {}: {} with a budget of {} generations{more}; ONE before: {:.1}%",
                    life.tried.len() + 1,
                    candidate.task,
                    candidate.budget,
                    100.0 * before
                )
            }
            LifeEvent::Step(Event::ReadTraces { .. }) => life.read(store.trials())?,
            LifeEvent::Step(Event::Consolidating { imitated, predicted, .. }) => {
                println!("  consolidation on {imitated} traces to imitate, {predicted} to predict")
            }
            LifeEvent::Step(_) => {}
            LifeEvent::Outcome(tried) => print_outcome(life.tried.len(), tried),
            LifeEvent::Over { why: w } => why = w.clone(),
        }
        let (trials, policies) = life.drain();
        store.append(&trials)?;
        store.append_policies(&policies)?;
        if !life.is_over() && saved_at.elapsed().as_secs_f64() >= args.checkpoint_every {
            let checkpoint = pollster::block_on(life.checkpoint())?;
            let seconds = start.elapsed().as_secs_f64();
            let policies = store.policies_len();
            let saved = Saved { checkpoint, policies, seconds, cpu: args.cpu, temporary: dir.temporary };
            let bytes = serde_json::to_vec(&saved).map_err(|e| format!("the checkpoint cannot be written: {e}"))?;
            crate::run::write_replacing(&dir.path.join(CHECKPOINT), &bytes)?;
            saved_at = Instant::now();
        }
    }
    dir.over(CHECKPOINT);
    let seconds = start.elapsed().as_secs_f64();
    let (trials, env_steps) = life.counts();
    println!();
    println!("the life is over: {why}");
    println!("{} candidates tried, {} accepted: {}", life.tried.len(), life.accepted.len(), life.accepted.join(", "));
    print_retention(&space, &life);
    let metrics = life.metrics();
    if let Some(m) = &metrics {
        let points = |v: Option<f32>| v.map_or("-".to_string(), |v| format!("{:+.1} points", 100.0 * v));
        println!("ACC {:.1}%, BWT {}, FWT {}", 100.0 * m.acc, points(m.bwt), points(m.fwt));
    }
    let parameters = life.one().params.len();
    let per_accepted = match life.accepted.len() {
        0 => "none accepted".to_string(),
        n => format!("{} per accepted command", env_steps / n as u64),
    };
    let mut sizes = vec![life.config.experiment.shape_after(0).layout().total];
    sizes.extend(life.tried.iter().filter(|t| t.accepted).map(|t| t.params));
    let sizes: Vec<String> = sizes.iter().map(|n| n.to_string()).collect();
    println!(
        "ONE's parameters: {parameters} ({} hidden units); fresh, then after each acceptance: {}",
        life.one().shape.hidden,
        sizes.join(" -> ")
    );
    println!("trials stored: {trials}; environment steps: {env_steps} ({per_accepted}); wall time {seconds:.1} s");
    if let Some(file) = &args.json {
        let body = serde_json::json!({
            "settings": life.config,
            "tried": life.tried,
            "accepted": life.accepted,
            "space": space,
            "retention": life.retention,
            "metrics": metrics,
            "over": why,
            "trials": trials,
            "env_steps": env_steps,
            "parameters": parameters,
            "seconds": seconds,
        });
        crate::write_results(file, &device_name, body)?;
    }
    Ok(())
}

/// A candidate's line: its copy, the new ONE's success at each command judged, the verdict.
fn print_outcome(n: usize, t: &Tried) {
    let copy = t.copy.map_or(String::new(), |(g, s)| format!("copy {:.1}% in {g} generations; ", 100.0 * s));
    let after: Vec<String> = t.after.iter().map(|(task, s)| format!("{task} {:.1}%", 100.0 * s)).collect();
    let after = if after.is_empty() { String::new() } else { format!("ONE after: {}; ", after.join(", ")) };
    let verdict = if t.accepted { format!("ACCEPTED (ONE has {} parameters)", t.params) } else { "rejected".into() };
    println!(
        "candidate {n} ({}, {} generations): {copy}{after}{} environment steps: {verdict}: {}",
        t.candidate.task, t.candidate.budget, t.env_steps, t.why
    );
}

/// The retention matrix: the fresh ONE, then a row after each accepted candidate.
fn print_retention(space: &[String], life: &Life) {
    println!();
    println!("retention: ONE's success at each command, fresh and after each acceptance (validation speakers)");
    print!("{:<16}", "after");
    for t in space {
        print!(" {t:>6}");
    }
    println!();
    for (i, row) in life.retention.iter().enumerate() {
        let label = if i == 0 { "(fresh)".to_string() } else { life.accepted[i - 1].clone() };
        print!("{label:<16}");
        for s in row {
            print!(" {:>5.1}%", 100.0 * s);
        }
        println!();
    }
}
