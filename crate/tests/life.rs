//! ONE's life ordered by PowerPlay's search (paper 3.14): candidates in cost order, a rejected
//! candidate leaves ONE byte for byte, an accepted one was new to ONE and keeps every skill.

use onelab::device::Device;
use onelab::lifecycle::{Event, ExperimentConfig, Life, LifeConfig, LifeEvent, Metrics};
use onelab::speech::Corpus;
use onelab::traces::FileStore;
use onelab::world::Task;

/// Stores the trials and policy snapshots the life's last step made.
fn store_drained(life: &mut Life, store: &mut FileStore) {
    let (trials, policies) = life.drain();
    store.append(&trials).unwrap();
    store.append_policies(&policies).unwrap();
}

/// Parameters as bytes, for byte-for-byte comparisons.
fn bytes(p: &[f32]) -> Vec<u8> {
    p.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// The short life CI lives: north east and north west in the lab's 5x5 maze, ONE of 16 hidden
/// units, copies done at 95% of start cells, budgets of 5 to 80 generations (5 is too few for
/// either copy, so the cheapest candidates are rejected).
fn short_life() -> LifeConfig {
    let mut c = ExperimentConfig::default_experiment();
    c.tasks = vec!["ne".into(), "nw".into()];
    c.copy.hidden = 16;
    c.consolidation.updates = 1200;
    c.consolidation.learning_rate = 0.02;
    c.copy_target = 0.95;
    c.copy.seed = 1;
    c.consolidation.seed = 1;
    LifeConfig { experiment: c, first_budget: 5, last_budget: 80, replay: true }
}

#[test]
fn a_short_life_accepts_new_skills_in_cost_order_and_rolls_back_the_rest() {
    let config = short_life();
    let accept = config.experiment.accept;
    let dir = std::env::temp_dir().join(format!("onelab-life-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (mut store, _) = FileStore::open(&dir).unwrap();
    let mut life = Life::new(config.clone(), Device::Cpu, Corpus::committed().unwrap()).unwrap();
    let mut one_before = life.one().clone();
    let mut budgets_since_acceptance: Vec<usize> = Vec::new();
    while !life.is_over() {
        let event = pollster::block_on(life.step()).unwrap();
        match &event {
            LifeEvent::Trying { candidate, before } => {
                eprintln!("trying {} with {} generations, ONE before {before}", candidate.task, candidate.budget);
                // Cheapest first: budgets double from the first, and never fall until a
                // candidate is accepted, when the search starts again from the cheapest.
                let last = budgets_since_acceptance.last().copied().unwrap_or(config.first_budget);
                assert!(candidate.budget >= last, "budget {} after {last}", candidate.budget);
                assert!((candidate.budget / config.first_budget).is_power_of_two());
                assert_eq!(candidate.budget % config.first_budget, 0);
                assert!(*before < accept, "a candidate's task is new to ONE");
                one_before = life.one().clone();
                budgets_since_acceptance.push(candidate.budget);
            }
            LifeEvent::Step(Event::ReadTraces { .. }) => life.read(store.trials()).unwrap(),
            LifeEvent::Outcome(t) => {
                eprintln!("{:?}", t);
                if t.accepted {
                    assert!(t.after.iter().all(|(_, s)| *s >= accept), "every skill kept: {:?}", t.after);
                    assert_ne!(life.one().params, one_before.params);
                    budgets_since_acceptance.clear();
                } else {
                    // Byte for byte: ONE as it was before the candidate.
                    assert_eq!(bytes(&life.one().params), bytes(&one_before.params), "rolled back");
                }
            }
            _ => {}
        }
        store_drained(&mut life, &mut store);
    }
    let accepted = life.tried.iter().filter(|t| t.accepted).count();
    let rejected = life.tried.len() - accepted;
    assert!(accepted >= 2 && rejected >= 1, "{accepted} accepted, {rejected} rejected");
    assert_eq!(life.accepted.len(), 2, "both commands learned");
    assert_eq!(store.len(), life.counts().0, "every trial of every candidate is stored");
    assert_eq!(life.retention.len(), 3, "the fresh ONE and a row per acceptance");
    let m = life.metrics().unwrap();
    assert!(m.acc >= accept, "ACC {}", m.acc);
    assert!(m.bwt.unwrap() >= -0.1, "BWT {:?}", m.bwt);
    assert!(pollster::block_on(life.step()).is_err(), "the life is over");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn metrics_are_gems_acc_bwt_and_fwt() {
    let space: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
    // Learned c, then a; b never.
    let accepted: Vec<String> = ["c", "a"].map(String::from).to_vec();
    let rows = vec![
        vec![0.1, 0.0, 0.2], // fresh
        vec![0.3, 0.0, 1.0], // after c
        vec![0.9, 0.5, 0.8], // after a
    ];
    let m = Metrics::of(&space, &accepted, &rows).unwrap();
    let near = |x: f32, y: f32| (x - y).abs() < 1e-6;
    assert!(near(m.acc, (0.8 + 0.9) / 2.0), "{m:?}");
    assert!(near(m.bwt.unwrap(), 0.8 - 1.0), "{m:?}");
    assert!(near(m.fwt.unwrap(), 0.3 - 0.1), "{m:?}");
    assert_eq!(Metrics::of(&space, &[], &rows[..1]), None);
}

#[test]
fn a_life_that_cannot_try_a_candidate_is_refused() {
    let mut c = short_life();
    (c.first_budget, c.last_budget) = (50, 20);
    let e = Life::new(c, Device::Cpu, Corpus::committed().unwrap()).err().unwrap();
    assert!(e.contains("first budget") && e.contains("above the last"), "{e}");
    // A ONE that would outgrow the buffers' limits over its tasks: refused before it starts.
    let mut c = short_life();
    (c.experiment.copy.hidden, c.experiment.copy.grow) = (500, 7);
    let e = Life::new(c, Device::Cpu, Corpus::committed().unwrap()).err().unwrap();
    assert!(e.contains("hidden units ONE grows to") && e.contains("514"), "{e}");
    let c = short_life();
    assert_eq!((c.budget(0), c.budget(4), c.budget(5)), (Some(5), Some(80), None));
}

#[test]
fn a_task_near_its_goal_in_a_smaller_maze_or_with_fewer_moves_gets_more_generations_for_the_same_budget() {
    let mut c = short_life();
    c.experiment.tasks = ["ne@near", "ne@farther", "ne", "nw", "ne/3x3", "ne/9x9", "nw:16"].map(String::from).to_vec();
    let life = Life::new(c.clone(), Device::Cpu, Corpus::committed().unwrap()).unwrap();
    let maze = c.experiment.copy.maze();
    let cells = |t: &str| Task::parse(t, &maze).unwrap().free_cells(&maze).len();
    assert_eq!(life.generations("ne", 20).unwrap(), 20);
    assert_eq!(life.generations("nw", 20).unwrap(), 20);
    for region in ["ne@near", "ne@farther"] {
        let want = 20 * cells("ne") / cells(region);
        assert!(want > 20, "{region} starts in fewer cells");
        assert_eq!(life.generations(region, 20).unwrap(), want, "{region}: the same work as 20 from everywhere");
    }
    // North east without exits starts from 8 cells of a 3x3 maze, 24 of the lab's 5x5, 80 of a
    // 9x9: a generation there is a third, or 3.3 times, the work.
    assert_eq!(cells("ne"), 24);
    assert_eq!(life.generations("ne/3x3", 20).unwrap(), 20 * 24 / 8);
    assert_eq!(life.generations("ne/9x9", 20).unwrap(), 20 * 24 / 80);
    // Episodes of 12 listening steps and 16 moves, not 32: 44 / 28 as many generations.
    assert_eq!(life.generations("nw:16", 20).unwrap(), 20 * 44 / 28);
    // Copies that play a fixed number of episodes a generation: a generation costs the same.
    c.experiment.copy.all_starts = false;
    let life = Life::new(c, Device::Cpu, Corpus::committed().unwrap()).unwrap();
    assert_eq!(life.generations("ne@near", 20).unwrap(), 20);
}

/// Lives a life to its end, through a checkpoint written as JSON and resumed after every
/// `resume_every`-th step (none: straight through); returns what it tried, its retention
/// matrix, ONE and the trials it stored.
fn live(config: LifeConfig, resume_every: Option<usize>, name: &str) -> (String, Vec<Vec<f32>>, Vec<f32>, usize) {
    let dir = std::env::temp_dir().join(format!("onelab-life-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (mut store, _) = FileStore::open(&dir).unwrap();
    let corpus = Corpus::committed().unwrap();
    let mut life = Life::new(config, Device::Cpu, corpus.clone()).unwrap();
    let mut steps = 0;
    while !life.is_over() {
        if let LifeEvent::Step(Event::ReadTraces { .. }) = pollster::block_on(life.step()).unwrap() {
            life.read(store.trials()).unwrap();
        }
        store_drained(&mut life, &mut store);
        steps += 1;
        if resume_every.is_some_and(|n| steps % n == 0) {
            let json = serde_json::to_vec(&pollster::block_on(life.checkpoint()).unwrap()).unwrap();
            life = Life::resume(serde_json::from_slice(&json).unwrap(), Device::Cpu, corpus.clone()).unwrap();
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let tried = serde_json::to_string(&life.tried).unwrap();
    (tried, life.retention.clone(), life.one().params.clone(), store.len())
}

/// A tiny life whose copies freeze ONE and grow 2 units (paper 3.1): ONE of 8 hidden units,
/// populations of 32, 100 updates of consolidation, budgets of 3 to 24 generations. Small and
/// quick: it rejects its first candidates (copies short at 3 to 12 generations) and accepts at
/// least one, which is what its tests need (with 3 to 12 it accepted none once the corpus grew).
fn tiny_growing_life() -> LifeConfig {
    let mut c = short_life();
    c.experiment.copy.hidden = 8;
    c.experiment.copy.grow = 2;
    c.experiment.copy.strategy.population = 32;
    c.experiment.consolidation.updates = 100;
    (c.first_budget, c.last_budget) = (3, 24);
    c
}

#[test]
fn one_grows_by_each_accepted_copys_units_and_a_rejected_one_leaves_it_as_it_was() {
    let config = tiny_growing_life();
    let dir = std::env::temp_dir().join(format!("onelab-life-grow-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (mut store, _) = FileStore::open(&dir).unwrap();
    let mut life = Life::new(config.clone(), Device::Cpu, Corpus::committed().unwrap()).unwrap();
    let mut one_before = life.one().clone();
    while !life.is_over() {
        match pollster::block_on(life.step()).unwrap() {
            LifeEvent::Trying { .. } => one_before = life.one().clone(),
            LifeEvent::Step(Event::ReadTraces { .. }) => life.read(store.trials()).unwrap(),
            LifeEvent::Outcome(t) if t.accepted => {
                let shape = config.experiment.shape_after(life.accepted.len());
                assert_eq!(life.one().shape, shape, "grown by 2 units per accepted candidate");
                assert_eq!(shape.hidden, 8 + 2 * life.accepted.len());
                assert_eq!(t.params, shape.layout().total);
                // The old weights were frozen in the copy; consolidation trained them all.
                assert_ne!(life.one().params[..one_before.params.len()], one_before.params[..]);
            }
            LifeEvent::Outcome(t) => {
                assert_eq!(life.one().shape, one_before.shape, "a rejected candidate does not grow ONE");
                assert_eq!(t.params, one_before.params.len());
                assert_eq!(bytes(&life.one().params), bytes(&one_before.params), "rolled back");
            }
            _ => {}
        }
        store_drained(&mut life, &mut store);
    }
    assert!(!life.accepted.is_empty(), "the tiny life accepts a candidate: {:?}", life.tried);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_life_resumed_from_its_checkpoints_is_the_life_that_never_stopped() {
    // Through growth too: checkpoints after an acceptance hold a grown ONE, its grown
    // statistics and copies of two sizes.
    let c = tiny_growing_life();
    let straight = live(c.clone(), None, "straight");
    let resumed = live(c.clone(), Some(7), "resumed");
    assert!(straight.0.contains("accepted\":false"), "the life rejects a candidate: {}", straight.0);
    assert!(straight.2.len() > c.experiment.shape_after(0).layout().total, "ONE grew in this life");
    assert_eq!(straight.0, resumed.0, "the same candidates, the same outcomes");
    assert_eq!(straight.1, resumed.1, "the same retention matrix");
    assert_eq!(straight.2, resumed.2, "the same ONE");
    assert_eq!(straight.3, resumed.3, "the same trials stored");
}
