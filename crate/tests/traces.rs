//! The trace store (paper 3.6): lossless compact records, replay, and crash safety.

use onelab::rng::Rng;
use onelab::traces::{decode, encode, replay, FileStore, Heard, MazeSpec, Phase, PolicyRef, Trial};
use onelab::world::{Episode, Maze, StepOutcome, Task};

/// A real trial: random actions in a real maze, with what the episode reported.
fn trial(rng: &mut Rng, i: u32) -> (Trial, Vec<[f32; 6]>, Vec<[f32; 3]>) {
    let spec = MazeSpec { size: 5 + (i % 3) as u16 * 2, openings: [0.0, 0.1, 0.5][i as usize % 3], seed: i * 7 + 1 };
    let maze = Maze::generate(spec.size as usize, spec.size as usize, spec.openings, spec.seed);
    let task_name = ["ne", "nw", "se", "sw", "2,1"][i as usize % 5];
    let task = Task::parse(task_name, &maze).unwrap();
    let step_limit = 10 + rng.below(50);
    let start = loop {
        let c = rng.below(maze.walls.len());
        let (x, y) = maze.xy(c);
        if !task.goal.contains(x, y) {
            break c;
        }
    };
    let (x, y) = maze.xy(start);
    let mut ep = Episode::at(x, y, step_limit);
    let (mut obs, mut rewards, mut actions, mut ret) = (vec![ep.observe(&maze)], Vec::new(), Vec::new(), 0.0f32);
    while ep.outcome == StepOutcome::Running {
        let a = rng.below(5);
        let s = ep.step(&maze, &task, a);
        ret += (s.reward[0] + s.reward[1]) + s.reward[2];
        actions.push(a as u8);
        rewards.push(s.reward);
        obs.push(ep.observe(&maze));
    }
    let t = Trial {
        experiment: 3,
        task: task_name.into(),
        maze: spec,
        start: start as u16,
        step_limit: step_limit as u16,
        heard: i.is_multiple_of(2).then(|| Heard {
            speaker: "en-gb+f3".into(),
            command: "north east".into(),
            augment_seed: i,
            listen: 9,
        }),
        policy: if i.is_multiple_of(3) {
            PolicyRef::One { version: i }
        } else {
            PolicyRef::Copy { copy: 1, generation: i, member: i * 2, population_seed: i ^ 0xdead }
        },
        phase: [Phase::Evolution, Phase::Evaluation, Phase::Consolidation][i as usize % 3],
        actions,
        success: ep.outcome == StepOutcome::Reached,
        cumulative_reward: ret,
    };
    (t, obs, rewards)
}

#[test]
fn records_round_trip_and_replay_bit_for_bit() {
    let mut rng = Rng::new(1);
    let mut sizes = Vec::new();
    for i in 0..300 {
        let (t, obs, rewards) = trial(&mut rng, i);
        let bytes = encode(&t);
        sizes.push(bytes.len());
        assert_eq!(decode(&bytes).unwrap(), t);
        let r = replay(&t).unwrap();
        assert_eq!(r.observations, obs, "trial {i}");
        assert_eq!(r.rewards, rewards, "trial {i}");
        assert_eq!((r.success, r.cumulative_reward.to_bits()), (t.success, t.cumulative_reward.to_bits()));
    }
    let mean = sizes.iter().sum::<usize>() as f64 / sizes.len() as f64;
    eprintln!("encoded trial: {mean:.1} bytes on average, plus 8 bytes of framing in the file store");
}

#[test]
fn damaged_records_are_refused_by_what_is_wrong() {
    let (mut t, _, _) = trial(&mut Rng::new(2), 1);
    let bytes = encode(&t);
    assert!(decode(&bytes[..bytes.len() - 1]).unwrap_err().contains("truncated"));
    let mut newer = bytes.clone();
    newer[0] = 9;
    assert!(decode(&newer).unwrap_err().contains("format 9"));
    t.cumulative_reward += 1.0;
    assert!(replay(&t).unwrap_err().contains("the record says"));
}

#[test]
fn a_torn_write_loses_at_most_the_record_being_written() {
    let mut rng = Rng::new(3);
    let trials: Vec<Trial> = (0..40).map(|i| trial(&mut rng, i).0).collect();
    let dir = std::env::temp_dir().join(format!("onelab-traces-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (mut store, recovery) = FileStore::open(&dir).unwrap();
    assert_eq!(recovery, onelab::traces::Recovery { records: 0, torn: None });
    store.append(&trials[..25]).unwrap();
    store.append(&trials[25..]).unwrap();
    assert_eq!(store.read_all().unwrap(), trials);
    // Cut back to a checkpoint's count (`onelab run --resume`): what follows is appended again.
    assert!(store.cut(41, 0).err().unwrap().contains("fewer than the 41 and 0 counted"));
    store.cut(25, 0).unwrap();
    assert_eq!(FileStore::open(&dir).unwrap().0.read_all().unwrap(), trials[..25].to_vec());
    store.append(&trials[25..]).unwrap();
    assert_eq!(FileStore::open(&dir).unwrap().0.read_all().unwrap(), trials);
    let segment = dir.join("segment-00000.bin");
    let full = std::fs::read(&segment).unwrap();
    let ends: Vec<usize> = spans(&full).iter().map(|s| s.1).collect();
    for _ in 0..40 {
        let cut = rng.below(full.len());
        std::fs::write(&segment, &full[..cut]).unwrap();
        let (mut store, recovery) = FileStore::open(&dir).unwrap();
        let whole = ends.iter().filter(|&&e| e <= cut).count();
        assert_eq!(recovery.records, whole, "cut at {cut}");
        assert_eq!(recovery.torn.is_some(), !ends.contains(&cut) && cut != 0, "cut at {cut}: {recovery:?}");
        assert_eq!(store.read_all().unwrap(), trials[..whole].to_vec());
        // Appending after recovery continues cleanly.
        store.append(&trials[..1]).unwrap();
        let (reopened, again) = FileStore::open(&dir).unwrap();
        assert_eq!((reopened.len(), again.torn), (whole + 1, None));
    }
    // A flipped byte in the last record fails its checksum and only that record is lost.
    let mut flipped = full.clone();
    let last = flipped.len() - 6;
    flipped[last] ^= 0x40;
    std::fs::write(&segment, &flipped).unwrap();
    let (store, recovery) = FileStore::open(&dir).unwrap();
    assert!(recovery.torn.unwrap().contains("torn tail"));
    assert_eq!(store.len(), 39);
    // A file that is not a store of this lab is refused and left as it is.
    std::fs::write(&segment, b"\x40\0\0\0 an older store's record").unwrap();
    assert!(FileStore::open(&dir).err().unwrap().contains("holds no record this lab can read"));
    assert_eq!(std::fs::read(&segment).unwrap(), b"\x40\0\0\0 an older store's record");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The byte span of each record of a segment: `[magic][length][payload][CRC]`.
fn spans(segment: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < segment.len() {
        let end = at + 12 + u32::from_le_bytes(segment[at + 4..at + 8].try_into().unwrap()) as usize;
        out.push((at, end));
        at = end;
    }
    out
}

/// A store loses only what was damaged: for each kind of damage (a cut, a flipped bit, a range
/// overwritten with noise, a record's length changed, zeros over the tail), 1,000 times at
/// random places, every record outside the damaged bytes comes back, in order, and the damage
/// is reported. Prints, per kind, the records lost, and how many a store that stops at the
/// first damaged record (as this one did before issue 19) would have lost.
#[test]
fn a_damaged_store_keeps_every_record_outside_the_damage() {
    let mut rng = Rng::new(19);
    let trials: Vec<Trial> = (0..40).map(|i| trial(&mut rng, i).0).collect();
    let dir = std::env::temp_dir().join(format!("onelab-damage-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (mut store, _) = FileStore::open(&dir).unwrap();
    store.append(&trials).unwrap();
    let segment = dir.join("segment-00000.bin");
    let full = std::fs::read(&segment).unwrap();
    let spans = spans(&full);
    for kind in ["cut", "bit flip", "overwritten range", "bad length", "zero tail"] {
        let (mut lost, mut lost_before) = (0, 0);
        for _ in 0..1000 {
            let mut bytes = full.clone();
            // The damaged byte range.
            let (a, b) = match kind {
                "cut" => {
                    let cut = rng.below(full.len());
                    bytes.truncate(cut);
                    (cut, full.len())
                }
                "bit flip" => {
                    let i = rng.below(full.len());
                    bytes[i] ^= 1 << rng.below(8);
                    (i, i + 1)
                }
                "overwritten range" => {
                    let a = rng.below(full.len());
                    let b = (a + 1 + rng.below(200)).min(full.len());
                    bytes[a..b].iter_mut().for_each(|v| *v = rng.below(256) as u8);
                    (a, b)
                }
                "bad length" => {
                    let (start, _) = spans[rng.below(spans.len())];
                    let wrong =
                        (rng.next_u32() | 1) ^ u32::from_le_bytes(bytes[start + 4..start + 8].try_into().unwrap());
                    bytes[start + 4..start + 8].copy_from_slice(&(wrong & 0xffff).max(1).to_le_bytes());
                    (start + 4, start + 8)
                }
                _ => {
                    let a = rng.below(full.len());
                    bytes[a..].iter_mut().for_each(|v| *v = 0);
                    (a, full.len())
                }
            };
            if bytes == full {
                continue;
            }
            std::fs::write(&segment, &bytes).unwrap();
            let (store, recovery) = FileStore::open(&dir).unwrap();
            let kept: Vec<Trial> =
                trials.iter().zip(&spans).filter(|(_, &(s, e))| e <= a || s >= b).map(|(t, _)| t.clone()).collect();
            assert_eq!(store.read_all().unwrap(), kept, "{kind} at {a}..{b}: {recovery:?}");
            // A cut between two records looks like records never written: nothing to report.
            let clean_cut = kind == "cut" && spans.iter().any(|&(_, e)| e == a);
            assert!(recovery.torn.is_some() || clean_cut, "{kind} at {a}..{b} went unreported");
            lost += trials.len() - kept.len();
            lost_before += trials.len() - spans.iter().filter(|&&(_, e)| e <= a).count();
        }
        eprintln!("{kind}: 1000 damages, {lost} records lost; stopping at the first damage would lose {lost_before}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every trial of a run is stored with the policy that acted, and that policy, regenerated from
/// the policy log, takes exactly the stored actions when fed the trial's replayed inputs (CPU
/// path, listening to the corpus through the standard augmentation, so each trial's augmented
/// frames are regenerated from its seed); filtered batches see every matching trial once.
#[test]
fn stored_trials_replay_their_actions_from_the_regenerated_policy() {
    use onelab::device::Device;
    use onelab::evolve::{Evolution, EvolveConfig};
    use onelab::net::One;
    use onelab::speech::{heard_frames, Augment, Corpus, MelFilterbank};
    use onelab::traces::{policy_actions, Filter};
    let corpus = Corpus::committed().unwrap();
    let mut c = EvolveConfig::small_maze();
    let bank = MelFilterbank::new(c.mel());
    c.strategy.population = 8;
    c.listen = 6;
    c.augment = Augment::standard();
    c.task = "sw".into();
    let mut evo = Evolution::new(c.clone(), &One::new(c.shape(), 4), Device::Cpu.rollout(), Some(&corpus)).unwrap();
    evo.copy_id = 2;
    let dir = std::env::temp_dir().join(format!("onelab-policies-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (mut store, _) = FileStore::open(&dir).unwrap();
    let generations = 3;
    for _ in 0..generations {
        pollster::block_on(evo.generation()).unwrap();
        pollster::block_on(evo.evaluate()).unwrap();
        store.append(&evo.drain_trials()).unwrap();
        store.append_policies(&evo.drain_policies()).unwrap();
    }
    let (store, recovery) = FileStore::open(&dir).unwrap();
    assert_eq!(recovery.torn, None);
    let starts = evo.task.free_cells(&evo.maze).len();
    assert_eq!(store.len(), generations * (8 + 1) * starts, "every member's and the evaluation's trials");
    let policies = store.policies().unwrap();
    assert_eq!(policies.len(), 2 * generations);
    let trials = store.read_all().unwrap();
    // What the copy says it heard (consolidation looks its traces' frames up there) is what
    // hearing a training trial again gives.
    let (command, table, rows) = evo.heard().expect("the copy listens");
    let per = table.len() / rows.len();
    assert_eq!((command, per), ("south west", 6 * 16));
    for t in trials.iter().filter(|t| t.phase == Phase::Evolution).take(64) {
        let h = t.heard.as_ref().expect("every episode listens");
        let row = rows.iter().position(|(speaker, seed)| (speaker, *seed) == (&h.speaker, h.augment_seed)).unwrap();
        let again = heard_frames(&corpus, &bank, &h.speaker, &h.command, &c.augment, h.augment_seed, 6).unwrap();
        assert_eq!((h.command.as_str(), &table[row * per..(row + 1) * per]), (command, again.as_slice()));
    }
    for t in &trials {
        let snapshot = policies.iter().find(|s| s.covers(&t.policy)).expect("every trial's policy is in the log");
        let PolicyRef::Copy { copy, member, .. } = t.policy else { panic!("copies act in evolution") };
        assert_eq!(copy, 2);
        let one = One { shape: c.shape(), params: snapshot.params(member) };
        let h = t.heard.as_ref().expect("every episode listens");
        let goal = heard_frames(&corpus, &bank, &h.speaker, &h.command, &c.augment, h.augment_seed, h.listen as usize);
        let r = replay(t).unwrap();
        assert_eq!(policy_actions(&one, t, &r, Some(&goal.unwrap())), t.actions, "{:?}", t.policy);
    }
    // Filtered batches: each matching trial once, in order, in batches of the size asked.
    let filter = Filter { success: Some(false), phase: Some(Phase::Evolution), ..Filter::default() };
    let want: Vec<&Trial> = trials.iter().filter(|t| filter.matches(t)).collect();
    let mut got = Vec::new();
    let passed = store
        .batches(&filter, 7, |b| {
            assert!(b.len() <= 7);
            got.extend(b);
            Ok(())
        })
        .unwrap();
    assert_eq!((passed, got.iter().collect::<Vec<_>>()), (want.len(), want));
    std::fs::remove_dir_all(&dir).unwrap();
}
