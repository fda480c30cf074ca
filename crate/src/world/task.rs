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
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Task {
    pub name: String,
    pub goal: GoalRegion,
}

impl Task {
    /// Every cell of `maze` outside the goal region: where episodes may start.
    pub fn free_cells(&self, maze: &Maze) -> Vec<usize> {
        (0..maze.walls.len())
            .filter(|&c| {
                let (x, y) = maze.xy(c);
                !self.goal.contains(x, y)
            })
            .collect()
    }

    /// A corner ("ne", "nw", "se", "sw") or a goal cell "x,y" inside `maze`; anything else, or a
    /// cell outside the maze, is refused with what was given.
    pub fn parse(name: &str, maze: &Maze) -> Result<Task, String> {
        let Some((x, y)) = name.split_once(',') else {
            return Ok(Task::corner(Corner::parse(name)?, maze));
        };
        let parse = |v: &str| {
            v.trim().parse::<usize>().map_err(|_| format!("task {name:?}: goal cell must be two whole numbers \"x,y\""))
        };
        let (x, y) = (parse(x)?, parse(y)?);
        if x >= maze.width || y >= maze.height {
            return Err(format!(
                "task {name:?}: goal cell ({x}, {y}) is outside the {}x{} maze",
                maze.width, maze.height
            ));
        }
        Ok(Task { name: name.to_string(), goal: GoalRegion { x0: x, y0: y, x1: x, y1: y } })
    }

    /// The single corner cell of the maze, e.g. north-east is (width - 1, 0).
    pub fn corner(corner: Corner, maze: &Maze) -> Task {
        let (x, y) = match corner {
            Corner::NorthEast => (maze.width - 1, 0),
            Corner::NorthWest => (0, 0),
            Corner::SouthEast => (maze.width - 1, maze.height - 1),
            Corner::SouthWest => (0, maze.height - 1),
        };
        Task { name: corner.code().to_string(), goal: GoalRegion { x0: x, y0: y, x1: x, y1: y } }
    }
}
