//! ONE Lab: Schmidhuber's "One Big Net For Everything" (arXiv 1802.08864) as a simulator.
//! See DESIGN.md for the map; each module is one idea of the paper.

pub mod backend;
pub mod consolidate;
pub mod cpu;
pub mod evolve;
pub mod gpu;
pub mod inputs;
pub mod lifecycle;
pub mod limits;
pub mod net;
pub mod rng;
pub mod speech;
pub mod traces;
pub mod world;

#[cfg(target_arch = "wasm32")]
mod web;
