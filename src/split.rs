//! Train/test splits: 100K's canonical `u1`…`u5` (and `ua`/`ub`), one fold of a seeded 5-fold
//! partition (any release's cross-validation), a seeded random 80/20 of all ratings, each user's
//! latest 20% by time (temporal), or any pair of rating files; plus the validation carve-out used
//! for model selection.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::data::{DataDir, DataError, Layout, Movies, Rating};

/// Which ratings are train and which are test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitSpec {
    /// `u1`…`u5`, `ua`, `ub`: the files GroupLens ships.
    Canonical(String),
    /// 80/20 of all ratings, shuffled with this seed.
    Random(u64),
    /// Fold `index` (1–5) of all ratings shuffled with `seed` and dealt into five: where a
    /// release has no canonical `u1`…`u5`, cross-validation uses these.
    Fold { index: usize, seed: u64 },
    /// Each user's latest 20% of their ratings by time held out (users with at least 5 ratings):
    /// what a visitor does next, not gaps filled in a history.
    Temporal,
    /// Explicit files in `u.data` format.
    Files { train: PathBuf, test: PathBuf },
}

/// A `--split` value that names no split.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitSpecError {
    #[error("split {spec:?}: seed {seed:?} is not a non-negative integer")]
    BadSeed { spec: String, seed: String },
    #[error(
        "unknown split {0:?}: expected u1…u5, ua, ub (100K), random:SEED, fold:1…5:SEED or temporal (or use --train/--test)"
    )]
    Unknown(String),
}

impl FromStr for SplitSpec {
    type Err = SplitSpecError;
    fn from_str(s: &str) -> Result<Self, SplitSpecError> {
        if let Some(seed) = s.strip_prefix("random:") {
            return seed
                .parse()
                .map(SplitSpec::Random)
                .map_err(|_| SplitSpecError::BadSeed {
                    spec: s.into(),
                    seed: seed.into(),
                });
        }
        if let Some(rest) = s.strip_prefix("fold:") {
            let parsed = rest.split_once(':').and_then(|(index, seed)| {
                let index: usize = index.parse().ok().filter(|i| (1..=FOLDS).contains(i))?;
                Some(SplitSpec::Fold {
                    index,
                    seed: seed.parse().ok()?,
                })
            });
            return parsed.ok_or_else(|| SplitSpecError::Unknown(s.into()));
        }
        match s {
            "u1" | "u2" | "u3" | "u4" | "u5" | "ua" | "ub" => {
                Ok(SplitSpec::Canonical(s.to_string()))
            }
            "temporal" => Ok(SplitSpec::Temporal),
            _ => Err(SplitSpecError::Unknown(s.into())),
        }
    }
}

impl fmt::Display for SplitSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SplitSpec::Canonical(name) => write!(f, "{name}"),
            SplitSpec::Random(seed) => write!(f, "random:{seed}"),
            SplitSpec::Fold { index, seed } => write!(f, "fold:{index}:{seed}"),
            SplitSpec::Temporal => write!(f, "temporal"),
            SplitSpec::Files { train, test } => {
                write!(f, "files:{}|{}", train.display(), test.display())
            }
        }
    }
}

/// Ratings divided into the part a model may learn from and the part it is judged on.
#[derive(Debug, Clone)]
pub struct Split {
    pub train: Vec<Rating>,
    pub test: Vec<Rating>,
}

/// Loads a split. `data` is needed for canonical and random splits. A (user, movie) pair in both
/// parts is an error: a rating never sits on both sides.
pub fn load_split(data: &DataDir, spec: &SplitSpec, movies: &Movies) -> Result<Split, DataError> {
    let (train, test) = match spec {
        SplitSpec::Canonical(name) => {
            if data.layout()? != Layout::Ml100k {
                return Err(DataError::Invalid(format!(
                    "split {name} is MovieLens 100K's, and {} is not 100K: use random:SEED, \
                     fold:1…5:SEED or temporal",
                    data.root.display()
                )));
            }
            (
                data.path(&format!("{name}.base")),
                data.path(&format!("{name}.test")),
            )
        }
        SplitSpec::Fold { index, seed } => {
            return Ok(fold_split(data.ratings(movies)?, *index, *seed));
        }
        SplitSpec::Random(seed) => {
            let all = data.ratings(movies)?;
            return Ok(random_split(all, 0.2, *seed));
        }
        SplitSpec::Temporal => {
            let all = data.ratings(movies)?;
            return Ok(temporal_split(all, 0.2, TEMPORAL_MIN_RATINGS));
        }
        SplitSpec::Files { train, test } => (train.clone(), test.clone()),
    };
    let split = Split {
        train: DataDir::ratings_file(&train, movies)?,
        test: DataDir::ratings_file(&test, movies)?,
    };
    let in_train: HashSet<(u32, u32)> = split.train.iter().map(|r| (r.user, r.movie)).collect();
    if let Some(r) = split
        .test
        .iter()
        .find(|r| in_train.contains(&(r.user, r.movie)))
    {
        return Err(DataError::Invalid(format!(
            "user {} rated movie {} in both {} and {}: a rating cannot be both trained on and tested",
            r.user,
            r.movie,
            train.display(),
            test.display()
        )));
    }
    Ok(split)
}

/// Shuffles `ratings` with `seed` and holds out `fraction` of them.
pub fn random_split(mut ratings: Vec<Rating>, fraction: f64, seed: u64) -> Split {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    ratings.shuffle(&mut rng);
    let n_test = (ratings.len() as f64 * fraction).round() as usize;
    let test = ratings.split_off(ratings.len() - n_test);
    Split {
        train: ratings,
        test,
    }
}

/// Cross-validation's folds.
pub const FOLDS: usize = 5;

/// Shuffles `ratings` with `seed`, deals them into [`FOLDS`] folds and holds out fold `index`
/// (1-based): the five folds' test sets partition the ratings, as 100K's u1…u5 do.
pub fn fold_split(mut ratings: Vec<Rating>, index: usize, seed: u64) -> Split {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    ratings.shuffle(&mut rng);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for (k, r) in ratings.into_iter().enumerate() {
        if k % FOLDS == index - 1 {
            test.push(r);
        } else {
            train.push(r);
        }
    }
    Split { train, test }
}

/// Users with fewer ratings than this keep them all for training in the temporal split.
pub const TEMPORAL_MIN_RATINGS: usize = 5;

/// Holds out each user's latest `fraction` of ratings (at least one) by time, ties broken by
/// movie id, for users with at least `min_ratings`: every held-out rating of a user is at or
/// after each of their training ratings, so the history a prediction sees (the user's training
/// ratings) never holds its future.
pub fn temporal_split(ratings: Vec<Rating>, fraction: f64, min_ratings: usize) -> Split {
    let mut by_user: BTreeMap<u32, Vec<Rating>> = BTreeMap::new();
    for r in ratings {
        by_user.entry(r.user).or_default().push(r);
    }
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for (_, mut own) in by_user {
        own.sort_by_key(|r| (r.timestamp, r.movie));
        let held = if own.len() >= min_ratings {
            ((own.len() as f64 * fraction).round() as usize).max(1)
        } else {
            0
        };
        test.extend(own.split_off(own.len() - held));
        train.extend(own);
    }
    Split { train, test }
}

/// Training ratings divided into those a model learns from and the validation ratings its
/// epochs and settings are chosen by.
#[derive(Debug, Clone)]
pub struct Carve {
    pub fit: Vec<Rating>,
    pub validation: Vec<Rating>,
}

/// Carves a validation set out of the training ratings, so that epochs and hyper-parameters are
/// chosen without ever looking at the test set.
pub fn validation_split(train: &[Rating], fraction: f64, seed: u64) -> Carve {
    // A distinct stream from any random:SEED split of the same seed.
    let split = random_split(train.to_vec(), fraction, seed ^ 0x05ee_d0f7_a11d);
    Carve {
        fit: split.train,
        validation: split.test,
    }
}
