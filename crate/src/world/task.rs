use super::{Goal, Maze};
use serde::Serialize;

/// A rectangle of cells, inclusive on both ends. Reaching any of its cells solves the task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct GoalRegion {
    pub x0: usize,
    pub y0: usize,
    pub x1: usize,
    pub y1: usize,
}

impl GoalRegion {
    pub fn contains(&self, x: usize, y: usize) -> bool {
        (self.x0..=self.x1).contains(&x) && (self.y0..=self.y1).contains(&y)
    }
}

/// A task is a named goal region in a given maze: one of the nine goals a command names (the
/// four corners of paper 3.8, the centre, the landmarks), or any cell.
///
/// A task may also have exits: regions that end the episode unrewarded. In the experiment of 3.8
/// the maze has an exit at each commanded corner and the command says which one to leave by, so
/// a copy learning one corner treats the others as exits ("ne|nw|se|sw"), and an agent that walks
/// into the wrong corner has failed rather than wandered on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Task {
    pub name: String,
    pub goal: GoalRegion,
    pub exits: Vec<GoalRegion>,
}

impl Task {
    /// Every cell of `maze` outside the goal region and the exits: where episodes may start.
    pub fn free_cells(&self, maze: &Maze) -> Vec<usize> {
        (0..maze.walls.len())
            .filter(|&c| {
                let (x, y) = maze.xy(c);
                !self.goal.contains(x, y) && !self.is_exit(x, y)
            })
            .collect()
    }

    /// The goal a spoken command names, when the task's goal is one (not a bare cell).
    pub fn spoken_goal(&self) -> Option<Goal> {
        Goal::parse(self.name.split('|').next().unwrap_or_default()).ok()
    }

    /// Each cell's number of moves to the goal region on a path that enters no exit
    /// (`usize::MAX` where there is none, and on the exits themselves).
    pub fn distances(&self, maze: &Maze) -> Vec<usize> {
        let cells = 0..maze.walls.len();
        let goal: Vec<usize> = cells.filter(|&c| self.goal.contains(maze.xy(c).0, maze.xy(c).1)).collect();
        maze.distances(&goal, |c| self.is_exit(maze.xy(c).0, maze.xy(c).1))
    }

    pub fn is_exit(&self, x: usize, y: usize) -> bool {
        self.exits.iter().any(|e| e.contains(x, y))
    }

    /// A goal, then optionally exits after `|`: each a goal's code ("ne", "nw", "se", "sw",
    /// "center", "tree", "house", "bird", "dog") or a cell "x,y" inside `maze`, e.g. "ne", "tree",
    /// "2,3" or "ne|sw". Anything else, a cell outside the maze, a landmark the maze has no room
    /// for, or an exit that overlaps the goal, is refused with what was given.
    pub fn parse(name: &str, maze: &Maze) -> Result<Task, String> {
        let mut regions = name.split('|').map(|part| Task::region(name, part, maze));
        let goal = regions.next().expect("split yields at least one part")?;
        let exits = regions.collect::<Result<Vec<_>, _>>()?;
        if exits.contains(&goal) {
            return Err(format!("task {name:?}: an exit is the goal itself"));
        }
        Ok(Task { name: name.to_string(), goal, exits })
    }

    fn region(name: &str, part: &str, maze: &Maze) -> Result<GoalRegion, String> {
        let Some((x, y)) = part.split_once(',') else {
            return Goal::parse(part)?.region(maze).map_err(|e| format!("task {name:?}: {e}"));
        };
        let parse = |v: &str| {
            v.trim().parse::<usize>().map_err(|_| format!("task {name:?}: a cell must be two whole numbers \"x,y\""))
        };
        let (x, y) = (parse(x)?, parse(y)?);
        if x >= maze.width || y >= maze.height {
            return Err(format!("task {name:?}: cell ({x}, {y}) is outside the {}x{} maze", maze.width, maze.height));
        }
        Ok(GoalRegion { x0: x, y0: y, x1: x, y1: y })
    }

    /// The task of reaching `goal`, with no exits.
    pub fn goal(goal: Goal, maze: &Maze) -> Result<Task, String> {
        Ok(Task { name: goal.code().to_string(), goal: goal.region(maze)?, exits: Vec::new() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_goals_and_exits_and_names_bad_ones() {
        let maze = Maze::generate(5, 4, 0.5, 1);
        let t = Task::parse("ne|sw|2,3", &maze).unwrap();
        assert_eq!(t.goal, GoalRegion { x0: 4, y0: 0, x1: 4, y1: 0 });
        assert_eq!(t.exits.len(), 2);
        assert!(t.is_exit(0, 3) && t.is_exit(2, 3) && !t.is_exit(4, 0));
        assert_eq!(t.free_cells(&maze).len(), 20 - 3);
        assert!(Task::parse("ne|ne", &maze).unwrap_err().contains("exit is the goal"));
        assert!(Task::parse("ne|5,0", &maze).unwrap_err().contains("outside the 5x4 maze"));
        assert!(Task::parse("ne|up", &maze)
            .unwrap_err()
            .contains("unknown goal \"up\": expected one of ne, nw, se, sw, center"));
    }

    #[test]
    fn every_goal_is_a_region_of_the_maze() {
        let maze = Maze::generate(5, 5, 0.5, 3);
        let regions: Vec<GoalRegion> = Goal::ALL.iter().map(|g| Task::goal(*g, &maze).unwrap().goal).collect();
        assert_eq!(regions[4], GoalRegion { x0: 2, y0: 2, x1: 2, y1: 2 }, "the centre of a 5x5 maze");
        for (i, &cell) in maze.landmarks.iter().enumerate() {
            let (x, y) = maze.xy(cell);
            assert_eq!(regions[5 + i], GoalRegion { x0: x, y0: y, x1: x, y1: y });
        }
        for (i, a) in regions.iter().enumerate() {
            assert!(!regions[..i].contains(a), "two goals share a cell: {a:?}");
        }
        // An even side has two middle cells; a landmark has no room in a 2-wide maze.
        let even = Maze::generate(4, 6, 0.5, 3);
        assert_eq!(Goal::Center.region(&even).unwrap(), GoalRegion { x0: 1, y0: 2, x1: 2, y1: 3 });
        let narrow = Maze::generate(2, 6, 0.5, 3);
        assert!(Task::parse("dog|ne", &narrow).unwrap_err().contains("the 2x6 maze is too small for the dog"));
        assert_eq!(Task::parse("tree|ne|sw", &maze).unwrap().spoken_goal(), Some(Goal::Tree));
        assert_eq!(Task::parse("2,3|ne", &maze).unwrap().spoken_goal(), None);
    }

    #[test]
    fn every_goal_is_reachable_from_every_start_in_the_lab_mazes() {
        // The small maze of the experiment and the default maze (EvolveConfig), a few more seeds.
        for (n, seed) in [(5, 3), (9, 1), (9, 3), (7, 3), (9, 7)] {
            let maze = Maze::generate(n, n, 0.5, seed);
            for g in Goal::ALL {
                let exits: Vec<&str> = Goal::ALL[..4].iter().map(|c| c.code()).filter(|&c| c != g.code()).collect();
                let t = Task::parse(&[vec![g.code()], exits].concat().join("|"), &maze).unwrap();
                assert_eq!(cut_off(&t, &maze), Vec::<usize>::new(), "{n}x{n} maze {seed}, {g:?}");
            }
        }
    }

    /// Start cells of `task` from which no path reaches the goal without entering an exit.
    fn cut_off(task: &Task, maze: &Maze) -> Vec<usize> {
        let distance = task.distances(maze);
        task.free_cells(maze).into_iter().filter(|&c| distance[c] == usize::MAX).collect()
    }
}
