//! `onelab traces stats|replay|export|import`: the trace store of `onelab evolve|run|life
//! --traces DIR`.

use onelab::traces::{FileStore, Recovery};

#[derive(clap::Subcommand)]
pub enum TracesCommand {
    /// Trials per task and phase in a trace store, each replayed.
    Stats { dir: String },
    /// Trial N of a trace store, step by step.
    Replay { dir: String, index: usize },
    /// The store's trials as one checked export file.
    Export { dir: String, file: String },
    /// Adds an export file's trials to a store, all or nothing.
    Import { file: String, dir: String },
}

/// The store in `dir`, which must exist: reading a misspelt folder says so, rather than
/// making an empty store there and reporting 0 trials.
fn existing(dir: &str) -> Result<(FileStore, Recovery), String> {
    if !std::path::Path::new(dir).is_dir() {
        return Err(format!("there is no trace store at {dir}: no such folder"));
    }
    FileStore::open(std::path::Path::new(dir))
}

pub fn traces(what: TracesCommand) -> Result<(), String> {
    match what {
        TracesCommand::Stats { dir } => traces_stats(&dir),
        TracesCommand::Replay { dir, index } => traces_replay(&dir, index),
        TracesCommand::Export { dir, file } => traces_export(&dir, &file),
        TracesCommand::Import { file, dir } => traces_import(&file, &dir),
    }
}

fn traces_stats(dir: &str) -> Result<(), String> {
    use onelab::traces::replay;
    let (store, recovery) = existing(dir)?;
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

fn traces_replay(dir: &str, i: usize) -> Result<(), String> {
    use onelab::traces::replay;
    let (store, _) = existing(dir)?;
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

fn traces_export(dir: &str, file: &str) -> Result<(), String> {
    use onelab::traces::Archive;
    let (store, _) = existing(dir)?;
    let archive = Archive { trials: store.read_all()?, ..Archive::default() };
    std::fs::write(file, archive.to_bytes()).map_err(|e| format!("cannot write {file}: {e}"))?;
    println!("exported {} trials to {file}", archive.trials.len());
    Ok(())
}

/// Checks the whole file first; only a file that passes every check touches the store.
fn traces_import(file: &str, dir: &str) -> Result<(), String> {
    use onelab::traces::Archive;
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read {file}: {e}"))?;
    let archive = Archive::from_bytes(&bytes).map_err(|e| format!("{file} refused: {e}; nothing was imported"))?;
    let (mut store, _) = FileStore::open(std::path::Path::new(dir))?;
    store.append(&archive.trials)?;
    println!("imported {} trials into {dir}, which now holds {}", archive.trials.len(), store.len());
    Ok(())
}
