use super::{Phase, PolicyRef, Trial};

/// Which stored trials a reader wants: every field left `None` matches anything. Training asks
/// for, e.g., the successful trials of one task (imitation) or all trials (prediction).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    pub task: Option<String>,
    pub phase: Option<Phase>,
    pub success: Option<bool>,
    /// Trials of this copy's evolution (`Some(None)`: trials ONE itself acted in).
    pub copy: Option<Option<u32>>,
}

impl Filter {
    pub fn matches(&self, t: &Trial) -> bool {
        let copy = match t.policy {
            PolicyRef::One { .. } => None,
            PolicyRef::Copy { copy, .. } => Some(copy),
        };
        self.task.as_ref().is_none_or(|task| *task == t.task)
            && self.phase.is_none_or(|p| p == t.phase)
            && self.success.is_none_or(|s| s == t.success)
            && self.copy.is_none_or(|c| c == copy)
    }
}
