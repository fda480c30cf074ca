//! The CPU path's helper workers as the page's worker lends them (www/helpers.js) and as each
//! helper plays its block (www/helper.js); the split itself is the device's (`device::helpers`).

use super::js_error;
use wasm_bindgen::prelude::*;

/// Lends the CPU path `count` helper workers (0: none), reached through `run(helper, kind,
/// head, floats)`, which returns a promise of the bytes `rolloutBlock` ("rollout") or
/// `gradientBlock` ("gradient") made there.
#[wasm_bindgen(js_name = useHelpers)]
pub fn use_helpers(run: js_sys::Function, count: usize) {
    crate::device::helpers::lend(run, count);
}

/// A helper's part of a rollout: the block of members `head` and `floats` describe, as bytes.
#[wasm_bindgen(js_name = rolloutBlock)]
pub fn rollout_block(head: &str, floats: &[f32]) -> Result<Vec<u8>, JsValue> {
    crate::device::helpers::play_block(head, floats).map_err(js_error)
}

/// A helper's part of a consolidation step: each chunk's losses and gradient, as bytes.
#[wasm_bindgen(js_name = gradientBlock)]
pub fn gradient_block(head: &str, floats: &[f32]) -> Result<Vec<u8>, JsValue> {
    crate::device::helpers::gradient_block(head, floats).map_err(js_error)
}
