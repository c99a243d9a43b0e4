// The 1–5 star widget: a group of five buttons. Mouse: click a star; click the current star
// again to remove the rating. Keyboard: Tab into the group, arrows move between stars,
// Enter/Space rate, Delete/Backspace remove. Each star has an aria label and a visible focus ring.

/** `onRate(movieId, stars, event)` with stars = 0 to remove; `label`, if given, is shown before
 * the stars (on a recommendation, "Seen it? Rate:" says they are for rating, not a prediction). */
export function starWidget(movie, current, onRate, label) {
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
  const buttons = [];
  for (let s = 1; s <= 5; s++) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "star" + (s <= current ? " on" : "");
    b.textContent = "★";
    b.dataset.stars = String(s);
    b.setAttribute("aria-label", `${s} star${s > 1 ? "s" : ""}` + (s === current ? " (your rating; press again to remove)" : ""));
    b.setAttribute("aria-pressed", String(s === current));
    // One tab stop per widget: the current rating, or the first star.
    b.tabIndex = s === (current || 1) ? 0 : -1;
    b.addEventListener("click", (e) => onRate(movie.movieId, s === current ? 0 : s, e));
    b.addEventListener("keydown", (e) => {
      const move = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1 }[e.key];
      if (move) {
        e.preventDefault();
        const next = buttons[Math.min(4, Math.max(0, s - 1 + move))];
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
  }
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

/** A predicted rating as text, e.g. "4.3 ★". */
export function starText(value) {
  return `${value.toFixed(1)} ★`;
}
