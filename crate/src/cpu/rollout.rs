use super::Forward;
use crate::data::{path_moves, ActionChoice, Population, RolloutResult, RolloutSpec, NO_ACTION};
use crate::net::{action, One};
use crate::rng::unit_f32;
use crate::threads::{blocks, cores, on_threads};
use crate::wide::wide_fn;
use crate::world::{Episode, StepOutcome, N_ACTIONS, REWARD_LEN, STAY};
use std::ops::Range;

/// Every member of `pop` plays every episode of `spec`: the reference for the rollout kernel and
/// the path the lab takes without a GPU. Fitness is the cumulative scalar reward, summed per step
/// as `(goal + bump) + step`, the same order the kernel uses. Natively the members are split
/// into one block per core, each played on its own thread; in wasm the page's helper workers
/// play the blocks (`device::helpers`), and this plays them all on its one thread.
pub fn rollout(pop: &Population, spec: &RolloutSpec) -> RolloutResult {
    rollout_on_threads(pop, spec, cores())
}

/// `rollout` on at most `threads` threads, a block each (`rollout_blocks`); the blocks' rows
/// put back together are the same bits on any number.
pub fn rollout_on_threads(pop: &Population, spec: &RolloutSpec, threads: usize) -> RolloutResult {
    let blocks = rollout_blocks(pop, spec, threads);
    let parts = on_threads(blocks.len(), threads, |b| {
        let (spec, members) = &blocks[b.start];
        rollout_members(pop, spec, members.clone())
    });
    RolloutResult { episodes: spec.episodes(), ..RolloutResult::joined(parts) }
}

/// A rollout split into at most `parts` blocks, each the episodes and members one thread (or
/// one of the page's helpers) plays; their rows, in order, are the rollout's. A member's
/// episodes are played by one thread into that member's rows only, so splitting by members
/// changes no bit. A population of one playing argmax actions (a copy demonstrating its skill,
/// a policy evaluated or judged: up to tens of thousands of episodes) is split by episodes
/// instead: an episode's products are its own columns of the batch's, summed in the same
/// order whatever the batch, and nothing else it does depends on the others, so that changes
/// no bit either.
pub fn rollout_blocks(pop: &Population, spec: &RolloutSpec, parts: usize) -> Vec<(RolloutSpec, Range<usize>)> {
    if pop.size == 1 && spec.action == ActionChoice::Argmax {
        blocks(spec.episodes(), parts).into_iter().map(|e| (spec.episodes_part(e), 0..1)).collect()
    } else {
        blocks(pop.size, parts).into_iter().map(|m| (spec.clone(), m)).collect()
    }
}

/// The rows of members `members` (numbered as in `pop`, so their noise is theirs): a block of
/// `rollout`'s result, which `RolloutResult::joined` puts back together.
pub fn rollout_members(pop: &Population, spec: &RolloutSpec, members: Range<usize>) -> RolloutResult {
    let (n, episodes, limit) = (members.len(), spec.episodes(), spec.step_limit);
    let moves: Vec<u32> = spec.task.distances(&spec.maze).into_iter().map(path_moves).collect();
    let mut result = RolloutResult {
        episodes,
        fitness: vec![0.0; n * episodes],
        reached: vec![false; n * episodes],
        steps: vec![0; n * episodes],
        nearest: spec.starts.iter().map(|&c| moves[c]).cycle().take(n * episodes).collect(),
        actions: vec![NO_ACTION; n * episodes * limit],
    };
    result
        .fitness
        .chunks_mut(episodes)
        .zip(result.reached.chunks_mut(episodes))
        .zip(result.steps.chunks_mut(episodes))
        .zip(result.nearest.chunks_mut(episodes))
        .zip(result.actions.chunks_mut(episodes * limit))
        .zip(members)
        .for_each(|(((((fitness, reached), steps), nearest), actions), m)| {
            play(pop, spec, &moves, MemberRows { m, fitness, reached, steps, nearest, actions })
        });
    result
}

/// One member's part of a `RolloutResult`.
struct MemberRows<'a> {
    m: usize,
    fitness: &'a mut [f32],
    reached: &'a mut [bool],
    steps: &'a mut [u32],
    nearest: &'a mut [u32],
    actions: &'a mut [u32],
}

/// Member `rows.m` plays all its episodes together, one batched forward step per time step.
/// `moves` is each cell's distance to the goal (`path_moves`).
fn play(pop: &Population, spec: &RolloutSpec, moves: &[u32], rows: MemberRows) {
    let MemberRows { m, fitness, reached, steps, nearest, actions } = rows;
    let (episodes, limit) = (spec.episodes(), spec.step_limit);
    let shape = spec.shape;
    let (i, o) = (shape.input(), shape.outputs());
    let mut x = vec![0.0; episodes * i];
    let mut out = vec![0.0; episodes * o];
    let mut forward = Forward::new(&One { shape, params: materialise(pop, m) }, episodes);
    let mut runs: Vec<Episode> = spec
        .starts
        .iter()
        .map(|&c| {
            let (cx, cy) = spec.maze.xy(c);
            Episode::at(cx, cy, limit)
        })
        .collect();
    let mut prev_reward = vec![[0.0; REWARD_LEN]; episodes];
    let mut prev_action = vec![None; episodes];
    // The episodes still running, in order, are the forward pass's agents: one that ends drops
    // out of the batch (`Forward::retain`), which leaves the others' bits as they are.
    let mut live: Vec<usize> = (0..episodes).collect();
    for t in 0..limit {
        if live.iter().any(|&e| runs[e].outcome != StepOutcome::Running) {
            let running: Vec<bool> = live.iter().map(|&e| runs[e].outcome == StepOutcome::Running).collect();
            forward.retain(&running);
            live.retain(|&e| runs[e].outcome == StepOutcome::Running);
        }
        if live.is_empty() {
            break;
        }
        let n = live.len();
        for (j, &e) in live.iter().enumerate() {
            let obs = runs[e].observe(&spec.maze);
            shape.write_input(&mut x[j * i..(j + 1) * i], &obs, spec.goal_frame(e, t), &prev_reward[e], prev_action[e]);
        }
        forward.step(&x[..n * i], &mut out[..n * o]);
        for (j, &e) in live.iter().enumerate() {
            let logits = &out[j * o..j * o + N_ACTIONS];
            let a = match &spec.action {
                ActionChoice::Argmax => action::argmax(logits),
                ActionChoice::Sampled { seed } => {
                    let u = unit_f32(RolloutSpec::sample_bits(*seed, m, e, limit, t));
                    action::sample(&action::softmax(logits), u)
                }
                ActionChoice::Scripted(all) => all[(m * episodes + e) * limit + t] as usize,
            };
            // While the command is spoken the agent is held where it stands.
            let a = if t < spec.listen { STAY } else { a };
            let run = &mut runs[e];
            let step = run.step(&spec.maze, &spec.task, a);
            fitness[e] += (step.reward[0] + step.reward[1]) + step.reward[2];
            actions[e * limit + t] = a as u32;
            steps[e] = run.t as u32;
            nearest[e] = nearest[e].min(moves[spec.maze.index(run.x, run.y)]);
            reached[e] = step.outcome == StepOutcome::Reached;
            prev_reward[e] = step.reward;
            prev_action[e] = Some(a);
        }
    }
}

wide_fn! {
/// Member `m`'s parameters: its noise, three integer hashes per parameter, was a tenth of a
/// rollout's time in baseline registers.
fn materialise(pop: &Population, m: usize) -> Vec<f32> {
    pop.member(m)
}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;
    use crate::world::{Goal, Maze, Task};

    /// Members split over threads play exactly the games they play on one: every fitness,
    /// action, step count, arrival and nearest distance, bit for bit, whether the split is even
    /// or not. Each nearest distance is the least along the cells the episode's actions,
    /// replayed, lead through.
    #[test]
    fn threads_give_the_single_thread_result() {
        let shape = crate::net::NetShape::for_maze(4, 16);
        let one = One::new(shape, 2);
        let mut rng = Rng::new(3);
        let sigma = (0..one.params.len()).map(|_| 0.05 + 0.2 * rng.uniform()).collect();
        let maze = Maze::generate(9, 9, 0.1, 4);
        let task = Task::goal(Goal::SouthWest, &maze).unwrap();
        let mut spec = RolloutSpec::random_starts(shape, maze, task, 7, 30, 5);
        for (size, action) in [(13, ActionChoice::Argmax), (10, ActionChoice::Sampled { seed: 6 })] {
            spec.action = action;
            let pop =
                Population { seed: 11, size, antithetic: true, mean: one.params.clone(), sigma: Vec::clone(&sigma) };
            let one_thread = rollout_on_threads(&pop, &spec, 1);
            assert!(one_thread.reached.iter().any(|&r| r) || one_thread.steps.iter().any(|&s| s > 0));
            let moves = spec.task.distances(&spec.maze);
            for (agent, &nearest) in one_thread.nearest.iter().enumerate() {
                let actions = &one_thread.actions[agent * 30..(agent + 1) * 30];
                let path = crate::world::replay_path(&spec.maze, &spec.task, spec.starts[agent % 7], actions, 30);
                let least = path.iter().map(|&(x, y)| moves[spec.maze.index(x, y)]).min().unwrap();
                assert_eq!(nearest, path_moves(least), "agent {agent}");
                assert_eq!(one_thread.reached[agent], nearest == 0, "agent {agent}");
            }
            assert_eq!(blocks(size, 4).iter().map(|b| b.len()).sum::<usize>(), size);
            same_on_any_threads(&pop, &spec, &one_thread);
        }
    }

    /// A population of one with argmax actions, split by episodes: 45 episodes, each hearing
    /// one of three utterances, the same as on one thread.
    #[test]
    fn one_member_split_by_episodes_gives_the_single_thread_result() {
        let shape = crate::net::NetShape::for_maze(4, 16);
        let one = One::new(shape, 5);
        let maze = Maze::generate(9, 9, 0.1, 4);
        let task = Task::goal(Goal::NorthEast, &maze).unwrap();
        let mut spec = RolloutSpec::random_starts(shape, maze, task, 45, 30, 8);
        let mut rng = Rng::new(9);
        spec.listen = 4;
        spec.utterances = std::sync::Arc::new((0..3 * 4 * shape.goal).map(|_| rng.symmetric(2.0)).collect());
        spec.heard = (0..45).map(|e| e % 3).collect();
        let n = one.params.len();
        let pop = Population { seed: 0, size: 1, antithetic: false, mean: one.params.clone(), sigma: vec![0.0; n] };
        let one_thread = rollout_on_threads(&pop, &spec, 1);
        assert_eq!(one_thread.episodes, 45);
        same_on_any_threads(&pop, &spec, &one_thread);
    }

    /// `rollout_on_threads` on 2 to 64 threads gives `one_thread`, bit for bit.
    fn same_on_any_threads(pop: &Population, spec: &RolloutSpec, one_thread: &RolloutResult) {
        let bits = |r: &RolloutResult| r.fitness.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        for threads in [2, 3, 4, 64] {
            let split = rollout_on_threads(pop, spec, threads);
            assert_eq!(split.episodes, one_thread.episodes);
            assert_eq!(bits(&split), bits(one_thread), "fitness on {threads} threads");
            assert_eq!(split.actions, one_thread.actions, "actions on {threads} threads");
            assert_eq!(split.steps, one_thread.steps);
            assert_eq!(split.reached, one_thread.reached);
            assert_eq!(split.nearest, one_thread.nearest);
        }
    }
}
