use crate::data::{RolloutResult, RolloutSpec, NO_PATH};
use serde::{Deserialize, Serialize};

/// What a copy's search maximises. The reward vector ONE sees and the traces keep are the same
/// either way; this is only the number each member is ranked by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fitness {
    /// The cumulative reward of its episodes (goal, bumps, steps), averaged: the lab's default.
    #[default]
    Reward,
    /// Success first, then progress through the maze: an episode that reaches the goal scores
    /// above 1 (more the fewer steps it took), one that enters an exit -1.1, and one that runs
    /// out of steps minus the nearest it came to the goal (`RolloutResult::nearest`: moves by
    /// the shortest path avoiding exits) over the largest such distance, in [-1, 0). Reward
    /// alone is deceptive in a maze whose way to the goal first leads away from it: standing
    /// still beats bumping about; this is not. The nearest rather than the end cell: scored by
    /// where they stopped, the copies of the 9x9 maze's south east stalled with every member
    /// alike (BENCHMARKS.md, issue 15).
    Progress,
}

impl Fitness {
    pub const ALL: [Fitness; 2] = [Fitness::Reward, Fitness::Progress];

    /// Each member's fitness: the mean over its episodes of `spec`. `far`, the most moves to the
    /// goal from a cell with a path (`Task::distances`), scales progress; constant for a copy,
    /// so it is computed once, not every generation.
    pub fn of_members(self, result: &RolloutResult, spec: &RolloutSpec, far: usize) -> Vec<f32> {
        match self {
            Fitness::Reward => result.member_fitness(),
            Fitness::Progress => {
                let far = far.max(1) as f32;
                let (limit, episodes) = (spec.step_limit, result.episodes);
                let episode = |agent: usize| -> f32 {
                    let steps = result.steps[agent] as usize;
                    if result.reached[agent] {
                        return 1.0 + 0.1 * (1.0 - steps as f32 / limit as f32);
                    }
                    if steps < limit {
                        return -1.1; // left by an exit
                    }
                    match result.nearest[agent] {
                        NO_PATH => -1.0,
                        d => -(d as f32) / far,
                    }
                };
                (0..result.fitness.len() / episodes)
                    .map(|m| (0..episodes).map(|e| episode(m * episodes + e)).sum::<f32>() / episodes as f32)
                    .collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::NO_ACTION;
    use crate::net::NetShape;
    use crate::world::{Maze, Task};

    #[test]
    fn progress_ranks_success_then_nearness_and_exits_last() {
        // An open 3x3 room: the goal north east (2, 0), an exit south west (0, 2).
        let maze = Maze::generate(3, 3, 1.0, 0);
        let task = Task::parse("ne|sw", &maze).unwrap();
        let d = task.distances(&maze);
        assert_eq!(d, vec![2, 1, 0, 3, 2, 1, usize::MAX, 3, 2]);
        // Five members, one episode of 4 steps each from the south-east cell (8): reaches the
        // goal in 2 moves; stays; walks west to (0, 2), the exit; walks west once and stays;
        // walks north next to the goal and back.
        let (n, s, w, stay) = (0, 2, 3, 4);
        let plays = [
            vec![n, n, NO_ACTION, NO_ACTION],
            vec![stay; 4],
            vec![w, w, NO_ACTION, NO_ACTION],
            vec![w, stay, stay, stay],
            vec![n, s, stay, stay],
        ];
        let spec = RolloutSpec::new(NetShape::for_maze(1, 4), maze.clone(), task, vec![8], 4);
        let result = RolloutResult {
            episodes: 1,
            fitness: vec![0.0; 5],
            reached: vec![true, false, false, false, false],
            steps: vec![2, 4, 2, 4, 4],
            nearest: vec![0, 2, 2, 2, 1],
            actions: plays.concat(),
        };
        let f = Fitness::Progress.of_members(&result, &spec, 3);
        assert_eq!(f.len(), 5);
        assert!((f[0] - 1.05).abs() < 1e-6, "{f:?}");
        assert!((f[1] + 2.0 / 3.0).abs() < 1e-6, "stayed two moves away: {f:?}");
        assert!((f[2] + 1.1).abs() < 1e-6, "left by the exit: {f:?}");
        assert!((f[3] + 2.0 / 3.0).abs() < 1e-6, "walked away from its start, two moves away: {f:?}");
        assert!((f[4] + 1.0 / 3.0).abs() < 1e-6, "came one move near, ended two away: {f:?}");
        assert_eq!(Fitness::Reward.of_members(&result, &spec, 3), result.member_fitness());
    }
}
