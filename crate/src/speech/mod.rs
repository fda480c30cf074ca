//! Spoken commands as ONE's goal input (paper 3.8): the utterance corpus and log-mel features,
//! one implementation for native code and wasm.

mod corpus;
mod fft;
mod goal;
mod mel;
mod wav;

pub use corpus::{Corpus, Speaker, Split, Utterance};
pub use goal::{heard_frames, listening_frames, utterance_table, Augment, UtteranceTable};
pub use mel::{pool_frames, MelConfig, MelFilterbank};
pub use wav::{parse_wav, prepare_recording, resample, trim_voiced, wav_file, Audio};
