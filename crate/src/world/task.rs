use super::{Goal, Maze};
use serde::{Deserialize, Serialize};

/// A rectangle of cells, inclusive on both ends. Reaching any of its cells solves the task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub name: String,
    pub goal: GoalRegion,
    pub exits: Vec<GoalRegion>,
    /// Where its episodes start.
    pub starts: Starts,
}

/// Where a task's episodes start, by maze distance to the goal (moves on a path that enters no
/// exit): everywhere (the default), or only near the goal, a task of the same command that is
/// easier to learn and to judge. With D the farthest start cell's distance, "near" is within
/// ceil(D / 3) moves and "farther" within ceil(2D / 3): nested, near inside farther inside
/// everywhere, so that a life (PowerPlay) may learn a command from near to everywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Starts {
    Everywhere,
    Near,
    Farther,
}

impl Starts {
    /// The word after a task's goal ("ne@near"); none for everywhere.
    fn parse(word: &str) -> Result<Starts, String> {
        match word {
            "near" => Ok(Starts::Near),
            "farther" => Ok(Starts::Farther),
            _ => Err(format!("unknown start region {word:?}: expected near or farther (none: everywhere)")),
        }
    }

    /// Thirds of the farthest distance `far` this region reaches (3: all of it).
    fn thirds(self) -> usize {
        match self {
            Starts::Near => 1,
            Starts::Farther => 2,
            Starts::Everywhere => 3,
        }
    }
}

/// The maze a task names after its goal and start region: "ne/7x7" is north east in a 7x7
/// maze of the settings' layout seed, "ne@near/7x7#2" near it in layout 2. A task that names no
/// maze runs in the settings' maze, so that a task space may span mazes (paper 3.14: a life
/// learns a command in a small maze, then in the large one) while a plain "ne" means what it
/// always did. The lab's mazes are square.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MazeChoice {
    pub size: usize,
    /// The layout seed; none: the settings' own.
    pub seed: Option<u32>,
}

impl MazeChoice {
    fn parse(name: &str, word: &str) -> Result<MazeChoice, String> {
        let bad = || {
            format!("task {name:?}: a maze is its side twice and an optional layout after '#', as \"7x7\" or \"7x7#2\", not {word:?}")
        };
        let (dims, seed) = word.split_once('#').map_or((word, None), |(d, s)| (d, Some(s)));
        let (w, h) = dims.split_once('x').ok_or_else(bad)?;
        let (w, h) = (w.parse::<usize>().map_err(|_| bad())?, h.parse::<usize>().map_err(|_| bad())?);
        if w != h {
            return Err(format!("task {name:?}: the lab's mazes are square, not {w}x{h}"));
        }
        crate::limits::check(&format!("maze size of task {name:?}"), w, crate::limits::MAZE_SIZE)?;
        let seed = seed.map(|s| s.parse::<u32>().map_err(|_| bad())).transpose()?;
        Ok(MazeChoice { size: w, seed })
    }
}

impl Task {
    /// Every cell of `maze` outside the goal region and the exits where episodes may start:
    /// within the start region's distance of the goal (a region that is not everywhere leaves
    /// out the cells cut off from the goal).
    pub fn free_cells(&self, maze: &Maze) -> Vec<usize> {
        let free = (0..maze.walls.len()).filter(|&c| {
            let (x, y) = maze.xy(c);
            !self.goal.contains(x, y) && !self.is_exit(x, y)
        });
        if self.starts == Starts::Everywhere {
            return free.collect();
        }
        let distance = self.distances(maze);
        let free: Vec<usize> = free.filter(|&c| distance[c] != usize::MAX).collect();
        let far = free.iter().map(|&c| distance[c]).max().unwrap_or(0);
        let within = (far * self.starts.thirds()).div_ceil(3);
        free.into_iter().filter(|&c| distance[c] <= within).collect()
    }

    /// The start cells among `free` (the task's `free_cells`, which callers have at hand) from
    /// which no path reaches the goal without entering an exit: episodes there never succeed.
    pub fn cut_off(&self, maze: &Maze, free: &[usize]) -> Vec<usize> {
        let distance = self.distances(maze);
        free.iter().copied().filter(|&c| distance[c] == usize::MAX).collect()
    }

    /// Refuses a task with start cells `cut_off` among its `free` cells in `maze`, by name and
    /// count: no copy and no ONE could ever be followed from them. `remedy` says how to take the
    /// exits away.
    pub fn refuse_cut_off(&self, maze: &Maze, free: &[usize], remedy: &str) -> Result<(), String> {
        let cut = self.cut_off(maze, free).len();
        if cut == 0 {
            return Ok(());
        }
        let (n, total) = (maze.width, free.len());
        Err(format!(
            "task {}: {cut} of its {total} start cells in the {n}x{n} maze reach its goal only through \
             another corner, an exit, so it could never be followed from them: {remedy} or choose another maze layout",
            self.name
        ))
    }

    /// The goal a spoken command names, when the task's goal is one (not a bare cell).
    pub fn spoken_goal(&self) -> Option<Goal> {
        Goal::parse(Task::goal_part(&self.name)).ok()
    }

    /// The goal of a task's name, without exits, start region, maze, moves and listening: "ne"
    /// for "ne@near/7x7:20~6|nw".
    pub fn goal_part(name: &str) -> &str {
        let goal = Task::marks(name).0;
        goal.split_once('@').map_or(goal, |(goal, _)| goal)
    }

    /// The maze a task's name chooses after '/' (none: the settings' maze), its syntax checked.
    pub fn maze_part(name: &str) -> Result<Option<MazeChoice>, String> {
        Task::marks(name).1.map(|word| MazeChoice::parse(name, word)).transpose()
    }

    /// The moves a task's name allows after ':' ("ne:20": at most 20 steps after listening;
    /// none: the settings' moves), at least 1.
    pub fn moves_part(name: &str) -> Result<Option<usize>, String> {
        let parse = |word: &str| match word.parse::<usize>() {
            Ok(m) if m >= 1 => Ok(m),
            _ => Err(format!("task {name:?}: its moves after ':' are a whole number of at least 1, not {word:?}")),
        };
        Task::marks(name).2.map(parse).transpose()
    }

    /// The listening steps a task's name gives after '~' ("ne~6": the command is heard for its
    /// first 6 steps, then silence; none: the settings' listening steps), at least 1.
    pub fn listen_part(name: &str) -> Result<Option<usize>, String> {
        let parse = |word: &str| match word.parse::<usize>() {
            Ok(l) if l >= 1 => Ok(l),
            _ => Err(format!(
                "task {name:?}: its listening steps after '~' are a whole number of at least 1, not {word:?}"
            )),
        };
        Task::marks(name).3.map(parse).transpose()
    }

    /// The first part of a task's name (before its exits) cut at its marks: the goal with its
    /// start region, then the words after '/' (maze), ':' (moves) and '~' (listening steps).
    fn marks(name: &str) -> (&str, Option<&str>, Option<&str>, Option<&str>) {
        let first = name.split('|').next().unwrap_or_default();
        let (first, listen) = first.split_once('~').map_or((first, None), |(f, l)| (f, Some(l)));
        let (first, moves) = first.split_once(':').map_or((first, None), |(f, m)| (f, Some(m)));
        let (goal, maze) = first.split_once('/').map_or((first, None), |(g, m)| (g, Some(m)));
        (goal, maze, moves, listen)
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

    /// A goal, optionally with a start region after `@`, a maze after `/` (`MazeChoice`), moves
    /// after `:` (`moves_part`) and listening steps after `~` (`listen_part`; both honoured by
    /// the settings' step limit and listening, not by the task), then optionally exits after
    /// `|`: each a goal's code ("ne", "nw", "se", "sw", "center", "tree", "house", "bird", "dog")
    /// or a cell "x,y" inside `maze`, e.g. "ne", "tree", "2,3", "ne|sw", "ne@near|sw",
    /// "ne/7x7|sw", "ne:20" or "ne:20~6". Anything else, a cell outside the maze, a
    /// landmark the maze has no room for, an exit that overlaps the goal, or a `maze` of another
    /// size than the name's, is refused with what was given.
    pub fn parse(name: &str, maze: &Maze) -> Result<Task, String> {
        let rest = name.split_once('|').map(|(_, r)| r);
        Task::moves_part(name)?;
        Task::listen_part(name)?;
        if let Some(choice) = Task::maze_part(name)? {
            if (choice.size, choice.size) != (maze.width, maze.height) {
                return Err(format!(
                    "task {name:?} is in a {0}x{0} maze, not a {1}x{2} one",
                    choice.size, maze.width, maze.height
                ));
            }
        }
        let first = Task::marks(name).0;
        let (goal, starts) = match first.split_once('@') {
            Some((goal, word)) => (goal, Starts::parse(word).map_err(|e| format!("task {name:?}: {e}"))?),
            None => (first, Starts::Everywhere),
        };
        let goal = Task::region(name, goal, maze)?;
        let exits =
            rest.map_or(Ok(Vec::new()), |r| r.split('|').map(|part| Task::region(name, part, maze)).collect())?;
        if exits.contains(&goal) {
            return Err(format!("task {name:?}: an exit is the goal itself"));
        }
        Ok(Task { name: name.to_string(), goal, exits, starts })
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
        Ok(Task {
            name: goal.code().to_string(),
            goal: goal.region(maze)?,
            exits: Vec::new(),
            starts: Starts::Everywhere,
        })
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
    fn start_regions_are_nested_by_distance_to_the_goal() {
        for (n, seed) in [(5, 3), (9, 1), (9, 7)] {
            let maze = Maze::generate(n, n, 0.5, seed);
            for goal in ["ne", "sw", "center", "tree"] {
                let task = |starts: &str| Task::parse(&format!("{goal}{starts}|nw"), &maze).unwrap();
                let (near, farther, all) = (task("@near"), task("@farther"), task(""));
                assert_eq!(
                    (near.starts, farther.starts, all.starts),
                    (Starts::Near, Starts::Farther, Starts::Everywhere)
                );
                let cells = |t: &Task| t.free_cells(&maze);
                let distance = all.distances(&maze);
                let far = cells(&all).iter().map(|&c| distance[c]).filter(|&d| d != usize::MAX).max().unwrap();
                for (t, thirds) in [(&near, 1), (&farther, 2)] {
                    let within = (far * thirds).div_ceil(3);
                    let want: Vec<usize> = cells(&all).into_iter().filter(|&c| distance[c] <= within).collect();
                    assert_eq!(cells(t), want, "{goal} {:?} in {n}x{n} maze {seed}", t.starts);
                }
                assert!(!cells(&near).is_empty() && cells(&near).len() < cells(&farther).len());
                assert!(cells(&farther).len() < cells(&all).len());
                assert_eq!(near.goal, all.goal);
                assert_eq!(near.exits, all.exits);
                assert_eq!(near.spoken_goal(), all.spoken_goal());
            }
        }
        let maze = Maze::generate(5, 5, 0.5, 3);
        assert_eq!(Task::goal_part("ne@near|nw|se"), "ne");
        assert!(Task::parse("ne@close|nw", &maze).unwrap_err().contains("unknown start region \"close\""));
        assert!(Task::parse("ne|nw@near", &maze).unwrap_err().contains("unknown goal \"nw@near\""));
    }

    #[test]
    fn a_task_may_name_its_maze_and_bad_mazes_are_named() {
        let seven = Maze::generate(7, 7, 0.5, 3);
        assert_eq!(Task::maze_part("ne@near/7x7#2|nw").unwrap(), Some(MazeChoice { size: 7, seed: Some(2) }));
        assert_eq!(Task::maze_part("tree/7x7").unwrap(), Some(MazeChoice { size: 7, seed: None }));
        assert_eq!(Task::maze_part("ne|nw").unwrap(), None);
        assert_eq!(Task::goal_part("ne@near/7x7#2|nw"), "ne");
        assert_eq!(Task::goal_part("ne@near/7x7:20|nw"), "ne");
        assert_eq!(Task::maze_part("ne/7x7:20").unwrap(), Some(MazeChoice { size: 7, seed: None }));
        assert_eq!((Task::moves_part("ne/7x7:20|nw").unwrap(), Task::moves_part("ne:3").unwrap()), (Some(20), Some(3)));
        assert_eq!(Task::moves_part("ne/7x7").unwrap(), None);
        assert_eq!(Task::parse("ne@near:5|nw", &Maze::generate(5, 5, 0.5, 3)).unwrap().starts, Starts::Near);
        // Listening steps come last: "ne@near/7x7:20~6" is heard for 6 steps, then moves 20.
        let all = "ne@near/7x7#2:20~6|nw";
        assert_eq!((Task::listen_part(all).unwrap(), Task::moves_part(all).unwrap()), (Some(6), Some(20)));
        assert_eq!((Task::goal_part(all), Task::maze_part(all).unwrap().map(|m| m.size)), ("ne", Some(7)));
        assert_eq!((Task::listen_part("ne~3").unwrap(), Task::listen_part("ne:3").unwrap()), (Some(3), None));
        assert_eq!(Task::parse("ne~4|nw", &Maze::generate(5, 5, 0.5, 3)).unwrap().goal.x0, 4);
        for bad in ["ne~0", "ne~x", "ne~", "ne~6:20"] {
            let e = Task::parse(bad, &seven).unwrap_err();
            assert!(e.contains("its listening steps after '~' are a whole number of at least 1"), "{bad}: {e}");
        }
        for bad in ["ne:0", "ne:x", "ne:"] {
            assert!(
                Task::parse(bad, &seven).unwrap_err().contains("its moves after ':' are a whole number of at least 1"),
                "{bad}"
            );
        }
        let t = Task::parse("ne@near/7x7|nw", &seven).unwrap();
        assert_eq!(
            (t.goal, t.starts, t.spoken_goal()),
            (GoalRegion { x0: 6, y0: 0, x1: 6, y1: 0 }, Starts::Near, Some(Goal::NorthEast))
        );
        assert!(t.is_exit(0, 0));
        let five = Maze::generate(5, 5, 0.5, 3);
        assert!(Task::parse("ne/7x7", &five).unwrap_err().contains("task \"ne/7x7\" is in a 7x7 maze, not a 5x5 one"));
        for (name, want) in [
            ("ne/7", "as \"7x7\" or \"7x7#2\", not \"7\""),
            ("ne/7x5", "the lab's mazes are square, not 7x5"),
            ("ne/99x99", "maze size of task \"ne/99x99\" must be from 2 to 64, got 99"),
            ("ne/7x7#x", "not \"7x7#x\""),
            ("ne/7x7@near", "not \"7x7@near\""),
        ] {
            assert!(Task::maze_part(name).unwrap_err().contains(want), "{name}: {:?}", Task::maze_part(name));
        }
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
        // The small maze of the experiment and 9x9 layouts with half the walls open, a few more
        // seeds (the default 9x9 maze, 10% open, has corners on corridors: ExperimentConfig
        // refuses it with corner exits).
        for (n, seed) in [(5, 3), (9, 1), (9, 3), (7, 3), (9, 7)] {
            let maze = Maze::generate(n, n, 0.5, seed);
            for g in Goal::ALL {
                let exits: Vec<&str> = Goal::ALL[..4].iter().map(|c| c.code()).filter(|&c| c != g.code()).collect();
                let t = Task::parse(&[vec![g.code()], exits].concat().join("|"), &maze).unwrap();
                assert_eq!(t.cut_off(&maze, &t.free_cells(&maze)), Vec::<usize>::new(), "{n}x{n} maze {seed}, {g:?}");
            }
        }
    }
}
