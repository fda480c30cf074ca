//! Consolidation on stored traces: which traces feed imitation and prediction (the registry),
//! and per-weight learning rates from the weight-variance statistics (3.12), on the CPU path and
//! on the GPU path (lavapipe natively).

use onelab::consolidate::{ConsolidateConfig, Consolidation, Registry};
use onelab::device::Device;
use onelab::evolve::{Evolution, EvolveConfig, WeightStats};
use onelab::net::One;
use onelab::speech::{heard_frames, Corpus, MelFilterbank};
use onelab::traces::{Heard, Trial};

/// Two copies (north east, south west) of a fresh ONE evolve for two generations each while
/// listening and demonstrate what they can: a small but complete trace store.
fn traces(corpus: &Corpus) -> (EvolveConfig, One, Vec<Trial>) {
    let mut c = EvolveConfig::small_maze();
    c.strategy.population = 8;
    c.listen = 4;
    c.step_limit = 20;
    let one = One::new(c.shape(), 7);
    let mut trials = Vec::new();
    for task in ["ne|sw", "sw|ne"] {
        c.task = task.into();
        let mut evo = Evolution::new(c.clone(), &one, Device::Cpu.rollout(), Some(corpus)).unwrap();
        for _ in 0..2 {
            pollster::block_on(evo.generation()).unwrap();
        }
        pollster::block_on(evo.demonstrate()).unwrap();
        trials.extend(evo.drain_trials());
    }
    (c, one, trials)
}

/// The registry of both copies' skills, each worth memorizing.
fn both_memorized() -> Registry {
    let mut registry = Registry::default();
    registry.memorize("ne|sw");
    registry.memorize("sw|ne");
    registry
}

fn consolidation(
    config: ConsolidateConfig,
    c: &EvolveConfig,
    one: &One,
    stats: &WeightStats,
    trials: Vec<Trial>,
    registry: &Registry,
    device: &Device,
    corpus: &Corpus,
) -> Result<Consolidation, String> {
    let bank = MelFilterbank::new(c.mel());
    let hear =
        |h: &Heard| heard_frames(corpus, &bank, &h.speaker, &h.command, &c.augment, h.augment_seed, h.listen as usize);
    Consolidation::new(config, one, stats, trials.into_iter().map(Ok), registry, &hear, c.step_limit, device)
}

#[test]
fn a_superseded_skill_feeds_prediction_but_not_imitation() {
    let corpus = Corpus::committed().unwrap();
    let (c, one, trials) = traces(&corpus);
    let demos = |task: &str| {
        trials.iter().filter(|t| t.task == task && t.success && t.phase == onelab::traces::Phase::Demonstration).count()
    };
    assert!(demos("ne|sw") > 0 && demos("sw|ne") > 0, "both copies demonstrate something");
    let config = ConsolidateConfig { held_out: 0.0, ..ConsolidateConfig::default() };
    let stats = WeightStats::new(one.params.len());
    let mut registry = both_memorized();
    let both =
        consolidation(config.clone(), &c, &one, &stats, trials.clone(), &registry, &Device::Cpu, &corpus).unwrap();
    assert_eq!(both.pools(), (demos("ne|sw") + demos("sw|ne"), trials.len(), 0));
    registry.supersede("ne|sw");
    let one_left =
        consolidation(config.clone(), &c, &one, &stats, trials.clone(), &registry, &Device::Cpu, &corpus).unwrap();
    assert_eq!(one_left.pools(), (demos("sw|ne"), trials.len(), 0), "superseded traces still predicted");
    registry.supersede("sw|ne");
    let err = consolidation(config, &c, &one, &stats, trials, &registry, &Device::Cpu, &corpus).err().unwrap();
    assert!(err.contains("nothing to imitate"), "{err}");
}

/// A prediction pool bounded at the store's size or above is consolidation without a bound, step
/// for step; a smaller bound keeps that many traces (a sample over the whole store), the same
/// imitation pool and held-out count, and its batches differ.
#[test]
fn a_bounded_prediction_pool_changes_nothing_until_the_store_outgrows_it() {
    let corpus = Corpus::committed().unwrap();
    let (c, one, trials) = traces(&corpus);
    let stats = WeightStats::new(one.params.len());
    let registry = both_memorized();
    let unbounded = ConsolidateConfig { batch: 16, updates: 4, ..ConsolidateConfig::default() };
    let make = |pool: usize| {
        let config = ConsolidateConfig { prediction_pool: pool, ..unbounded.clone() };
        consolidation(config, &c, &one, &stats, trials.clone(), &registry, &Device::Cpu, &corpus).unwrap()
    };
    let steps = |mut cons: Consolidation| {
        (0..4).map(|_| pollster::block_on(cons.step()).unwrap().prediction.to_bits()).collect::<Vec<_>>()
    };
    let (imitated, predicted, held_out) = make(0).pools();
    assert!(predicted > 100 && held_out > 0, "{predicted} predicted, {held_out} held out");
    assert_eq!(make(predicted).pools(), (imitated, predicted, held_out));
    assert_eq!(steps(make(predicted)), steps(make(0)), "a bound the store does not reach changed the batches");
    let small = make(predicted / 4);
    assert_eq!(small.pools(), (imitated, predicted / 4, held_out));
    assert_ne!(steps(small), steps(make(0)), "a sample of a quarter of the traces gave the same batches");
}

/// Weights whose statistics never varied keep their value bit for bit under variance rates;
/// the others move, and under uniform rates every weight is free.
#[test]
fn variance_rates_hold_the_weights_that_never_varied() {
    let corpus = Corpus::committed().unwrap();
    let (c, one, trials) = traces(&corpus);
    let n = one.params.len();
    // Statistics in which the even parameters never varied.
    let mut stats = WeightStats::new(n);
    stats.add(&one.params, 3.0);
    let moved: Vec<f32> = one.params.iter().enumerate().map(|(k, &p)| if k % 2 == 0 { p } else { p + 0.1 }).collect();
    stats.add(&moved, 2.0);
    let registry = both_memorized();
    let gpu = pollster::block_on(Device::gpu()).expect("this test needs a Vulkan adapter (lavapipe)");
    for (name, device) in [("CPU", &Device::Cpu), ("GPU", &gpu)] {
        for variance_rates in [true, false] {
            let config = ConsolidateConfig { batch: 16, updates: 5, variance_rates, ..ConsolidateConfig::default() };
            let mut cons = consolidation(config, &c, &one, &stats, trials.clone(), &registry, device, &corpus).unwrap();
            for _ in 0..5 {
                pollster::block_on(cons.step()).unwrap();
            }
            let after = pollster::block_on(cons.one()).unwrap().params;
            let held = (0..n).step_by(2).filter(|&k| after[k].to_bits() == one.params[k].to_bits()).count();
            let free = (1..n).step_by(2).filter(|&k| after[k] != one.params[k]).count();
            eprintln!(
                "{name} variance rates {variance_rates}: {held} of {} held, {free} of {} moved",
                n.div_ceil(2),
                n / 2
            );
            if variance_rates {
                assert_eq!(held, n.div_ceil(2), "{name}: a weight that never varied moved");
            } else {
                assert!(held < n / 4, "{name}: uniform rates left {held} weights in place");
            }
            assert!(free > n / 4, "{name}: only {free} free weights moved");
        }
    }
}

/// A consolidation saved between two updates (through JSON, as the page keeps it) and restored
/// on the same traces goes on exactly as the one that never stopped, on both paths: the same
/// losses, and the same parameters to the last bit.
#[test]
fn a_consolidation_saved_between_updates_goes_on_exactly() {
    let corpus = Corpus::committed().unwrap();
    let (c, one, trials) = traces(&corpus);
    let stats = WeightStats::new(one.params.len());
    let registry = both_memorized();
    let config = ConsolidateConfig { batch: 16, updates: 8, ..ConsolidateConfig::default() };
    let gpu = pollster::block_on(Device::gpu()).expect("this test needs a Vulkan adapter (lavapipe)");
    for (name, device) in [("CPU", &Device::Cpu), ("GPU", &gpu)] {
        let make =
            || consolidation(config.clone(), &c, &one, &stats, trials.clone(), &registry, device, &corpus).unwrap();
        let (mut a, mut b) = (make(), make());
        for _ in 0..5 {
            pollster::block_on(a.step()).unwrap();
        }
        let json = serde_json::to_vec(&pollster::block_on(a.state()).unwrap()).unwrap();
        b.restore(serde_json::from_slice(&json).unwrap()).unwrap();
        assert_eq!(b.update, 5);
        for _ in 0..3 {
            let (ra, rb) = (pollster::block_on(a.step()).unwrap(), pollster::block_on(b.step()).unwrap());
            assert_eq!((ra.update, ra.imitation, ra.prediction), (rb.update, rb.imitation, rb.prediction), "{name}");
        }
        let bits = |c: &Consolidation| {
            pollster::block_on(c.one()).unwrap().params.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        };
        assert_eq!(bits(&a), bits(&b), "{name}: the resumed consolidation ended elsewhere");
    }
    // A state of another size is refused by name, and leaves the consolidation as it was.
    let mut fresh = consolidation(config, &c, &one, &stats, trials, &registry, &Device::Cpu, &corpus).unwrap();
    let mut state = pollster::block_on(fresh.state()).unwrap();
    state.trainer.m.pop();
    let refused = fresh.restore(state).unwrap_err();
    assert!(refused.contains("parameters"), "{refused}");
    assert_eq!(fresh.update, 0);
}

/// Phase A and B by hand (the page's first two panels) step through the experiment's events in
/// order: generations then the demonstration; then the traces asked for, the announcement, the
/// updates and the held-out error before and after. A finished run refuses another step.
#[test]
fn the_phases_by_hand_step_through_their_events() {
    use onelab::lifecycle::{ConsolidateByHand, Event, EvolveByHand};
    let c = EvolveConfig {
        strategy: onelab::evolve::StrategyConfig { population: 16, ..EvolveConfig::small_maze().strategy },
        ..EvolveConfig::small_maze()
    };
    assert!(EvolveByHand::new(c.clone(), 0, &Device::Cpu).err().unwrap().contains("at least 1 generation"));
    let mut evolve = EvolveByHand::new(c.clone(), 2, &Device::Cpu).unwrap();
    let mut kinds = Vec::new();
    let mut trials = Vec::new();
    while !evolve.is_done() {
        let event = pollster::block_on(evolve.step()).unwrap();
        if let Event::Generation { done, .. } = &event {
            assert_eq!(*done, kinds.len() == 1, "the second generation is the last");
        }
        kinds.push(event);
        trials.extend(evolve.drain().0);
    }
    assert!(matches!(kinds[..], [Event::Generation { .. }, Event::Generation { .. }, Event::Demonstrated { .. }]));
    assert!(trials.iter().any(|t| t.phase == onelab::traces::Phase::Demonstration));
    assert!(pollster::block_on(evolve.step()).err().unwrap().contains("over"));

    let config = ConsolidateConfig { updates: 3, batch: 4, ..ConsolidateConfig::default() };
    let mut cons = ConsolidateByHand::new(c, config, &Device::Cpu).unwrap();
    assert!(matches!(pollster::block_on(cons.step()).unwrap(), Event::ReadTraces { tasks } if tasks.is_empty()));
    cons.read(trials.clone()).unwrap();
    assert!(cons.read(trials).err().unwrap().contains("has its traces"));
    let mut updates = 0;
    while !cons.is_done() {
        match pollster::block_on(cons.step()).unwrap() {
            Event::Consolidating { imitated, predicted, updates: 3, .. } => {
                assert!(imitated > 0 && predicted >= imitated)
            }
            Event::Update { report, .. } => {
                assert_eq!(report.update, updates);
                updates += 1;
            }
            Event::Consolidated { held_out_before, held_out_after } => {
                assert!(held_out_before.is_finite() && held_out_after.is_finite())
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(updates, 3);
    assert!(pollster::block_on(cons.step()).err().unwrap().contains("over"));
}
