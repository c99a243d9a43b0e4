//! The parsers: bytes plus a file name in, records or an error naming the file and line out.

use std::collections::HashMap;

use super::{DataError, Links, Movie, Movies, Rating, is_valid_rating, parse_err};

/// A field or line as an error message quotes it: at most 80 characters, so a huge field does not
/// become a huge message.
pub fn shown(text: &str) -> String {
    const MAX: usize = 80;
    match text.char_indices().nth(MAX) {
        None => format!("{text:?}"),
        Some((cut, _)) => format!("{:?}… ({} bytes in all)", &text[..cut], text.len()),
    }
}

/// Drops a UTF-8 byte-order mark, which editors on some systems put in front of text files.
pub(super) fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// `u.item` (and 1M's `movies.dat`) are ISO-8859-1: every byte is the code point of the same
/// value.
pub fn latin1_to_string(bytes: &[u8]) -> String {
    encoding_rs::mem::decode_latin1(without_bom(bytes)).into_owned()
}

/// Parses `u.genre` (`name|index`), returning names ordered by index.
pub fn parse_genres(bytes: &[u8], file: &str) -> Result<Vec<String>, DataError> {
    let text = latin1_to_string(bytes);
    let mut genres: Vec<(usize, String)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let (name, index) = line.split_once('|').ok_or_else(|| {
            parse_err(
                file,
                n + 1,
                format!("expected `name|index`, got {}", shown(line)),
            )
        })?;
        let index: usize = index.trim().parse().map_err(|_| {
            parse_err(
                file,
                n + 1,
                format!("genre index {} is not a number", shown(index)),
            )
        })?;
        genres.push((index, name.to_string()));
    }
    if genres.is_empty() {
        return Err(DataError::Invalid(format!("{file}: no genres")));
    }
    genres.sort();
    for (expected, (index, _)) in genres.iter().enumerate() {
        if *index != expected {
            return Err(DataError::Invalid(format!(
                "{file}: genre indices must be 0..{}, found {index}",
                genres.len()
            )));
        }
    }
    Ok(genres.into_iter().map(|(_, name)| name).collect())
}

/// Splits "Toy Story (1995)" into ("Toy Story", Some(1995)).
pub(super) fn split_title_year(raw: &str) -> (String, Option<u16>) {
    let raw = raw.trim();
    if let Some(open) = raw.rfind('(')
        && raw.ends_with(')')
        && let Ok(year) = raw[open + 1..raw.len() - 1].parse::<u16>()
    {
        return (raw[..open].trim().to_string(), Some(year));
    }
    (raw.to_string(), None)
}

/// Parses `u.item`: `id|title|release date|video date|url|` then one 0/1 flag per genre.
pub fn parse_items(bytes: &[u8], file: &str, genres: &[String]) -> Result<Movies, DataError> {
    let text = latin1_to_string(bytes);
    let mut list = Vec::new();
    let mut seen = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('|').collect();
        if fields.len() != 5 + genres.len() {
            return Err(parse_err(
                file,
                line_no,
                format!(
                    "expected {} `|`-separated fields, got {}",
                    5 + genres.len(),
                    fields.len()
                ),
            ));
        }
        let id: u32 = fields[0].parse().map_err(|_| {
            parse_err(
                file,
                line_no,
                format!("movie id {} is not a number", shown(fields[0])),
            )
        })?;
        if seen.insert(id, line_no).is_some() {
            return Err(parse_err(
                file,
                line_no,
                format!("movie id {id} appears twice"),
            ));
        }
        let (title, mut year) = split_title_year(fields[1]);
        if year.is_none() {
            // Fall back to the release date, e.g. "01-Jan-1995".
            year = fields[2].rsplit('-').next().and_then(|y| y.parse().ok());
        }
        let mut movie_genres = Vec::new();
        for (g, flag) in fields[5..].iter().enumerate() {
            match flag.trim() {
                "1" => movie_genres.push(genres[g].clone()),
                "0" => {}
                other => {
                    return Err(parse_err(
                        file,
                        line_no,
                        format!(
                            "genre flag for {} must be 0 or 1, got {}",
                            shown(&genres[g]),
                            shown(other)
                        ),
                    ));
                }
            }
        }
        list.push(Movie {
            id,
            title,
            year,
            genres: movie_genres,
            links: Links::default(),
        });
    }
    if list.is_empty() {
        return Err(DataError::Invalid(format!("{file}: no movies")));
    }
    Ok(Movies::new(list))
}

/// Parses a rating file in `u.data` format; every movie must exist in `movies`.
pub fn parse_ratings(bytes: &[u8], file: &str, movies: &Movies) -> Result<Vec<Rating>, DataError> {
    let text = utf8_text(bytes, file)?;
    ratings_from_lines(
        text,
        (file, "user movie rating timestamp"),
        movies,
        |line| line.split_whitespace().collect(),
    )
}

/// Ratings from `text`, one per non-empty line, each cut into its four fields by `split`;
/// `shape` says how a line should look in an error.
pub(super) fn ratings_from_lines<'a>(
    text: &'a str,
    (file, shape): (&str, &str),
    movies: &Movies,
    split: impl Fn(&'a str) -> Vec<&'a str>,
) -> Result<Vec<Rating>, DataError> {
    let mut out = RatingsBuilder::default();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fields = split(line);
        let [user, movie, rating, timestamp] = fields[..] else {
            return Err(parse_err(
                file,
                n + 1,
                format!("expected 4 fields ({shape}), got {}", fields.len()),
            ));
        };
        let fields = RatingFields {
            user,
            movie,
            rating,
            timestamp,
        };
        out.push(fields.check(file, n + 1, movies)?, n + 1);
    }
    out.finish(file)
}

/// The text of a UTF-8 file (a byte-order mark dropped), or an error naming it.
pub(super) fn utf8_text<'a>(bytes: &'a [u8], file: &str) -> Result<&'a str, DataError> {
    std::str::from_utf8(without_bom(bytes))
        .map_err(|e| DataError::Invalid(format!("{file}: not a UTF-8 text file ({e})")))
}

/// One rating line's fields as text, whatever the file's separator.
pub(super) struct RatingFields<'a> {
    pub user: &'a str,
    pub movie: &'a str,
    pub rating: &'a str,
    pub timestamp: &'a str,
}

impl RatingFields<'_> {
    /// The rating, or an error naming the file, the line and the field: ids that fit in 32 bits,
    /// a movie of the catalog, a rating of 0.5–5.0 in half steps, a whole-second timestamp.
    pub fn check(&self, file: &str, line: usize, movies: &Movies) -> Result<Rating, DataError> {
        let number = |text: &str, what: &str| -> Result<u64, DataError> {
            text.trim().parse().map_err(|_| {
                parse_err(
                    file,
                    line,
                    format!("{what} {} is not a non-negative integer", shown(text)),
                )
            })
        };
        let (user, movie) = (
            number(self.user, "user id")?,
            number(self.movie, "movie id")?,
        );
        let rating: f32 = self.rating.trim().parse().map_err(|_| {
            parse_err(
                file,
                line,
                format!("rating {} is not a number", shown(self.rating)),
            )
        })?;
        if !is_valid_rating(rating) {
            return Err(parse_err(
                file,
                line,
                format!("rating {rating} is not 0.5–5 in half stars"),
            ));
        }
        let timestamp = number(self.timestamp, "timestamp")?;
        let (Ok(user), Ok(movie)) = (u32::try_from(user), u32::try_from(movie)) else {
            return Err(parse_err(file, line, "id does not fit in 32 bits"));
        };
        if movies.index_of(movie).is_none() {
            return Err(parse_err(
                file,
                line,
                format!("unknown movie id {movie} (not in the movie list)"),
            ));
        }
        Ok(Rating {
            user,
            movie,
            rating,
            timestamp,
        })
    }
}

/// Ratings with the line each came from, until [`RatingsBuilder::finish`] checks that no user
/// rated a movie twice.
#[derive(Default)]
pub(super) struct RatingsBuilder {
    ratings: Vec<Rating>,
    lines: Vec<u32>,
}

impl RatingsBuilder {
    pub fn push(&mut self, rating: Rating, line: usize) {
        self.ratings.push(rating);
        self.lines.push(u32::try_from(line).unwrap_or(u32::MAX));
    }

    /// The ratings, or an error naming both lines of a (user, movie) pair rated twice. Sorting
    /// (user, movie) keys costs 12 bytes a rating, where a map of every pair cost ~50.
    pub fn finish(self, file: &str) -> Result<Vec<Rating>, DataError> {
        let mut keys: Vec<(u64, u32)> = self
            .ratings
            .iter()
            .zip(&self.lines)
            .map(|(r, &line)| ((u64::from(r.user) << 32) | u64::from(r.movie), line))
            .collect();
        keys.sort_unstable();
        if let Some(pair) = keys.windows(2).find(|w| w[0].0 == w[1].0) {
            let (user, movie) = (pair[0].0 >> 32, pair[0].0 & u64::from(u32::MAX));
            return Err(parse_err(
                file,
                pair[1].1 as usize,
                format!(
                    "user {user} rated movie {movie} already on line {}",
                    pair[0].1
                ),
            ));
        }
        Ok(self.ratings)
    }
}

/// Optional movie descriptions: `movie_id<TAB>text` per line (a header line is allowed).
pub fn parse_descriptions(bytes: &[u8], file: &str) -> Result<HashMap<u32, String>, DataError> {
    let text = std::str::from_utf8(without_bom(bytes))
        .map_err(|e| DataError::Invalid(format!("{file}: not UTF-8 ({e})")))?;
    let mut out = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let (id, body) = line
            .split_once('\t')
            .ok_or_else(|| parse_err(file, n + 1, "expected `movie_id<TAB>text`"))?;
        match id.trim().parse::<u32>() {
            Ok(id) => {
                out.insert(id, body.to_string());
            }
            Err(_) if n == 0 => {} // header
            Err(_) => {
                return Err(parse_err(
                    file,
                    n + 1,
                    format!("movie id {} is not a number", shown(id)),
                ));
            }
        }
    }
    Ok(out)
}
