use super::Forward;
use crate::data::{ActionChoice, Population, RolloutResult, RolloutSpec, NO_ACTION};
use crate::net::{action, One};
use crate::rng::unit_f32;
use crate::world::{Episode, StepOutcome, N_ACTIONS, REWARD_LEN, STAY};

/// Every member of `pop` plays every episode of `spec`: the reference for the rollout kernel and
/// the path the lab takes without a GPU. Fitness is the cumulative scalar reward, summed per step
/// as `(goal + bump) + step`, the same order the kernel uses.
pub fn rollout(pop: &Population, spec: &RolloutSpec) -> RolloutResult {
    let (members, episodes, limit) = (pop.size, spec.episodes(), spec.step_limit);
    let shape = spec.shape;
    let (i, o) = (shape.input(), shape.outputs());
    let mut result = RolloutResult {
        episodes,
        fitness: vec![0.0; members * episodes],
        reached: vec![false; members * episodes],
        steps: vec![0; members * episodes],
        actions: vec![NO_ACTION; members * episodes * limit],
    };
    let mut x = vec![0.0; episodes * i];
    let mut out = vec![0.0; episodes * o];
    for m in 0..members {
        let mut forward = Forward::new(&One { shape, params: pop.member(m) }, episodes);
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
        for t in 0..limit {
            if runs.iter().all(|r| r.outcome != StepOutcome::Running) {
                break;
            }
            for (e, run) in runs.iter().enumerate() {
                let obs = run.observe(&spec.maze);
                shape.write_input(
                    &mut x[e * i..(e + 1) * i],
                    &obs,
                    spec.goal_frame(e, t),
                    &prev_reward[e],
                    prev_action[e],
                );
            }
            forward.step(&x, &mut out);
            for (e, run) in runs.iter_mut().enumerate() {
                if run.outcome != StepOutcome::Running {
                    continue;
                }
                let at = m * episodes + e;
                let logits = &out[e * o..e * o + N_ACTIONS];
                let a = match &spec.action {
                    ActionChoice::Argmax => action::argmax(logits),
                    ActionChoice::Sampled { seed } => {
                        let u = unit_f32(RolloutSpec::sample_bits(*seed, m, e, limit, t));
                        action::sample(&action::softmax(logits), u)
                    }
                    ActionChoice::Scripted(actions) => actions[at * limit + t] as usize,
                };
                // While the command is spoken the agent is held where it stands.
                let a = if t < spec.listen { STAY } else { a };
                let step = run.step(&spec.maze, &spec.task, a);
                result.fitness[at] += (step.reward[0] + step.reward[1]) + step.reward[2];
                result.actions[at * limit + t] = a as u32;
                result.steps[at] = run.t as u32;
                result.reached[at] = step.outcome == StepOutcome::Reached;
                prev_reward[e] = step.reward;
                prev_action[e] = Some(a);
            }
        }
    }
    result
}
