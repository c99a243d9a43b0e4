// The visitor's ratings: kept in localStorage, exported and imported as JSON.
// Every reader is tolerant: bad entries are dropped with a message naming them, and an
// unreadable saved state is set aside (not deleted) so nothing is lost.

const FORMAT = "movierec-ratings";
// Ratings are movie ids of one catalog, and releases number movies differently (ML-100K's 2 is
// GoldenEye, ml-latest's Jumanji): each catalog keeps its own ratings. ML-100K's keep the key
// they always had.
let KEY = "movierec.v1";
let catalogName = "ml-100k";

/** Chooses the catalog (a release's folder name, e.g. "ml-latest-small") whose ratings are kept. */
export function useCatalog(name) {
  catalogName = name;
  KEY = name === "ml-100k" ? "movierec.v1" : `movierec.v1.${name}`;
}

// The discovery setting is the visitor's taste in lists, not a catalog's: one key for all.
const DISCOVERY_KEY = "movierec.discovery";

/** The saved discovery setting (0 to 1, rounded to tenths), or null when none is saved or it
 * is not a number from 0 to 1; never throws. */
export function loadDiscovery() {
  try {
    const value = JSON.parse(localStorage.getItem(DISCOVERY_KEY));
    return typeof value === "number" && value >= 0 && value <= 1 ? Math.round(value * 10) / 10 : null;
  } catch {
    return null;
  }
}

export function saveDiscovery(value) {
  try {
    localStorage.setItem(DISCOVERY_KEY, JSON.stringify(value));
  } catch {
    /* storage full or blocked: the setting lasts this visit only */
  }
}

/** Whether `rating` is on the model's scale: whole stars 1–5, or with `step` 0.5 half stars
 * 0.5–5. */
export function onScale(rating, step) {
  const lowest = step === 0.5 ? 0.5 : 1;
  return typeof rating === "number" && rating >= lowest && rating <= 5 && Number.isInteger(rating / (step === 0.5 ? 0.5 : 1));
}

/** Checks a list of {movieId, rating}; returns {ratings, problems} with problems naming entries. */
export function validateRatings(list, knownIds, where, step = 1) {
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
    } else if (!onScale(rating, step)) {
      problems.push(`${where}[${i}].rating: ${JSON.stringify(rating)} is not ${step === 0.5 ? "0.5 to 5 in half stars" : "a whole number from 1 to 5"}`);
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
export function load(knownIds, step = 1) {
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
  const { ratings, problems } = validateRatings(state && state.ratings, knownIds, "saved ratings", step);
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
      catalog: catalogName,
      exported: new Date().toISOString(),
      ratings: ratings.map((r) => ({ movieId: r.movieId, rating: r.rating, title: titleOf(r.movieId) })),
    },
    null,
    2,
  );
}

/** Parses an export file; returns {ratings} or {error}. */
export function parseImport(text, knownIds, step = 1) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { error: "The file is not JSON: " + e.message };
  }
  if (!doc || doc.format !== FORMAT) {
    return { error: `The file is not a movierec ratings export (format should be "${FORMAT}")` };
  }
  // Exports before catalogs were named are ML-100K's.
  const from = typeof doc.catalog === "string" ? doc.catalog : "ml-100k";
  if (from !== catalogName) {
    return { error: `The file rates movies of ${from}, and this model's catalog is ${catalogName}: their movie ids differ` };
  }
  const { ratings, problems } = validateRatings(doc.ratings, knownIds, "ratings", step);
  if (problems.length) return { error: "Nothing imported. " + problems.slice(0, 3).join("; ") };
  return { ratings };
}
