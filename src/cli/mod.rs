pub mod fetch;
pub mod plot;
pub mod report;
pub mod serve;
