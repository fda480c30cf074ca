use serde::{Deserialize, Serialize};

/// Which skills feed consolidation's imitation term (paper 3.2, abstract): a skill worth
/// memorizing has its successful traces imitated; a superseded one stops feeding imitation, but
/// every trace, of every skill, keeps feeding prediction.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Registry {
    pub skills: Vec<Skill>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Skill {
    pub task: String,
    pub worth_memorizing: bool,
}

impl Registry {
    /// Marks `task` worth memorizing (adding it if new).
    pub fn memorize(&mut self, task: &str) {
        match self.skills.iter_mut().find(|s| s.task == task) {
            Some(s) => s.worth_memorizing = true,
            None => self.skills.push(Skill { task: task.to_string(), worth_memorizing: true }),
        }
    }

    /// Stops imitating `task`'s traces; they still teach prediction.
    pub fn supersede(&mut self, task: &str) {
        if let Some(s) = self.skills.iter_mut().find(|s| s.task == task) {
            s.worth_memorizing = false;
        }
    }

    pub fn imitates(&self, task: &str) -> bool {
        self.skills.iter().any(|s| s.task == task && s.worth_memorizing)
    }
}
