//! ONE's three workloads timed on a device beside the CPU path, in one run: the forward pass, a
//! generation's population rollout and a consolidation step. The CLI prints them (`onelab bench
//! forward`, `onelab bench bptt`) and the page's benchmark (`www/bench.html`) runs the same
//! code in a visitor's browser, which is how the lab collects figures from real GPUs.

use crate::consolidate::Trainer;
use crate::data::{Batch, Population, RolloutSpec};
use crate::device::{Device, Forward, Rollout};
use crate::net::{NetShape, One};
use crate::rng::Rng;
use crate::world::{Goal, Maze, Task};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The goal input's width in every benchmark: the experiment's log-mel bands.
pub const GOAL: usize = 16;

/// Episodes per member in a rollout benchmark, as in the experiment's generations.
pub const EPISODES: usize = 16;

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Workload {
    /// `size` agents run `steps` steps, inputs uploaded and outputs read back each call.
    Forward,
    /// `size` members each play `EPISODES` episodes of `steps` steps in a 9x9 maze, hearing a
    /// 12-frame utterance first; one readback of fitness per call.
    Rollout,
    /// One Adam step of BPTT on `size` sequences of `steps` steps; loss sums read back.
    Bptt,
}

/// One benchmark: a workload at a size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BenchCase {
    pub workload: Workload,
    /// Agents (forward), members (rollout) or sequences (BPTT).
    pub size: usize,
    pub hidden: usize,
    pub steps: usize,
}

/// A case's speeds: units of work per second on the GPU (when the device is one) and on the CPU
/// path, and their ratio.
#[derive(Clone, Debug, Serialize)]
pub struct BenchRow {
    pub case: BenchCase,
    /// "agent-steps", "env-steps" or "trace-steps".
    pub unit: &'static str,
    pub gpu: Option<f64>,
    pub cpu: f64,
    /// GPU over CPU.
    pub ratio: Option<f64>,
}

impl BenchCase {
    /// Sizes a browser tab survives: the bounds the lab's settings take, and 2^24 units per call.
    pub fn validate(&self) -> Result<(), String> {
        let (lo, hi) = match self.workload {
            Workload::Forward => (1, 65_536),
            Workload::Rollout => (2, 65_536),
            Workload::Bptt => (2, 4096),
        };
        if !(lo..=hi).contains(&self.size) {
            return Err(format!("a {:?} benchmark takes a size from {lo} to {hi}, got {}", self.workload, self.size));
        }
        if !crate::limits::HIDDEN.contains(&self.hidden) {
            return Err(format!("hidden must be from 1 to {}, got {}", crate::limits::HIDDEN.end(), self.hidden));
        }
        if !(1..=1024).contains(&self.steps) {
            return Err(format!("steps must be from 1 to 1024, got {}", self.steps));
        }
        if self.work() > (1u64 << 24) as f64 {
            return Err(format!("{} {} per call is more than 2^24", self.work(), self.unit()));
        }
        Ok(())
    }

    /// Units of work per call.
    pub fn work(&self) -> f64 {
        let episodes = if self.workload == Workload::Rollout { EPISODES } else { 1 };
        (self.size * episodes * self.steps) as f64
    }

    pub fn unit(&self) -> &'static str {
        match self.workload {
            Workload::Forward => "agent-steps",
            Workload::Rollout => "env-steps",
            Workload::Bptt => "trace-steps",
        }
    }
}

/// The population and episodes of a rollout benchmark: members perturbed around one ONE in a
/// 9x9 maze with walls, each episode from a random start cell, hearing random goal frames while
/// it is held still (`listen` steps), then acting by argmax.
pub fn rollout_workload(members: usize, hidden: usize, steps: usize, episodes: usize) -> (Population, RolloutSpec) {
    let shape = NetShape::for_maze(GOAL, hidden);
    let one = One::new(shape, 1);
    let pop = Population {
        seed: 3,
        size: members,
        antithetic: true,
        mean: one.params.clone(),
        sigma: vec![0.1; one.params.len()],
    };
    let maze = Maze::generate(9, 9, 0.1, 1);
    let task = Task::goal(Goal::NorthEast, &maze).expect("a corner fits every maze");
    let mut spec = RolloutSpec::random_starts(shape, maze, task, episodes, steps, 4);
    let listen = 12.min(steps);
    let mut rng = Rng::new(5);
    spec.listen = listen;
    spec.utterances = Arc::new((0..listen * GOAL).map(|_| rng.symmetric(1.0)).collect());
    spec.heard = vec![0; episodes];
    (pop, spec)
}

/// A workload made ready on one device.
enum Work {
    Forward { forward: Forward, inputs: Vec<f32>, steps: usize },
    Rollout { rollout: Rollout, pop: Population, spec: RolloutSpec },
    Bptt { trainer: Trainer, batch: Batch },
}

impl Work {
    fn new(device: &Device, case: &BenchCase) -> Result<Work, String> {
        let shape = NetShape::for_maze(GOAL, case.hidden);
        let one = One::new(shape, 1);
        Ok(match case.workload {
            Workload::Forward => {
                let mut rng = Rng::new(2);
                let inputs = (0..case.steps * case.size * shape.input()).map(|_| rng.symmetric(1.0)).collect();
                Work::Forward { forward: device.forward(&one, case.size, case.steps)?, inputs, steps: case.steps }
            }
            Workload::Rollout => {
                let (pop, spec) = rollout_workload(case.size, case.hidden, case.steps, EPISODES);
                Work::Rollout { rollout: device.rollout(), pop, spec }
            }
            Workload::Bptt => Work::Bptt {
                trainer: Trainer::new(device, &one, vec![1.0; one.params.len()], case.size, case.steps)?,
                batch: Batch::random(shape, case.size, case.steps, 2),
            },
        })
    }

    async fn once(&mut self) -> Result<(), String> {
        match self {
            Work::Forward { forward, inputs, steps } => forward.run(inputs, *steps).await.map(drop),
            Work::Rollout { rollout, pop, spec } => rollout.run(pop, spec, false).await.map(drop),
            Work::Bptt { trainer, batch } => trainer.step(batch, 1e-3).await.map(drop),
        }
    }
}

/// Seconds per call of `case` on `device`: one untimed call (pipelines compiled, buffers made),
/// then calls until `min_seconds` have passed, at least one.
async fn seconds_per_call(
    device: &Device,
    case: &BenchCase,
    min_seconds: f64,
    now: &dyn Fn() -> f64,
) -> Result<f64, String> {
    case.validate()?;
    let mut work = Work::new(device, case)?;
    work.once().await?;
    let (start, mut calls) = (now(), 0);
    while calls == 0 || now() - start < min_seconds {
        work.once().await?;
        calls += 1;
    }
    Ok((now() - start) / calls as f64)
}

/// `case` on `device`'s GPU (if it is one) and on the CPU path, each for at least
/// `min_seconds`.
pub async fn bench(
    device: &Device,
    case: &BenchCase,
    min_seconds: f64,
    now: &dyn Fn() -> f64,
) -> Result<BenchRow, String> {
    let gpu = match device {
        Device::Gpu(_) => Some(case.work() / seconds_per_call(device, case, min_seconds, now).await?),
        Device::Cpu => None,
    };
    let cpu = case.work() / seconds_per_call(&Device::Cpu, case, min_seconds, now).await?;
    Ok(BenchRow { case: case.clone(), unit: case.unit(), gpu, cpu, ratio: gpu.map(|g| g / cpu) })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every workload runs on the CPU path and gives a positive rate; bad sizes are refused by
    /// name before anything is made.
    #[test]
    fn cases_run_and_bad_sizes_are_refused() {
        let clock = std::time::Instant::now();
        let now = || clock.elapsed().as_secs_f64();
        for workload in [Workload::Forward, Workload::Rollout, Workload::Bptt] {
            let case = BenchCase { workload, size: 4, hidden: 8, steps: 5 };
            let row = pollster::block_on(bench(&Device::Cpu, &case, 0.0, &now)).unwrap();
            assert!(row.cpu > 0.0 && row.cpu.is_finite(), "{workload:?}: {}", row.cpu);
            assert_eq!((row.gpu, row.ratio), (None, None));
            let json = serde_json::to_value(&row).unwrap();
            assert_eq!(json["case"]["workload"], serde_json::to_value(workload).unwrap());
            assert_eq!(json["case"]["size"], 4);
            assert_eq!(json["unit"], case.unit());
        }
        let bad = |workload, size, hidden, steps| {
            let case = BenchCase { workload, size, hidden, steps };
            pollster::block_on(bench(&Device::Cpu, &case, 0.0, &now)).unwrap_err()
        };
        assert!(bad(Workload::Bptt, 1, 8, 5).contains("size from 2"));
        assert!(bad(Workload::Forward, 4, 0, 5).contains("hidden"));
        assert!(bad(Workload::Rollout, 4, 8, 0).contains("steps"));
        assert!(bad(Workload::Forward, 65_536, 8, 1024).contains("2^24"));
    }
}
