//! The BPTT and Adam kernels against the CPU reference (itself checked against finite
//! differences in f64, crate/src/cpu/bptt.rs), natively on whatever Vulkan adapter there is
//! (lavapipe without a GPU). A missing adapter fails these tests.

use onelab::cpu::bptt;
use onelab::data::Batch;
use onelab::evolve::Adam;
use onelab::gpu::{self, Bptt};
use onelab::net::{NetShape, One};

fn context() -> gpu::Context {
    pollster::block_on(gpu::Context::new())
        .expect("these tests need a Vulkan adapter (mesa-vulkan-drivers gives lavapipe)")
}

/// Largest difference over largest magnitude of the reference.
fn relative(gpu: &[f32], cpu: &[f64]) -> f64 {
    let scale = cpu.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let worst = gpu.iter().zip(cpu).fold(0.0f64, |m, (&g, &c)| m.max((g as f64 - c).abs()));
    worst / scale
}

/// Over random shapes: hidden 150 gives the forward and backward kernels' invocations more than
/// one unit each (a workgroup of 64 owns a sequence), and 1 x 1 a batch of one step.
#[test]
fn gradients_match_the_cpu_reference_on_random_nets_and_batches() {
    let ctx = context();
    eprintln!("adapter: {}", ctx.describe());
    for (goal, hidden, sequences, steps, seed) in
        [(16, 16, 4, 6, 1), (0, 20, 17, 9, 2), (16, 64, 33, 12, 3), (3, 5, 1, 1, 4), (4, 150, 3, 7, 5)]
    {
        let shape = NetShape::for_maze(goal, hidden);
        let batch = Batch::random(shape, sequences, steps, seed);
        let one = One::new(shape, seed + 10);
        let mut gpu = Bptt::new(&ctx, shape, sequences, steps).unwrap();
        gpu.set_params(&one.params);
        let got = pollster::block_on(gpu.gradient(&batch)).unwrap();
        let params64: Vec<f64> = one.params.iter().map(|&v| v as f64).collect();
        let want = bptt(shape, &params64, &batch);
        let err = relative(&got.grad, &want.grad);
        let loss_err = ((got.imitation + got.prediction) as f64 - (want.imitation + want.prediction)).abs()
            / (want.imitation + want.prediction);
        eprintln!("hidden {hidden} B {sequences} T {steps}: gradient error {err:.2e}, loss error {loss_err:.2e}");
        assert!(err < 1e-5 && loss_err < 1e-5, "hidden {hidden}: gradient {err}, loss {loss_err}");
        // The f32 CPU path, which the lab trains with when there is no GPU, agrees as well.
        let cpu32 = bptt(shape, &one.params, &batch);
        let err32 = relative(&cpu32.grad, &want.grad);
        assert!(err32 < 1e-5, "f32 CPU path: {err32}");
    }
}

#[test]
fn an_adam_step_is_the_cpu_step_and_zero_rates_freeze_parameters() {
    let ctx = context();
    let shape = NetShape::for_maze(16, 24);
    let (sequences, steps) = (8, 10);
    let one = One::new(shape, 5);
    let n = one.params.len();
    let rates: Vec<f32> = (0..n).map(|k| if k % 3 == 0 { 0.0 } else { 0.5 + (k % 7) as f32 * 0.1 }).collect();
    let mut gpu = Bptt::new(&ctx, shape, sequences, steps).unwrap();
    gpu.set_params(&one.params);
    gpu.set_rates(&rates);
    let mut cpu_params = one.params.clone();
    let mut adam = Adam::new(n, 0.01);
    for step in 0..3 {
        let batch = Batch::random(shape, sequences, steps, 20 + step);
        // The same gradient on both sides: the GPU's, read back before the step.
        let g = pollster::block_on(gpu.gradient(&batch)).unwrap().grad;
        let descend: Vec<f32> = g.iter().map(|v| -v).collect();
        adam.update(&mut cpu_params, &descend, |k| rates[k]);
        pollster::block_on(gpu.train_step(&batch, 0.01)).unwrap();
        let gpu_params = pollster::block_on(gpu.params()).unwrap();
        let worst =
            gpu_params.iter().zip(&cpu_params).map(|(a, b)| (a - b).abs() / b.abs().max(1e-3)).fold(0.0, f32::max);
        assert!(worst < 1e-6, "step {step}: GPU and CPU Adam differ by {worst}");
        for k in (0..n).step_by(3) {
            assert_eq!(gpu_params[k].to_bits(), one.params[k].to_bits(), "parameter {k} has rate 0 but moved");
        }
        assert!((0..n).filter(|k| k % 3 != 0).any(|k| gpu_params[k] != one.params[k]));
    }
}

#[test]
fn training_steps_lower_the_loss_on_a_fixed_batch() {
    let ctx = context();
    let shape = NetShape::for_maze(4, 16);
    let batch = Batch::random(shape, 16, 8, 9);
    let mut gpu = Bptt::new(&ctx, shape, 16, 8).unwrap();
    gpu.set_params(&One::new(shape, 9).params);
    let first = pollster::block_on(gpu.train_step(&batch, 0.01)).unwrap();
    let mut last = first;
    for _ in 0..60 {
        last = pollster::block_on(gpu.train_step(&batch, 0.01)).unwrap();
    }
    eprintln!("loss {first:?} -> {last:?}");
    assert!(last.0 + last.1 < 0.7 * (first.0 + first.1), "{first:?} -> {last:?}");
}

#[test]
fn mismatched_batches_are_refused_by_what_is_wrong() {
    let ctx = context();
    let shape = NetShape::for_maze(4, 8);
    let mut gpu = Bptt::new(&ctx, shape, 4, 5).unwrap();
    let err = pollster::block_on(gpu.gradient(&Batch::random(shape, 3, 5, 1))).unwrap_err();
    assert!(err.contains("3 x 5"), "{err}");
    let mut bad = Batch::random(shape, 4, 5, 1);
    bad.weights[0] = 1.0;
    bad.actions[0] = 9;
    assert!(pollster::block_on(gpu.gradient(&bad)).unwrap_err().contains("action 9"));
    bad.inputs.pop();
    assert!(pollster::block_on(gpu.gradient(&bad)).unwrap_err().contains("inputs"));
}
