use super::Maze;
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Corner {
    NorthEast,
    NorthWest,
    SouthEast,
    SouthWest,
}

impl Corner {
    pub const ALL: [Corner; 4] = [Corner::NorthEast, Corner::NorthWest, Corner::SouthEast, Corner::SouthWest];

    pub fn code(self) -> &'static str {
        match self {
            Corner::NorthEast => "ne",
            Corner::NorthWest => "nw",
            Corner::SouthEast => "se",
            Corner::SouthWest => "sw",
        }
    }

    /// The spoken command for this corner, as the corpus says it.
    pub fn command(self) -> &'static str {
        match self {
            Corner::NorthEast => "north east",
            Corner::NorthWest => "north west",
            Corner::SouthEast => "south east",
            Corner::SouthWest => "south west",
        }
    }

    /// Parses "ne", "nw", "se" or "sw"; the error names what was given and what is allowed.
    pub fn parse(code: &str) -> Result<Corner, String> {
        Corner::ALL
            .into_iter()
            .find(|c| c.code() == code)
            .ok_or_else(|| format!("unknown corner task {code:?}: expected one of ne, nw, se, sw"))
    }
}

/// A task is a named goal region in a given maze. The four corners are the first tasks of the
/// lab (paper 3.8); landmark tasks will be further regions.
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

    /// The corner of the goal, when the goal is a corner: what the task's spoken command names.
    pub fn goal_corner(&self) -> Option<Corner> {
        Corner::parse(self.name.split('|').next().unwrap_or_default()).ok()
    }

    pub fn is_exit(&self, x: usize, y: usize) -> bool {
        self.exits.iter().any(|e| e.contains(x, y))
    }

    /// A goal, then optionally exits after `|`: each a corner ("ne", "nw", "se", "sw") or a cell
    /// "x,y" inside `maze`, e.g. "ne", "2,3" or "ne|sw". Anything else, a cell outside the maze,
    /// or an exit that overlaps the goal, is refused with what was given.
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
            return Ok(Task::corner(Corner::parse(part)?, maze).goal);
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

    /// The single corner cell of the maze, e.g. north-east is (width - 1, 0).
    pub fn corner(corner: Corner, maze: &Maze) -> Task {
        let (x, y) = match corner {
            Corner::NorthEast => (maze.width - 1, 0),
            Corner::NorthWest => (0, 0),
            Corner::SouthEast => (maze.width - 1, maze.height - 1),
            Corner::SouthWest => (0, maze.height - 1),
        };
        Task { name: corner.code().to_string(), goal: GoalRegion { x0: x, y0: y, x1: x, y1: y }, exits: Vec::new() }
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
        assert!(Task::parse("ne|up", &maze).unwrap_err().contains("unknown corner task \"up\""));
    }
}
