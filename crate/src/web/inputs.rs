//! The wasm32 build's verdicts on outside inputs, checked against the native ones.

use super::js_error;
use super::speech::Speech;
use wasm_bindgen::prelude::*;

/// What the lab says of `bytes` taken as input `kind` (crate/src/inputs.rs: record, policy,
/// archive, wav, settings, checkpoint): "accepted: ..." or "refused: ...", checkpoints resumed
/// with the first two speakers of each split, as `onelab fuzz` takes them; so that the wasm32
/// build's verdicts can be checked against the native ones (tests/browser/inputs.test.mjs).
#[wasm_bindgen(js_name = takeInput)]
pub fn take_input(speech: &Speech, kind: &str, bytes: &[u8]) -> Result<String, JsValue> {
    let kind = crate::inputs::Input::parse(kind).map_err(js_error)?;
    Ok(match kind.take(bytes, &speech.corpus.first_speakers(2)) {
        Ok(what) => format!("accepted: {what}"),
        Err(why) => format!("refused: {why}"),
    })
}
