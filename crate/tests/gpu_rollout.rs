//! The population rollout kernel (shaders/rollout.wgsl, perturb.wgsl) against `cpu::rollout`
//! and `world/`, natively. A missing adapter fails these tests.

use onelab::cpu;
use onelab::data::{ActionChoice, Population, RolloutResult, RolloutSpec};
use onelab::gpu::{self, Perturbation, Rollout};
use onelab::net::{NetShape, One};
use onelab::rng::Rng;
use onelab::world::{Goal, Maze, Task};

fn context() -> gpu::Context {
    pollster::block_on(gpu::Context::new())
        .expect("these tests need a Vulkan adapter (mesa-vulkan-drivers gives lavapipe)")
}

fn population(shape: NetShape, size: usize, antithetic: bool, seed: u32) -> Population {
    let one = One::new(shape, seed);
    let mut rng = Rng::new(seed + 1);
    let sigma = (0..one.params.len()).map(|_| 0.05 + 0.1 * rng.uniform()).collect();
    Population { seed: seed * 31 + 7, size, antithetic, mean: one.params, sigma }
}

fn spec(shape: NetShape, episodes: usize, step_limit: usize, seed: u32) -> RolloutSpec {
    let maze = Maze::generate(7, 5, 0.2, seed);
    let task = Task::goal(Goal::NorthEast, &maze).unwrap();
    RolloutSpec::random_starts(shape, maze, task, episodes, step_limit, seed)
}

/// Share of agents whose action sequences agree; fitness must agree exactly wherever they do.
fn agreement(gpu: &RolloutResult, cpu: &RolloutResult, step_limit: usize) -> f64 {
    let agents = cpu.fitness.len();
    let mut same = 0;
    for a in 0..agents {
        let r = a * step_limit..(a + 1) * step_limit;
        if gpu.actions[r.clone()] == cpu.actions[r] {
            same += 1;
            assert_eq!(gpu.fitness[a], cpu.fitness[a], "agent {a}: same actions, different fitness");
            assert_eq!(
                (gpu.reached[a], gpu.steps[a], gpu.nearest[a]),
                (cpu.reached[a], cpu.steps[a], cpu.nearest[a]),
                "agent {a}"
            );
        }
    }
    same as f64 / agents as f64
}

#[test]
fn regenerated_noise_is_bit_identical_and_antithetic_pairs_are_exact_negatives() {
    let ctx = context();
    let mut rollout = Rollout::new(&ctx);
    let n = 3001;
    for antithetic in [false, true] {
        let pop = Population { seed: 99, size: 6, antithetic, mean: vec![0.0; n], sigma: vec![1.0; n] };
        let gpu = pollster::block_on(rollout.materialise(&pop)).unwrap();
        for m in 0..pop.size {
            for k in 0..n {
                let (_, sign) = pop.noise_index(m);
                let want = sign * pop.noise(m, k);
                assert_eq!(gpu[m * n + k].to_bits(), want.to_bits(), "member {m} parameter {k}");
            }
        }
        if antithetic {
            for k in 0..n {
                assert_eq!(gpu[k], -gpu[n + k]);
            }
        }
    }
}

#[test]
fn materialised_members_match_the_cpu() {
    let ctx = context();
    let shape = NetShape::for_maze(8, 24);
    let pop = population(shape, 5, false, 4);
    let gpu = pollster::block_on(Rollout::new(&ctx).materialise(&pop)).unwrap();
    let n = pop.mean.len();
    for m in 0..pop.size {
        for (g, c) in gpu[m * n..(m + 1) * n].iter().zip(pop.member(m)) {
            assert!((g - c).abs() <= 1e-6 * c.abs().max(1e-3), "{g} vs {c}");
        }
    }
}

#[test]
fn maze_dynamics_match_world_on_random_action_sequences() {
    let ctx = context();
    let shape = NetShape::for_maze(4, 16);
    // A goal cell in the middle and two exits: every way an episode ends is exercised.
    let maze = Maze::generate(7, 5, 0.2, 5);
    let task = Task::parse("3,2|sw|nw", &maze).unwrap();
    let mut s = RolloutSpec::random_starts(shape, maze, task, 23, 40, 5);
    let pop = population(shape, 3, false, 1);
    let mut rng = Rng::new(8);
    let actions: Vec<u32> = (0..pop.size * s.episodes() * s.step_limit).map(|_| rng.below(5) as u32).collect();
    s.action = ActionChoice::Scripted(actions);
    let gpu = pollster::block_on(Rollout::new(&ctx).run(&pop, &s, Perturbation::Regenerated, true)).unwrap();
    let cpu = cpu::rollout(&pop, &s);
    assert_eq!(gpu, cpu, "scripted episodes must agree exactly: positions, rewards, ends");
    let exited = (0..cpu.reached.len()).filter(|&a| !cpu.reached[a] && (cpu.steps[a] as usize) < s.step_limit);
    assert!(cpu.reached.iter().any(|&r| r) && exited.count() > 0, "cover goals, exits and time-outs");
}

#[test]
fn every_goal_kind_matches_the_cpu() {
    let ctx = context();
    let mut rollout = Rollout::new(&ctx);
    let shape = NetShape::for_maze(4, 16);
    // An even side: the centre is two cells wide there.
    let maze = Maze::generate(6, 5, 0.4, 9);
    for goal in Goal::ALL {
        let exits: Vec<&str> = ["ne", "sw"].into_iter().filter(|&c| c != goal.code()).collect();
        let task = Task::parse(&[vec![goal.code()], exits].concat().join("|"), &maze).unwrap();
        let mut s = RolloutSpec::random_starts(shape, maze.clone(), task, 40, 60, 2);
        let pop = population(shape, 3, false, 2);
        let mut rng = Rng::new(goal as u32);
        s.action =
            ActionChoice::Scripted((0..pop.size * s.episodes() * s.step_limit).map(|_| rng.below(5) as u32).collect());
        let gpu = pollster::block_on(rollout.run(&pop, &s, Perturbation::Regenerated, true)).unwrap();
        let cpu = cpu::rollout(&pop, &s);
        assert_eq!(gpu, cpu, "{goal:?}: scripted episodes must agree exactly");
        assert!(cpu.reached.iter().any(|&r| r), "{goal:?}: no episode reached the goal");
        // And the policy's own (argmax) episodes, which read the goal-cell flags the same way.
        s.action = ActionChoice::Argmax;
        let gpu = pollster::block_on(rollout.run(&pop, &s, Perturbation::Regenerated, true)).unwrap();
        assert!(agreement(&gpu, &cpu::rollout(&pop, &s), s.step_limit) >= 0.95, "{goal:?}");
    }
}

#[test]
fn argmax_rollouts_match_the_cpu_in_both_perturbation_modes() {
    let ctx = context();
    let mut rollout = Rollout::new(&ctx);
    for (hidden, episodes) in [(16, 5), (64, 20), (40, 33)] {
        let shape = NetShape::for_maze(16, hidden);
        let pop = population(shape, 8, true, hidden as u32);
        let s = spec(shape, episodes, 30, hidden as u32);
        let cpu = cpu::rollout(&pop, &s);
        for mode in [Perturbation::Regenerated, Perturbation::Materialised] {
            let gpu = pollster::block_on(rollout.run(&pop, &s, mode, true)).unwrap();
            let share = agreement(&gpu, &cpu, s.step_limit);
            eprintln!("hidden {hidden} {mode:?}: {:.1}% of agents identical", share * 100.0);
            assert!(share >= 0.95, "hidden {hidden} {mode:?}: only {share} identical");
            for (g, c) in gpu.fitness.iter().zip(&cpu.fitness) {
                assert!(g.is_finite() && c.is_finite());
            }
        }
    }
}

#[test]
fn sampled_actions_and_goal_frames_reach_the_kernel() {
    let ctx = context();
    let shape = NetShape::for_maze(6, 32);
    let pop = population(shape, 4, false, 3);
    let mut s = spec(shape, 16, 25, 3);
    s.action = ActionChoice::Sampled { seed: 77 };
    let mut rollout = Rollout::new(&ctx);
    let silent = pollster::block_on(rollout.run(&pop, &s, Perturbation::Regenerated, true)).unwrap();
    assert!(agreement(&silent, &cpu::rollout(&pop, &s), s.step_limit) >= 0.9);

    s.action = ActionChoice::Argmax;
    s.listen = 4;
    let mut rng = Rng::new(12);
    // Three utterances in the table; episodes hear them in turn.
    s.utterances = std::sync::Arc::new((0..3 * s.listen * shape.goal).map(|_| rng.symmetric(3.0)).collect());
    s.heard = (0..s.episodes() as u32).map(|e| e % 3).collect();
    let heard = pollster::block_on(rollout.run(&pop, &s, Perturbation::Regenerated, true)).unwrap();
    let cpu_heard = cpu::rollout(&pop, &s);
    assert!(agreement(&heard, &cpu_heard, s.step_limit) >= 0.95);
    s.utterances = std::sync::Arc::new(vec![0.0; 3 * s.listen * shape.goal]);
    let quiet = cpu::rollout(&pop, &s);
    assert_ne!(cpu_heard.actions, quiet.actions, "goal frames must change behaviour");
}

#[test]
fn bad_rollouts_are_refused_with_a_reason() {
    let ctx = context();
    let shape = NetShape::for_maze(60, 8);
    let pop = population(shape, 2, false, 1);
    let s = spec(shape, 2, 5, 1);
    let err = pollster::block_on(Rollout::new(&ctx).run(&pop, &s, Perturbation::Regenerated, false)).unwrap_err();
    assert!(err.contains("exceeds the rollout kernel's 64"), "{err}");
}
