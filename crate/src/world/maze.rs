use crate::rng::{hash2, salt, Rng};
use serde::{Deserialize, Serialize};

/// Wall bits of a cell, in action order: north, east, south, west.
pub const WALL_N: u8 = 1;
pub const WALL_E: u8 = 2;
pub const WALL_S: u8 = 4;
pub const WALL_W: u8 = 8;
const WALL_BITS: [u8; 4] = [WALL_N, WALL_E, WALL_S, WALL_W];

/// A grid of cells, each with its four walls as bits. Walls are stored on both sides, so
/// `walls[c] & WALL_E` and `walls[c + 1] & WALL_W` always agree; the outer border is walled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Maze {
    pub width: usize,
    pub height: usize,
    pub walls: Vec<u8>,
    /// The cells of the tree, the house, the bird and the dog (`Goal::LANDMARKS`), placed by the
    /// maze's seed; empty in a maze narrower than 3 cells, which has no room for them.
    pub landmarks: Vec<usize>,
}

impl Maze {
    /// A perfect maze (one path between any two cells) carved by a depth-first backtracker from
    /// a seeded start cell, after which each remaining interior wall is opened with probability
    /// `extra_openings`, so that 0 keeps the maze perfect and 1 gives an open room.
    pub fn generate(width: usize, height: usize, extra_openings: f32, seed: u32) -> Maze {
        assert!(width >= 2 && height >= 2, "a maze needs at least 2x2 cells");
        let mut maze =
            Maze { width, height, walls: vec![0xF; width * height], landmarks: landmarks(width, height, seed) };
        let mut rng = Rng::new(seed);
        let mut visited = vec![false; width * height];
        let start = rng.below(width * height);
        let mut stack = vec![start];
        visited[start] = true;
        while let Some(&cell) = stack.last() {
            let unvisited: Vec<(usize, usize)> = (0..4)
                .filter_map(|dir| maze.neighbour(cell, dir).map(|next| (dir, next)))
                .filter(|&(_, next)| !visited[next])
                .collect();
            if unvisited.is_empty() {
                stack.pop();
                continue;
            }
            let (dir, next) = unvisited[rng.below(unvisited.len())];
            maze.open(cell, dir);
            visited[next] = true;
            stack.push(next);
        }
        // Extra openings: visit interior walls in a fixed order (east then south of each cell).
        for cell in 0..width * height {
            for dir in [1, 2] {
                if maze.neighbour(cell, dir).is_some()
                    && maze.walls[cell] & WALL_BITS[dir] != 0
                    && rng.uniform() < extra_openings
                {
                    maze.open(cell, dir);
                }
            }
        }
        maze
    }

    pub fn index(&self, x: usize, y: usize) -> usize {
        y * self.width + x
    }

    pub fn xy(&self, cell: usize) -> (usize, usize) {
        (cell % self.width, cell / self.width)
    }

    /// The cell one step in direction `dir` (0 N, 1 E, 2 S, 3 W), if it is inside the grid.
    pub fn neighbour(&self, cell: usize, dir: usize) -> Option<usize> {
        let (x, y) = self.xy(cell);
        match dir {
            0 if y > 0 => Some(cell - self.width),
            1 if x + 1 < self.width => Some(cell + 1),
            2 if y + 1 < self.height => Some(cell + self.width),
            3 if x > 0 => Some(cell - 1),
            _ => None,
        }
    }

    pub fn has_wall(&self, cell: usize, dir: usize) -> bool {
        self.walls[cell] & WALL_BITS[dir] != 0
    }

    fn open(&mut self, cell: usize, dir: usize) {
        let next = self.neighbour(cell, dir).expect("opening a border wall");
        self.walls[cell] &= !WALL_BITS[dir];
        self.walls[next] &= !WALL_BITS[(dir + 2) % 4];
    }

    /// Number of moves on a shortest path from the nearest of `sources` to every cell, entering
    /// no cell that is `blocked` (usize::MAX where there is none, and on blocked cells).
    pub fn distances(&self, sources: &[usize], blocked: impl Fn(usize) -> bool) -> Vec<usize> {
        let mut dist = vec![usize::MAX; self.walls.len()];
        let mut queue: std::collections::VecDeque<usize> = sources.iter().copied().collect();
        sources.iter().for_each(|&c| dist[c] = 0);
        while let Some(cell) = queue.pop_front() {
            for dir in 0..4 {
                if self.has_wall(cell, dir) {
                    continue;
                }
                let next = self.neighbour(cell, dir).expect("open wall on the border");
                if dist[next] == usize::MAX && !blocked(next) {
                    dist[next] = dist[cell] + 1;
                    queue.push_back(next);
                }
            }
        }
        dist
    }
}

/// Four distinct cells, none a corner or the centre, drawn from their own stream of `seed` (so
/// the walls of every maze stay what they were before landmarks existed).
fn landmarks(width: usize, height: usize, seed: u32) -> Vec<usize> {
    if width < 3 || height < 3 {
        return Vec::new();
    }
    let middle = super::goal::center(width, height);
    let mut free: Vec<usize> = (0..width * height)
        .filter(|&c| {
            let (x, y) = (c % width, c / width);
            let corner = (x == 0 || x == width - 1) && (y == 0 || y == height - 1);
            !corner && !middle.contains(x, y)
        })
        .collect();
    let mut rng = Rng::new(hash2(seed, salt::LANDMARKS));
    (0..4).map(|_| free.swap_remove(rng.below(free.len()))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_maze_is_connected_and_a_tree() {
        for seed in 0..20 {
            let maze = Maze::generate(9, 9, 0.0, seed);
            assert!(maze.distances(&[0], |_| false).iter().all(|&d| d != usize::MAX), "seed {seed}");
            let open_walls: usize = maze.walls.iter().map(|w| 4 - w.count_ones() as usize).sum::<usize>() / 2;
            assert_eq!(open_walls, 9 * 9 - 1, "a spanning tree has cells - 1 passages");
        }
    }

    #[test]
    fn walls_agree_on_both_sides_and_border_is_closed() {
        let maze = Maze::generate(7, 5, 0.3, 3);
        for cell in 0..maze.walls.len() {
            for dir in 0..4 {
                match maze.neighbour(cell, dir) {
                    Some(next) => {
                        assert_eq!(maze.has_wall(cell, dir), maze.has_wall(next, (dir + 2) % 4))
                    }
                    None => assert!(maze.has_wall(cell, dir)),
                }
            }
        }
    }

    #[test]
    fn generation_is_deterministic_per_seed() {
        assert_eq!(Maze::generate(9, 9, 0.1, 42), Maze::generate(9, 9, 0.1, 42));
        assert_ne!(Maze::generate(9, 9, 0.1, 42), Maze::generate(9, 9, 0.1, 43));
    }

    #[test]
    fn landmarks_are_seeded_distinct_and_off_the_corners_and_centre() {
        for (w, h) in [(3, 3), (5, 5), (9, 9), (4, 6)] {
            for seed in 0..10 {
                let maze = Maze::generate(w, h, 0.5, seed);
                assert_eq!(maze.landmarks, Maze::generate(w, h, 0.5, seed).landmarks);
                let mut cells = maze.landmarks.clone();
                cells.sort();
                cells.dedup();
                assert_eq!(cells.len(), 4, "{w}x{h} seed {seed}: {:?}", maze.landmarks);
                for &c in &cells {
                    let (x, y) = maze.xy(c);
                    assert!(!((x == 0 || x == w - 1) && (y == 0 || y == h - 1)), "a landmark on a corner");
                    assert!(!super::super::goal::center(w, h).contains(x, y), "a landmark on the centre");
                }
            }
        }
        let places: Vec<Vec<usize>> = (0..10).map(|s| Maze::generate(9, 9, 0.5, s).landmarks).collect();
        assert!(places.windows(2).any(|p| p[0] != p[1]), "the seed places the landmarks");
        assert!(Maze::generate(2, 5, 0.5, 1).landmarks.is_empty());
    }

    #[test]
    fn extra_openings_add_passages() {
        let count = |m: &Maze| m.walls.iter().map(|w| w.count_ones()).sum::<u32>();
        let perfect = Maze::generate(9, 9, 0.0, 5);
        let open = Maze::generate(9, 9, 0.5, 5);
        let room = Maze::generate(9, 9, 1.0, 5);
        assert!(count(&open) < count(&perfect));
        assert_eq!(count(&room) as usize, 2 * (9 + 9), "only the border is left");
    }
}
