//! Export files and stored trials: built, checked, replayed.

use super::{js_error, trial_entries};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// An export file (crate/src/traces/archive.rs) of stored trial records and recordings (JSON).
#[wasm_bindgen(js_name = buildArchive)]
pub fn build_archive(records: Vec<js_sys::Uint8Array>, recordings: Vec<String>) -> Result<Vec<u8>, JsValue> {
    let trials = records
        .iter()
        .map(|r| crate::traces::decode(&r.to_vec()))
        .collect::<Result<Vec<_>, String>>()
        .map_err(js_error)?;
    Ok(crate::traces::Archive { trials, recordings, ..Default::default() }.to_bytes())
}

/// Checks a whole export file; resolves to `{trials: [{task, phase, success, record}],
/// recordings: [json]}` or throws what is wrong with it.
#[wasm_bindgen(js_name = readArchive)]
pub fn read_archive(bytes: &[u8]) -> Result<JsValue, JsValue> {
    let archive = crate::traces::Archive::from_bytes(bytes).map_err(js_error)?;
    if archive.parameters.is_some() && archive.trials.is_empty() && archive.recordings.is_empty() {
        return Err(js_error("this file holds a ONE, not traces: load it with Load ONE".into()));
    }
    let trials = trial_entries(&archive.trials)?;
    let out = js_sys::Object::new();
    js_sys::Reflect::set(&out, &"trials".into(), &trials)?;
    let recordings: js_sys::Array = archive.recordings.iter().map(|r| JsValue::from(r.as_str())).collect();
    js_sys::Reflect::set(&out, &"recordings".into(), &recordings)?;
    Ok(out.into())
}

#[derive(Serialize)]
struct ReplayView {
    maze: crate::world::Maze,
    task: crate::world::Task,
    start: (usize, usize),
    path: Vec<(usize, usize)>,
    summary: String,
}

/// A stored trial (its record bytes) replayed: its maze, task and the cells it visited.
#[wasm_bindgen(js_name = replayTrial)]
pub fn replay_trial(record: &[u8]) -> Result<JsValue, JsValue> {
    let t = crate::traces::decode(record).map_err(js_error)?;
    let replay = crate::traces::replay(&t).map_err(js_error)?;
    let policy = match t.policy {
        crate::traces::PolicyRef::One { version } => format!("ONE version {version}"),
        crate::traces::PolicyRef::Copy { generation, member, .. } if member == crate::data::MEAN_MEMBER => {
            format!("the copy's mean policy after generation {generation}")
        }
        crate::traces::PolicyRef::Copy { generation, member, .. } => {
            format!("member {member} of generation {generation}")
        }
    };
    let summary = format!(
        "task {}, {:?}, {policy}: {} in {} steps, cumulative reward {:.2}",
        t.task,
        t.phase,
        if replay.success { "reached the goal" } else { "did not reach the goal" },
        t.actions.len(),
        replay.cumulative_reward
    );
    let view = ReplayView { start: replay.cells[0], path: replay.cells, maze: replay.maze, task: replay.task, summary };
    serde_wasm_bindgen::to_value(&view).map_err(Into::into)
}
