pub mod fetch;
pub mod plot;
pub mod serve;
