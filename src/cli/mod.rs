pub mod fetch;
pub mod plot;
