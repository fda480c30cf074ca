//! The progress of `onelab run` and `onelab evolve`: each log line with the time so far, and on each generation and
//! update line the run's totals and an ETA; on a terminal, a bar under the lines, redrawn in
//! place, instead.

use onelab::lifecycle::LogLine;
use std::io::{IsTerminal, Write};
use std::time::Instant;

/// The work of an experiment as its log reports it: `copies` copies of at most `generations`
/// generations each (a copy stops early once it succeeds, so the ETA is an upper bound), then
/// `consolidations` consolidations of `updates` updates.
pub struct Progress {
    start: Instant,
    last: Instant,
    terminal: bool,
    copies: usize,
    generations: usize,
    consolidations: usize,
    updates: usize,
    /// Copies and consolidations started, and the steps of the one running.
    copy: usize,
    generation: usize,
    consolidation: usize,
    update: usize,
    /// Generations and updates done, and the seconds they took.
    generations_done: usize,
    evolving: f64,
    updates_done: usize,
    consolidating: f64,
}

impl Progress {
    pub fn new(copies: usize, generations: usize, consolidations: usize, updates: usize) -> Progress {
        let now = Instant::now();
        Progress {
            start: now,
            last: now,
            terminal: std::io::stdout().is_terminal(),
            copies,
            generations,
            consolidations,
            updates,
            copy: 0,
            generation: 0,
            consolidation: 0,
            update: 0,
            generations_done: 0,
            evolving: 0.0,
            updates_done: 0,
            consolidating: 0.0,
        }
    }

    /// A resumed run: `copies` copies and `consolidations` consolidations started so far, the
    /// last copy at `generation`, the last consolidation at `update`.
    pub fn resumed_at(&mut self, copies: usize, generation: usize, consolidations: usize, update: usize) {
        (self.copy, self.generation, self.consolidation, self.update) = (copies, generation, consolidations, update);
    }

    pub fn copy_starts(&mut self) {
        self.copy += 1;
        self.generation = 0;
        self.last = Instant::now();
    }

    pub fn consolidation_starts(&mut self) {
        self.consolidation += 1;
        self.update = 0;
        self.last = Instant::now();
    }

    pub fn seconds(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    /// Prints `line`, counting what it marks.
    pub fn log(&mut self, line: LogLine) {
        let took = self.last.elapsed().as_secs_f64();
        self.last = Instant::now();
        let counted = match line {
            LogLine::Generation(_) => {
                self.generation += 1;
                self.generations_done += 1;
                self.evolving += took;
                true
            }
            LogLine::Update(u, _) => {
                let done = u + 1 - self.update;
                self.update = u + 1;
                self.updates_done += done;
                self.consolidating += took;
                true
            }
            LogLine::Note(_) => false,
        };
        let text = format!("{:>8.1} s  {}", self.seconds(), line.text());
        if self.terminal {
            print!("\r\x1b[2K{text}\n{}", self.bar());
            std::io::stdout().flush().ok();
        } else if counted {
            println!("{text}  [{}]", self.totals());
        } else {
            println!("{text}");
        }
    }

    /// Ends the bar's line on a terminal.
    pub fn finish(&self) {
        if self.terminal {
            println!();
        }
    }

    /// Generations and updates at most left.
    fn left(&self) -> (usize, usize) {
        let left = |started: usize, total: usize, per: usize, within: usize| {
            let running = if started > 0 { per.saturating_sub(within) } else { 0 };
            total.saturating_sub(started) * per + running
        };
        (
            left(self.copy, self.copies, self.generations, self.generation),
            left(self.consolidation, self.consolidations, self.updates, self.update),
        )
    }

    /// Seconds at most left, once a generation and an update have been timed (or no
    /// generation is left).
    fn eta(&self) -> Option<f64> {
        let (generations, updates) = self.left();
        let per_update = if updates == 0 {
            0.0
        } else {
            (self.updates_done > 0).then(|| self.consolidating / self.updates_done as f64)?
        };
        let per_generation = if generations == 0 {
            0.0
        } else {
            (self.generations_done > 0).then(|| self.evolving / self.generations_done as f64)?
        };
        Some(per_generation * generations as f64 + per_update * updates as f64)
    }

    /// Where the run stands: the copy and its generation, the consolidation and its update,
    /// and at most how long is left.
    fn totals(&self) -> String {
        let eta = match self.eta() {
            Some(eta) => format!("at most {} left", clock(eta)),
            None => format!("{} updates to time after evolving", self.left().1),
        };
        let copies = format!("copy {}/{} gen {}/{}", self.copy, self.copies, self.generation, self.generations);
        if self.consolidations == 0 {
            return format!("{copies} · {eta}");
        }
        let (c, u) = (self.consolidation, self.update);
        format!("{copies} · consolidation {c}/{} update {u}/{} · {eta}", self.consolidations, self.updates)
    }

    /// A bar of the time spent against the time at most left, then the totals.
    fn bar(&self) -> String {
        let spent = self.evolving + self.consolidating;
        let share = self.eta().map_or(0.0, |eta| spent / (spent + eta).max(1e-9));
        let filled = (30.0 * share.clamp(0.0, 1.0)).round() as usize;
        format!("[{}{}] {}", "#".repeat(filled), "-".repeat(30 - filled), self.totals())
    }
}

/// Seconds as m:ss.
fn clock(seconds: f64) -> String {
    let s = seconds.round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}
