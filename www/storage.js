// The visitor's ratings: kept in localStorage, exported and imported as JSON.
// Every reader is tolerant: bad entries are dropped with a message naming them, and an
// unreadable saved state is set aside (not deleted) so nothing is lost.

const KEY = "movierec.v1";
const FORMAT = "movierec-ratings";

/** Checks a list of {movieId, rating}; returns {ratings, problems} with problems naming entries. */
export function validateRatings(list, knownIds, where) {
  const ratings = [];
  const problems = [];
  const seen = new Set();
  if (!Array.isArray(list)) {
    return { ratings, problems: [`${where}: expected a list of ratings`] };
  }
  list.forEach((entry, i) => {
    const id = entry && entry.movieId;
    const rating = entry && entry.rating;
    if (!Number.isInteger(id) || !knownIds.has(id)) {
      problems.push(`${where}[${i}].movieId: unknown movie ${JSON.stringify(id)}`);
    } else if (!Number.isInteger(rating) || rating < 1 || rating > 5) {
      problems.push(`${where}[${i}].rating: ${JSON.stringify(rating)} is not a whole number from 1 to 5`);
    } else if (seen.has(id)) {
      problems.push(`${where}[${i}]: movie ${id} is rated twice`);
    } else {
      seen.add(id);
      ratings.push({ movieId: id, rating });
    }
  });
  return { ratings, problems };
}

/** Reads the saved state; never throws. */
export function load(knownIds) {
  let raw = null;
  try {
    raw = localStorage.getItem(KEY);
  } catch {
    return { ratings: [], skipped: [], problems: ["Your browser blocks local storage; ratings will not be kept."] };
  }
  if (raw === null) return { ratings: [], skipped: [], problems: [] };
  let state;
  try {
    state = JSON.parse(raw);
  } catch {
    setAside(raw);
    return { ratings: [], skipped: [], problems: ["Saved ratings were unreadable; they were kept aside under " + KEY + ".corrupt and a fresh list started."] };
  }
  const { ratings, problems } = validateRatings(state && state.ratings, knownIds, "saved ratings");
  const skipped = Array.isArray(state && state.skipped) ? state.skipped.filter((id) => knownIds.has(id)) : [];
  if (problems.length) setAside(raw);
  return { ratings, skipped, problems };
}

function setAside(raw) {
  try {
    localStorage.setItem(KEY + ".corrupt", raw);
  } catch {
    /* storage full or blocked: nothing more we can do */
  }
}

export function save(ratings, skipped) {
  try {
    localStorage.setItem(KEY, JSON.stringify({ version: 1, ratings, skipped }));
    return null;
  } catch (e) {
    return "Could not save your ratings in this browser: " + e.message;
  }
}

/** The export file's text. Titles are included so the file is readable by people. */
export function exportText(ratings, titleOf) {
  return JSON.stringify(
    {
      format: FORMAT,
      version: 1,
      exported: new Date().toISOString(),
      ratings: ratings.map((r) => ({ movieId: r.movieId, rating: r.rating, title: titleOf(r.movieId) })),
    },
    null,
    2,
  );
}

/** Parses an export file; returns {ratings} or {error}. */
export function parseImport(text, knownIds) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { error: "The file is not JSON: " + e.message };
  }
  if (!doc || doc.format !== FORMAT) {
    return { error: `The file is not a movierec ratings export (format should be "${FORMAT}")` };
  }
  const { ratings, problems } = validateRatings(doc.ratings, knownIds, "ratings");
  if (problems.length) return { error: "Nothing imported. " + problems.slice(0, 3).join("; ") };
  return { ratings };
}
