//! The CPU path's rollouts and consolidation gradients split over the page's helper workers
//! (www/helpers.js, lent through `web::helpers`). A page has no threads without shared memory,
//! which a static site cannot ask for, so the work is split into blocks as natively over
//! threads (`threads::blocks`), and each helper does one block in its own copy of the wasm module
//! while the worker does the first. A member's episodes are played by one
//! `cpu::rollout_members`, and a batch chunk's gradient computed by one `cpu::chunk_gradients`,
//! wherever they run, and the chunks are summed in order here, so the results are the same bit
//! for bit with any number of helpers, or none.
//!
//! What travels per generation is what OpenAI-ES needs to play a block: the population's seed,
//! mean and mutation sizes, the episodes' settings and goal-input frames, the block's members;
//! and back, the block's rows. Per consolidation step: ONE's parameters and the block's
//! sequences of the batch; and back, each chunk's losses and gradient.

use crate::cpu::CHUNK;
use crate::data::{ActionChoice, Batch, Gradients, Population, RolloutResult, RolloutSpec};
use crate::net::NetShape;
use crate::world::{Maze, Task};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::sync::Arc;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// The helpers the worker started: `run(helper, kind, head, floats)` returns a promise of the
/// bytes `play_block` ("rollout") or `gradient_block` ("gradient") made there.
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
    /// The block's members.
    from: usize,
    to: usize,
}

/// The lent helpers, if any: their `run` and how many.
fn lent() -> Option<(js_sys::Function, usize)> {
    HELPERS.with(|h| h.borrow().as_ref().map(|h| (h.run.clone(), h.count)))
}

/// Asks helper `helper` for `kind` of work now, so that it works while the worker does its own
/// block; `received` waits for the answer.
fn ask(
    run: &js_sys::Function,
    helper: usize,
    kind: &str,
    head: &str,
    floats: &[f32],
) -> Result<js_sys::Promise, String> {
    let args = js_sys::Array::of4(&helper.into(), &kind.into(), &head.into(), &js_sys::Float32Array::from(floats));
    run.apply(&JsValue::NULL, &args).map(js_sys::Promise::from).map_err(|e| format!("{e:?}"))
}

/// The bytes a helper made, or why there are none.
async fn received(asked: Result<js_sys::Promise, String>) -> Result<Vec<u8>, String> {
    let bytes = JsFuture::from(asked?).await.map_err(|e| format!("{e:?}"))?;
    Ok(js_sys::Uint8Array::new(&bytes).to_vec())
}

/// Says on the console that a helper failed and its block is done here.
fn warn_failed(why: &str) {
    web_sys::console::warn_1(&format!("a helper worker failed ({why}): its block is done here").into());
}

/// `cpu::rollout`, its blocks (`cpu::rollout_blocks`) but the first played by the helpers. A
/// helper that fails (its worker died, its module did not load) is said on the console and its
/// block played here.
pub async fn rollout(pop: &Population, spec: &RolloutSpec) -> RolloutResult {
    let Some((run, count)) = lent() else {
        return crate::cpu::rollout(pop, spec);
    };
    let blocks = crate::cpu::rollout_blocks(pop, spec, count + 1);
    let floats = [&pop.mean[..], &pop.sigma[..], &spec.utterances[..]].concat();
    let asked: Vec<_> = blocks[1..]
        .iter()
        .enumerate()
        .map(|(helper, (spec, members))| {
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
                from: members.start,
                to: members.end,
            })
            .expect("a rollout's settings serialise");
            ask(&run, helper, "rollout", &head, &floats)
        })
        .collect();
    let (first, members) = &blocks[0];
    let mut parts = vec![crate::cpu::rollout_members(pop, first, members.clone())];
    for ((spec, members), rows) in blocks[1..].iter().zip(asked) {
        let part = received(rows).await.and_then(|r| decode_rows(&r, members.len(), spec.episodes(), spec.step_limit));
        parts.push(part.unwrap_or_else(|why| {
            warn_failed(&why);
            crate::cpu::rollout_members(pop, spec, members.clone())
        }));
    }
    RolloutResult { episodes: spec.episodes(), ..RolloutResult::joined(parts) }
}

/// A gradient block's settings; its floats are ONE's parameters, then the block's sequences'
/// inputs, targets, loss weights and actions.
#[derive(Serialize, Deserialize)]
struct GradientHead {
    shape: NetShape,
    sequences: usize,
    steps: usize,
}

/// `cpu::gradient`, its blocks of chunks but the first computed by the helpers, the chunks'
/// gradients summed in order here. A helper that fails is said on the console and its chunks
/// computed here.
pub async fn gradient(shape: NetShape, params: &[f32], batch: &Batch) -> Gradients<f32> {
    let chunks = batch.sequences.div_ceil(CHUNK);
    let Some((run, count)) = lent().filter(|_| chunks > 1) else {
        return crate::cpu::gradient(shape, params, batch);
    };
    let blocks = crate::threads::blocks(chunks, count + 1);
    let asked: Vec<_> = blocks[1..]
        .iter()
        .enumerate()
        .map(|(helper, b)| {
            let part = batch.part(b.start * CHUNK..(b.end * CHUNK).min(batch.sequences));
            let head = serde_json::to_string(&GradientHead { shape, sequences: part.sequences, steps: part.steps })
                .expect("a gradient block's settings serialise");
            let actions: Vec<f32> = part.actions.iter().map(|&a| a as f32).collect();
            let floats = [params, &part.inputs, &part.targets, &part.weights, &actions].concat();
            (b.clone(), ask(&run, helper, "gradient", &head, &floats))
        })
        .collect();
    let mut parts = crate::cpu::chunk_gradients(shape, params, batch, blocks[0].clone());
    for (block, bytes) in asked {
        let got = received(bytes).await.and_then(|b| decode_gradients(&b, block.len(), params.len()));
        parts.extend(got.unwrap_or_else(|why| {
            warn_failed(&why);
            crate::cpu::chunk_gradients(shape, params, batch, block)
        }));
    }
    crate::cpu::summed(parts)
}

/// A helper's part of a gradient: each chunk of the sequences `head` and `floats` describe,
/// its imitation and prediction losses and its gradient, as the bytes of their floats.
pub fn gradient_block(head: &str, floats: &[f32]) -> Result<Vec<u8>, String> {
    let h: GradientHead = serde_json::from_str(head).map_err(|e| format!("a gradient block's settings: {e}"))?;
    let params = h.shape.layout().total;
    let rows = h.sequences * h.steps;
    let (input, pred) = (h.shape.input(), h.shape.pred());
    if floats.len() != params + rows * (input + pred + 3) {
        return Err(format!("a gradient block's {} floats do not fit its {} sequences", floats.len(), h.sequences));
    }
    let mut at = params;
    let mut take = |n: usize| {
        at += n;
        floats[at - n..at].to_vec()
    };
    let batch = Batch {
        sequences: h.sequences,
        steps: h.steps,
        inputs: take(rows * input),
        targets: take(rows * pred),
        weights: take(rows * 2),
        actions: take(rows).iter().map(|&a| a as u32).collect(),
    };
    batch.validate(input, pred, h.shape.actions())?;
    let grads = crate::cpu::chunk_gradients(h.shape, &floats[..params], &batch, 0..h.sequences.div_ceil(CHUNK));
    let mut out = Vec::with_capacity(4 * grads.len() * (params + 2));
    for g in &grads {
        out.extend_from_slice(bytemuck::cast_slice(&[g.imitation, g.prediction]));
        out.extend_from_slice(bytemuck::cast_slice(&g.grad));
    }
    Ok(out)
}

fn decode_gradients(bytes: &[u8], chunks: usize, params: usize) -> Result<Vec<Gradients<f32>>, String> {
    if bytes.len() != 4 * chunks * (params + 2) {
        return Err(format!(
            "{} bytes of gradients, not the {} of {chunks} chunks",
            bytes.len(),
            4 * chunks * (params + 2)
        ));
    }
    let floats: Vec<f32> = bytemuck::pod_collect_to_vec(bytes);
    Ok(floats
        .chunks(params + 2)
        .map(|c| Gradients { imitation: c[0], prediction: c[1], grad: c[2..].to_vec() })
        .collect())
}

/// A helper's part of a rollout: the block of members the rollout `head` and `floats` describe,
/// its rows as bytes.
pub fn play_block(head: &str, floats: &[f32]) -> Result<Vec<u8>, String> {
    let h: Head = serde_json::from_str(head).map_err(|e| format!("a rollout block's settings: {e}"))?;
    let (from, to) = (h.from, h.to);
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

/// A block's rows as bytes: fitness, steps, nearest distances and actions (four bytes each, the
/// machine's order: both ends are this module), then one byte per arrival.
fn encode_rows(r: &RolloutResult) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(bytemuck::cast_slice(&r.fitness));
    out.extend_from_slice(bytemuck::cast_slice(&r.steps));
    out.extend_from_slice(bytemuck::cast_slice(&r.nearest));
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
        nearest: bytemuck::pod_collect_to_vec(words(2 * n, n)),
        actions: bytemuck::pod_collect_to_vec(words(3 * n, n * limit)),
        reached: bytes[4 * (3 * n + n * limit)..].iter().map(|&b| b != 0).collect(),
    })
}
