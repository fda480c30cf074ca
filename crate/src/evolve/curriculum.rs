use crate::world::{Maze, Task};

/// A start-cell curriculum (a reverse curriculum, Florensa et al. 2017): a copy's episodes start
/// only at cells within `reach` moves of the goal (maze distance, avoiding exits), and the reach
/// widens whenever a generation's episodes reach the goal often enough, or after `PATIENCE`
/// generations at one reach (a copy can sit on a plateau where every member fails the same
/// cell and the fitness gives no direction: seen on the tree of the 9x9 maze). Evolution on reward
/// alone sees almost no success from far starts in a 9x9 maze; near the goal it does, and a
/// route learned from there is the tail of the route from farther away. The copy is judged
/// (`Evolution::evaluate`) from every start cell all along, whatever the reach.
#[derive(Clone, Debug, PartialEq)]
pub struct StartCurriculum {
    /// Each cell's moves to the goal (`Task::distances`).
    distance: Vec<usize>,
    /// The largest finite distance of a start cell: at this reach every cell is a start.
    far: usize,
}

/// Share of a generation's episodes that must reach the goal before the reach widens.
pub const WIDEN_AT: f32 = 0.8;

/// Generations at one reach after which it widens whatever the success.
pub const PATIENCE: usize = 6;

/// The reach a curriculum starts with: the cells next to the goal.
pub const FIRST_REACH: usize = 1;

impl StartCurriculum {
    pub fn new(task: &Task, maze: &Maze) -> StartCurriculum {
        let distance = task.distances(maze);
        let far = task.free_cells(maze).iter().map(|&c| distance[c]).filter(|&d| d != usize::MAX).max().unwrap_or(0);
        StartCurriculum { distance, far }
    }

    /// The start cells at `reach`: free cells within `reach` moves of the goal; every free cell
    /// (those with no path to the goal too) once the reach covers the farthest one.
    pub fn starts(&self, free: &[usize], reach: usize) -> Vec<usize> {
        if self.complete(reach) {
            return free.to_vec();
        }
        free.iter().copied().filter(|&c| self.distance[c] <= reach).collect()
    }

    pub fn complete(&self, reach: usize) -> bool {
        reach >= self.far
    }

    /// The reach after a generation whose episodes reached the goal in a share `success`, the
    /// `held`-th generation at this reach (1 for the first): half as far again (at least one
    /// move more) when `success >= WIDEN_AT` or `held >= PATIENCE`, else the same. Steps that
    /// grow with the reach take the farthest cells of a 9x9 maze (24 to 44 moves) in 8 to 10
    /// widenings rather than 44.
    pub fn next_reach(&self, reach: usize, success: f32, held: usize) -> usize {
        if (success < WIDEN_AT && held < PATIENCE) || self.complete(reach) {
            return reach;
        }
        (reach + (reach / 2).max(1)).min(self.far)
    }

    /// The largest finite distance: the reach at which the curriculum is complete.
    pub fn far(&self) -> usize {
        self.far
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_near_the_goal_and_widens_on_success_until_every_cell_is_a_start() {
        // An open 3x3 room, goal north east (2, 0): distances 2 1 0 / 3 2 1 / 4 3 2.
        let maze = Maze::generate(3, 3, 1.0, 0);
        let task = Task::parse("ne", &maze).unwrap();
        let free = task.free_cells(&maze);
        let c = StartCurriculum::new(&task, &maze);
        assert_eq!(c.far(), 4);
        assert_eq!(c.starts(&free, 1), vec![1, 5]);
        assert_eq!(c.starts(&free, 2), vec![0, 1, 4, 5, 8]);
        assert_eq!(c.starts(&free, 4), free);
        assert_eq!(c.next_reach(1, WIDEN_AT - 0.01, 1), 1, "not yet");
        assert_eq!(c.next_reach(1, WIDEN_AT, 1), 2);
        assert_eq!(c.next_reach(1, 0.0, PATIENCE - 1), 1, "not yet");
        assert_eq!(c.next_reach(1, 0.0, PATIENCE), 2, "widens after PATIENCE generations on a plateau");
        assert_eq!(c.next_reach(2, 1.0, 1), 3);
        assert_eq!(c.next_reach(3, 1.0, 1), 4, "capped at the farthest cell");
        assert_eq!(c.next_reach(4, 1.0, PATIENCE), 4);
        assert!(c.complete(4) && !c.complete(3));
    }

    #[test]
    fn cells_cut_off_by_exits_start_only_once_the_curriculum_is_complete() {
        // An open 3x2 room, the goal at (2, 0), exits filling the middle column: the west
        // column has no path to the goal, and starts only once the reach is complete.
        let maze = Maze::generate(3, 2, 1.0, 0);
        let task = Task::parse("2,0|1,0|1,1", &maze).unwrap();
        let free = task.free_cells(&maze);
        assert_eq!(free, vec![0, 3, 5]);
        let c = StartCurriculum::new(&task, &maze);
        assert_eq!(c.far(), 1);
        assert_eq!(c.starts(&free, 0), Vec::<usize>::new());
        assert!(c.complete(FIRST_REACH));
        assert_eq!(c.starts(&free, FIRST_REACH), free, "cut off, yet starts once complete");
    }
}
