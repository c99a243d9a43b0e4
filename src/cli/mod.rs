pub mod fetch;
pub mod output;
pub mod plot;
pub mod report;
pub mod serve;
