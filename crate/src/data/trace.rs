/// Per-step outputs and states of a traced run, each laid out `[step][agent][value]`.
pub struct Trace {
    /// `[logits, prediction]` per agent, `NetShape::outputs()` values.
    pub outputs: Vec<f32>,
    pub hidden: Vec<f32>,
    pub cell: Vec<f32>,
}
