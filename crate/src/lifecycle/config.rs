//! The experiment's settings: which commands, each copy's evolution, consolidation, acceptance.

use crate::consolidate::ConsolidateConfig;
use crate::evolve::EvolveConfig;
use crate::net::NetShape;
use crate::speech::Augment;
use crate::world::{Goal, Maze, Task};
use serde::{Deserialize, Serialize};

/// The experiment of paper 3.8: a copy of ONE per corner command learns its corner by evolution
/// while hearing the command (free to ignore it); every trial is stored; ONE is consolidated on
/// the traces alone; the new ONE is accepted only if it follows every command (PowerPlay style).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExperimentConfig {
    /// Each copy's settings; its `task` is replaced by each of `tasks` in turn.
    pub copy: EvolveConfig,
    /// Goals ("ne", "nw", "se", "sw", "center", "tree", "house", "bird", "dog"), at least
    /// two: one command per task. A goal may name a start region ("ne@near", "ne@farther":
    /// `world::Starts`): the same command, its episodes starting nearer the goal.
    pub tasks: Vec<String>,
    /// Generations per copy, at most.
    pub generations: usize,
    /// A copy stops evolving once its mean policy reaches this success from every start.
    pub copy_target: f32,
    pub consolidation: ConsolidateConfig,
    /// Acceptance: ONE must reach this success on every retained skill (validation speakers).
    pub accept: f32,
    /// ONE learns the skills one at a time: after each copy, ONE consolidates on every trace so
    /// far and is judged on every skill so far, and the next copy evolves from that ONE. Off,
    /// ONE consolidates once, after all copies (the default: one consolidation is cheapest).
    /// Either way the retention matrix gets a row per consolidation.
    #[serde(default)]
    pub consolidate_each: bool,
    /// Each copy's task has the experiment's other corners as exits (leaving by the wrong corner
    /// fails, as in the default experiment). Off, a copy's task is its goal alone: for mazes whose
    /// corners lie on corridors, where exits would cut start cells off from the goal (the default
    /// 9x9 maze's corners cut off a third to two thirds of its cells), which `validate` refuses.
    #[serde(default = "corner_exits_default")]
    pub corner_exits: bool,
}

/// Settings written before `corner_exits` existed had the corners as exits.
fn corner_exits_default() -> bool {
    true
}

impl ExperimentConfig {
    /// The lab's default experiment: the four corners of the small maze, 12 listening steps then
    /// up to 32 moves, ONE of 32 hidden units, the training speakers heard through the standard
    /// augmentation. Each copy evolves until its mean policy succeeds from every start cell (or
    /// 150 generations: with 100, hearing the many training voices, the south-west copy stopped
    /// short in 4 of 9 runs), so that its demonstrations are complete; consolidation takes 4000
    /// Adam steps on batches of 128 traces.
    pub fn default_experiment() -> ExperimentConfig {
        let mut copy = EvolveConfig::small_maze();
        copy.listen = 12;
        copy.step_limit = 12 + 32;
        copy.hidden = 32;
        copy.augment = Augment::standard();
        ExperimentConfig {
            copy,
            tasks: ["ne", "nw", "se", "sw"].map(String::from).to_vec(),
            generations: 150,
            copy_target: 1.0,
            consolidation: ConsolidateConfig { updates: 4000, batch: 128, ..ConsolidateConfig::default() },
            accept: 0.9,
            consolidate_each: false,
            corner_exits: true,
        }
    }

    /// Settings as the page reads them (a share link's, the form's, `onelab run --config`'s, a
    /// ONE file's): JSON, then every bound checked.
    pub fn from_json(json: &[u8]) -> Result<ExperimentConfig, String> {
        let c: ExperimentConfig =
            serde_json::from_slice(json).map_err(|e| format!("the settings cannot be read: {e}"))?;
        c.validate()?;
        Ok(c)
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.tasks.len() < 2 {
            return Err("the experiment needs at least two commands, so that behaviour can depend on them".into());
        }
        for (k, t) in self.tasks.iter().enumerate() {
            Goal::parse(Task::goal_part(t))?;
            if self.tasks[..k].contains(t) {
                return Err(format!("task {t} is listed twice"));
            }
        }
        if self.copy.listen == 0 {
            return Err("the experiment needs listening steps: ONE must hear the commands".into());
        }
        crate::limits::check("generations", self.generations, crate::limits::GENERATIONS)?;
        for (name, v) in [("copy target", self.copy_target), ("acceptance threshold", self.accept)] {
            if !(0.0..=1.0).contains(&v) {
                return Err(format!("the {name} is a success share in [0, 1], got {v}"));
            }
        }
        // Every goal has a place in its maze (a landmark needs 3x3 cells), said before what that
        // maze would lack besides; sizes are checked first, as a maze cannot be made without.
        crate::limits::check("maze size", self.copy.maze_size, crate::limits::MAZE_SIZE)?;
        let most = self.copy.step_limit.saturating_sub(self.copy.listen);
        for t in &self.tasks {
            Task::maze_part(t)?;
            // Consolidation replays every trace in sequences of the settings' steps.
            if let Some(moves) = Task::moves_part(t)?.filter(|&m| m > most) {
                return Err(format!("task {t} allows {moves} moves, more than the settings' {most}: raise the moves"));
            }
            // The judgement and recordings hear the settings' listening steps, a task the first
            // of them (a shorter listening hears the start of the same frames).
            if let Some(listen) = Task::listen_part(t)?.filter(|&l| l > self.copy.listen) {
                let most = self.copy.listen;
                return Err(format!(
                    "task {t} listens {listen} steps, more than the settings' {most}: raise the listening steps"
                ));
            }
        }
        for k in 0..self.tasks.len() {
            self.goal(k).region(&self.maze(k))?;
        }
        let mut places = Vec::new();
        for k in 0..self.tasks.len() {
            let maze = self.maze(k);
            let task = Task::parse(&self.copy_task(k), &maze)?;
            let free = task.free_cells(&maze);
            if free.is_empty() {
                let n = maze.width;
                return Err(format!("task {} leaves no cell to start from in a {n}x{n} maze", self.tasks[k]));
            }
            // A start from which every way to the goal passes an exit can never succeed, so no
            // copy and no ONE could be accepted on it (start regions nearer the goal leave such
            // cells out themselves).
            task.refuse_cut_off(&maze, &free, "turn the corner exits off (corner_exits false; onelab run --no-exits)")?;
            // "ne/5x5" in an experiment whose copies' maze is that 5x5 one is "ne" again, "ne:32"
            // when its moves are 32, and "ne~12" when it listens 12 steps.
            let copy = self.copy_config(k);
            let place = (task.goal, task.starts, copy.maze_spec()?, copy.listen, copy.step_limit);
            if let Some(j) = places.iter().position(|p| *p == place) {
                return Err(format!(
                    "task {} is task {} again: the same goal, start region, maze, listening and moves",
                    self.tasks[k], self.tasks[j]
                ));
            }
            places.push(place);
        }
        for k in 0..self.tasks.len() {
            self.copy_config(k).validate()?;
        }
        let c = &self.copy;
        // The largest ONE: after the last copy's units (a life's rejected candidates grow only
        // their own experiment's ONE, never past this).
        let largest = self.shape_after(self.tasks.len());
        if self.copy.grow > 0 {
            crate::limits::check("hidden units ONE grows to over its tasks", largest.hidden, crate::limits::HIDDEN)?;
        }
        self.consolidation.validate()?;
        self.consolidation.fits(largest, c.step_limit)
    }

    /// ONE's shape once `copies` copies have finished: each copy that freezes and grows
    /// (`copy.grow` units) grows ONE by its units (`One::grow_from`).
    pub fn shape_after(&self, copies: usize) -> NetShape {
        NetShape { hidden: self.copy.hidden + self.copy.grow * copies, ..self.copy.shape() }
    }

    /// The spoken command of task `k` ("north east" for "ne"); tasks are validated goals.
    pub fn command(&self, k: usize) -> &'static str {
        self.goal(k).command()
    }

    fn goal(&self, k: usize) -> Goal {
        Goal::parse(Task::goal_part(&self.tasks[k])).expect("validated: goals")
    }

    /// The task of the copy that learns command `k`: its goal, with the experiment's other
    /// corners as exits (e.g. "ne|nw|se|sw", "tree|ne|sw", "ne@near|nw"), so that leaving the
    /// maze by the wrong corner fails; its goal alone when `corner_exits` is off. The centre and
    /// the landmarks are places inside the maze, not exits: a way to the house may pass the tree.
    pub fn copy_task(&self, k: usize) -> String {
        if !self.corner_exits {
            return self.tasks[k].clone();
        }
        let own = self.goal(k);
        let mut parts = vec![self.tasks[k].as_str()];
        for j in 0..self.tasks.len() {
            let code = self.goal(j).code();
            if self.goal(j).is_corner() && self.goal(j) != own && !parts[1..].contains(&code) {
                parts.push(code);
            }
        }
        parts.join("|")
    }

    /// The settings of the copy that learns task `k`, before its seed and size are its own
    /// (`Experiment::copy`): the experiment's, with `copy_task(k)` as its task, in that task's
    /// maze, with that task's moves and listening steps (`EvolveConfig::with_task`).
    pub fn copy_config(&self, k: usize) -> EvolveConfig {
        self.copy.with_task(&self.copy_task(k))
    }

    /// The maze task `k` runs in: the one its name chooses ("ne/7x7"), else the copies' maze.
    /// Tasks are validated.
    pub fn maze(&self, k: usize) -> Maze {
        self.copy_config(k).maze()
    }

    /// Whether ONE consolidates once copy `k` has finished.
    pub fn consolidates_after(&self, k: usize) -> bool {
        self.consolidate_each || k + 1 == self.tasks.len()
    }
}
