//! Spoken commands as ONE's goal input (paper 3.8): the utterance corpus and log-mel features,
//! one implementation for native code and wasm.

mod corpus;
mod fft;
mod mel;

pub use corpus::{Corpus, Speaker, Split, Utterance};
pub use mel::{pool_frames, MelConfig, MelFilterbank};
