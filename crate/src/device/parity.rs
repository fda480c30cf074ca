use crate::cpu;
use crate::gpu::{Context, Forward};
use crate::net::{NetShape, One};
use crate::rng::Rng;
use serde::Serialize;

/// How far the GPU forward pass is from the CPU reference. Each error is the worst, over the
/// steps, of `max |gpu - cpu| / max |cpu|` taken over one step's values of that tensor.
#[derive(Clone, Debug, Serialize)]
pub struct ParityReport {
    pub agents: usize,
    pub hidden: usize,
    pub steps: usize,
    pub logits: f32,
    pub prediction: f32,
    pub hidden_state: f32,
    pub cell_state: f32,
}

impl ParityReport {
    pub fn worst(&self) -> f32 {
        self.logits.max(self.prediction).max(self.hidden_state).max(self.cell_state)
    }
}

fn rel_error(gpu: &[f32], cpu: &[f32]) -> f32 {
    let scale = cpu.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let diff = gpu.iter().zip(cpu).fold(0.0f32, |m, (g, c)| m.max((g - c).abs()));
    if gpu.iter().any(|v| !v.is_finite()) {
        return f32::INFINITY;
    }
    diff / scale.max(f32::MIN_POSITIVE)
}

/// Runs a net with random weights and biases (none zero) on random inputs through both paths.
pub async fn check_forward(
    ctx: &Context,
    shape: NetShape,
    n: usize,
    steps: usize,
    seed: u32,
) -> Result<ParityReport, String> {
    let mut one = One::new(shape, seed);
    let mut rng = Rng::new(seed ^ crate::rng::salt::PARITY);
    let scale = 2.0 / ((shape.input() + shape.hidden) as f32).sqrt();
    one.params.iter_mut().for_each(|p| *p = rng.symmetric(scale));
    let inputs: Vec<f32> = (0..steps * n * shape.input()).map(|_| rng.symmetric(1.0)).collect();

    let want = cpu::Forward::new(&one, n).run_traced(&inputs, steps);
    let got = Forward::new(ctx, &one, n, steps)?.run_traced(&inputs, steps).await?;

    let (o, a, h) = (shape.outputs(), shape.actions(), shape.hidden);
    let mut report =
        ParityReport { agents: n, hidden: h, steps, logits: 0.0, prediction: 0.0, hidden_state: 0.0, cell_state: 0.0 };
    let split =
        |v: &[f32], lo: usize, hi: usize| -> Vec<f32> { v.chunks(o).flat_map(|r| r[lo..hi].to_vec()).collect() };
    for t in 0..steps {
        let (go, wo) = (&got.outputs[t * n * o..(t + 1) * n * o], &want.outputs[t * n * o..(t + 1) * n * o]);
        report.logits = report.logits.max(rel_error(&split(go, 0, a), &split(wo, 0, a)));
        report.prediction = report.prediction.max(rel_error(&split(go, a, o), &split(wo, a, o)));
        let r = t * n * h..(t + 1) * n * h;
        report.hidden_state = report.hidden_state.max(rel_error(&got.hidden[r.clone()], &want.hidden[r.clone()]));
        report.cell_state = report.cell_state.max(rel_error(&got.cell[r.clone()], &want.cell[r]));
    }
    Ok(report)
}
