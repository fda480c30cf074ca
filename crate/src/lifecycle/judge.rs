//! The acceptance test: ONE and its copies judged at every command, on the validation speakers,
//! on shuffled speech, on the cross-synthesiser speakers and on the user's recordings.

use super::experiment::Experiment;
use crate::data::{Population, RolloutSpec};
use crate::gpu::Perturbation;
use crate::net::One;
use crate::rng::{hash2, Rng};
use crate::speech::{utterance_table, Augment, Split};
use crate::world::Task;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// One row of the result table: how a command is followed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CommandRow {
    pub task: String,
    pub command: String,
    pub copy_generations: usize,
    pub copy: f32,
    pub copy_shuffled: f32,
    pub one: f32,
    pub one_shuffled: f32,
    /// ONE's success on the cross-synthesiser speakers (a synthesiser training never hears).
    pub one_cross: f32,
    /// ONE's success on the external recordings of this command, if any were given.
    pub one_recordings: Option<f32>,
    /// How many external recordings of this command that is based on.
    pub recordings: usize,
    /// What following a random one of the commands would score: the mean over all copies of
    /// their success on this task (each copy goes to its own corner, whatever it hears).
    pub chance: f32,
}

/// One row of the retention matrix R (the forgetting monitor): after a consolidation on the
/// skills `learned`, the consolidated ONE's success at every command of the experiment, those
/// not learned yet included (PowerPlay: a new skill fails under the old ONE).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RetentionRow {
    pub learned: Vec<String>,
    /// Success per task, in the experiment's task order (validation speakers).
    pub success: Vec<f32>,
    pub accepted: bool,
}

/// The acceptance test's outcome.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Judgement {
    pub rows: Vec<CommandRow>,
    pub retention: RetentionRow,
    pub cross_voices: Vec<VoiceRow>,
    pub accepted: bool,
    pub verdict: String,
}

/// ONE's success at each command on one voice of the other synthesiser.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VoiceRow {
    pub voice: String,
    /// Speakers of this voice (its speeds) per command.
    pub speakers: Vec<usize>,
    pub success: Vec<f32>,
}

/// Goal-input frames of the validation speakers saying each task's command, one table per
/// task, and all of them together (for shuffled speech); the same of the cross-synthesiser
/// speakers.
pub(super) struct Tables {
    per_task: Vec<(Arc<Vec<f32>>, usize)>,
    cross: Vec<(Arc<Vec<f32>>, usize)>,
    /// Per task, the speaker of each row of `cross`.
    cross_speakers: Vec<Vec<String>>,
    /// Per task, every task's validation utterances at that task's listening steps: what the
    /// shuffled control of that task hears.
    all: Vec<Arc<Vec<f32>>>,
}

/// The first `to` of each utterance's `from` listening frames (`goal` values each): a task that
/// listens fewer steps hears the start of the same frames (`listening_frames`). The same table,
/// shared, when `to` is all of them.
fn first_frames(frames: &Arc<Vec<f32>>, from: usize, to: usize, goal: usize) -> Arc<Vec<f32>> {
    if from == to {
        return frames.clone();
    }
    Arc::new(frames.chunks(from * goal).flat_map(|u| &u[..to * goal]).copied().collect())
}

/// What an evaluation episode hears: the commanded task's utterance by a validation speaker or
/// by a cross-synthesiser speaker, or a random validation utterance of any task's command.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Hearing {
    Validation,
    Cross,
    Shuffled,
}

impl Experiment {
    /// Every task's validation and cross-synthesiser utterances, made once at the settings'
    /// listening steps, each task's cut to its own (`Task::listen_part`).
    pub(super) fn tables(&self) -> Result<Tables, String> {
        let (listen, goal) = (self.config.copy.listen, self.config.copy.goal);
        let mut t = Tables { per_task: Vec::new(), cross: Vec::new(), cross_speakers: Vec::new(), all: Vec::new() };
        let mut all = Vec::new();
        let own: Vec<usize> = (0..self.config.tasks.len()).map(|k| self.config.copy_config(k).listen).collect();
        for (k, &own) in own.iter().enumerate() {
            let command = self.config.command(k);
            let table =
                |split| utterance_table(&self.corpus, &self.bank, command, split, listen, &Augment::default(), 0);
            let validation = table(Split::Validation)?;
            all.extend_from_slice(&validation.frames);
            let frames = first_frames(&Arc::new(validation.frames), listen, own, goal);
            t.per_task.push((frames, validation.rows.len()));
            let cross = table(Split::Cross)?;
            t.cross.push((first_frames(&Arc::new(cross.frames), listen, own, goal), cross.rows.len()));
            t.cross_speakers.push(cross.rows.into_iter().map(|(speaker, _)| speaker).collect());
        }
        let all = Arc::new(all);
        t.all = own.iter().map(|&own| first_frames(&all, listen, own, goal)).collect();
        Ok(t)
    }

    /// Success of the policy `one` (of any size: copies and ONE may grow) at following command
    /// `k`: the share of episodes that reach task `k`'s goal (the experiment's other corners
    /// are exits that fail it). Episodes start
    /// from every cell outside the goal and those exits, each start hearing every validation (or
    /// cross-synthesiser) speaker's command, or, shuffled, a random validation utterance of any
    /// of the experiment's commands. Argmax actions, held while listening.
    pub(super) async fn success(
        &mut self,
        one: &One,
        k: usize,
        tables: &Tables,
        hearing: Hearing,
    ) -> Result<f32, String> {
        let (frames, rows) = match hearing {
            Hearing::Cross => tables.cross[k].clone(),
            _ => tables.per_task[k].clone(),
        };
        if hearing == Hearing::Shuffled {
            let total: usize = tables.per_task.iter().map(|t| t.1).sum();
            let mut rng = Rng::new(hash2(self.config.copy.seed ^ crate::rng::salt::SHUFFLED, k as u32));
            self.success_hearing(one, k, tables.all[k].clone(), rows, |_| rng.below(total) as u32).await
        } else {
            self.success_hearing(one, k, frames, rows, |r| r as u32).await
        }
    }

    /// Success at command `k` from every start cell, `rows` times, episode e of round r hearing
    /// utterance `heard(r)` of `utterances`.
    async fn success_hearing(
        &mut self,
        one: &One,
        k: usize,
        utterances: Arc<Vec<f32>>,
        rows: usize,
        heard: impl FnMut(usize) -> u32,
    ) -> Result<f32, String> {
        let by_round = self.success_by_round(one, k, utterances, rows, heard).await?;
        Ok(by_round.iter().sum::<f32>() / by_round.len() as f32)
    }

    /// The same, per round.
    async fn success_by_round(
        &mut self,
        one: &One,
        k: usize,
        utterances: Arc<Vec<f32>>,
        rows: usize,
        mut heard: impl FnMut(usize) -> u32,
    ) -> Result<Vec<f32>, String> {
        let copy = self.config.copy_config(k);
        let maze = copy.maze();
        let task = Task::parse(&copy.task, &maze)?;
        let cells = task.free_cells(&maze);
        let mut spec = RolloutSpec::new(one.shape, maze, task, Vec::new(), copy.step_limit);
        spec.listen = copy.listen;
        spec.utterances = utterances;
        for r in 0..rows {
            spec.starts.extend(&cells);
            spec.heard.extend(cells.iter().map(|_| heard(r)));
        }
        let n = one.params.len();
        let pop = Population { seed: 0, size: 1, antithetic: false, mean: one.params.clone(), sigma: vec![0.0; n] };
        let result = self.evaluator.run_as(&pop, &spec, Perturbation::Regenerated, true).await?;
        self.env_steps += result.steps.iter().map(|&s| s as u64).sum::<u64>();
        let share = |round: &[bool]| round.iter().filter(|&&r| r).count() as f32 / round.len() as f32;
        Ok(result.reached.chunks(cells.len()).map(share).collect())
    }

    /// ONE's success at every command on the cross-synthesiser speakers, and on each of their
    /// voices (its speeds together): which voices of the other synthesiser ONE follows, and
    /// which it does not.
    pub(super) async fn cross_by_voice(
        &mut self,
        one: &One,
        tables: &Tables,
    ) -> Result<(Vec<f32>, Vec<VoiceRow>), String> {
        let mut voices: Vec<VoiceRow> = Vec::new();
        let n = self.config.tasks.len();
        let mut all = Vec::new();
        for k in 0..n {
            let (frames, rows) = tables.cross[k].clone();
            let by_speaker = self.success_by_round(one, k, frames, rows, |r| r as u32).await?;
            all.push(by_speaker.iter().sum::<f32>() / by_speaker.len() as f32);
            for (speaker, success) in tables.cross_speakers[k].iter().zip(by_speaker) {
                let voice = &self.corpus.speaker(speaker).variant;
                let row = match voices.iter().position(|v| &v.voice == voice) {
                    Some(i) => &mut voices[i],
                    None => {
                        voices.push(VoiceRow { voice: voice.clone(), speakers: vec![0; n], success: vec![0.0; n] });
                        voices.last_mut().expect("just pushed")
                    }
                };
                row.success[k] += success;
                row.speakers[k] += 1;
            }
        }
        for v in &mut voices {
            v.success.iter_mut().zip(&v.speakers).for_each(|(s, &count)| *s /= count.max(1) as f32);
        }
        Ok((all, voices))
    }

    /// Success at command `k` on its external recordings (kept at the settings' listening
    /// steps), each heard from every start cell for task `k`'s listening steps.
    async fn on_recordings(&mut self, one: &One, k: usize) -> Result<Option<f32>, String> {
        let (listen, goal) = (self.config.copy.listen, self.config.copy.goal);
        let rows = self.recordings[k].len() / (listen * goal);
        if rows == 0 {
            return Ok(None);
        }
        let own = self.config.copy_config(k).listen;
        let frames = first_frames(&Arc::new(self.recordings[k].clone()), listen, own, goal);
        self.success_hearing(one, k, frames, rows, |r| r as u32).await.map(Some)
    }

    /// Acceptance (PowerPlay style): the consolidated `candidate` and every copy so far are
    /// evaluated at every command learned so far; `candidate` replaces ONE only if it reaches
    /// the threshold on every retained skill, otherwise ONE stays exactly as it was. The
    /// candidate's success at every command, learned or not, is the retention matrix's new row.
    pub async fn judge(&mut self, candidate: One) -> Result<Judgement, String> {
        let tables = self.tables()?;
        let mut rows = Vec::new();
        // Every copy at every command: the diagonal is each copy's own success, a column's mean
        // the chance level of that command.
        let copies: Vec<(One, usize)> = self.copies.clone();
        let n = copies.len();
        let mut at_command = vec![vec![0.0; n]; n];
        for (j, (copy, _)) in copies.iter().enumerate() {
            for k in 0..n {
                at_command[j][k] = self.success(copy, k, &tables, Hearing::Validation).await?;
            }
        }
        for (k, (copy, copy_generations)) in copies.iter().enumerate() {
            let task = self.config.tasks[k].clone();
            rows.push(CommandRow {
                command: self.config.command(k).to_string(),
                task,
                copy_generations: *copy_generations,
                copy: at_command[k][k],
                copy_shuffled: self.success(copy, k, &tables, Hearing::Shuffled).await?,
                one: 0.0,
                one_shuffled: 0.0,
                one_cross: 0.0,
                one_recordings: None,
                recordings: 0,
                chance: (0..n).map(|j| at_command[j][k]).sum::<f32>() / n as f32,
            });
        }
        let cross_voices = self.measure_one(&candidate, &mut rows, &tables).await?;
        let failing: Vec<String> = rows
            .iter()
            .enumerate()
            .filter(|(k, r)| self.registry.imitates(&self.config.copy_task(*k)) && r.one < self.config.accept)
            .map(|(_, r)| r)
            .map(|r| format!("{} {:.1}%", r.task, 100.0 * r.one))
            .collect();
        let accepted = failing.is_empty();
        let mut success: Vec<f32> = rows.iter().map(|r| r.one).collect();
        for k in n..self.config.tasks.len() {
            success.push(self.success(&candidate, k, &tables, Hearing::Validation).await?);
        }
        let retention = RetentionRow { learned: self.config.tasks[..n].to_vec(), success, accepted };
        self.retention.push(retention.clone());
        let verdict = if accepted {
            self.one = candidate.clone();
            format!("accepted: ONE reaches {:.0}% or more on every retained skill", 100.0 * self.config.accept)
        } else {
            format!(
                "rejected, the previous ONE is kept: below {:.0}% on {}",
                100.0 * self.config.accept,
                failing.join(", ")
            )
        };
        let judgement = Judgement { rows, retention, cross_voices, accepted, verdict };
        self.judged = Some((candidate, judgement.clone()));
        Ok(judgement)
    }

    /// ONE's columns of the result table, measured for the policy `one`: its success on the
    /// validation speakers, on shuffled speech, on the cross-synthesiser speakers and on the
    /// recordings added; returns its success on each cross-synthesiser voice.
    async fn measure_one(
        &mut self,
        one: &One,
        rows: &mut [CommandRow],
        tables: &Tables,
    ) -> Result<Vec<VoiceRow>, String> {
        let (cross, cross_voices) = self.cross_by_voice(one, tables).await?;
        for (k, row) in rows.iter_mut().enumerate() {
            row.one = self.success(one, k, tables, Hearing::Validation).await?;
            row.one_shuffled = self.success(one, k, tables, Hearing::Shuffled).await?;
            row.one_cross = cross[k];
            row.one_recordings = self.on_recordings(one, k).await?;
            row.recordings = self.recordings[k].len() / (self.config.copy.listen * self.config.copy.goal);
        }
        Ok(cross_voices)
    }

    /// The last judged ONE (a loaded file's) judged again here: ONE's columns measured anew,
    /// with the recordings added since; the copies' columns, the verdict and the retention row
    /// are the judgement's own (the copies are not in a file).
    pub async fn judge_again(&mut self) -> Result<Judgement, String> {
        let (one, mut judgement) = self.judged.clone().ok_or("no ONE has been judged yet")?;
        let tables = self.tables()?;
        judgement.cross_voices = self.measure_one(&one, &mut judgement.rows, &tables).await?;
        Ok(judgement)
    }
}

#[cfg(test)]
mod tests {
    /// A task that listens 2 of 3 steps hears each utterance's first 2 frames.
    #[test]
    fn fewer_listening_steps_keep_each_utterance_s_first_frames() {
        let frames = std::sync::Arc::new((0..12).map(|v| v as f32).collect::<Vec<_>>());
        assert_eq!(*super::first_frames(&frames, 3, 2, 2), [0.0, 1.0, 2.0, 3.0, 6.0, 7.0, 8.0, 9.0]);
        assert_eq!(super::first_frames(&frames, 3, 3, 2), frames);
    }
}
