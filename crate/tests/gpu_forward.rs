//! The GPU forward kernels against the CPU reference, natively (on machines without a GPU,
//! Mesa's lavapipe). A missing adapter fails these tests: they must never pass vacuously.

use onelab::device::check_forward;
use onelab::gpu;
use onelab::net::{NetShape, One};

fn context() -> gpu::Context {
    pollster::block_on(gpu::Context::new())
        .expect("these tests need a Vulkan adapter (mesa-vulkan-drivers gives lavapipe)")
}

#[test]
fn forward_matches_cpu_reference_at_every_step() {
    let ctx = context();
    eprintln!("adapter: {}", ctx.describe());
    for hidden in [16, 64, 256] {
        for n in [1, 7, 256] {
            let shape = NetShape::for_maze(16, hidden);
            let report =
                pollster::block_on(check_forward(&ctx, shape, n, 20, 1000 + n as u32 + hidden as u32)).unwrap();
            eprintln!("{report:?}");
            assert!(report.worst() < 1e-4, "GPU and CPU disagree: {report:?}");
        }
    }
}

#[test]
fn odd_sizes_match_too() {
    // Sizes that are not multiples of the 16 x 16 tile, and a goal input of another width.
    let ctx = context();
    for (goal, hidden, n) in [(3, 1, 1), (0, 17, 33), (40, 100, 5)] {
        let shape = NetShape::for_maze(goal, hidden);
        let report = pollster::block_on(check_forward(&ctx, shape, n, 6, 7)).unwrap();
        assert!(report.worst() < 1e-4, "{report:?}");
    }
}

#[test]
fn state_persists_across_calls_and_reset_clears_it() {
    let ctx = context();
    let shape = NetShape::for_maze(16, 32);
    let one = One::new(shape, 3);
    let (n, t) = (4, 6);
    let inputs: Vec<f32> = (0..2 * t * n * shape.input()).map(|k| ((k * 37 % 101) as f32 / 50.0) - 1.0).collect();
    let half = t * n * shape.input();

    let mut whole = gpu::Forward::new(&ctx, &one, n, 2 * t).unwrap();
    let all = pollster::block_on(whole.run(&inputs, 2 * t)).unwrap();

    let mut split = gpu::Forward::new(&ctx, &one, n, t).unwrap();
    let first = pollster::block_on(split.run(&inputs[..half], t)).unwrap();
    let second = pollster::block_on(split.run(&inputs[half..], t)).unwrap();
    assert_eq!([first.clone(), second].concat(), all, "two calls must equal one long call");

    split.reset();
    let again = pollster::block_on(split.run(&inputs[..half], t)).unwrap();
    assert_eq!(again, first, "after reset the net starts from zero state");
}

#[test]
fn hidden_512_runs_and_matches() {
    let ctx = context();
    let report = pollster::block_on(check_forward(&ctx, NetShape::for_maze(16, 512), 3, 4, 11)).unwrap();
    assert!(report.worst() < 1e-4, "{report:?}");
}

#[test]
fn oversized_requests_are_refused_with_a_reason() {
    let ctx = context();
    let one = One::new(NetShape::for_maze(16, 8), 1);
    let err = gpu::Forward::new(&ctx, &one, 0, 4).err().unwrap();
    assert!(err.contains("at least one agent"), "{err}");
    let err = gpu::Forward::new(&ctx, &one, 1 << 20, 1 << 12).err().unwrap();
    assert!(err.contains("inputs buffer") && err.contains("MiB"), "{err}");
}
