//! A MovieLens folder on disk, whichever release it holds: the layout is told from the files
//! present, and every layout reads into the same [`Movies`] and [`Rating`]s.

use std::fmt;
use std::path::{Path, PathBuf};

use super::{
    DataError, Movies, Rating, parse_csv_movies, parse_csv_ratings, parse_dat_movies,
    parse_dat_ratings, parse_genres, parse_items, parse_links, parse_ratings, read_file,
};

/// The three file layouts GroupLens has published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// 100K: `u.data` (tab-separated), `u.item` (latin-1, `|`), `u.genre`, and the `u1`…`u5`,
    /// `ua`, `ub` splits.
    Ml100k,
    /// 1M and 10M: `ratings.dat` and `movies.dat`, `::`-separated.
    Dat,
    /// 20M, 25M, 32M, latest and latest-small: `ratings.csv`, `movies.csv`, `links.csv`.
    Csv,
}

impl Layout {
    /// The files that give a folder this layout: (movies, ratings).
    fn files(self) -> (&'static str, &'static str) {
        match self {
            Layout::Ml100k => ("u.item", "u.data"),
            Layout::Dat => ("movies.dat", "ratings.dat"),
            Layout::Csv => ("movies.csv", "ratings.csv"),
        }
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Layout::Ml100k => "MovieLens 100K (u.data, u.item)",
            Layout::Dat => "MovieLens 1M/10M (ratings.dat, movies.dat)",
            Layout::Csv => "MovieLens CSV (ratings.csv, movies.csv)",
        })
    }
}

/// A MovieLens folder on disk.
#[derive(Debug, Clone)]
pub struct DataDir {
    pub root: PathBuf,
}

impl DataDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// The folder's layout, told from its files.
    pub fn layout(&self) -> Result<Layout, DataError> {
        [Layout::Ml100k, Layout::Dat, Layout::Csv]
            .into_iter()
            .find(|l| {
                let (movies, ratings) = l.files();
                self.path(movies).is_file() && self.path(ratings).is_file()
            })
            .ok_or_else(|| {
                DataError::Invalid(format!(
                    "{}: not a MovieLens folder (expected u.data and u.item, ratings.dat and \
                     movies.dat, or ratings.csv and movies.csv; `movierec fetch-data --list` \
                     names the releases)",
                    self.root.display()
                ))
            })
    }

    /// The release's movies (with their links where the release has `links.csv`).
    pub fn movies(&self) -> Result<Movies, DataError> {
        let layout = self.layout()?;
        let path = self.path(layout.files().0);
        let (bytes, name) = (read_file(&path)?, path.display().to_string());
        match layout {
            Layout::Ml100k => {
                let genre_path = self.path("u.genre");
                let genres =
                    parse_genres(&read_file(&genre_path)?, &genre_path.display().to_string())?;
                parse_items(&bytes, &name, &genres)
            }
            Layout::Dat => parse_dat_movies(&bytes, &name),
            Layout::Csv => {
                let mut movies = parse_csv_movies(&bytes, &name)?;
                let links = self.path("links.csv");
                if links.is_file() {
                    parse_links(
                        &read_file(&links)?,
                        &links.display().to_string(),
                        &mut movies,
                    )?;
                }
                Ok(movies)
            }
        }
    }

    /// Every rating of the release.
    pub fn ratings(&self, movies: &Movies) -> Result<Vec<Rating>, DataError> {
        let layout = self.layout()?;
        Self::ratings_file(&self.path(layout.files().1), movies)
    }

    /// Reads a rating file in the format its name says: `.csv` (with the `userId,…` header),
    /// `.dat` (`::`), anything else `u.data`'s whitespace-separated columns.
    pub fn ratings_file(path: &Path, movies: &Movies) -> Result<Vec<Rating>, DataError> {
        let (bytes, name) = (read_file(path)?, path.display().to_string());
        match path.extension().and_then(|e| e.to_str()) {
            Some("csv") => parse_csv_ratings(&bytes, &name, movies),
            Some("dat") => parse_dat_ratings(&bytes, &name, movies),
            _ => parse_ratings(&bytes, &name, movies),
        }
    }
}
