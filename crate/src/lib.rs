//! ONE Lab: Schmidhuber's "One Big Net For Everything" (arXiv 1802.08864) as a simulator.
//! docs/architecture.md is the map: its layers, and how a setting becomes a result.

pub mod consolidate;
pub mod cpu;
pub mod data;
pub mod device;
pub mod evolve;
pub mod gpu;
pub mod inputs;
pub mod lifecycle;
pub mod limits;
pub mod net;
pub mod rng;
pub mod speech;
pub mod threads;
pub mod traces;
pub mod world;

mod wide;

#[cfg(target_arch = "wasm32")]
mod web;
