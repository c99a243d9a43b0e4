// The page: loads the wasm package and the model, keeps the visitor's ratings, and re-ranks
// recommendations on every change. All scoring happens in wasm (the crate's own encoder and CNN).

import init, { MovieRec } from "./pkg/movierec.js";
import * as storage from "./storage.js";
import { starWidget, starText, starGlyphs } from "./stars.js";

const MODEL_URL = "model.movierec";
const OBSCURE_BELOW = 20;
const START_LIST = 12;
const SEARCH_RESULTS = 10;
const RECOMMENDATIONS = 20;

// Figures the browser benchmark reads: time to interactive and per-update latencies (ms).
const stats = { interactiveMs: null, updates: [], recommendMs: [], explained: [], cspViolations: [] };
window.movierecStats = stats;
document.addEventListener("securitypolicyviolation", (e) => stats.cspViolations.push(e.blockedURI));

const $ = (id) => document.getElementById(id);
const fold = (s) => s.normalize("NFD").replace(/\p{Diacritic}/gu, "").toLowerCase();
const state = { ratings: [], skipped: new Set(), resetArmed: null };
let rec = null;
let about = null;
/** 1 (whole stars) or 0.5 (half stars), as the model was trained. */
let step = 1;
let catalog = [];
let byId = new Map();
/** Every movie id, best to rate first; the order depends only on the model, so it is computed once. */
let startOrder = [];
/** Movie id → its title and year folded for search, computed once (the search reruns on every rating). */
let searchText = new Map();

main();

async function main() {
  try {
    const [bytes] = await Promise.all([fetchWithProgress(MODEL_URL), init()]);
    $("load-text").textContent = "Starting the model…";
    rec = new MovieRec(bytes);
    // For the console (and the browser tests): the loaded model and the class.
    window.movierec = rec;
    window.MovieRec = MovieRec;
  } catch (e) {
    return showError(e);
  }
  about = rec.about();
  step = about.stars === "half" ? 0.5 : 1;
  storage.useCatalog(releaseName(about.data));
  catalog = rec.catalog();
  byId = new Map(catalog.map((m) => [m.movieId, m]));
  startOrder = Array.from(rec.startList(catalog.length));
  searchText = new Map(catalog.map((m) => [m.movieId, fold(`${m.title} ${m.year || ""}`)]));
  const saved = storage.load(new Set(byId.keys()), step);
  state.ratings = saved.ratings;
  state.skipped = new Set(saved.skipped);
  note(saved.problems.join(" "));
  setUpControls();
  showAbout(about);
  $("loading").hidden = true;
  $("app").hidden = false;
  renderAll();
  stats.interactiveMs = performance.now();
}

async function fetchWithProgress(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not download the model (${url}): HTTP ${response.status}`);
  const compressed = response.headers.has("Content-Encoding");
  let total = compressed ? 0 : Number(response.headers.get("Content-Length")) || 0;
  const reader = response.body.getReader();
  // Bytes needed before the file's size can be read (its header's end, once that is known).
  let sizeNeeds = 20;
  const chunks = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    // A gzipped response's Content-Length counts compressed bytes; the model file states its
    // own size in its first bytes, so the total is known as soon as they have arrived.
    if (!total && received >= sizeNeeds) {
      total = modelFileSize(chunks, received);
      if (!total) sizeNeeds = headerEnd(chunks);
    }
    const mb = (received / 1e6).toFixed(1);
    if (total) {
      $("load-progress").value = received / total;
      $("load-text").textContent = `Downloading the model… ${mb} of ${(total / 1e6).toFixed(1)} MB`;
    } else {
      $("load-progress").removeAttribute("value");
      $("load-text").textContent = `Downloading the model… ${mb} MB`;
    }
  }
  return joinChunks(chunks, received);
}

/** Where the model file's weights length lies (it follows the JSON header), plus its 8 bytes. */
function headerEnd(chunks) {
  const view = new DataView(joinChunks(chunks, 20).buffer);
  return 20 + Number(view.getBigUint64(12, true)) + 8;
}

/** The model file's length from its layout (magic 8, version 4, header length 8, header, weights
 * length 8, weights, CRC 4), or 0 while too few bytes have arrived to tell. */
function modelFileSize(chunks, received) {
  const end = headerEnd(chunks);
  if (received < end) return 0;
  const view = new DataView(joinChunks(chunks, end).buffer);
  return end + Number(view.getBigUint64(end - 8, true)) + 4;
}

/** The first `n` bytes of the received chunks as one array. */
function joinChunks(chunks, n) {
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    if (at >= n) break;
    const part = c.subarray(0, n - at);
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function showError(e) {
  $("loading").hidden = true;
  const box = $("error");
  box.hidden = false;
  box.textContent =
    "Sorry — the recommender could not start. Check your connection and reload the page; if it keeps failing, this site's files are damaged and we need to fix them.";
  // The details are for whoever maintains the site.
  console.error("movierec: could not start (rebuild the package with scripts/build-web.sh if it is damaged):", e);
}

function note(text) {
  $("note").textContent = text || "";
}

/** The release a model was trained on: the last part of its data folder ("ml-latest-small"). */
function releaseName(data) {
  return data.split(/[\\/]/).filter(Boolean).pop() || "MovieLens";
}

function showAbout(about) {
  const fmt = (x) => x.toFixed(3);
  const test = about.test
    ? `test RMSE ${fmt(about.test.rmse)}, MAE ${fmt(about.test.mae)}`
    : `validation RMSE ${fmt(about.validation.rmse)}`;
  $("about").textContent =
    `Model: the CNN of Kutlimuratov & Atadjanova, trained on MovieLens ${releaseName(about.data)} (${about.trainRatings.toLocaleString("en")} ratings, ` +
    `split ${about.split}, preset ${about.preset}; ${test}). It runs entirely in your browser; ratings stay on this device. ` +
    `Data: MovieLens by GroupLens Research, University of Minnesota (F. M. Harper and J. A. Konstan, ACM TiiS 5(4), 2015), ` +
    `used for research under its licence: no commercial use, no endorsement by GroupLens implied. Movie links go to IMDb and TMDB.`;
}

function setUpControls() {
  const genres = [...new Set(catalog.flatMap((m) => m.genres))].filter((g) => g !== "unknown").sort();
  for (const g of genres) $("genre").append(new Option(g, g));
  const decades = [...new Set(catalog.filter((m) => m.year).map((m) => Math.floor(m.year / 10) * 10))].sort();
  for (const d of decades.reverse()) $("decade").append(new Option(`${d}s`, String(d)));
  for (const id of ["genre", "decade", "hide-obscure"]) {
    $(id).addEventListener("change", (e) => renderRecommendations(e));
  }
  if (about.discovery !== null && about.discovery !== undefined) {
    const saved = storage.loadDiscovery();
    $("discovery").value = String(saved === null ? about.discovery : saved);
    $("discovery-control").hidden = false;
    showDiscovery();
    $("discovery").addEventListener("input", (e) => {
      storage.saveDiscovery(Number($("discovery").value));
      showDiscovery();
      renderRecommendations(e);
    });
  }
  $("search").addEventListener("input", () => renderSearch());
  $("export").addEventListener("click", exportRatings);
  $("import").addEventListener("change", importRatings);
  $("reset").addEventListener("click", resetRatings);
}

/** Says what the discovery setting does: how many of every ten places go to films beyond the
 * most-rated ones. */
function showDiscovery() {
  const tenths = Math.round(Number($("discovery").value) * 10);
  $("discovery-label").textContent =
    tenths === 0 ? "(only the best-scored films, popular ones included)"
    : tenths === 10 ? "(only films beyond the most-rated ones)"
    : `(${tenths} in 10 places for films beyond the most-rated ones)`;
}

// ---- ratings ---------------------------------------------------------------------------------

function ratingOf(id) {
  const r = state.ratings.find((x) => x.movieId === id);
  return r ? r.rating : 0;
}

/** Sets (or with 0 removes) a rating; the event's timestamp measures click → list updated. */
function rate(id, stars, event) {
  const rest = state.ratings.filter((r) => r.movieId !== id);
  state.ratings = stars > 0 ? [...rest, { movieId: id, rating: stars }] : rest;
  persist();
  // A mouse click (detail > 0) leaves focus and the page where they are, and the stars that
  // slide under the pointer stay unlit until it moves; keyboard focus follows the movie.
  const byMouse = event && event.detail > 0;
  if (byMouse) {
    // The clicked star's row usually leaves its list; removing the focused element cost Chrome
    // ~3.5 ms of focus fix-up (a third of a click), blurring it first ~1 ms. Blurring before the
    // class change keeps it from recomputing the style of the whole page first.
    document.activeElement?.blur();
    document.body.classList.add("just-rated");
  }
  renderAll(event, !byMouse);
}

document.addEventListener("pointermove", () => document.body.classList.remove("just-rated"));

function persist() {
  const problem = storage.save(state.ratings, [...state.skipped]);
  if (problem) note(problem);
}

// ---- rendering -------------------------------------------------------------------------------

function renderAll(event, keepFocus = true) {
  const focus = keepFocus ? focusedStar() : null;
  renderRecommendations(event);
  renderStartList();
  renderSearch();
  renderRated();
  restoreFocus(focus);
  if (event && event.timeStamp) stats.updates.push(performance.now() - event.timeStamp);
}

// Lists are rebuilt on every change; keep keyboard users on the star they were on.
function focusedStar() {
  const el = document.activeElement;
  const li = el && el.closest ? el.closest("li.movie") : null;
  if (!li || !el.closest(".stars")) return null;
  const position = [...li.parentElement.children].indexOf(li);
  return { list: li.parentElement.id, id: li.dataset.movieId, stars: el.dataset.stars, position };
}

function restoreFocus(f) {
  if (!f) return;
  const star = `li[data-movie-id="${f.id}"] .stars button[tabindex="0"]`;
  const el = document.querySelector(`#${f.list} ${star}`) || document.querySelector(`#rated-list ${star}`);
  if (el) return el.focus();
  // The movie left its list (a rating deleted): its neighbour takes the focus.
  const rows = [...$(f.list).querySelectorAll("li.movie")];
  const neighbour = rows[Math.min(f.position, rows.length - 1)];
  const target = neighbour ? neighbour.querySelector('.stars button[tabindex="0"]') : $("search");
  if (target) target.focus();
}

/** The row a list shows when it has nothing to show. */
function emptyRow(text) {
  const li = document.createElement("li");
  li.className = "empty";
  li.textContent = text;
  return li;
}

function movieRow(m, extra, rateLabel) {
  const li = document.createElement("li");
  li.className = "movie";
  li.dataset.movieId = m.movieId;
  const info = document.createElement("div");
  info.className = "info";
  const title = document.createElement("span");
  title.className = "title";
  title.textContent = m.year ? `${m.title} (${m.year})` : m.title;
  const genres = document.createElement("span");
  genres.className = "genres";
  genres.textContent = m.genres.join(" · ");
  info.append(title, genres);
  const links = linksOf(byId.get(m.movieId));
  if (links) info.append(links);
  li.append(info);
  if (extra) extra(li, info);
  li.append(starWidget(m, ratingOf(m.movieId), rate, rateLabel, step));
  return li;
}

/** Plain links to the movie's IMDb and TMDB pages (the page itself fetches nothing from them). */
function linksOf(m) {
  if (!m || (!m.imdb && !m.tmdb)) return null;
  const span = document.createElement("span");
  span.className = "links";
  const add = (text, href) => {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    a.rel = "noopener noreferrer";
    a.target = "_blank";
    span.append(a);
  };
  if (m.imdb) add("IMDb", `https://www.imdb.com/title/tt${String(m.imdb).padStart(7, "0")}/`);
  if (m.tmdb) add("TMDB", `https://www.themoviedb.org/movie/${m.tmdb}`);
  return span;
}

// Rows whose movie and shown rating are unchanged are kept rather than rebuilt: a click changes
// one movie, not every star widget on the page. One entry per list and movie, rebuilt when the
// movie's rating has changed.
const rowCache = new Map();

function cachedRow(list, m, build = () => movieRow(m)) {
  const key = `${list}:${m.movieId}`;
  const rating = ratingOf(m.movieId);
  const hit = rowCache.get(key);
  if (hit && hit.rating === rating) return hit.li;
  const li = build();
  rowCache.set(key, { rating, li });
  return li;
}

/** Makes `list`'s children exactly `rows`, moving as few nodes as possible (after a click most
 *  rows are where they were). */
function setRows(list, rows) {
  const keep = new Set(rows);
  for (const child of [...list.children]) if (!keep.has(child)) child.remove();
  rows.forEach((row, i) => {
    if (list.children[i] !== row) list.insertBefore(row, list.children[i] || null);
  });
}

function renderStartList() {
  const list = $("start-list");
  const rated = new Set(state.ratings.map((r) => r.movieId));
  // The first START_LIST movies neither rated nor skipped (the order holds the whole catalog).
  const ids = [];
  for (const id of startOrder) {
    if (ids.length === START_LIST) break;
    if (!rated.has(id) && !state.skipped.has(id)) ids.push(id);
  }
  setRows(
    list,
    ids.map((id) =>
      cachedRow("start", byId.get(id), () => movieRow(byId.get(id), (li) => {
        const skip = document.createElement("button");
        skip.type = "button";
        skip.className = "skip";
        skip.textContent = "Haven't seen";
        skip.setAttribute("aria-label", `Haven't seen ${byId.get(id).title}`);
        skip.addEventListener("click", () => {
          state.skipped.add(id);
          persist();
          renderStartList();
        });
        li.append(skip);
      })),
    ),
  );
}

function renderSearch() {
  const words = fold($("search").value).split(/\s+/).filter(Boolean);
  const list = $("search-results");
  if (!words.length) return list.replaceChildren();
  const hits = catalog
    .filter((m) => words.every((w) => searchText.get(m.movieId).includes(w)))
    .sort((a, b) => b.nRatings - a.nRatings)
    .slice(0, SEARCH_RESULTS);
  if (!hits.length) return list.replaceChildren(emptyRow("No title matches."));
  setRows(list, hits.map((m) => cachedRow("search", m)));
}

function renderRated() {
  $("rated-count").textContent = state.ratings.length ? `(${state.ratings.length})` : "";
  const rows = [...state.ratings].reverse().map((r) => cachedRow("rated", byId.get(r.movieId)));
  if (!rows.length) rows.push(emptyRow("None yet — rate a movie above to get recommendations."));
  setRows($("rated-list"), rows);
}

// Every list render gets a number; explanations computed for an older list are dropped.
let listGeneration = 0;

function renderRecommendations(event) {
  const generation = ++listGeneration;
  const options = {
    n: RECOMMENDATIONS,
    genres: $("genre").value ? [$("genre").value] : [],
    decade: $("decade").value ? Number($("decade").value) : null,
    minRatings: $("hide-obscure").checked ? OBSCURE_BELOW : 0,
    // The list first; its "because" lines (one model run per rating) right after, below.
    explain: false,
  };
  if (!$("discovery-control").hidden) options.discovery = Number($("discovery").value);
  let result;
  const started = performance.now();
  try {
    result = rec.recommend(state.ratings, options);
    if (event) stats.recommendMs.push(performance.now() - started);
  } catch (e) {
    note("Could not compute recommendations: " + e.message);
    return;
  }
  $("recs-basis").textContent =
    result.basis === "popularity"
      ? "Popular with MovieLens users — rate a movie and this list becomes yours."
      : `Predicted from your ${state.ratings.length} rating${state.ratings.length === 1 ? "" : "s"}.`;
  // A movie's row is built once and kept while it stays unrated; each list sets its predicted
  // rating and drops the last list's "because" line.
  const rows = result.items.map((item) => {
    const li = cachedRow("recs", item, () =>
      movieRow(item, (_, info) => {
        const predicted = document.createElement("span");
        predicted.className = "predicted";
        info.append(predicted);
      }, "Seen it? Rate:"),
    );
    const predicted = li.querySelector(".predicted");
    predicted.textContent = result.basis === "model" ? `you'd rate it about ${starText(item.predicted)}` : `average ${starText(item.predicted)}`;
    predicted.title = `${item.predicted.toFixed(2)} of 5`;
    li.querySelector(".because")?.remove();
    return li;
  });
  if (!rows.length) rows.push(emptyRow("No movie matches these filters."));
  setRows($("recs"), rows);
  if (result.basis === "model" && result.items.length) {
    setTimeout(() => explain(generation, result.items, event), 0);
  }
}

/** Adds the "because you rated X" lines to the list rendered as `generation`. */
function explain(generation, items, event) {
  if (generation !== listGeneration) return; // a newer list has replaced it
  let reasons;
  try {
    reasons = rec.explain(state.ratings, items.map((i) => i.movieId));
  } catch (e) {
    note("Could not explain the recommendations: " + e.message);
    return;
  }
  reasons.forEach((because, j) => {
    const widely = items[j].widelyLiked;
    const info = (because || widely) && document.querySelector(`#recs li[data-movie-id="${items[j].movieId}"] .info`);
    if (!info) return;
    const line = document.createElement("span");
    line.className = "because";
    // A film of the short head is there partly because everyone likes it; say so.
    line.textContent = !because
      ? "widely liked"
      : widely
        ? `popular with everyone who liked ${because.title}`
        : `because you rated ${because.title} ${starGlyphs(ratingOf(because.movieId))}`;
    info.append(line);
  });
  if (event && event.timeStamp) stats.explained.push(performance.now() - event.timeStamp);
}

// ---- export / import / reset -----------------------------------------------------------------

function exportRatings() {
  const text = storage.exportText(state.ratings, (id) => byId.get(id).title);
  const link = $("export-link");
  if (link.href) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  link.click();
  note(`Exported ${state.ratings.length} ratings to movierec-ratings.json.`);
}

async function importRatings(e) {
  const file = e.target.files && e.target.files[0];
  if (!file) return;
  const parsed = storage.parseImport(await file.text(), new Set(byId.keys()), step);
  e.target.value = "";
  if (parsed.error) return note(`${file.name}: ${parsed.error}`);
  state.ratings = parsed.ratings;
  persist();
  renderAll();
  note(`Imported ${parsed.ratings.length} ratings from ${file.name}.`);
}

function resetRatings() {
  const button = $("reset");
  if (!state.resetArmed) {
    button.textContent = `Click again to delete ${state.ratings.length} ratings`;
    state.resetArmed = setTimeout(() => {
      state.resetArmed = null;
      button.textContent = "Reset all";
    }, 4000);
    return;
  }
  clearTimeout(state.resetArmed);
  state.resetArmed = null;
  button.textContent = "Reset all";
  state.ratings = [];
  state.skipped.clear();
  persist();
  renderAll();
  note("All ratings deleted.");
}
