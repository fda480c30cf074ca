//! The wasm-bindgen API the page's worker drives. It wraps the same `Device`, `Walker`,
//! `Evolution` and `Experiment` code the native CLI and tests use; nothing here computes
//! anything of its own.
//!
//! Each long call borrows its object for the whole of its await (`try_borrow_mut`): a second
//! call while one runs is refused by name instead of interleaving, which is the point.
#![allow(clippy::await_holding_refcell_ref)]

use serde::Serialize;
use wasm_bindgen::prelude::*;

mod consolidator;
mod evolver;
mod experiment;
mod helpers;
mod inputs;
mod lab;
mod life;
mod settings;
mod speech;
mod traces;

#[derive(Serialize)]
struct Scene<'a> {
    maze: &'a crate::world::Maze,
    task: &'a crate::world::Task,
    start: (usize, usize),
}

/// An evolving copy's maze and task, for the page to draw its best episodes in (null when no
/// copy evolves).
fn copy_scene(evo: Option<&crate::evolve::Evolution>) -> Result<JsValue, JsValue> {
    match evo {
        Some(e) => Ok(serde_wasm_bindgen::to_value(&Scene { maze: &e.maze, task: &e.task, start: (0, 0) })?),
        None => Ok(JsValue::NULL),
    }
}

fn js_error(message: String) -> JsValue {
    JsError::new(&message).into()
}

/// Trials as the worker stores them in IndexedDB: `[{task, phase, success, record}]`.
fn trial_entries(trials: &[crate::traces::Trial]) -> Result<JsValue, JsValue> {
    let out = js_sys::Array::new();
    for t in trials {
        let entry = js_sys::Object::new();
        let set = |k: &str, v: JsValue| js_sys::Reflect::set(&entry, &k.into(), &v).map(|_| ());
        set("task", t.task.as_str().into())?;
        set("phase", format!("{:?}", t.phase).into())?;
        set("success", t.success.into())?;
        set("record", js_sys::Uint8Array::from(crate::traces::encode(t).as_slice()).into())?;
        out.push(&entry);
    }
    Ok(out.into())
}

/// What a step did, as the worker reads it (`kind` and the fields of `lifecycle::Event`, or of
/// `lifecycle::LifeEvent`).
fn event_value(event: &impl Serialize) -> Result<JsValue, JsValue> {
    event.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(Into::into)
}

/// A step's trials and policy snapshots as the worker stores them: `{trials, policies}`, the
/// policies encoded (crate/src/traces/policy.rs).
fn drained(trials: &[crate::traces::Trial], policies: &[crate::traces::PolicySnapshot]) -> Result<JsValue, JsValue> {
    let out = js_sys::Object::new();
    js_sys::Reflect::set(&out, &"trials".into(), &trial_entries(trials)?)?;
    let encoded: js_sys::Array =
        policies.iter().map(|s| JsValue::from(js_sys::Uint8Array::from(s.encode().as_slice()))).collect();
    js_sys::Reflect::set(&out, &"policies".into(), &encoded)?;
    Ok(out.into())
}

fn busy() -> JsValue {
    js_error("a step is already running".into())
}

fn decode_all(records: &js_sys::Array) -> Result<Vec<crate::traces::Trial>, JsValue> {
    let mut trials = Vec::with_capacity(records.length() as usize);
    for r in records.iter() {
        let bytes = js_sys::Uint8Array::new(&r).to_vec();
        trials.push(crate::traces::decode(&bytes).map_err(js_error)?);
    }
    Ok(trials)
}
