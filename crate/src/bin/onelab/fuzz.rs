//! `onelab fuzz`: every kind of input from outside (`onelab::inputs`) taken millions of times,
//! mutated from the seed inputs in crate/tests/data/inputs/KIND/, watching for what must never
//! happen: a panic, an execution over a time limit, an allocation over a memory limit. Mutation
//! is blind (no coverage feedback: cargo-fuzz needs a nightly compiler, which this project's
//! machines do not have), so the mutations know the formats' soft spots: length and count fields
//! (interesting integers at any offset), JSON numbers (interesting numbers in their place),
//! cuts, splices of two seeds, and repeated or deleted ranges. An input that fails is written
//! to target/fuzz/KIND-N.bin, to be replayed with `onelab fuzz KIND --replay FILE`.

use onelab::device::Device;
use onelab::inputs::Input;
use onelab::rng::Rng;
use onelab::speech::Corpus;
use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

/// The system allocator, counting live bytes and their peak, so that each execution's largest
/// footprint is known.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            PEAK.fetch_max(LIVE.fetch_add(layout.size(), Relaxed) + layout.size(), Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Relaxed);
            PEAK.fetch_max(LIVE.fetch_add(new_size, Relaxed) + new_size, Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Inputs are at most this long: the targets promise bounded work for any input under 1 MB.
const MAX_INPUT: usize = 1 << 20;

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct FuzzArgs {
    #[command(subcommand)]
    seeds: Option<Seeds>,
    /// One of record, policy, archive, wav, settings, checkpoint, one; or all.
    kind: Option<String>,
    /// Executions per kind.
    #[arg(long, default_value_t = 10_000)]
    executions: usize,
    /// The mutations' seed.
    #[arg(long, default_value_t = 1)]
    seed: u32,
    /// Count an execution over MS milliseconds as a failure, the fastest of three timings when
    /// the first is over [default: none; the slowest is always reported].
    #[arg(long, value_name = "MS")]
    hang_ms: Option<f64>,
    /// Count an execution whose live memory grows over MB MiB as a failure.
    #[arg(long, value_name = "MB", default_value_t = 256)]
    alloc_mb: usize,
    /// Take one input from FILE and print what the lab says of it.
    #[arg(long, value_name = "FILE")]
    replay: Option<String>,
}

#[derive(clap::Subcommand)]
enum Seeds {
    /// Write the seed inputs from a short real run into DIR (after a format changes).
    Seeds { dir: String },
}

pub fn fuzz(args: FuzzArgs) -> Result<(), String> {
    if let Some(Seeds::Seeds { dir }) = args.seeds {
        return seeds(Path::new(&dir));
    }
    let FuzzArgs { kind, executions, seed, hang_ms, alloc_mb, replay, .. } = args;
    let kind = kind.ok_or("name a KIND of input, or all (see onelab fuzz --help)")?;
    let kinds = if kind == "all" { Input::ALL.to_vec() } else { vec![Input::parse(&kind)?] };
    // Two speakers per split: resuming a checkpoint hears the corpus, which costs by its size.
    let corpus = Corpus::committed()?.first_speakers(2);
    if let Some(file) = replay {
        let bytes = std::fs::read(&file).map_err(|e| format!("{file}: {e}"))?;
        match kinds[0].take(&bytes, &corpus) {
            Ok(what) => println!("accepted: {what}"),
            Err(why) => println!("refused: {why}"),
        }
        return Ok(());
    }
    // A panic is caught and counted; its message is printed once per failing input.
    std::panic::set_hook(Box::new(|info| eprintln!("panic: {info}")));
    println!("| input | executions | accepted | refused | exec/s | slowest ms | peak MiB | failures |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut failed = 0;
    for kind in kinds {
        let report = campaign(kind, &corpus, executions, seed, hang_ms, alloc_mb << 20)?;
        failed += report.failures;
        println!(
            "| {} | {} | {} | {} | {:.0} | {:.1} | {:.1} | {} |",
            kind.name(),
            report.executions,
            report.accepted,
            report.executions - report.accepted,
            report.executions as f64 / report.seconds,
            report.slowest_ms,
            report.peak as f64 / (1 << 20) as f64,
            report.failures
        );
    }
    match failed {
        0 => Ok(()),
        n => Err(format!("{n} inputs failed; they are in target/fuzz/")),
    }
}

struct Report {
    executions: usize,
    accepted: usize,
    failures: usize,
    seconds: f64,
    slowest_ms: f64,
    peak: usize,
}

fn seed_dir(kind: Input) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/inputs").join(kind.name())
}

fn campaign(
    kind: Input,
    corpus: &Corpus,
    executions: usize,
    seed: u32,
    hang_ms: Option<f64>,
    alloc_limit: usize,
) -> Result<Report, String> {
    let dir = seed_dir(kind);
    let mut seeds = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        seeds.push(std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?);
    }
    if seeds.is_empty() {
        return Err(format!("{} holds no seed inputs", dir.display()));
    }
    let mut rng = Rng::new(seed ^ kind as u32);
    let mut r = Report { executions, accepted: 0, failures: 0, seconds: 0.0, slowest_ms: 0.0, peak: 0 };
    let started = Instant::now();
    for n in 0..executions {
        // The seeds themselves first, then mutants of 1 to 4 stacked mutations.
        let input = match seeds.get(n) {
            Some(s) => s.clone(),
            None => {
                let mut input = seeds[rng.below(seeds.len())].clone();
                for _ in 0..1 + rng.below(4) {
                    mutate(&mut input, &seeds, &mut rng);
                }
                // Half the mutated exports get valid checksums again, so that what their
                // sections hold reaches the record decoder and replay, not only the CRC check.
                if kind == Input::Archive && rng.below(2) == 0 {
                    reseal(&mut input);
                }
                input.truncate(MAX_INPUT);
                input
            }
        };
        let before = LIVE.load(Relaxed);
        PEAK.store(before, Relaxed);
        let t0 = Instant::now();
        let outcome = std::panic::catch_unwind(|| kind.take(&input, corpus));
        let mut ms = t0.elapsed().as_secs_f64() * 1e3;
        let grew = PEAK.load(Relaxed).saturating_sub(before);
        // Wall time also counts the time other processes held the core: an execution over the
        // limit is timed twice more, and the fastest of the three is what counts.
        if hang_ms.is_some_and(|limit| ms > limit) && outcome.is_ok() {
            let first = ms;
            for _ in 0..2 {
                let t = Instant::now();
                let _ = kind.take(&input, corpus);
                ms = ms.min(t.elapsed().as_secs_f64() * 1e3);
            }
            eprintln!("{} input {n} took {first:.0} ms, timed again {ms:.0} ms", kind.name());
        }
        r.slowest_ms = r.slowest_ms.max(ms);
        r.peak = r.peak.max(grew);
        let why = match outcome {
            Err(_) => Some("panicked".to_string()),
            Ok(_) if hang_ms.is_some_and(|limit| ms > limit) => Some(format!("took {ms:.0} ms")),
            Ok(_) if grew > alloc_limit => Some(format!("grew memory by {} MiB", grew >> 20)),
            Ok(accepted) => {
                r.accepted += accepted.is_ok() as usize;
                None
            }
        };
        if (n + 1) % 100_000 == 0 {
            eprintln!("{}: {} executions, {} failures so far", kind.name(), n + 1, r.failures);
        }
        if let Some(why) = why {
            let file = Path::new("target/fuzz").join(format!("{}-{n}.bin", kind.name()));
            std::fs::create_dir_all("target/fuzz").map_err(|e| e.to_string())?;
            std::fs::write(&file, &input).map_err(|e| e.to_string())?;
            eprintln!("{} input {n} {why}: written to {}", kind.name(), file.display());
            r.failures += 1;
        }
    }
    r.seconds = started.elapsed().as_secs_f64();
    Ok(r)
}

/// Little-endian integers that sit on the edges of the formats' fields.
const INTEGERS: [u64; 14] = [
    0,
    1,
    2,
    0x7f,
    0x80,
    0xff,
    0xffff,
    0x1_0001,
    0x7fff_ffff,
    0xffff_fff8,
    0xffff_ffff,
    0x1_0000_0005,
    u64::MAX,
    1 << 40,
];

/// Numbers to put where a JSON number was.
const NUMBERS: [&str; 14] = [
    "0",
    "-1",
    "1",
    "2",
    "65537",
    "4294967296",
    "1e18",
    "-1e18",
    "3.4e38",
    "1e-45",
    "0.5",
    "-0",
    "18446744073709551616",
    "1e400",
];

fn mutate(input: &mut Vec<u8>, seeds: &[Vec<u8>], rng: &mut Rng) {
    let len = input.len();
    let at = |rng: &mut Rng| rng.below(len.max(1));
    match rng.below(9) {
        0 if len > 0 => {
            let i = at(rng);
            input[i] ^= 1 << rng.below(8);
        }
        1 if len > 0 => {
            let i = at(rng);
            input[i] = INTEGERS[rng.below(6)] as u8;
        }
        2 if len >= 8 => {
            let width = [2, 4, 8][rng.below(3)];
            let i = rng.below(len - width + 1);
            let v = INTEGERS[rng.below(INTEGERS.len())].to_le_bytes();
            input[i..i + width].copy_from_slice(&v[..width]);
        }
        3 if len > 0 => {
            let a = at(rng);
            let b = (a + 1 + rng.below(64)).min(len);
            input.drain(a..b);
        }
        4 if len > 0 => {
            let a = at(rng);
            let b = (a + 1 + rng.below(64)).min(len);
            let chunk = input[a..b].to_vec();
            let to = at(rng);
            input.splice(to..to, chunk.iter().copied().cycle().take(chunk.len() * (1 + rng.below(4))));
        }
        5 if len > 0 => input.truncate(at(rng)),
        6 => {
            let other = &seeds[rng.below(seeds.len())];
            let cut = rng.below(other.len().max(1));
            input.truncate(at(rng));
            input.extend_from_slice(&other[cut.min(other.len())..]);
        }
        7 => {
            // A JSON number (a run of digits, signs, points and exponents) replaced.
            let starts: Vec<usize> =
                (0..len).filter(|&i| input[i].is_ascii_digit() && (i == 0 || !is_number_byte(input[i - 1]))).collect();
            if let Some(&a) = starts.get(rng.below(starts.len().max(1))) {
                let b = (a..len).find(|&i| !is_number_byte(input[i])).unwrap_or(len);
                input.splice(a..b, NUMBERS[rng.below(NUMBERS.len())].bytes());
            }
        }
        _ => {
            let to = at(rng).min(len);
            let noise: Vec<u8> = (0..1 + rng.below(16)).map(|_| rng.below(256) as u8).collect();
            input.splice(to..to, noise);
        }
    }
}

/// Recomputes every section's CRC-32 of an export file (crate/src/traces/archive.rs) and the
/// end section's CRC of all before it, as far as its sections can be walked.
fn reseal(bytes: &mut [u8]) {
    let mut at = 8;
    while at + 9 <= bytes.len() {
        let len = u64::from_le_bytes(bytes[at + 1..at + 9].try_into().expect("eight bytes"));
        let Some(end) = usize::try_from(len).ok().and_then(|l| (at + 9).checked_add(l)) else { return };
        if end + 4 > bytes.len() {
            return;
        }
        if bytes[at] == 0 && len == 12 {
            let crc = crc32fast::hash(&bytes[..at]).to_le_bytes();
            bytes[at + 17..at + 21].copy_from_slice(&crc);
        }
        let crc = crc32fast::hash(&bytes[at + 9..end]).to_le_bytes();
        bytes[end..end + 4].copy_from_slice(&crc);
        at = end + 4;
    }
}

fn is_number_byte(b: u8) -> bool {
    b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E')
}

/// Writes one or more seed inputs per kind into `dir`/KIND/, made by the lab itself: a short
/// experiment (two commands, a small ONE and population) whose records, policy snapshots,
/// export file, settings and checkpoints they are, and corpus utterances as WAV files.
fn seeds(dir: &Path) -> Result<(), String> {
    use onelab::lifecycle::{Event, Experiment, ExperimentConfig};
    use onelab::speech::wav_file;
    use onelab::traces::{encode, Archive};
    let write = |kind: Input, name: &str, bytes: &[u8]| {
        let d = dir.join(kind.name());
        std::fs::create_dir_all(&d).map_err(|e| e.to_string())?;
        std::fs::write(d.join(name), bytes).map_err(|e| e.to_string())
    };
    let corpus = Corpus::committed()?;
    let mut c = ExperimentConfig::default_experiment();
    c.tasks = vec!["ne".into(), "sw".into()];
    c.copy.hidden = 8;
    c.copy.strategy.population = 8;
    c.generations = 1;
    c.consolidation.updates = 2;
    let settings = serde_json::to_vec_pretty(&c).map_err(|e| e.to_string())?;
    write(Input::Settings, "small.json", &settings)?;
    let default = serde_json::to_vec_pretty(&ExperimentConfig::default_experiment()).map_err(|e| e.to_string())?;
    write(Input::Settings, "default.json", &default)?;

    let checkpoint = |exp: &Experiment| {
        let cp = pollster::block_on(exp.checkpoint())?;
        serde_json::to_vec(&cp).map_err(|e| e.to_string())
    };
    let mut exp = Experiment::new(c.clone(), Device::Cpu, corpus.clone())?;
    write(Input::Checkpoint, "start.json", &checkpoint(&exp)?)?;
    pollster::block_on(exp.step())?; // the first copy starts
    pollster::block_on(exp.step())?; // its first generation
    let (trials, policies) = exp.drain();
    write(Input::Checkpoint, "evolving.json", &checkpoint(&exp)?)?;
    // An evolution trial, an evaluation trial (the last), both with what they heard.
    write(Input::Record, "member.bin", &encode(&trials[0]))?;
    write(Input::Record, "evaluation.bin", &encode(trials.last().expect("a generation has trials")))?;
    for (k, p) in policies.iter().enumerate() {
        write(Input::Policy, &format!("snapshot-{k}.bin"), &p.encode())?;
    }
    let archive = Archive {
        settings: Some(String::from_utf8(settings).expect("JSON is UTF-8")),
        parameters: None,
        trials: trials[..3].to_vec(),
        recordings: vec![r#"{"command":"north east","samples":[0.0,0.1,-0.1]}"#.into()],
    };
    write(Input::Archive, "three-trials.bin", &archive.to_bytes())?;

    // A ONE file: the small experiment run to its end and its ONE judged.
    let mut exp = Experiment::new(c.clone(), Device::Cpu, corpus.clone())?;
    let mut kept = Vec::new();
    while !exp.is_done() {
        if let Event::ReadTraces { .. } = pollster::block_on(exp.step())? {
            exp.read(kept.iter().cloned().map(Ok))?;
        }
        kept.extend(exp.drain().0);
    }
    write(Input::One, "small.onelab", &exp.one_file().expect("the experiment judged its ONE").to_bytes())?;

    let u = &corpus.utterances[0];
    let audio = corpus.audio(u);
    let pcm: Vec<u8> = audio.iter().flat_map(|&v| ((v * 32767.0) as i16).to_le_bytes()).collect();
    write(Input::Wav, "pcm16-16k.wav", &wav_file(1, 1, corpus.sample_rate, 16, &pcm))?;
    // The same words as 32-bit float at 8 kHz, every other sample.
    let float: Vec<u8> = audio.iter().step_by(2).flat_map(|v| v.to_le_bytes()).collect();
    write(Input::Wav, "float32-8k.wav", &wav_file(3, 1, corpus.sample_rate / 2, 32, &float))?;
    println!("seed inputs written to {}", dir.display());
    Ok(())
}
