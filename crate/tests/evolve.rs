//! Phase A end to end: copies of ONE evolve on maze tasks, on the GPU path (lavapipe when the
//! machine has no GPU), while ONE itself stays untouched.

use onelab::device::{Device, Rollout};
use onelab::evolve::{Evolution, EvolveConfig, StrategyKind};
use onelab::gpu::Perturbation;
use onelab::net::One;

fn gpu_backend() -> Rollout {
    pollster::block_on(Device::gpu())
        .expect("these tests need a Vulkan adapter (mesa-vulkan-drivers gives lavapipe)")
        .rollout()
        .perturbing(Perturbation::Regenerated)
}

/// The CI learning setting: a 5x5 maze (layout seed 3, half the spare walls opened), one episode
/// from every start cell per generation, PGPE with ClipUp. See BENCHMARKS.md for other mazes.
fn small(task: &str) -> EvolveConfig {
    EvolveConfig { task: task.into(), ..EvolveConfig::small_maze() }
}

/// Generations until the mean policy succeeds from a share `target` of all start cells, or
/// `budget` of them: the success reached and the generations it took.
fn evolve_until(evo: &mut Evolution, target: f32, budget: usize) -> (f32, usize) {
    let (mut success, mut generations) = (0.0, 0);
    while generations < budget && success < target {
        pollster::block_on(evo.generation()).unwrap();
        success = pollster::block_on(evo.evaluate()).unwrap();
        generations += 1;
    }
    (success, generations)
}

fn hash(params: &[f32]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    params.iter().for_each(|p| p.to_bits().hash(&mut h));
    h.finish()
}

/// North east, north west and south east (9, 16 and 16 generations on lavapipe); south west,
/// which takes 75, is learned on the GPU path by the reduced experiment's copy
/// (crate/tests/experiment.rs), hearing its command.
#[test]
fn a_copy_learns_three_corners_of_a_small_maze_on_the_gpu() {
    let budget = 150;
    for task in ["ne", "nw", "se"] {
        let config = small(task);
        let one = One::new(config.shape(), config.seed);
        let mut evo = Evolution::new(config, &one, gpu_backend(), None).unwrap();
        let (success, generations) = evolve_until(&mut evo, 0.9, budget);
        eprintln!("{task}: {:.0}% from all start cells after {generations} generations", success * 100.0);
        assert!(success >= 0.9, "{task}: only {success} after {budget} generations");
    }
}

#[test]
fn one_is_untouched_and_frozen_parameters_stay_bit_identical() {
    let mut config = small("ne");
    config.grow = 4;
    config.variance_scaled = true;
    let one = One::new(config.shape(), 5);
    let before = hash(&one.params);
    let mut evo = Evolution::new(config, &one, gpu_backend(), None).unwrap();
    let frozen = evo.copy.frozen.clone().expect("grow freezes the copy");
    let start = evo.copy.one.params.clone();
    for _ in 0..4 {
        pollster::block_on(evo.generation()).unwrap();
    }
    assert_eq!(hash(&one.params), before, "ONE's parameters changed during evolution");
    let mut moved = 0;
    for (k, &f) in frozen.iter().enumerate() {
        if f {
            assert_eq!(evo.copy.one.params[k].to_bits(), start[k].to_bits(), "frozen parameter {k} changed");
        } else if evo.copy.one.params[k] != start[k] {
            moved += 1;
        }
    }
    assert!(moved > 0, "the new units' parameters should evolve");
    assert_eq!(evo.stats.count, (4 * 128 * 24) as f64, "one trial end per member and episode");
}

#[test]
fn invalid_settings_are_refused_by_name() {
    let one = One::new(small("ne").shape(), 1);
    let refuse = |edit: &dyn Fn(&mut EvolveConfig), words: &[&str]| {
        let mut c = small("ne");
        edit(&mut c);
        let err = Evolution::new(c, &one, Device::Cpu.rollout(), None).err().expect("should be refused");
        for w in words {
            assert!(err.contains(w), "{err:?} should mention {w:?}");
        }
    };
    refuse(
        &|c| {
            c.strategy.kind = StrategyKind::OpenAiEs;
            c.strategy.population = 9;
        },
        &["population 9 is odd", "antithetic"],
    );
    refuse(&|c| c.strategy.sigma = 0.0, &["sigma"]);
    refuse(&|c| c.strategy.sigma = -1.0, &["sigma"]);
    refuse(&|c| c.episodes = 0, &["episodes"]);
    refuse(&|c| c.hidden = 0, &["hidden size"]);
    refuse(&|c| c.task = "9,2".into(), &["outside the 5x5 maze"]);
    refuse(&|c| c.task = "up".into(), &["unknown goal \"up\": expected one of ne, nw, se, sw, center"]);
}

#[test]
fn gpu_and_cpu_evolutions_agree_generation_by_generation() {
    // Same seeds, same population, argmax actions: the fitness of each generation's best member
    // agrees between the paths (up to rare logit ties), so both paths evolve alike.
    let config = small("nw");
    let one = One::new(config.shape(), 2);
    let mut gpu_evo = Evolution::new(config.clone(), &one, gpu_backend(), None).unwrap();
    let mut cpu_evo = Evolution::new(config, &one, Device::Cpu.rollout(), None).unwrap();
    for _ in 0..3 {
        let g = pollster::block_on(gpu_evo.generation()).unwrap();
        let c = pollster::block_on(cpu_evo.generation()).unwrap();
        assert!((g.mean - c.mean).abs() < 1e-3, "mean fitness {} vs {}", g.mean, c.mean);
    }
}

#[test]
fn copies_can_hear_the_command_while_they_evolve() {
    use onelab::speech::Corpus;
    let corpus = Corpus::committed().unwrap();
    let mut config = small("se");
    config.listen = 8;
    let one = One::new(config.shape(), 3);
    let mut heard = Evolution::new(config.clone(), &one, Device::Cpu.rollout(), Some(&corpus)).unwrap();
    let mut silent = Evolution::new(small("se"), &one, Device::Cpu.rollout(), None).unwrap();
    let a = pollster::block_on(heard.generation()).unwrap();
    let b = pollster::block_on(silent.generation()).unwrap();
    assert_ne!(a.mean, b.mean, "the spoken command reaches the copies' goal input");
    pollster::block_on(heard.evaluate()).unwrap();

    let err = Evolution::new(config.clone(), &one, Device::Cpu.rollout(), None).err().unwrap();
    assert!(err.contains("needs the command corpus"), "{err}");
    config.task = "2,3".into();
    let err = Evolution::new(config, &one, Device::Cpu.rollout(), Some(&corpus)).err().unwrap();
    assert!(err.contains("no spoken command"), "{err}");
}

#[test]
fn a_curriculum_starts_near_the_goal_widens_on_success_and_resumes_where_it_stood() {
    use onelab::evolve::{EvolutionState, StartCurriculum, PATIENCE};
    let mut config = small("sw");
    config.curriculum = true;
    let one = One::new(config.shape(), config.seed);
    let mut evo = Evolution::new(config.clone(), &one, Device::Cpu.rollout(), None).unwrap();
    let mut unbroken = Evolution::new(config, &one, Device::Cpu.rollout(), None).unwrap();
    let curriculum = StartCurriculum::new(&evo.task, &evo.maze);
    let distance = evo.task.distances(&evo.maze);
    let mut reaches = Vec::new();
    for g in 0..40 {
        if g == 20 {
            // Stopped and resumed from its saved state: it goes on as if it had not stopped.
            let json = serde_json::to_string(&evo.state()).unwrap();
            let state: EvolutionState = serde_json::from_str(&json).unwrap();
            evo = Evolution::resume(state, Device::Cpu.rollout(), None).unwrap();
        }
        let r = pollster::block_on(evo.generation()).unwrap();
        let same = pollster::block_on(unbroken.generation()).unwrap();
        assert_eq!((r.reach, r.mean.to_bits()), (same.reach, same.mean.to_bits()), "generation {g}");
        let (reach, far) = r.reach.expect("a curriculum reports its reach");
        assert_eq!(far, curriculum.far());
        let starts: Vec<usize> = evo.drain_trials().iter().map(|t| t.start as usize).collect();
        assert!(starts.iter().all(|&c| reach >= far || distance[c] <= reach), "gen {g}: a start beyond reach {reach}");
        reaches.push(reach);
    }
    eprintln!("reach per generation (the farthest start is {} moves away): {reaches:?}", curriculum.far());
    assert_eq!(reaches[0], 1, "the first generation starts next to the goal");
    assert!(reaches.windows(2).all(|w| w[0] <= w[1]), "the reach never narrows: {reaches:?}");
    let held = reaches.chunk_by(|a, b| a == b).map(<[usize]>::len).collect::<Vec<_>>();
    assert!(held[..held.len() - 1].iter().all(|&n| n <= PATIENCE), "held longer than the patience: {reaches:?}");
    assert_eq!(reaches[39], curriculum.far(), "every cell is a start within 40 generations: {reaches:?}");
}

/// The reduced 9x9 learning test: a copy of a fresh ONE on the tree of the default maze, ranked
/// by progress with a start-cell curriculum, mutation sizes scaled by each weight's spread
/// (paper 3.12) and 128 hidden units, on the CPU path, must reach 95% of start cells within 100
/// generations. With 64 hidden units and no scaling no copy reached the tree (0 of 5 seeds);
/// with these settings 5 of 5 do since progress counts the nearest an episode came to the goal
/// (4 of 5 when it counted the end cell; BENCHMARKS.md). Seed 1 takes 82 generations (76). North
/// east, the test before, needs 63 generations with 64 units and is not tested again here to
/// keep CI short.
#[test]
fn a_copy_learns_the_tree_of_the_default_9x9_maze_with_per_weight_mutation_sizes() {
    use onelab::evolve::Fitness;
    let mut config = EvolveConfig {
        task: "tree".into(),
        all_starts: true,
        fitness: Fitness::Progress,
        curriculum: true,
        hidden: 128,
        variance_scaled: true,
        ..EvolveConfig::default()
    };
    config.strategy.sigma = 0.05;
    config.strategy.learning_rate = 1.0;
    let one = One::new(config.shape(), config.seed);
    let mut evo = Evolution::new(config, &one, Device::Cpu.rollout(), None).unwrap();
    let budget = 100;
    let (success, generations) = evolve_until(&mut evo, 0.95, budget);
    eprintln!("tree, 9x9: {:.1}% of start cells after {generations} generations", success * 100.0);
    assert!(success >= 0.95, "only {success} after {budget} generations");
}
