//! Browser benchmark: builds `pkg/` from this source, serves the demo with `movierec serve`, and
//! measures in headless Chromium: time to interactive, rating click → list updated (p50 over 30
//! clicks), and bytes transferred. Prints figures; asserts nothing about speed.
//!
//!     cargo bench --bench web

#[path = "../tests/support/browser.rs"]
mod browser;
#[path = "support/stats.rs"]
mod stats;

use browser::{Server, built_pkg, demo_model, eval, launch, open, wait_for};
use stats::median;

fn main() {
    let pkg = built_pkg();
    let server = Server::start(&demo_model(), &pkg);
    let (chromium, _profile) = launch();

    // Time to interactive and transfer, over fresh page loads (the server sends no-cache).
    let mut tti = Vec::new();
    // The first load is cold; later ones revalidate (304) what the browser already holds.
    let mut transfer = Vec::new();
    for _ in 0..5 {
        let tab = open(&chromium, &server.url);
        tti.push(eval::<f64>(&tab, "window.movierecStats.interactiveMs"));
        transfer.push(eval::<f64>(
            &tab,
            "performance.getEntries().filter(e => 'transferSize' in e).reduce((s, e) => s + e.transferSize, 0)",
        ));
        tab.close(false).ok();
    }

    // Click → updated list, with the visitor's ratings growing from 1 to 30.
    let tab = open(&chromium, &server.url);
    let clicks = 30;
    for k in 0..clicks {
        let stars = 1 + k % 5;
        let id: u32 = eval(
            &tab,
            "Number(document.querySelector('#start-list li.movie').dataset.movieId)",
        );
        tab.wait_for_element(&format!(
            "#start-list li.movie[data-movie-id='{id}'] button[data-stars='{stars}']"
        ))
        .unwrap()
        .click()
        .unwrap();
        wait_for(
            &tab,
            &format!("window.movierecStats.explained.length === {}", k + 1),
            "the update and its explanations",
        );
    }
    let updates: Vec<f64> = eval(&tab, "window.movierecStats.updates");
    let explained: Vec<f64> = eval(&tab, "window.movierecStats.explained");
    let in_wasm: Vec<f64> = eval(&tab, "window.movierecStats.recommendMs");
    let mut sorted = updates.clone();
    sorted.sort_by(f64::total_cmp);
    let early = median(updates[..10].to_vec());
    let late = median(updates[clicks - 10..].to_vec());

    println!("browser benchmark (headless Chromium, this machine, localhost)");
    println!(
        "  time to interactive      p50 {:.0} ms (min {:.0}, max {:.0}) over {} loads",
        median(tti.clone()),
        tti.iter().copied().fold(f64::INFINITY, f64::min),
        tti.iter().copied().fold(0.0, f64::max),
        tti.len()
    );
    println!(
        "  rating click → list      p50 {:.1} ms, p90 {:.1} ms over {} clicks (1–10 ratings: p50 {:.1} ms; 21–30 ratings: p50 {:.1} ms)",
        median(updates.clone()),
        sorted[sorted.len() * 9 / 10],
        updates.len(),
        early,
        late
    );
    println!(
        "  … of which recommend()   p50 {:.1} ms (the rest is rendering the page's lists)",
        median(in_wasm)
    );
    println!(
        "  … with explanations      p50 {:.1} ms (1–10 ratings: p50 {:.1} ms; 21–30 ratings: p50 {:.1} ms)",
        median(explained.clone()),
        median(explained[..10].to_vec()),
        median(explained[clicks - 10..].to_vec())
    );
    println!(
        "  transferred, first load  {:.0} KB (brotli or gzip, as the browser accepts); a reload {:.0} KB",
        transfer[0] / 1024.0,
        transfer[transfer.len() - 1] / 1024.0
    );

    // A visitor who rated every movie but one: explanations stay bounded (the latest
    // EXPLAIN_RECENT ratings only).
    let long: Vec<f64> = eval(&tab, LONG_HISTORY_EXPLAIN);
    let rated: usize = eval(&tab, "window.movierec.catalog().length - 11");
    println!(
        "  explain, {rated} ratings   p50 {:.1} ms, max {:.1} ms over {} calls (10 movies each)",
        median(long.clone()),
        long.iter().copied().fold(0.0, f64::max),
        long.len()
    );
}

/// Times `explain` for the top 10 of a visitor who rated all but 11 catalog movies.
const LONG_HISTORY_EXPLAIN: &str = r#"(() => {
  const ids = window.movierec.catalog().map((m) => m.movieId);
  const ratings = ids.slice(0, -1).map((movieId, k) => ({ movieId, rating: 1 + (k * 7) % 5 }));
  const top = window.movierec.recommend(ratings.slice(0, -10), { n: 10, explain: false })
    .items.map((i) => i.movieId);
  const times = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    window.movierec.explain(ratings.slice(0, -10), top);
    times.push(performance.now() - t);
  }
  return times;
})()"#;
