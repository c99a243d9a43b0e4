//! The command line: one module per command (its flags and what it runs) and the helpers they
//! share. Everything here is a thin shell over the library.

pub mod eval;
pub mod experiments;
pub mod fetch;
pub mod inspect;
pub mod output;
pub mod plot;
pub mod preset;
pub mod progress;
pub mod report;
pub mod serve;
pub mod synth;
pub mod taste;
pub mod train;
