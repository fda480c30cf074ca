//! ONE: one LSTM whose single flat parameter buffer drives two heads, actions and predictions.

pub mod action;
mod layout;
mod one;

pub use layout::{Grid, Layout, NetShape};
pub use one::{FreezeMask, One};
