//! The CPU path's helper workers as the page's worker lends them (www/helpers.js) and as each
//! helper plays its block (www/helper.js); the split itself is the device's (`device::helpers`).

use super::js_error;
use wasm_bindgen::prelude::*;

/// Lends the CPU path `count` helper workers (0: none), reached through `run(helper, head,
/// floats, from, to)`, which returns a promise of the rows `rolloutBlock` made there.
#[wasm_bindgen(js_name = useHelpers)]
pub fn use_helpers(run: js_sys::Function, count: usize) {
    crate::device::helpers::lend(run, count);
}

/// A helper's part: members `from..to` of the rollout `head` and `floats` describe, as bytes.
#[wasm_bindgen(js_name = rolloutBlock)]
pub fn rollout_block(head: &str, floats: &[f32], from: usize, to: usize) -> Result<Vec<u8>, JsValue> {
    crate::device::helpers::play_block(head, floats, from, to).map_err(js_error)
}
