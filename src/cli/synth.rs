//! `movierec synth --like ml-32m --dest DIR`: writes a seeded synthetic data set in the CSV
//! releases' exact format and a release's shape (users, movies, ratings), so every stage can be
//! measured at ML-32M's scale without the real data. Movie popularity and user activity are
//! Zipf-like; ratings come from a small taste model (user and movie biases plus four latent
//! factors) rounded to half stars, so there is something to learn.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal, Zipf};

/// A release's shape.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub name: &'static str,
    pub users: usize,
    pub movies: usize,
    pub ratings: usize,
}

pub const SHAPES: [Shape; 5] = [
    Shape {
        name: "ml-32m",
        users: 200_948,
        movies: 87_585,
        ratings: 32_000_204,
    },
    Shape {
        name: "ml-10m",
        users: 71_567,
        movies: 10_681,
        ratings: 10_000_054,
    },
    Shape {
        name: "ml-1m",
        users: 6_040,
        movies: 3_883,
        ratings: 1_000_209,
    },
    Shape {
        name: "ml-latest-small",
        users: 610,
        movies: 9_742,
        ratings: 100_836,
    },
    Shape {
        name: "tiny",
        users: 300,
        movies: 400,
        ratings: 12_000,
    },
];

/// Every user rates at least this many movies, as in every MovieLens release.
const MIN_PER_USER: usize = 20;
const FACTORS: usize = 4;
const GENRES: [&str; 19] = [
    "Action",
    "Adventure",
    "Animation",
    "Children",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "IMAX",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
];

#[derive(clap::Args)]
pub struct SynthArgs {
    /// The shape: ml-32m, ml-10m, ml-1m, ml-latest-small or tiny.
    #[arg(long)]
    like: String,
    /// Folder to write ratings.csv, movies.csv and links.csv into (created; must be empty).
    #[arg(long)]
    dest: PathBuf,
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

pub fn run(args: SynthArgs) -> anyhow::Result<()> {
    let Some(shape) = SHAPES.iter().find(|s| s.name == args.like) else {
        bail!(
            "unknown shape {:?}: expected one of {}",
            args.like,
            SHAPES.map(|s| s.name).join(", ")
        );
    };
    if args.dest.exists() && std::fs::read_dir(&args.dest)?.next().is_some() {
        bail!("{} already exists and is not empty", args.dest.display());
    }
    std::fs::create_dir_all(&args.dest)
        .with_context(|| format!("creating {}", args.dest.display()))?;
    let started = std::time::Instant::now();
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let movies = write_movies(&args.dest, shape.movies, &mut rng)?;
    write_ratings(&args.dest, shape, &movies, &mut rng)?;
    println!(
        "wrote {} users, {} movies, {} ratings ({}) into {} in {:.0} s",
        shape.users,
        shape.movies,
        shape.ratings,
        shape.name,
        args.dest.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// A movie's taste: a bias and latent factors.
struct Taste {
    bias: f32,
    factors: [f32; FACTORS],
}

fn taste(rng: &mut ChaCha8Rng, spread: f32) -> Taste {
    let normal = Normal::new(0.0f32, 1.0).expect("a valid normal");
    Taste {
        bias: normal.sample(rng) * spread,
        factors: std::array::from_fn(|_| normal.sample(rng) * 0.5),
    }
}

fn create(dest: &Path, name: &str) -> anyhow::Result<BufWriter<File>> {
    let path = dest.join(name);
    let file = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
    Ok(BufWriter::with_capacity(1 << 20, file))
}

/// movies.csv and links.csv; a title with a comma is quoted, as GroupLens quotes them.
fn write_movies(dest: &Path, n: usize, rng: &mut ChaCha8Rng) -> anyhow::Result<Vec<Taste>> {
    let mut movies = create(dest, "movies.csv")?;
    let mut links = create(dest, "links.csv")?;
    writeln!(movies, "movieId,title,genres")?;
    writeln!(links, "movieId,imdbId,tmdbId")?;
    let mut tastes = Vec::with_capacity(n);
    for id in 1..=n {
        let year = 1920 + (rng.random::<f32>().sqrt() * 104.0) as u32;
        let genres: Vec<&str> = match rng.random_range(0..20) {
            0 => vec!["(no genres listed)"],
            k => GENRES.choose_multiple(rng, 1 + k % 3).copied().collect(),
        };
        let title = if id % 7 == 0 {
            format!("\"Movie {id}, The ({year})\"")
        } else {
            format!("Movie {id} ({year})")
        };
        writeln!(movies, "{id},{title},{}", genres.join("|"))?;
        writeln!(links, "{id},{:07},{}", 100_000 + id, id)?;
        tastes.push(taste(rng, 0.4));
    }
    movies.flush()?;
    links.flush()?;
    Ok(tastes)
}

/// Each user's count: at least [`MIN_PER_USER`], the rest Zipf-like (s = 0.5) over users, capped
/// at half the catalog, summing to the shape's ratings.
fn activity(shape: &Shape) -> Vec<usize> {
    let cap = (shape.movies / 2).max(MIN_PER_USER);
    let weights: Vec<f64> = (1..=shape.users).map(|k| (k as f64).powf(-0.5)).collect();
    let total: f64 = weights.iter().sum();
    let extra = shape.ratings.saturating_sub(MIN_PER_USER * shape.users) as f64;
    let mut counts: Vec<usize> = weights
        .iter()
        .map(|w| (MIN_PER_USER + (extra * w / total) as usize).min(cap))
        .collect();
    let mut missing = shape.ratings.saturating_sub(counts.iter().sum());
    while missing > 0 {
        let before = missing;
        for c in counts.iter_mut().filter(|c| **c < cap) {
            if missing == 0 {
                break;
            }
            *c += 1;
            missing -= 1;
        }
        if before == missing {
            break; // every user at the cap: the shape holds fewer ratings
        }
    }
    counts
}

/// ratings.csv, user by user, each user's movies drawn by Zipf-like popularity (s = 0.6 over a
/// shuffled popularity order) without repeats, timestamps increasing within a user.
fn write_ratings(
    dest: &Path,
    shape: &Shape,
    movies: &[Taste],
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<()> {
    let mut out = create(dest, "ratings.csv")?;
    writeln!(out, "userId,movieId,rating,timestamp")?;
    let mut by_popularity: Vec<usize> = (0..movies.len()).collect();
    by_popularity.shuffle(rng);
    let zipf = Zipf::new(movies.len() as f64, 0.6).expect("a valid Zipf");
    let noise = Normal::new(0.0f32, 0.6).expect("a valid normal");
    let mut rated = vec![false; movies.len()];
    let mut mine = Vec::new();
    for (user, count) in activity(shape).into_iter().enumerate() {
        let person = taste(rng, 0.35);
        mine.clear();
        while mine.len() < count {
            let movie = by_popularity[zipf.sample(rng) as usize - 1];
            if !std::mem::replace(&mut rated[movie], true) {
                mine.push(movie);
            }
        }
        let mut time: u64 = rng.random_range(820_000_000..1_690_000_000);
        for &movie in &mine {
            rated[movie] = false;
            let m = &movies[movie];
            let dot: f32 = (0..FACTORS).map(|f| m.factors[f] * person.factors[f]).sum();
            let value = 3.5 + person.bias + m.bias + dot + noise.sample(rng);
            let stars = ((value * 2.0).round() / 2.0).clamp(0.5, 5.0);
            time += rng.random_range(1..4_000);
            writeln!(out, "{},{},{stars:.1},{time}", user + 1, movie + 1)?;
        }
    }
    out.flush()?;
    Ok(())
}
