//! The `frontline` crate's library: what the binary does that is worth testing on its own.
//! Today that is the demo organisation; the CLI itself lives in `main.rs` and its modules.

pub mod demo;
