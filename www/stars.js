// The star widget: five stars, each one button, or for a half-star model (ml-latest and the
// releases since 10M) each star two buttons, its left and right half. Mouse: click a star (or
// half); click the current one again to remove the rating. Keyboard: Tab into the group, arrows
// move a step (a half star on a half-star model), Enter/Space rate, Delete/Backspace remove. Each
// button has an aria label and a visible focus ring.

/** The ratings a widget offers: 1–5, or 0.5–5 in halves when `step` is 0.5. */
export function ratingSteps(step) {
  const out = [];
  for (let v = step === 0.5 ? 0.5 : 1; v <= 5; v += step === 0.5 ? 0.5 : 1) out.push(v);
  return out;
}

/** `onRate(movieId, stars, event)` with stars = 0 to remove; `label`, if given, is shown before
 * the stars (on a recommendation, "Seen it? Rate:" says they are for rating, not a prediction). */
export function starWidget(movie, current, onRate, label, step = 1) {
  const group = document.createElement("div");
  group.className = "stars";
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", `Your rating of ${movie.title}` + (current ? `: ${current} of 5` : ": not rated"));
  if (label && !current) {
    const text = document.createElement("span");
    text.className = "rate-label";
    text.textContent = label;
    group.append(text);
  }
  const steps = ratingSteps(step);
  const buttons = [];
  steps.forEach((s, i) => {
    const b = document.createElement("button");
    b.type = "button";
    const half = step === 0.5 ? (Number.isInteger(s) ? " half right" : " half left") : "";
    b.className = "star" + half + (s <= current ? " on" : "");
    const glyph = document.createElement("span");
    glyph.textContent = "★";
    glyph.setAttribute("aria-hidden", "true");
    b.append(glyph);
    b.dataset.stars = String(s);
    b.setAttribute("aria-label", `${s} star${s !== 1 ? "s" : ""}` + (s === current ? " (your rating; press again to remove)" : ""));
    b.setAttribute("aria-pressed", String(s === current));
    // One tab stop per widget: the current rating, or the first step.
    b.tabIndex = s === (current || steps[0]) ? 0 : -1;
    b.addEventListener("click", (e) => onRate(movie.movieId, s === current ? 0 : s, e));
    b.addEventListener("keydown", (e) => {
      const move = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1 }[e.key];
      if (move) {
        e.preventDefault();
        const next = buttons[Math.min(steps.length - 1, Math.max(0, i + move))];
        for (const x of buttons) x.tabIndex = -1;
        next.tabIndex = 0;
        next.focus();
      } else if ((e.key === "Delete" || e.key === "Backspace") && current) {
        e.preventDefault();
        onRate(movie.movieId, 0, e);
      }
    });
    buttons.push(b);
    group.append(b);
  });
  if (current) {
    const clear = document.createElement("button");
    clear.type = "button";
    clear.className = "clear";
    clear.textContent = "×";
    clear.setAttribute("aria-label", `Remove your rating of ${movie.title}`);
    clear.addEventListener("click", (e) => onRate(movie.movieId, 0, e));
    group.append(clear);
  }
  return group;
}

/** A rating as stars, e.g. "★★★½". */
export function starGlyphs(value) {
  return "★".repeat(Math.floor(value)) + (value % 1 ? "½" : "");
}

/** A predicted rating as text, e.g. "4.3 ★". */
export function starText(value) {
  return `${value.toFixed(1)} ★`;
}
