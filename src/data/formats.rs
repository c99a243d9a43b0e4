//! The files of the releases after 100K: `::`-separated `.dat` files (1M, 10M) and CSV files
//! with a header row (20M, 25M, 32M, latest, latest-small).

use std::collections::HashMap;

use super::parse::{
    RatingFields, RatingsBuilder, ratings_from_lines, shown, split_title_year, utf8_text,
};
use super::{DataError, Links, Movie, Movies, Rating, latin1_to_string, parse_err};

/// `movies.dat` is ISO-8859-1 in 1M and UTF-8 in 10M: UTF-8 when the bytes are UTF-8.
fn dat_text(bytes: &[u8]) -> String {
    match utf8_text(bytes, "") {
        Ok(text) => text.to_string(),
        Err(_) => latin1_to_string(bytes),
    }
}

/// A release's genre list: `|`-separated, `(no genres listed)` meaning none.
fn genre_list(field: &str) -> Vec<String> {
    field
        .split('|')
        .map(str::trim)
        .filter(|g| !g.is_empty() && *g != "(no genres listed)")
        .map(str::to_string)
        .collect()
}

/// A movie from its id, `Title (year)` and genre fields, refusing an id seen before.
fn movie_from(
    (id, title, genres): (&str, &str, &str),
    seen: &mut HashMap<u32, usize>,
    (file, line): (&str, usize),
) -> Result<Movie, DataError> {
    let id: u32 = id.trim().parse().map_err(|_| {
        parse_err(
            file,
            line,
            format!("movie id {} is not a number", shown(id)),
        )
    })?;
    if let Some(first) = seen.insert(id, line) {
        return Err(parse_err(
            file,
            line,
            format!("movie id {id} appears already on line {first}"),
        ));
    }
    let (title, year) = split_title_year(title);
    Ok(Movie {
        id,
        title,
        year,
        genres: genre_list(genres),
        links: Links::default(),
    })
}

fn non_empty(list: Vec<Movie>, file: &str) -> Result<Movies, DataError> {
    if list.is_empty() {
        return Err(DataError::Invalid(format!("{file}: no movies")));
    }
    Ok(Movies::new(list))
}

/// Parses `movies.dat`: `MovieID::Title::Genres` (a title may hold `::`).
pub fn parse_dat_movies(bytes: &[u8], file: &str) -> Result<Movies, DataError> {
    let text = dat_text(bytes);
    let (mut list, mut seen) = (Vec::new(), HashMap::new());
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fields = line
            .split_once("::")
            .and_then(|(id, rest)| rest.rsplit_once("::").map(|(t, g)| (id, t, g)))
            .ok_or_else(|| {
                parse_err(
                    file,
                    n + 1,
                    format!("expected `MovieID::Title::Genres`, got {}", shown(line)),
                )
            })?;
        list.push(movie_from(fields, &mut seen, (file, n + 1))?);
    }
    non_empty(list, file)
}

/// Parses `ratings.dat`: `UserID::MovieID::Rating::Timestamp`.
pub fn parse_dat_ratings(
    bytes: &[u8],
    file: &str,
    movies: &Movies,
) -> Result<Vec<Rating>, DataError> {
    let text = utf8_text(bytes, file)?;
    let shape = "UserID::MovieID::Rating::Timestamp";
    ratings_from_lines(text, (file, shape), movies, |line| {
        line.split("::").collect()
    })
}

/// Reads a CSV file whose header row must be `header`, calling `row` with each record's fields
/// and 1-based line. Quoted fields (titles with commas) and CRLF or LF endings are the csv
/// crate's to handle.
fn each_csv_row(
    bytes: &[u8],
    file: &str,
    header: &[&str],
    mut row: impl FnMut(&csv::StringRecord, usize) -> Result<(), DataError>,
) -> Result<(), DataError> {
    let text = utf8_text(bytes, file)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let csv_err = |e: csv::Error| {
        let line = e.position().map_or(0, |p| p.line() as usize);
        parse_err(file, line, format!("not a valid CSV row ({e})"))
    };
    let found = reader.headers().map_err(csv_err)?;
    if found.iter().map(str::trim).ne(header.iter().copied()) {
        return Err(parse_err(
            file,
            1,
            format!(
                "expected the header `{}`, got {}",
                header.join(","),
                shown(&found.iter().collect::<Vec<_>>().join(","))
            ),
        ));
    }
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(csv_err)? {
        let line = record.position().map_or(0, |p| p.line() as usize);
        row(&record, line)?;
    }
    Ok(())
}

/// Parses `movies.csv`: `movieId,title,genres`.
pub fn parse_csv_movies(bytes: &[u8], file: &str) -> Result<Movies, DataError> {
    let (mut list, mut seen) = (Vec::new(), HashMap::new());
    each_csv_row(bytes, file, &["movieId", "title", "genres"], |r, line| {
        list.push(movie_from((&r[0], &r[1], &r[2]), &mut seen, (file, line))?);
        Ok(())
    })?;
    non_empty(list, file)
}

/// Parses `ratings.csv`: `userId,movieId,rating,timestamp`.
pub fn parse_csv_ratings(
    bytes: &[u8],
    file: &str,
    movies: &Movies,
) -> Result<Vec<Rating>, DataError> {
    let mut out = RatingsBuilder::default();
    let header = ["userId", "movieId", "rating", "timestamp"];
    each_csv_row(bytes, file, &header, |r, line| {
        let fields = RatingFields {
            user: &r[0],
            movie: &r[1],
            rating: &r[2],
            timestamp: &r[3],
        };
        out.push(fields.check(file, line, movies)?, line);
        Ok(())
    })?;
    out.finish(file)
}

/// Parses `links.csv` (`movieId,imdbId,tmdbId`; either id may be empty) into `movies`. A movie
/// the list does not hold is an error; one without a row keeps no links.
pub fn parse_links(bytes: &[u8], file: &str, movies: &mut Movies) -> Result<(), DataError> {
    let id = |text: &str, what: &str, line: usize| -> Result<Option<u32>, DataError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        text.parse().map(Some).map_err(|_| {
            parse_err(
                file,
                line,
                format!("{what} {} is not a number", shown(text)),
            )
        })
    };
    each_csv_row(bytes, file, &["movieId", "imdbId", "tmdbId"], |r, line| {
        let movie = id(&r[0], "movie id", line)?.unwrap_or(u32::MAX);
        let index = movies.index_of(movie).ok_or_else(|| {
            parse_err(
                file,
                line,
                format!("unknown movie id {} (not in the movie list)", shown(&r[0])),
            )
        })?;
        movies.list[index].links = Links {
            imdb: id(&r[1], "IMDb id", line)?,
            tmdb: id(&r[2], "TMDB id", line)?,
        };
        Ok(())
    })
}
