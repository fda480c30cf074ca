//! `onelab run`: the experiment of paper 3.8, headless, with its result table.

use crate::device;
use crate::progress::Progress;
use crate::settings::Settings;
use crate::TraceDir;
use onelab::consolidate::UpdateReport;
use onelab::device::Device;
use onelab::lifecycle::{Checkpoint, CommandRow, Event, Experiment, OneFile, RetentionRow, VoiceRow};
use onelab::speech::Corpus;
use onelab::traces::FileStore;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The file in the trace store's folder that a run goes on from (`--resume`).
const CHECKPOINT: &str = "checkpoint.json";

/// The experiment's settings: each applies over the defaults (the lab's default experiment)
/// or over --config's file; the defaults shown are the default experiment's.
#[derive(clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    settings: Settings,
    /// Start from the ONE a ONE file holds (an accepted one) instead of a fresh ONE: its copies
    /// are copies of it (transfer, paper 3.1). It must have the settings' hidden units and goal
    /// input; the file's own settings are not taken.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["one", "resume"])]
    from: Option<String>,
    /// No experiment: judge the ONE a ONE file holds (the page's Download ONE writes one) under
    /// its own settings: ONE's columns measured again, the copies' as the file has them.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["settings", "traces", "no_baseline"])]
    one: Option<String>,
    /// The command corpus [default: the committed www/corpus]; make others with
    /// scripts/make-corpus.py --out DIR.
    #[arg(long, value_name = "DIR")]
    corpus: Option<String>,
    /// The trace store, kept [default: a fresh folder in the temp folder, removed when the run
    /// is over]. The run saves where it stands there too (checkpoint.json), so that --resume can
    /// go on from it.
    #[arg(long, value_name = "DIR")]
    traces: Option<String>,
    /// Go on with the run whose trace store is DIR from the checkpoint it saved there: under
    /// its own settings, the trials stored after the checkpoint made again, to the result the
    /// run that never stopped gives (wall times apart), on the path it ran on (--cpu moves a run
    /// begun on the GPU path to the CPU path).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["settings", "traces", "one"])]
    resume: Option<String>,
    /// Save the checkpoint every S seconds (0: after every step) [default: 10].
    #[arg(long, value_name = "S", default_value_t = 10.0)]
    checkpoint_every: f64,
    /// Also judge ONE on your recordings F of command C (WAV files).
    #[arg(long, value_name = "C=F,F;C=F..")]
    eval_wav: Option<String>,
    /// Skip the comparison: evolution alone on all commands at once, with as many environment
    /// steps as the copies took.
    #[arg(long)]
    no_baseline: bool,
    /// Rollouts and consolidation on the CPU reference path.
    #[arg(long)]
    cpu: bool,
    /// Also write the settings and results as JSON: the result table, the retention matrix,
    /// each copy's curve per generation, every update's losses, the voices, the baseline.
    #[arg(long, value_name = "FILE")]
    json: Option<String>,
    /// Also save the judged ONE as a ONE file (what the page's Load ONE reads); with --one, the
    /// same file again.
    #[arg(long, value_name = "FILE")]
    out: Option<String>,
}

pub fn run(args: RunArgs) -> Result<(), String> {
    if let Some(file) = &args.one {
        return judge_file(&args, file);
    }
    if args.checkpoint_every.is_nan() || args.checkpoint_every < 0.0 {
        return Err(format!("--checkpoint-every {}: give seconds, 0 or more", args.checkpoint_every));
    }
    if let Some(dir) = args.resume.clone() {
        return resume(args, PathBuf::from(dir));
    }
    let (c, fresh) = args.settings.config()?;
    let dir = TraceDir::new(&args.traces, "onelab-run", crate::fresh_seed()?);
    if args.settings.print_config {
        println!("{}", serde_json::to_string_pretty(&c).map_err(|e| e.to_string())?);
        return Ok(());
    }
    crate::writable(&args.json)?;
    crate::writable(&args.out)?;
    let from = args.from.as_deref().map(accepted_one).transpose()?;
    let (device, device_name) = named_device(args.cpu)?;
    if fresh {
        println!("seed {} (drawn fresh: --seed {} repeats this run)", c.copy.seed, c.copy.seed);
    }
    let mut exp = Experiment::new(c, device, corpus(args.corpus.clone())?)?;
    if let (Some(file), Some(one)) = (&args.from, from) {
        exp.start_from(one).map_err(|e| format!("--from {file}: {e}"))?;
    }
    // Opened once the settings are known to run, so that a refused run leaves no folder behind.
    let store = dir.open_empty()?;
    if let Some(file) = &args.from {
        println!("starting from the ONE in {file}");
    }
    let cpu = args.cpu;
    let run = Run { store, dir: dir.clone(), device_name, cpu, tally: Tally::default(), at: (0, 0, 0, 0) };
    dir.ended(CHECKPOINT, go_on(args, exp, run))
}

/// `--from FILE`: the accepted ONE a ONE file holds.
fn accepted_one(file: &str) -> Result<onelab::net::One, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("--from: cannot read {file}: {e}"))?;
    let one = OneFile::from_bytes(&bytes).map_err(|e| format!("--from {file}: {e}"))?;
    if !one.judgement.accepted {
        return Err(format!("--from {file}: its ONE was rejected by its experiment; start from an accepted one"));
    }
    Ok(one.one)
}

/// `run --resume DIR`: the run DIR's checkpoint describes, its store cut back to the trials and
/// policy snapshots the checkpoint counted.
fn resume(mut args: RunArgs, dir: PathBuf) -> Result<(), String> {
    let file = dir.join(CHECKPOINT);
    let bytes = std::fs::read(&file).map_err(|e| {
        format!("--resume: cannot read {} ({e}): the run saved no checkpoint there, or finished", file.display())
    })?;
    let saved: Saved =
        serde_json::from_slice(&bytes).map_err(|e| format!("--resume: {} cannot be read: {e}", file.display()))?;
    crate::writable(&args.json)?;
    crate::writable(&args.out)?;
    args.cpu |= saved.cpu;
    let (device, device_name) = named_device(args.cpu)?;
    let (mut store, _) = FileStore::open(&dir)?;
    store.cut(saved.checkpoint.trials, saved.policies)?;
    let dir = TraceDir { path: dir, temporary: saved.temporary };
    let standing = saved.checkpoint.standing();
    let consolidating = matches!(standing.phase, "read" | "consolidate");
    let consolidations = saved.checkpoint.retention.len() + consolidating as usize;
    let at = ((standing.k + 1) as usize, standing.generation, consolidations, standing.update);
    println!(
        "resumed from {}: {} trials stored, {} copies done, {} (generation {}, update {})",
        file.display(),
        standing.trials,
        saved.checkpoint.copies.len(),
        standing.phase,
        standing.generation,
        standing.update
    );
    let exp = Experiment::resume(saved.checkpoint, device, corpus(args.corpus.clone())?)?;
    let cpu = args.cpu;
    dir.ended(CHECKPOINT, go_on(args, exp, Run { store, dir: dir.clone(), device_name, cpu, tally: saved.tally, at }))
}

/// What `onelab run` keeps in its trace store's folder to go on from: the experiment's
/// checkpoint, the policy snapshots stored with the trials it counts, and the run's own tallies.
#[derive(Serialize, Deserialize)]
struct Saved {
    checkpoint: Checkpoint,
    policies: usize,
    tally: Tally,
    /// The run went on the CPU reference path, so it resumes there too (a checkpoint from before
    /// this was kept reads false: the path `--cpu` chooses).
    #[serde(default)]
    cpu: bool,
    /// The store is a temporary folder, removed when the run is over.
    #[serde(default)]
    temporary: bool,
}

/// The run's own counts so far: seconds in all and evolving, environment steps of the copies
/// and of consolidation, every update's losses.
#[derive(Clone, Default, Serialize, Deserialize)]
struct Tally {
    seconds: f64,
    evolving: f64,
    copy_steps: u64,
    consolidation_steps: u64,
    losses: Vec<UpdateReport>,
}

/// A run under way: its trace store (and folder), the device's name, its tallies and where it
/// stands (copies started, generation, consolidations started, update: `Progress::resumed_at`).
struct Run {
    store: FileStore,
    dir: TraceDir,
    device_name: String,
    /// On the CPU reference path: what its checkpoints say, to resume there.
    cpu: bool,
    tally: Tally,
    at: (usize, usize, usize, usize),
}

impl Run {
    /// Saves where the experiment stands (its trials are stored): written whole, then renamed
    /// over the last, so that a run killed at any point leaves a checkpoint that reads.
    fn save(&self, exp: &Experiment, seconds: f64) -> Result<(), String> {
        let checkpoint = pollster::block_on(exp.checkpoint())?;
        let tally = Tally { seconds, ..self.tally.clone() };
        let policies = self.store.policies_len();
        let saved = Saved { checkpoint, policies, tally, cpu: self.cpu, temporary: self.dir.temporary };
        let bytes = serde_json::to_vec(&saved).map_err(|e| format!("the checkpoint cannot be written: {e}"))?;
        write_replacing(&self.dir.path.join(CHECKPOINT), &bytes)
    }
}

/// Writes `bytes` whole beside `file`, then renames them over it: a run killed at any point
/// leaves the old file or the new one, never a torn one.
pub fn write_replacing(file: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut fresh = file.as_os_str().to_owned();
    fresh.push(".new");
    write_synced(Path::new(&fresh), bytes)?;
    std::fs::rename(&fresh, file).map_err(|e| format!("cannot write {}: {e}", file.display()))
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    std::fs::File::create(path)
        .and_then(|mut f| f.write_all(bytes).and_then(|_| f.sync_all()))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// ONE's life, a step at a time (lifecycle/life.rs), from wherever `exp` stands; each step's
/// trials are stored at once, and the checkpoint saved every `--checkpoint-every` seconds.
/// Then the result table, the voices, the retention matrix, the baseline and the files asked for.
fn go_on(args: RunArgs, mut exp: Experiment, mut run: Run) -> Result<(), String> {
    let RunArgs { eval_wav, json, out, checkpoint_every, .. } = args;
    let baseline = !args.no_baseline;
    add_recordings(&mut exp, eval_wav)?;
    let c = exp.config.clone();
    let start = Instant::now() - Duration::from_secs_f64(run.tally.seconds);
    let consolidations = if c.consolidate_each { c.tasks.len() } else { 1 };
    let mut progress = Progress::new(c.tasks.len(), c.generations, consolidations, c.consolidation.updates);
    let (copies, generation, consolidations, update) = run.at;
    progress.resumed_at(copies, generation, consolidations, update);
    let mut saved_at = Instant::now();
    let mut last = None;
    while !exp.is_done() {
        let (t0, s0) = (Instant::now(), exp.env_steps);
        let event = pollster::block_on(exp.step())?;
        let tally = &mut run.tally;
        match &event {
            Event::Copy { .. } => progress.copy_starts(),
            // The store holds this experiment's trials alone: all of them, in the order stored.
            Event::ReadTraces { .. } => exp.read(run.store.trials())?,
            Event::Consolidating { .. } => progress.consolidation_starts(),
            Event::Update { report, .. } => tally.losses.push(*report),
            Event::Judged { env_steps_consolidation, .. } => tally.consolidation_steps += env_steps_consolidation,
            Event::Generation { .. } | Event::Demonstrated { .. } | Event::Consolidated { .. } => {}
        }
        if let Some(line) = event.log_line() {
            progress.log(line);
        }
        let (trials, policies) = exp.drain();
        run.store.append(&trials)?;
        run.store.append_policies(&policies)?;
        if matches!(event, Event::Copy { .. } | Event::Generation { .. } | Event::Demonstrated { .. }) {
            tally.evolving += t0.elapsed().as_secs_f64();
            tally.copy_steps += exp.env_steps - s0;
        }
        if let Event::Judged { .. } = event {
            last = Some(event);
        }
        if !exp.is_done() && saved_at.elapsed().as_secs_f64() >= checkpoint_every {
            run.save(&exp, start.elapsed().as_secs_f64())?;
            saved_at = Instant::now();
        }
    }
    run.dir.over(CHECKPOINT);
    let Run { device_name, tally: Tally { evolving, copy_steps, consolidation_steps, losses, .. }, .. } = run;
    progress.finish();
    let Some(Event::Judged {
        judgement,
        trials,
        env_steps_evolution,
        env_steps_consolidation,
        held_out_before,
        held_out_after,
        ..
    }) = last
    else {
        unreachable!("the experiment ends with a judgement");
    };
    let total = start.elapsed().as_secs_f64();

    println!();
    print_table(&judgement.rows, c.corner_exits);
    println!("trials stored: {trials}");
    println!("environment steps: {copy_steps} during evolution, {consolidation_steps} during consolidation");
    println!(
        "held-out failed traces, prediction error per value: {held_out_before:.5} before, {held_out_after:.5} after consolidation"
    );
    println!("{}", judgement.verdict);
    print_voices(&c.tasks, &judgement.cross_voices);
    print_retention(&c.tasks, &exp.retention);
    println!(
        "wall time: {evolving:.1} s evolving, {:.1} s consolidating and evaluating, {total:.1} s in all",
        total - evolving
    );
    let mut baseline_report = None;
    if baseline {
        println!();
        let b = pollster::block_on(exp.evolution_alone(copy_steps, &mut |line| progress.log(line)))?;
        println!(
            "evolution alone on the speech-conditioned task ({} generations, {} environment steps):",
            b.generations, b.env_steps
        );
        println!("{:>5} {:>11} {:>8} {:>9} {:>7}", "task", "command", "success", "shuffled", "cross");
        for r in &b.rows {
            println!(
                "{:>5} {:>11} {:>7.1}% {:>8.1}% {:>6.1}%",
                r.task,
                r.command,
                100.0 * r.success,
                100.0 * r.shuffled,
                100.0 * r.cross
            );
        }
        progress.finish();
        println!("baseline wall time: {:.1} s", start.elapsed().as_secs_f64() - total);
        baseline_report = Some(b);
    }
    if let Some(file) = json {
        crate::write_results(
            &file,
            &device_name,
            serde_json::json!({
            "config": c,
            "report": {
                "rows": judgement.rows,
                "retention": exp.retention,
                "trials": trials,
                "env_steps_evolution": env_steps_evolution,
                "env_steps_consolidation": env_steps_consolidation,
                "losses": losses,
                "held_out_before": held_out_before,
                "held_out_after": held_out_after,
                "cross_voices": judgement.cross_voices,
                "accepted": judgement.accepted,
                "verdict": judgement.verdict,
            },
            "copies": c.tasks.iter().zip(&exp.curves).map(|(task, curve)| {
                serde_json::json!({ "task": task, "generations": curve })
            }).collect::<Vec<_>>(),
            "env_steps": { "evolution": copy_steps, "consolidation": consolidation_steps },
            "seconds": { "evolving": evolving, "total": total },
            "baseline": baseline_report,
            }),
        )?;
    }
    if let Some(file) = out {
        save_one(&exp, &file)?;
    }
    Ok(())
}

/// `run --one FILE`: the ONE a ONE file holds, judged again under the file's settings: its
/// columns of the result table measured here (with the --eval-wav recordings), the copies'
/// columns, the verdict and the retention matrix as the file has them.
fn judge_file(args: &RunArgs, file: &str) -> Result<(), String> {
    let (eval_wav, corpus_dir, on_cpu) = (args.eval_wav.clone(), args.corpus.clone(), args.cpu);
    let (json, out) = (args.json.clone(), args.out.clone());
    crate::writable(&json)?;
    crate::writable(&out)?;
    let bytes = std::fs::read(file).map_err(|e| format!("--one: cannot read {file}: {e}"))?;
    let one = OneFile::from_bytes(&bytes).map_err(|e| format!("--one {file}: {e}"))?;
    let (device, device_name) = named_device(on_cpu)?;
    let c = one.config.clone();
    let shape = one.one.shape;
    let mut exp = Experiment::from_file(one, device, corpus(corpus_dir)?)?;
    add_recordings(&mut exp, eval_wav)?;
    let judgement = pollster::block_on(exp.judge_again())?;
    println!(
        "ONE from {file}: hidden {}, {} parameters, {} commands; judged again here",
        shape.hidden,
        shape.layout().total,
        c.tasks.len()
    );
    println!();
    print_table(&judgement.rows, c.corner_exits);
    println!("as the file says: {}", judgement.verdict);
    print_voices(&c.tasks, &judgement.cross_voices);
    print_retention(&c.tasks, &exp.retention);
    if let Some(json) = json {
        crate::write_results(
            &json,
            &device_name,
            serde_json::json!({
            "one": file,
            "config": c,
            "judgement": judgement,
            "retention": exp.retention,
            }),
        )?;
    }
    if let Some(out) = out {
        save_one(&exp, &out)?;
    }
    Ok(())
}

/// The device to compute on, and its name, printed.
pub fn named_device(on_cpu: bool) -> Result<(Device, String), String> {
    let device = device(on_cpu)?;
    let name = match device.context() {
        Some(ctx) => format!("GPU: {}", ctx.describe()),
        None => format!("CPU reference path ({})", crate::cpu_model()),
    };
    println!("{name}");
    Ok((device, name))
}

/// The command corpus: the committed one unless `--corpus DIR` names another.
pub fn corpus(dir: Option<String>) -> Result<Corpus, String> {
    match dir {
        Some(dir) => Corpus::read(std::path::Path::new(&dir)),
        None => Corpus::committed(),
    }
}

/// `--eval-wav C=F,F;C=F...`: the recordings ONE is also judged on.
fn add_recordings(exp: &mut Experiment, spec: Option<String>) -> Result<(), String> {
    for spec in spec.iter().flat_map(|s| s.split(';')) {
        let (label, audio) = crate::speech::recordings(spec, &exp.corpus)?;
        for a in &audio {
            exp.add_recording(&label, a)?;
        }
    }
    Ok(())
}

/// `--out FILE`: the judged ONE as a ONE file.
fn save_one(exp: &Experiment, file: &str) -> Result<(), String> {
    let one = exp.one_file().ok_or("no ONE was judged, so there is none to save")?;
    let bytes = one.to_bytes();
    std::fs::write(file, &bytes).map_err(|e| format!("cannot write {file}: {e}"))?;
    println!("ONE saved to {file} ({} bytes)", bytes.len());
    Ok(())
}

/// The result table: how ONE and its copies follow each command; `exits`: the other commands'
/// corners are exits (`corner_exits`).
fn print_table(rows: &[CommandRow], exits: bool) {
    println!(
        "{:>5} {:>11} {:>5} {:>7} {:>14} {:>7} {:>14} {:>7} {:>11} {:>20}",
        "task",
        "command",
        "gens",
        "copy",
        "copy shuffled",
        "ONE",
        "ONE shuffled",
        "chance",
        "ONE, cross",
        "ONE, your voice"
    );
    for r in rows {
        println!(
            "{:>5} {:>11} {:>5} {:>6.1}% {:>13.1}% {:>6.1}% {:>13.1}% {:>6.1}% {:>10.1}% {:>20}",
            r.task,
            r.command,
            r.copy_generations,
            100.0 * r.copy,
            100.0 * r.copy_shuffled,
            100.0 * r.one,
            100.0 * r.one_shuffled,
            100.0 * r.chance,
            100.0 * r.one_cross,
            r.one_recordings.map_or("-".to_string(), |v| format!("{:.1}% of {}", 100.0 * v, r.recordings))
        );
    }
    println!("(share of episodes from every cell outside the goal and the exits, hearing every validation speaker");
    println!(
        " (espeak-ng voices training never hears), that reach the commanded goal, {}; shuffled:",
        if exits { "the other commands' corners being exits" } else { "with no exits" }
    );
    println!(" hearing a random command's utterance; chance: the mean of all copies' success at this command, i.e.");
    println!(" following a random command; cross: hearing every cross-synthesiser speaker (festival, a synthesiser");
    println!(" training never hears); your voice: the --eval-wav recordings of the command, and how many)");
}

/// ONE's success per cross-synthesiser voice.
fn print_voices(tasks: &[String], voices: &[VoiceRow]) {
    println!();
    println!("ONE on the cross-synthesiser speakers, by festival voice (all its speeds):");
    print!("{:<20}", "voice");
    for t in tasks {
        print!(" {t:>6}");
    }
    println!();
    for v in voices {
        print!("{:<20}", v.voice);
        for s in &v.success {
            print!(" {:>5.1}%", 100.0 * s);
        }
        println!();
    }
}

/// The retention matrix: a row per consolidation.
fn print_retention(tasks: &[String], retention: &[RetentionRow]) {
    println!();
    println!("retention: ONE's success at each command after each consolidation (validation speakers)");
    let width = retention.iter().map(|r| r.learned.join(",").len()).max().unwrap_or(0).max(16);
    print!("{:<width$}", "after learning");
    for t in tasks {
        print!(" {t:>6}");
    }
    println!();
    for r in retention {
        print!("{:<width$}", r.learned.join(","));
        for s in &r.success {
            print!(" {:>5.1}%", 100.0 * s);
        }
        println!("  {}", if r.accepted { "accepted" } else { "rejected" });
    }
}
