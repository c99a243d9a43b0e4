//! `movierec inspect --data DIR`: reads a MovieLens folder as training would and says what it
//! holds and how long reading took (the parse figure of the scale benchmarks).

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;

use movierec::data::{DataDir, Stars};

#[derive(clap::Args)]
pub struct InspectArgs {
    /// A MovieLens folder, any release.
    #[arg(long)]
    data: PathBuf,
}

pub fn run(args: InspectArgs) -> anyhow::Result<()> {
    let data = DataDir::new(&args.data);
    let started = Instant::now();
    let layout = data.layout()?;
    let movies = data.movies()?;
    let ratings = data.ratings(&movies)?;
    let seconds = started.elapsed().as_secs_f64();
    let users: HashSet<u32> = ratings.iter().map(|r| r.user).collect();
    let linked = movies.list.iter().filter(|m| !m.links.is_empty()).count();
    let stars = match Stars::of(&ratings) {
        Stars::Whole => "whole stars 1–5",
        Stars::Half => "half stars 0.5–5",
    };
    println!("{}: {layout}", args.data.display());
    println!(
        "{} ratings ({stars}) by {} users of {} movies ({linked} with IMDb/TMDB links)",
        ratings.len(),
        users.len(),
        movies.len()
    );
    println!("read and checked in {seconds:.1} s");
    Ok(())
}
