//! Lifelong behavioural traces (paper 3.6): every trial, successful or not, kept compactly as
//! what regenerates it exactly (world seed, start cell, utterance, actions, policy), encoded in
//! one place for the native file store and the browser's IndexedDB.

mod archive;
mod filter;
mod policy;
mod record;
mod replay;
#[cfg(not(target_arch = "wasm32"))]
mod store;

pub use archive::Archive;
pub use filter::Filter;
pub use policy::PolicySnapshot;
pub use record::{decode, encode, Heard, MazeSpec, Phase, PolicyRef, Trial, FORMAT_VERSION};
pub use replay::{policy_actions, replay, Replay};
#[cfg(not(target_arch = "wasm32"))]
pub use store::{FileStore, Recovery};
