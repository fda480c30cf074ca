//! The experiment's settings on the command line, shared by `onelab run` and `onelab life`:
//! each option applies over the defaults (the lab's default experiment) or over --config's file.

use onelab::lifecycle::ExperimentConfig;
use onelab::speech::Augment;

/// The experiment's settings: each applies over the defaults (the lab's default experiment)
/// or over --config's file; the defaults shown are the default experiment's.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("settings").multiple(true)))]
pub struct Settings {
    /// Goals, one spoken command each: ne, nw, se, sw, center, tree, house, bird, dog; a goal
    /// may start its episodes near it only (ne@near: within a third of the farthest start's
    /// moves; ne@farther: two thirds), have a maze of its own (ne/7x7: a 7x7 maze of the
    /// --maze-seed layout; ne/7x7#2: of layout 2), allow fewer moves (ne:16, at most --moves)
    /// and hear fewer listening steps (ne~6, at most --listen; in that order: ne@near/7x7:16~6)
    /// [default: ne,nw,se,sw].
    #[arg(long, value_delimiter = ',', value_name = "T,T,..", group = "settings")]
    tasks: Option<Vec<String>>,
    /// Generations per copy, at most [default: 150].
    #[arg(long, group = "settings")]
    generations: Option<usize>,
    /// A copy stops once its mean policy reaches S [default: 1].
    #[arg(long, value_name = "S", group = "settings")]
    copy_target: Option<f32>,
    /// Members per generation [default: 128].
    #[arg(long, group = "settings")]
    population: Option<usize>,
    /// Hidden units of ONE (and so of its copies) [default: 32].
    #[arg(long, group = "settings")]
    hidden: Option<usize>,
    /// Each copy freezes ONE's weights and evolves K new hidden units alone; ONE then grows by
    /// them, their outgoing weights starting at zero (paper 3.1) [default: 0, no growth].
    #[arg(long, value_name = "K", group = "settings")]
    grow: Option<usize>,
    /// Maze of N x N cells [default: 5].
    #[arg(long, value_name = "N", group = "settings")]
    maze: Option<usize>,
    /// Seed of the maze layout [default: 3].
    #[arg(long, group = "settings")]
    maze_seed: Option<u32>,
    /// Share of extra openings in the maze [default: 0.5].
    #[arg(long, group = "settings")]
    openings: Option<f32>,
    /// Listening steps per episode [default: 12].
    #[arg(long, value_name = "L", group = "settings")]
    listen: Option<usize>,
    /// Steps after listening, at most [default: 32].
    #[arg(long, value_name = "M", group = "settings")]
    moves: Option<usize>,
    /// The goal input is not normalised per utterance [default: normalised].
    #[arg(long, group = "settings")]
    no_normalise: bool,
    /// Augmentation of the training speakers: none, standard, or standard changed by
    /// NAME=V,NAME=V... (copies, speed, warp, reverb, gain_db, snr_db, shift_ms, time_mask,
    /// band_mask) [default: standard].
    #[arg(long, value_name = "A", group = "settings")]
    augment: Option<String>,
    /// Consolidation steps (Adam) [default: 4000].
    #[arg(long, group = "settings")]
    updates: Option<usize>,
    /// Traces per consolidation batch [default: 128].
    #[arg(long, group = "settings")]
    batch: Option<usize>,
    /// Consolidation learning rate [default: 0.01].
    #[arg(long, value_name = "L", group = "settings")]
    clr: Option<f32>,
    /// Weight of the imitation loss [default: 1].
    #[arg(long, value_name = "W", group = "settings")]
    imitation: Option<f32>,
    /// Weight of the prediction loss [default: 1].
    #[arg(long, value_name = "W", group = "settings")]
    prediction: Option<f32>,
    /// Per-weight learning rates: uniform, or scaled by each weight's spread over the copies'
    /// trials (variance, paper 3.12) [default: uniform].
    #[arg(long, value_parser = ["uniform", "variance"], group = "settings")]
    rates: Option<String>,
    /// Acceptance: success on every command at least S [default: 0.9].
    #[arg(long, value_name = "S", group = "settings")]
    accept: Option<f32>,
    /// ONE learns the skills one at a time: it consolidates (and is judged) after each copy,
    /// and the next copy evolves from it [default: once, after all copies].
    #[arg(long, group = "settings")]
    each: bool,
    /// A copy's task is its goal alone: the other corners are no exits (for mazes whose corners
    /// lie on corridors, such as the default 9x9 maze) [default: the other corners are exits].
    #[arg(long, group = "settings")]
    no_exits: bool,
    /// Any setting by its dotted name, as the page's "All settings" and share links name it
    /// (copy.strategy.sigma=0.05, consolidation.batch=64, ...); VALUE is JSON or a word.
    #[arg(long = "set", value_name = "NAME=VALUE", group = "settings")]
    set: Vec<String>,
    /// Seed of ONE, the copies and the batches [default: drawn fresh and printed; the lab's
    /// figures use --seed 1].
    #[arg(long, group = "settings")]
    seed: Option<u32>,
    /// Start from these settings (JSON, as the page's "Settings as JSON" and share links carry
    /// them) instead of the defaults; the options above still change them.
    #[arg(long, value_name = "FILE", group = "settings")]
    config: Option<String>,
    /// Print the settings as JSON and stop (a file for --config).
    #[arg(long, group = "settings")]
    pub print_config: bool,
}

impl Settings {
    /// The settings these options give, checked, and whether the seed was drawn fresh (given
    /// neither by --seed nor by --config).
    pub fn config(&self) -> Result<(ExperimentConfig, bool), String> {
        let mut c = match &self.config {
            Some(file) => config_file(file)?,
            None => ExperimentConfig::default_experiment(),
        };
        use crate::given as set;
        set(&mut c.tasks, self.tasks.clone());
        set(&mut c.generations, self.generations);
        set(&mut c.copy_target, self.copy_target);
        set(&mut c.copy.strategy.population, self.population);
        set(&mut c.copy.hidden, self.hidden);
        set(&mut c.copy.grow, self.grow);
        set(&mut c.copy.maze_size, self.maze);
        set(&mut c.copy.maze_seed, self.maze_seed);
        set(&mut c.copy.extra_openings, self.openings);
        let moves = self.moves.unwrap_or(c.copy.step_limit - c.copy.listen);
        set(&mut c.copy.listen, self.listen);
        c.copy.step_limit = c.copy.listen + moves;
        if self.no_normalise {
            c.copy.normalise = false;
        }
        if let Some(spec) = &self.augment {
            c.copy.augment = augment(spec)?;
        }
        set(&mut c.consolidation.updates, self.updates);
        set(&mut c.consolidation.batch, self.batch);
        set(&mut c.consolidation.learning_rate, self.clr);
        set(&mut c.consolidation.imitation_weight, self.imitation);
        set(&mut c.consolidation.prediction_weight, self.prediction);
        set(&mut c.consolidation.variance_rates, self.rates.as_deref().map(|r| r == "variance"));
        set(&mut c.accept, self.accept);
        if self.each {
            c.consolidate_each = true;
        }
        if self.no_exits {
            c.corner_exits = false;
        }
        // A new experiment gets a fresh seed, unless given one by --seed or by --config's settings
        // (which a share link carries, so that it reproduces its run exactly).
        let fresh = self.seed.is_none() && self.config.is_none();
        if let Some(seed) = if fresh { Some(crate::fresh_seed()?) } else { self.seed } {
            c.copy.seed = seed;
            c.consolidation.seed = seed;
        }
        // After the seed, so that `--set consolidation.seed=N` is not overwritten by it.
        for pair in &self.set {
            c = set_by_name(&c, pair)?;
        }
        c.validate()?;
        Ok((c, fresh))
    }
}

/// `--set NAME=VALUE`: the setting of dotted name NAME (as the settings JSON and the page name
/// it) changed to VALUE, read as JSON or else as a word; a name the lab lacks is refused by name,
/// and the whole is checked as the page checks it.
fn set_by_name(c: &ExperimentConfig, pair: &str) -> Result<ExperimentConfig, String> {
    let (name, value) = pair.split_once('=').ok_or_else(|| format!("--set takes NAME=VALUE, got {pair:?}"))?;
    let mut doc = serde_json::to_value(c).map_err(|e| e.to_string())?;
    let mut slot = &mut doc;
    for key in name.split('.') {
        slot = slot
            .as_object_mut()
            .and_then(|o| o.get_mut(key))
            .ok_or_else(|| format!("--set: there is no setting {name:?}"))?;
    }
    *slot = serde_json::from_str(value).unwrap_or_else(|_| serde_json::Value::String(value.into()));
    let bytes = serde_json::to_vec(&doc).map_err(|e| e.to_string())?;
    ExperimentConfig::from_json(&bytes).map_err(|e| format!("--set {pair}: {e}"))
}

/// `--config FILE`: settings read as the page reads a share link's, and refused by name when the
/// file names a setting the lab does not have (serde would pass over it in silence).
fn config_file(file: &str) -> Result<ExperimentConfig, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("--config: cannot read {file}: {e}"))?;
    let c = ExperimentConfig::from_json(&bytes).map_err(|e| format!("--config {file}: {e}"))?;
    let given: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
    let known = serde_json::to_value(&c).map_err(|e| e.to_string())?;
    match unknown_key(&given, &known, "") {
        Some(key) => Err(format!("--config {file}: there is no setting {key:?}")),
        None => Ok(c),
    }
}

/// The first key of `given`, as a dotted path, that `known` lacks.
fn unknown_key(given: &serde_json::Value, known: &serde_json::Value, at: &str) -> Option<String> {
    let (given, known) = (given.as_object()?, known.as_object()?);
    given.iter().find_map(|(k, v)| {
        let path = if at.is_empty() { k.clone() } else { format!("{at}.{k}") };
        match known.get(k) {
            None => Some(path),
            Some(inner) => unknown_key(v, inner, &path),
        }
    })
}

/// `--augment`: "none", "standard", or the standard augmentation with `NAME=V,...` changed.
fn augment(spec: &str) -> Result<Augment, String> {
    match spec {
        "none" => return Ok(Augment::default()),
        "standard" => return Ok(Augment::standard()),
        _ => {}
    }
    let mut fields = serde_json::to_value(Augment::standard()).map_err(|e| e.to_string())?;
    for pair in spec.split(',') {
        let (name, value) =
            pair.split_once('=').ok_or_else(|| format!("--augment takes NAME=V pairs, got {pair:?}"))?;
        let slot = fields.get_mut(name).ok_or_else(|| format!("--augment: there is no augmentation {name:?}"))?;
        *slot = serde_json::from_str(value).map_err(|_| format!("--augment: {name} got {value:?}, not a number"))?;
    }
    let a: Augment = serde_json::from_value(fields).map_err(|e| format!("--augment: {e}"))?;
    a.validate()?;
    Ok(a)
}
