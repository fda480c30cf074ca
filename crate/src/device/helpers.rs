//! The CPU path's rollouts split over the page's helper workers (www/helpers.js, lent through
//! `web::helpers`). A page has no threads without shared memory, which a static site cannot ask
//! for, so the members are split into blocks as natively over threads (`cpu::blocks`), and each
//! helper plays its block of the same population and episodes in its own copy of the wasm
//! module, while the worker plays the first. A member's episodes are played by one `cpu::rollout_members` wherever it runs, so the
//! result is the same bit for bit with any number of helpers, or none.
//!
//! What travels per generation is what OpenAI-ES needs to play a block: the population's seed,
//! mean and mutation sizes, the episodes' settings and goal-input frames, the block's members;
//! and back, the block's rows.

use crate::data::{ActionChoice, Population, RolloutResult, RolloutSpec};
use crate::net::NetShape;
use crate::world::{Maze, Task};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::sync::Arc;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// The helpers the worker started: `run(helper, head, floats, from, to)` returns a promise of
/// the rows `play_block` made there.
struct Helpers {
    run: js_sys::Function,
    count: usize,
}

thread_local! {
    static HELPERS: RefCell<Option<Helpers>> = const { RefCell::new(None) };
}

/// Lends the CPU path `count` helper workers (0: none), reached through `run`.
pub fn lend(run: js_sys::Function, count: usize) {
    HELPERS.with(|h| *h.borrow_mut() = (count > 0).then_some(Helpers { run, count }));
}

/// A rollout's settings apart from its floats, which travel as one array beside it
/// (`mean`, then `sigma`, then the utterances' frames).
#[derive(Serialize, Deserialize)]
struct Head {
    seed: u32,
    size: usize,
    antithetic: bool,
    params: usize,
    shape: NetShape,
    maze: Maze,
    task: Task,
    starts: Vec<usize>,
    step_limit: usize,
    listen: usize,
    heard: Vec<u32>,
    action: ActionChoice,
}

/// `cpu::rollout`, its blocks but the first played by the helpers. A helper that fails (its
/// worker died, its module did not load) is said on the console and its block played here.
pub async fn rollout(pop: &Population, spec: &RolloutSpec) -> RolloutResult {
    let Some((run, count)) = HELPERS.with(|h| h.borrow().as_ref().map(|h| (h.run.clone(), h.count))) else {
        return crate::cpu::rollout(pop, spec);
    };
    let blocks = crate::cpu::blocks(pop.size, count + 1);
    let head = serde_json::to_string(&Head {
        seed: pop.seed,
        size: pop.size,
        antithetic: pop.antithetic,
        params: pop.mean.len(),
        shape: spec.shape,
        maze: spec.maze.clone(),
        task: spec.task.clone(),
        starts: spec.starts.clone(),
        step_limit: spec.step_limit,
        listen: spec.listen,
        heard: spec.heard.clone(),
        action: spec.action.clone(),
    })
    .expect("a rollout's settings serialise");
    let floats = js_sys::Float32Array::from([&pop.mean[..], &pop.sigma[..], &spec.utterances[..]].concat().as_slice());
    let asked: Vec<_> = blocks[1..]
        .iter()
        .enumerate()
        .map(|(helper, b)| {
            let args =
                js_sys::Array::of5(&helper.into(), &head.as_str().into(), &floats, &b.start.into(), &b.end.into());
            (b.clone(), run.apply(&JsValue::NULL, &args))
        })
        .collect();
    let mut parts = vec![crate::cpu::rollout_members(pop, spec, blocks[0].clone())];
    for (block, promise) in asked {
        let rows = match promise {
            Ok(p) => JsFuture::from(js_sys::Promise::from(p)).await,
            Err(e) => Err(e),
        };
        let part = rows.map_err(|e| format!("{e:?}")).and_then(|r| {
            decode_rows(&js_sys::Uint8Array::new(&r).to_vec(), block.len(), spec.episodes(), spec.step_limit)
        });
        parts.push(part.unwrap_or_else(|why| {
            web_sys::console::warn_1(&format!("a helper worker failed ({why}): its members are played here").into());
            crate::cpu::rollout_members(pop, spec, block)
        }));
    }
    RolloutResult::joined(parts)
}

/// A helper's part: members `from..to` of the rollout `head` and `floats` describe, as bytes.
pub fn play_block(head: &str, floats: &[f32], from: usize, to: usize) -> Result<Vec<u8>, String> {
    let h: Head = serde_json::from_str(head).map_err(|e| format!("a rollout block's settings: {e}"))?;
    if floats.len() < 2 * h.params || from > to || to > h.size {
        return Err(format!("a rollout block of members {from}..{to} does not fit its rollout"));
    }
    let pop = Population {
        seed: h.seed,
        size: h.size,
        antithetic: h.antithetic,
        mean: floats[..h.params].to_vec(),
        sigma: floats[h.params..2 * h.params].to_vec(),
    };
    let spec = RolloutSpec {
        shape: h.shape,
        maze: h.maze,
        task: h.task,
        starts: h.starts,
        step_limit: h.step_limit,
        listen: h.listen,
        utterances: Arc::new(floats[2 * h.params..].to_vec()),
        heard: h.heard,
        action: h.action,
    };
    spec.validate(h.size)?;
    Ok(encode_rows(&crate::cpu::rollout_members(&pop, &spec, from..to)))
}

/// A block's rows as bytes: fitness, steps, end cells and actions (four bytes each, the
/// machine's order: both ends are this module), then one byte per arrival.
fn encode_rows(r: &RolloutResult) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(bytemuck::cast_slice(&r.fitness));
    out.extend_from_slice(bytemuck::cast_slice(&r.steps));
    out.extend_from_slice(bytemuck::cast_slice(&r.end));
    out.extend_from_slice(bytemuck::cast_slice(&r.actions));
    out.extend(r.reached.iter().map(|&x| x as u8));
    out
}

fn decode_rows(bytes: &[u8], members: usize, episodes: usize, limit: usize) -> Result<RolloutResult, String> {
    let n = members * episodes;
    if bytes.len() != 4 * (3 * n + n * limit) + n {
        return Err(format!(
            "{} bytes of rows, not the {} of {members} members",
            bytes.len(),
            4 * (3 * n + n * limit) + n
        ));
    }
    let words = |from: usize, count: usize| &bytes[4 * from..4 * (from + count)];
    Ok(RolloutResult {
        episodes,
        fitness: bytemuck::pod_collect_to_vec(words(0, n)),
        steps: bytemuck::pod_collect_to_vec(words(n, n)),
        end: bytemuck::pod_collect_to_vec(words(2 * n, n)),
        actions: bytemuck::pod_collect_to_vec(words(3 * n, n * limit)),
        reached: bytes[4 * (3 * n + n * limit)..].iter().map(|&b| b != 0).collect(),
    })
}
