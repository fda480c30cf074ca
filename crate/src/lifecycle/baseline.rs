use super::experiment::{Experiment, LogLine};
use super::judge::{Hearing, Tables};
use crate::data::{RolloutResult, RolloutSpec};
use crate::evolve::Strategy;
use crate::net::One;
use crate::rng::{hash2, salt, Rng};
use crate::speech::Split;
use crate::world::{Maze, Task};
use serde::Serialize;
use std::sync::Arc;

/// How evolution alone follows one command.
#[derive(Clone, Debug, Serialize)]
pub struct BaselineRow {
    pub task: String,
    pub command: String,
    pub success: f32,
    pub shuffled: f32,
    /// On the cross-synthesiser speakers.
    pub cross: f32,
}

/// The comparison the paper predicts (3.8): evolution alone on the speech-conditioned task.
#[derive(Clone, Debug, Serialize)]
pub struct BaselineReport {
    pub generations: usize,
    pub env_steps: u64,
    pub rows: Vec<BaselineRow>,
}

impl Experiment {
    /// Evolves one net from ONE's first parameters on all the commands at once: every member
    /// is rolled out from every start cell once per command, each episode hearing a random
    /// training speaker say it, and its fitness is the mean return of reaching the commanded
    /// goal (the other commands' corners are exits). Runs until it has taken `budget` environment steps (the
    /// copies' count, for a fair comparison), then is judged as ONE is, on validation speakers.
    /// Its trials are not stored: it is a control, not part of ONE's life.
    pub async fn evolution_alone(
        &mut self,
        budget: u64,
        log: &mut dyn FnMut(LogLine),
    ) -> Result<BaselineReport, String> {
        let c = self.config.copy.clone();
        let one = One::new(c.shape(), c.seed);
        let mut strategy = c.strategy.build(one.params.clone(), hash2(c.seed, salt::BASELINE));
        let mazes: Vec<Maze> = (0..self.config.tasks.len()).map(|k| self.config.maze(k)).collect();
        let tasks: Vec<Task> = (0..self.config.tasks.len())
            .map(|k| Task::parse(&self.config.copy_task(k), &mazes[k]))
            .collect::<Result<_, _>>()?;
        // Each task's training utterances at its own listening steps, and their number.
        let mut train = Vec::new();
        for k in 0..tasks.len() {
            let command = self.config.command(k);
            let table = self.config.copy_config(k).command_table(
                &self.corpus,
                &self.bank,
                command,
                Split::Train,
                hash2(c.seed, salt::TRAIN_UTTERANCES + k as u32),
            )?;
            train.push((Arc::new(table.frames), table.rows.len()));
        }
        // Each task's own start cells: a landmark's task starts nowhere on its landmark, a task
        // with a start region only within it.
        let cells: Vec<Vec<usize>> = tasks.iter().zip(&mazes).map(|(t, m)| t.free_cells(m)).collect();
        let scale = vec![1.0; one.params.len()];
        let (mut steps, mut generation) = (0u64, 0usize);
        while steps < budget {
            let pop = strategy.ask(&scale);
            let mut fitness = vec![0.0; pop.size];
            let mut reached = 0;
            let mut episodes = 0;
            let mut rng = Rng::new(hash2(c.seed ^ salt::BASELINE, generation as u32));
            for (k, (((task, maze), cells), (utterances, rows))) in
                tasks.iter().zip(&mazes).zip(&cells).zip(&train).enumerate()
            {
                let copy = self.config.copy_config(k);
                let mut spec = RolloutSpec::new(c.shape(), maze.clone(), task.clone(), cells.clone(), copy.step_limit);
                spec.listen = copy.listen;
                spec.utterances = utterances.clone();
                spec.heard = cells.iter().map(|_| rng.below(*rows) as u32).collect();
                let r: RolloutResult = self.evaluator.run(&pop, &spec, true).await?;
                steps += r.steps.iter().map(|&s| s as u64).sum::<u64>();
                for (f, m) in fitness.iter_mut().zip(r.member_fitness()) {
                    *f += m / tasks.len() as f32;
                }
                reached += r.reached.iter().filter(|&&x| x).count();
                episodes += r.reached.len();
            }
            strategy.tell(&fitness)?;
            if generation % 10 == 0 || steps >= budget {
                log(LogLine::Note(format!(
                    "evolution alone gen {generation:>3}: population reaches the commanded goal {:>5.1}%, {steps} steps",
                    100.0 * reached as f32 / episodes as f32
                )));
            }
            generation += 1;
        }
        let one = One { shape: c.shape(), params: strategy.mean().to_vec() };
        let tables: Tables = self.tables()?;
        let mut rows = Vec::new();
        for (k, task) in self.config.tasks.clone().into_iter().enumerate() {
            rows.push(BaselineRow {
                command: self.config.command(k).to_string(),
                success: self.success(&one, k, &tables, Hearing::Validation).await?,
                shuffled: self.success(&one, k, &tables, Hearing::Shuffled).await?,
                cross: self.success(&one, k, &tables, Hearing::Cross).await?,
                task,
            });
        }
        Ok(BaselineReport { generations: generation, env_steps: steps, rows })
    }
}
