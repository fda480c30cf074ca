use super::{GoalRegion, Maze};
use serde::Serialize;

/// The nine places a spoken command names: the maze's four corners, its centre, and four
/// landmarks at cells the maze's seed places (`Maze::landmarks`). The corpus says each one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Goal {
    NorthEast,
    NorthWest,
    SouthEast,
    SouthWest,
    Center,
    Tree,
    House,
    Bird,
    Dog,
}

impl Goal {
    pub const ALL: [Goal; 9] = [
        Goal::NorthEast,
        Goal::NorthWest,
        Goal::SouthEast,
        Goal::SouthWest,
        Goal::Center,
        Goal::Tree,
        Goal::House,
        Goal::Bird,
        Goal::Dog,
    ];
    /// The landmarks, in the order of `Maze::landmarks`.
    pub const LANDMARKS: [Goal; 4] = [Goal::Tree, Goal::House, Goal::Bird, Goal::Dog];

    /// The goal's name in task strings, settings and share links.
    pub fn code(self) -> &'static str {
        match self {
            Goal::NorthEast => "ne",
            Goal::NorthWest => "nw",
            Goal::SouthEast => "se",
            Goal::SouthWest => "sw",
            Goal::Center => "center",
            Goal::Tree => "tree",
            Goal::House => "house",
            Goal::Bird => "bird",
            Goal::Dog => "dog",
        }
    }

    /// The spoken command for this goal, as the corpus says it.
    pub fn command(self) -> &'static str {
        match self {
            Goal::NorthEast => "north east",
            Goal::NorthWest => "north west",
            Goal::SouthEast => "south east",
            Goal::SouthWest => "south west",
            other => other.code(),
        }
    }

    /// Corners are where the maze can be left: in an experiment, the corners of the other
    /// commands are exits (paper 3.8). The centre and the landmarks are places inside it.
    pub fn is_corner(self) -> bool {
        matches!(self, Goal::NorthEast | Goal::NorthWest | Goal::SouthEast | Goal::SouthWest)
    }

    /// Parses a goal's code; the error names what was given and what is allowed.
    pub fn parse(code: &str) -> Result<Goal, String> {
        Goal::ALL.into_iter().find(|g| g.code() == code).ok_or_else(|| {
            let codes: Vec<&str> = Goal::ALL.iter().map(|g| g.code()).collect();
            format!("unknown goal {code:?}: expected one of {}", codes.join(", "))
        })
    }

    /// Where the goal is in `maze`: a corner cell, the centre (one cell, or the middle two of an
    /// even side), or the landmark's cell. A maze too small for landmarks is refused by name.
    pub fn region(self, maze: &Maze) -> Result<GoalRegion, String> {
        let (w, h) = (maze.width, maze.height);
        let cell = |x, y| GoalRegion { x0: x, y0: y, x1: x, y1: y };
        Ok(match self {
            Goal::NorthEast => cell(w - 1, 0),
            Goal::NorthWest => cell(0, 0),
            Goal::SouthEast => cell(w - 1, h - 1),
            Goal::SouthWest => cell(0, h - 1),
            Goal::Center => center(w, h),
            landmark => {
                let i = Goal::LANDMARKS.iter().position(|&l| l == landmark).expect("the others are landmarks");
                let &c = maze.landmarks.get(i).ok_or_else(|| {
                    format!("the {w}x{h} maze is too small for the {}: landmarks need 3x3 cells or more", self.code())
                })?;
                let (x, y) = maze.xy(c);
                cell(x, y)
            }
        })
    }
}

/// The middle cell of each side, or its middle two when the side is even.
pub fn center(width: usize, height: usize) -> GoalRegion {
    GoalRegion { x0: (width - 1) / 2, y0: (height - 1) / 2, x1: width / 2, y1: height / 2 }
}
