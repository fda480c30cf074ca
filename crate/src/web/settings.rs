//! Experiment settings from the page and from share links: defaults, choices, checks, costs.

use super::js_error;
use super::speech::Speech;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// What an experiment under `config` asks of the machine (`lifecycle::Cost`) with `speech`'s
/// corpus, or what is wrong with the settings.
#[wasm_bindgen(js_name = experimentCost)]
pub fn experiment_cost(config: JsValue, speech: &Speech) -> Result<JsValue, JsValue> {
    let config = valid_experiment_config(config)?;
    serde_wasm_bindgen::to_value(&config.cost(&speech.corpus).map_err(js_error)?).map_err(Into::into)
}

/// Experiment settings from the page, read and checked, or what is wrong with them in words.
pub(super) fn valid_experiment_config(config: JsValue) -> Result<crate::lifecycle::ExperimentConfig, JsValue> {
    let config: crate::lifecycle::ExperimentConfig =
        serde_wasm_bindgen::from_value(config).map_err(|e| js_error(plain(e.to_string())))?;
    config.validate().map_err(js_error)?;
    Ok(config)
}

/// A settings decoder's complaint in the words of the page ("2.5 is not a whole number", "Foo
/// is not one of Pgpe, OpenAiEs, Snes"), or as it is when it is none of the usual ones.
fn plain(serde_message: String) -> String {
    let quoted = |s: &str| s.split('`').skip(1).step_by(2).map(String::from).collect::<Vec<_>>();
    // serde-wasm-bindgen's errors print as JavaScript errors do: "Error: ...".
    let m = serde_message.strip_prefix("Error: ").unwrap_or(&serde_message);
    if m.starts_with("unknown variant") {
        let names = quoted(m);
        if let Some((given, allowed)) = names.split_first() {
            return format!("{given} is not one of {}", allowed.join(", "));
        }
    }
    if let Some(rest) = m.strip_prefix("invalid type: floating point ") {
        if rest.contains("expected u") {
            // A count's field: "-3" reaches here as the float -3.0, and is refused for its sign
            // (the count's own bounds, e.g. a population of at least 2, are `validate`'s, once
            // the number is a count).
            let given = quoted(rest).first().cloned().unwrap_or_else(|| "the value".into());
            return match given.parse::<f64>() {
                Ok(v) if v < 0.0 && v.fract() == 0.0 => format!("{v} is negative, and this setting is a count"),
                _ => format!("{given} is not a whole number"),
            };
        }
    }
    if m.starts_with("invalid value: integer") && m.contains("expected u") {
        return format!(
            "{} is negative, and this setting is a count",
            quoted(m).first().map_or("the value", String::as_str)
        );
    }
    if m.starts_with("missing field") {
        return format!("the setting {} is missing", quoted(m).first().map_or("", String::as_str));
    }
    m.to_string()
}

/// The settings that take one of a few names, with the names: the page offers them as lists.
#[wasm_bindgen(js_name = settingChoices)]
pub fn setting_choices() -> Result<JsValue, JsValue> {
    fn names<T: Serialize>(values: &[T]) -> Vec<String> {
        let name = |v: &T| serde_json::to_value(v).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
        values.iter().map(name).collect()
    }
    let choices: std::collections::BTreeMap<&str, Vec<String>> = [
        ("copy.strategy.kind", names(&crate::evolve::StrategyKind::ALL)),
        ("copy.strategy.optimizer", names(&crate::evolve::MeanOptimizer::ALL)),
        ("copy.fitness", names(&crate::evolve::Fitness::ALL)),
    ]
    .into_iter()
    .collect();
    serde_wasm_bindgen::to_value(&choices).map_err(Into::into)
}

/// Checks experiment settings (from a share link) as the experiment would: resolves to them, or
/// fails with what is wrong.
#[wasm_bindgen(js_name = checkExperimentConfig)]
pub fn check_experiment_config(config: JsValue) -> Result<JsValue, JsValue> {
    serde_wasm_bindgen::to_value(&valid_experiment_config(config)?).map_err(Into::into)
}
