//! Every size the lab accepts, and why. Settings are checked against these bounds before anything
//! is allocated (the `validate` methods), and the decoders of trial records, export files,
//! checkpoints and WAV files use the same bounds, so a value that passes any of them is one the
//! rest of the lab can run. The reasons: what the encodings hold, what a GPU's storage buffers
//! hold (WebGPU guarantees 128 MiB per binding), and what a browser tab's memory holds (a few GB).

use std::ops::RangeInclusive;

/// Cells per maze side. A trial record stores its start cell in 16 bits and a 64 x 64 maze has
/// 4,096 cells; larger mazes take seconds just to carve and could not be replayed exactly.
pub const MAZE_SIZE: RangeInclusive<usize> = 2..=64;

/// Steps per episode, listening included. A record stores its step count in 16 bits; 1,024 steps
/// are 16 times the default. What a whole generation takes is bounded by `GENERATION_STEPS`.
pub const STEP_LIMIT: RangeInclusive<usize> = 1..=1024;

/// Members per generation: 65,536 members at the default ONE are 200 MB of perturbed weights,
/// which the GPU path then regenerates instead of storing (`Perturbation::Auto`).
pub const POPULATION: RangeInclusive<usize> = 2..=65_536;

/// Environment steps of one generation, over every member's episodes (members x episodes x step
/// limit): the GPU path keeps an action per step (4 bytes) in one storage buffer, which WebGPU
/// guarantees up to 128 MiB (2^25 actions), and the CPU path keeps the generation's trials, about
/// 100 bytes and a byte per step each, before they are stored. 2^25 is 128 times the default
/// experiment's generation.
pub const GENERATION_STEPS: u64 = 1 << 25;

/// Values per goal input: a spoken command is 16 log-mel bands; 256 leaves room for other codes
/// and keeps ONE's input layer small beside its hidden layer.
pub const GOAL: RangeInclusive<usize> = 0..=256;

/// Episodes per member per generation.
pub const EPISODES: RangeInclusive<usize> = 1..=1024;

/// Hidden units of ONE: 512 units make 1.1 million parameters (4.5 MB per copy of ONE), and a
/// run keeps a copy of ONE per command and the consolidation's Adam moments besides.
pub const HIDDEN: RangeInclusive<usize> = 1..=512;

/// Generations per copy.
pub const GENERATIONS: RangeInclusive<usize> = 1..=100_000;

/// Traces per consolidation batch. Their product with the steps is bounded by `BATCH_GATES`.
pub const BATCH: RangeInclusive<usize> = 2..=4096;

/// Gate values of one consolidation batch (traces x step limit x 4 x hidden units), kept for the
/// backward pass: the GPU path holds them in one storage buffer, which WebGPU guarantees up to
/// 128 MiB (2^25 values); the CPU path holds them, and their gradients, in memory.
pub const BATCH_GATES: u64 = 1 << 25;

/// Consolidation updates.
pub const UPDATES: RangeInclusive<usize> = 1..=1_000_000;

/// Augmented versions of each training utterance.
pub const AUGMENT_COPIES: RangeInclusive<usize> = 1..=64;

/// Sample rates of a WAV file, in Hz: telephone audio to studio audio. Below 8 kHz the speech
/// band is gone; resampling from very low rates multiplies the work.
pub const SAMPLE_RATE: RangeInclusive<u32> = 8_000..=192_000;

/// Seconds of audio in a WAV file, checked before resampling: a recording is at most 3 s of
/// speech (`prepare_recording`), with room for silence around it.
pub const WAV_SECONDS: f64 = 30.0;

/// Refuses `value` outside `range`, naming the setting.
pub fn check<T: PartialOrd + std::fmt::Display + Copy>(
    name: &str,
    value: T,
    range: RangeInclusive<T>,
) -> Result<(), String> {
    if range.contains(&value) {
        Ok(())
    } else {
        Err(format!("{name} must be from {} to {}, got {value}", range.start(), range.end()))
    }
}
