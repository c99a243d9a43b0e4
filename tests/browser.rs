//! The visitor's journey in real Chromium: `movierec serve` on 127.0.0.1, the wasm package built
//! from this source in this run, the committed model. Leaves a screenshot in
//! `target/browser-artifacts/`.

#[path = "support/browser.rs"]
mod browser;
mod common;

use std::time::Duration;

use browser::{Server, built_pkg, demo_model, eval, launch, open, wait_for};
use headless_chrome::Tab;
use headless_chrome::protocol::cdp::Browser;
use headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption;
use movierec::recommend::Recommender;
use movierec::recommend::VisitorRating;
use serde_json::Value;

/// Where the page keeps the demo catalog's (ml-latest-small's) ratings.
const DEMO_KEY: &str = "movierec.v1.ml-latest-small";
/// Star Wars: Episode IV, Toy Story: the demo catalog's ids.
const STAR_WARS: u32 = 260;
const TOY_STORY: u32 = 1;

fn ratings_in_page(tab: &Tab) -> Vec<VisitorRating> {
    eval(
        tab,
        &format!("JSON.parse(localStorage.getItem('{DEMO_KEY}') || '{{\"ratings\":[]}}').ratings"),
    )
}

fn rec_ids(tab: &Tab) -> Vec<u32> {
    eval(
        tab,
        "[...document.querySelectorAll('#recs li.movie')].map(li => Number(li.dataset.movieId))",
    )
}

fn click(tab: &Tab, selector: &str) {
    tab.wait_for_element(selector)
        .unwrap_or_else(|e| panic!("{selector}: {e}"))
        .click()
        .unwrap();
}

/// Imports an exported ratings file through the page's file input and waits for its 4 ratings.
fn import_four(tab: &Tab, file: &std::path::Path, what: &str) {
    tab.wait_for_element("#import")
        .unwrap()
        .set_input_files(&[file.to_str().unwrap()])
        .unwrap();
    wait_for(
        tab,
        "document.querySelectorAll('#rated-list li.movie').length === 4",
        what,
    );
}

#[test]
fn visitor_journey_in_chromium() {
    let pkg = built_pkg();
    let server = Server::start(&demo_model(), &pkg);
    let (chromium, _profile) = launch();
    let tab = open(&chromium, &server.url);

    // Popularity list before any rating, labelled as such; the about line shows test metrics.
    assert!(
        eval::<String>(&tab, "document.getElementById('recs-basis').textContent")
            .contains("Popular")
    );
    assert!(eval::<String>(&tab, "document.getElementById('about').textContent").contains("RMSE"));

    // Search a title and rate it with the keyboard: Tab stop on star 1, six half-star steps →,
    // Enter = 4 stars.
    tab.wait_for_element("#search").unwrap().click().unwrap();
    tab.type_str("star wars").unwrap();
    wait_for(
        &tab,
        "document.querySelector('#search-results li.movie')",
        "search results",
    );
    let first: u32 = eval(
        &tab,
        "Number(document.querySelector('#search-results li.movie').dataset.movieId)",
    );
    assert_eq!(first, STAR_WARS, "Star Wars (1977) is the best-known match");
    tab.wait_for_element("#search-results li.movie button[data-stars='1']")
        .unwrap()
        .focus()
        .unwrap();
    for _ in 0..6 {
        tab.press_key("ArrowRight").unwrap();
    }
    tab.press_key("Enter").unwrap();
    wait_for(
        &tab,
        "document.querySelectorAll('#rated-list li.movie').length === 1",
        "the first rating",
    );
    assert_eq!(
        ratings_in_page(&tab),
        vec![VisitorRating {
            movie_id: STAR_WARS,
            rating: 4.0
        }]
    );
    assert!(
        eval::<String>(&tab, "document.getElementById('recs-basis').textContent")
            .contains("Predicted")
    );
    let mut lists = vec![rec_ids(&tab)];
    assert_eq!(lists[0].len(), 20);
    assert!(
        !lists[0].contains(&STAR_WARS),
        "a rated movie is never recommended"
    );
    // Keyboard focus stays on the widget that was used.
    assert!(eval::<bool>(
        &tab,
        "document.activeElement.dataset.stars === '4'"
    ));

    // Rate three movies of the start list with clicks; the list changes, and a mouse click
    // moves neither the page nor the focus.
    for (k, stars) in [(1, 5), (2, 1), (3, 2)] {
        let id: u32 = eval(
            &tab,
            "Number(document.querySelector('#start-list li.movie').dataset.movieId)",
        );
        let star =
            format!("#start-list li.movie[data-movie-id='{id}'] button[data-stars='{stars}']");
        // In view first (the driver would scroll it there itself): then the click and the
        // lists it changes must not move the page.
        tab.wait_for_element(&star)
            .unwrap()
            .scroll_into_view()
            .unwrap();
        let scrolled_before: f64 = eval(&tab, "window.scrollY");
        click(&tab, &star);
        assert_eq!(eval::<f64>(&tab, "window.scrollY"), scrolled_before);
        wait_for(
            &tab,
            &format!(
                "document.querySelectorAll('#rated-list li.movie').length === {}",
                k + 1
            ),
            "a click rating",
        );
        lists.push(rec_ids(&tab));
    }
    assert!(
        lists.windows(2).any(|w| w[0] != w[1]),
        "recommendations never changed"
    );
    let rated = ratings_in_page(&tab);
    assert_eq!(rated.len(), 4);
    // Explanations follow the list a moment later.
    wait_for(
        &tab,
        "[...document.querySelectorAll('#recs .because')].length > 0",
        "a 'because' line",
    );

    // A genre filter narrows the list to that genre.
    eval::<Value>(
        &tab,
        "(() => { const s = document.getElementById('genre'); s.value = 'Comedy'; s.dispatchEvent(new Event('change')); return null; })()",
    );
    let genres: Vec<String> = eval(
        &tab,
        "[...document.querySelectorAll('#recs li.movie .genres')].map(g => g.textContent)",
    );
    assert!(
        !genres.is_empty() && genres.iter().all(|g| g.contains("Comedy")),
        "{genres:?}"
    );
    assert_ne!(rec_ids(&tab), lists[3]);

    // Reload keeps the ratings.
    tab.reload(false, None).unwrap();
    wait_for(
        &tab,
        "window.movierecStats && window.movierecStats.interactiveMs !== null",
        "reload",
    );
    assert_eq!(ratings_in_page(&tab), rated);
    assert_eq!(
        eval::<usize>(
            &tab,
            "document.querySelectorAll('#rated-list li.movie').length"
        ),
        4
    );

    // Export → reset → import restores them.
    // The export is a real download: let Chromium save it into a folder and read the file.
    let downloads = tempfile::tempdir().unwrap();
    tab.call_method(Browser::SetDownloadBehavior {
        behavior: Browser::SetDownloadBehaviorBehaviorOption::Allow,
        browser_context_id: None,
        download_path: Some(downloads.path().display().to_string()),
        events_enabled: None,
    })
    .unwrap();
    click(&tab, "#export");
    let saved = downloads.path().join("movierec-ratings.json");
    let started = std::time::Instant::now();
    while !saved.exists() && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let exported = std::fs::read_to_string(&saved).expect("the export was downloaded");
    assert!(exported.contains("movierec-ratings"), "{exported}");
    click(&tab, "#reset");
    click(&tab, "#reset");
    wait_for(
        &tab,
        "document.querySelectorAll('#rated-list li.movie').length === 0",
        "reset",
    );
    assert!(ratings_in_page(&tab).is_empty());
    let file = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
    std::fs::write(file.path(), &exported).unwrap();
    import_four(&tab, file.path(), "import");
    assert_eq!(ratings_in_page(&tab), rated);

    // A corrupt saved state does not break the page.
    eval::<Value>(
        &tab,
        &format!("(localStorage.setItem('{DEMO_KEY}', '{{not json'), null)"),
    );
    tab.reload(false, None).unwrap();
    wait_for(
        &tab,
        "window.movierecStats && window.movierecStats.interactiveMs !== null",
        "reload with corrupt storage",
    );
    assert!(
        eval::<String>(&tab, "document.getElementById('note').textContent").contains("unreadable")
    );
    assert_eq!(
        eval::<String>(&tab, &format!("localStorage.getItem('{DEMO_KEY}.corrupt')")),
        "{not json"
    );
    import_four(&tab, file.path(), "second import");

    // No request left 127.0.0.1, and nothing was blocked by the page's CSP.
    let urls: Vec<String> = eval(
        &tab,
        "performance.getEntries().map(e => e.name).filter(n => n.includes('://'))",
    );
    let origin = server.url.trim_end_matches('/');
    assert!(
        urls.iter()
            .all(|u| u.starts_with(origin) || u.starts_with("blob:")),
        "{urls:?}"
    );
    assert_eq!(
        eval::<Vec<String>>(&tab, "window.movierecStats.cspViolations"),
        Vec::<String>::new()
    );

    let png = tab
        .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
        .unwrap();
    std::fs::write(browser::artifacts().join("journey.png"), png).unwrap();
}

#[test]
fn wasm_agrees_with_native_and_rejects_bad_input() {
    let pkg = built_pkg();
    let server = Server::start(&demo_model(), &pkg);
    let (chromium, _profile) = launch();
    let tab = open(&chromium, &server.url);

    let native =
        Recommender::from_bytes(&std::fs::read(demo_model()).unwrap(), movierec::device()).unwrap();
    let ids: Vec<u32> = native.header.catalog.iter().map(|m| m.id).collect();
    // A long history (more than the encoder keeps), a short one and a single rating.
    for n in [80usize, 7, 1] {
        let ratings: Vec<VisitorRating> = ids
            .iter()
            .step_by(13)
            .take(n)
            .enumerate()
            .map(|(k, &movie_id)| VisitorRating {
                movie_id,
                rating: (1 + (k * 7) % 5) as f32,
            })
            .collect();
        let targets: Vec<u32> = ids.iter().copied().skip(1).step_by(5).collect();
        let want = native.predict_visitor(&ratings, &targets).unwrap();
        let got: Vec<f32> = eval(
            &tab,
            &format!(
                "Array.from(window.movierec.predict({}, {}))",
                serde_json::to_string(&ratings).unwrap(),
                serde_json::to_string(&targets).unwrap()
            ),
        );
        let worst = want
            .iter()
            .zip(&got)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert_eq!(want.len(), got.len());
        assert!(
            worst <= 1e-4,
            "history of {n}: native and wasm differ by {worst}"
        );
    }

    // Bad calls from JS throw errors with a message; the module keeps working afterwards.
    let error = |call: &str| -> String {
        eval(
            &tab,
            &format!(
                "(() => {{ try {{ {call}; return 'no error'; }} catch (e) {{ return String(e.message); }} }})()"
            ),
        )
    };
    let cases = [
        (
            "movierec.recommend([{movieId: 999999, rating: 4}], {})",
            "unknown movie id 999999",
        ),
        (
            "movierec.recommend([{movieId: 50, rating: NaN}], {})",
            "is not a number from",
        ),
        (
            "movierec.recommend([{movieId: 50, rating: 6}], {})",
            "ratings[0]",
        ),
        (
            "movierec.recommend([{movieId: 50, rating: 4}, {movieId: 50, rating: 2}], {})",
            "already rated",
        ),
        ("movierec.recommend('nope', {})", "ratings"),
        ("movierec.recommend([], {n: 0})", "options.n"),
        (
            "movierec.recommend([{movieId: 50, rating: 4}], {discovery: 2})",
            "options.discovery",
        ),
        (
            "movierec.recommend([], {genres: ['Opera']})",
            "unknown genre",
        ),
        (
            "movierec.predict([{movieId: 50, rating: 4}], [1, 424242])",
            "movieIds[1]",
        ),
        (
            "movierec.explain([{movieId: 50, rating: 4}], [424242])",
            "movieIds[0]",
        ),
        (
            "movierec.explain([{movieId: 50, rating: 9}], [1])",
            "ratings[0]",
        ),
        ("new window.MovieRec(new Uint8Array([1, 2, 3]))", "model"),
        ("new window.MovieRec(new Uint8Array(0))", "model"),
        (
            "new window.MovieRec(null)",
            "expected the model file's bytes",
        ),
        ("new window.MovieRec('model')", "got string"),
        ("movierec.recommend([], [5])", "expected an object"),
        ("movierec.recommend([], {nn: 5})", "unknown field"),
        (
            "movierec.recommend([{movieId: 50, rating: 4, extra: 1}], {})",
            "unknown field",
        ),
        // wasm-bindgen would wrap -1 to 2^32 - 1 and NaN to 0.
        ("movierec.startList(-1)", "n: "),
        ("movierec.startList(2**32 + 1)", "n: "),
        ("movierec.startList(NaN)", "n: "),
        ("movierec.startList(0)", "n: 0 is not a count"),
        // Refused before a single entry is read (this once trapped: capacity overflow).
        (
            "movierec.explain([{movieId: 50, rating: 4}], Array(262145).fill(50))",
            "at most 100000",
        ),
        (
            "movierec.predict([{movieId: 50, rating: 4}], Array(5000000).fill(50))",
            "at most 100000",
        ),
    ];
    for (call, expected) in cases {
        let message = error(call);
        assert!(
            message.contains(expected),
            "{call}: {message:?} lacks {expected:?}"
        );
    }
    // A header edited and re-checksummed (dropout 1.5) is refused with the field named, and the
    // module still loads a good file afterwards (a trap would poison it for the page's lifetime).
    let crafted: String = eval(&tab, CRAFTED_THEN_GOOD);
    assert!(
        crafted.contains("model.dropout = 1.5") && crafted.ends_with("then loaded 9742 movies"),
        "{crafted}"
    );
    // Weights whose burnpack metadata was edited (a quantized dtype, a misaligned offset) throw
    // an Error naming the tensor: burn would trap and poison the module.
    for crafted in crafted_weights() {
        let message: String = eval(&tab, &load_in_page(&crafted));
        assert!(
            message.starts_with("Error: ") && message.contains("bias_path.movie_bias.weight"),
            "{message}"
        );
    }
    // A hundred thousand ids of one movie are explained once.
    let many: Value = eval(
        &tab,
        "movierec.explain([{movieId: 50, rating: 5}, {movieId: 1, rating: 4}], Array(100000).fill(181))",
    );
    assert_eq!(many.as_array().unwrap().len(), 100_000);
    let empty: Value = eval(&tab, "movierec.recommend([], {n: 5})");
    assert_eq!(empty["basis"], "popularity");
    assert_eq!(empty["items"].as_array().unwrap().len(), 5);
    let after: Value = eval(
        &tab,
        "movierec.recommend([{movieId: 50, rating: 5}], {n: 3})",
    );
    assert_eq!(after["basis"], "model");
}

#[test]
fn a_corrupt_model_file_shows_an_error_message() {
    let pkg = built_pkg();
    let mut bytes = std::fs::read(demo_model()).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    let corrupt = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(corrupt.path(), &bytes).unwrap();
    let server = Server::start(corrupt.path(), &pkg);
    let (chromium, _profile) = launch();
    let tab = chromium.new_tab().unwrap();
    tab.set_default_timeout(Duration::from_secs(60));
    tab.navigate_to(&server.url).unwrap();
    wait_for(
        &tab,
        "!document.getElementById('error').hidden",
        "the error message",
    );
    // The visitor is told what to do; the developer's details go to the console.
    let message: String = eval(&tab, "document.getElementById('error').textContent");
    assert!(
        message.contains("could not start") && message.contains("reload"),
        "{message}"
    );
    assert!(!message.contains("build-web"), "{message}");
    assert!(eval::<bool>(
        &tab,
        "document.getElementById('loading').hidden && document.getElementById('app').hidden"
    ));
}

/// A ratings file in the page's export format, of the movies of `catalog` (`None`: an export
/// from before catalogs were named, which the page reads as ML-100K's).
fn ratings_file(ratings: &[(u32, u32)], catalog: Option<&str>) -> tempfile::NamedTempFile {
    let list: Vec<Value> = ratings
        .iter()
        .map(|(m, r)| serde_json::json!({"movieId": m, "rating": r}))
        .collect();
    let mut text = serde_json::json!({"format": "movierec-ratings", "version": 1, "ratings": list});
    if let Some(catalog) = catalog {
        text["catalog"] = catalog.into();
    }
    let file = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
    std::fs::write(file.path(), text.to_string()).unwrap();
    file
}

#[test]
fn the_page_follows_a_visitors_likes() {
    let pkg = built_pkg();
    let server = Server::start(&demo_model(), &pkg);
    let (chromium, _profile) = launch();
    let tab = open(&chromium, &server.url);
    // Toy Story, Aladdin, The Lion King, Beauty and the Beast; Scream, A Nightmare on Elm Street.
    let family = [TOY_STORY, 588, 364, 595];
    let horror = [1407, 1347];
    let mut lists = Vec::new();
    for (liked, disliked) in [(&family[..], &horror[..]), (&horror[..], &family[..])] {
        let ratings: Vec<(u32, u32)> = liked
            .iter()
            .map(|&m| (m, 5))
            .chain(disliked.iter().map(|&m| (m, 1)))
            .collect();
        let file = ratings_file(&ratings, Some("ml-latest-small"));
        tab.wait_for_element("#import")
            .unwrap()
            .set_input_files(&[file.path().to_str().unwrap()])
            .unwrap();
        wait_for(
            &tab,
            "document.querySelectorAll('#rated-list li.movie').length === 6 && document.getElementById('note').textContent.includes('Imported')",
            "the imported taste",
        );
        lists.push(rec_ids(&tab)[..10].to_vec());
        eval::<Value>(
            &tab,
            "(document.getElementById('note').textContent = '', null)",
        );
    }
    let kept = lists[0].iter().filter(|m| lists[1].contains(m)).count();
    assert!(kept <= 5, "swapping the likes kept {kept} of the top 10");

    // The discovery control: "deep cuts" changes the list and is remembered across visits; a
    // saved value that is not a setting gives the model's default.
    let slider = |tab: &Tab| eval::<String>(tab, "document.getElementById('discovery').value");
    let default = slider(&tab);
    assert_eq!(default, "0.3");
    eval::<Value>(
        &tab,
        "(() => { const d = document.getElementById('discovery'); d.value = '1'; d.dispatchEvent(new Event('input')); return null; })()",
    );
    let deep = rec_ids(&tab)[..10].to_vec();
    assert_ne!(deep, lists[1]);
    assert_eq!(
        eval::<String>(&tab, "localStorage.getItem('movierec.discovery')"),
        "1"
    );
    for (saved, shown) in [("1", "1"), ("\"junk\"", default.as_str())] {
        eval::<Value>(
            &tab,
            &format!("(localStorage.setItem('movierec.discovery', '{saved}'), null)"),
        );
        tab.reload(false, None).unwrap();
        wait_for(
            &tab,
            "window.movierecStats && window.movierecStats.interactiveMs !== null",
            "reload with a saved discovery setting",
        );
        assert_eq!(slider(&tab), shown);
    }
}

/// In the page: the served model with `model.dropout` set to 1.5 in its header, lengths and
/// CRC-32 recomputed, given to `new MovieRec`; then the untouched bytes.
const CRAFTED_THEN_GOOD: &str = r#"(async () => {
  const good = new Uint8Array(await (await fetch('/model.movierec')).arrayBuffer());
  const view = new DataView(good.buffer);
  const headerLen = Number(view.getBigUint64(12, true));
  const header = JSON.parse(new TextDecoder().decode(good.subarray(20, 20 + headerLen)));
  header.model.dropout = 1.5;
  const json = new TextEncoder().encode(JSON.stringify(header));
  const rest = good.subarray(20 + headerLen, good.length - 4);
  const out = new Uint8Array(20 + json.length + rest.length + 4);
  out.set(good.subarray(0, 12));
  new DataView(out.buffer).setBigUint64(12, BigInt(json.length), true);
  out.set(json, 20);
  out.set(rest, 20 + json.length);
  let crc = ~0;
  for (let i = 0; i < out.length - 4; i++) {
    crc ^= out[i];
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  new DataView(out.buffer).setUint32(out.length - 4, ~crc >>> 0, true);
  let message = 'no error';
  try { new window.MovieRec(out); } catch (e) { message = String(e.message); }
  const again = new window.MovieRec(good);
  return message + ' then loaded ' + again.catalog().length + ' movies';
})()"#;

/// The demo model with `bias_path.movie_bias.weight` made a QFloat, then shifted by one byte.
fn crafted_weights() -> Vec<Vec<u8>> {
    use ciborium::Value as Cbor;
    let good = std::fs::read(demo_model()).unwrap();
    let edit = |key: &str, value: Cbor| {
        common::weights_recrafted(&good, |meta| {
            let entry = common::tensor_entry(meta, "bias_path.movie_bias.weight");
            common::set_field(entry, key, value)
        })
    };
    let qfloat = Cbor::Map(vec![(
        "QFloat".into(),
        Cbor::Map(vec![
            ("value".into(), "Q8F".into()),
            ("store".into(), "Native".into()),
            ("mode".into(), "Symmetric".into()),
            ("tensor".into(), "F32".into()),
            ("block".into(), Cbor::Null),
        ]),
    )]);
    let mut meta = None;
    common::weights_recrafted(&good, |m| meta = Some(m.clone()));
    let mut meta = meta.unwrap();
    let entry = common::tensor_entry(&mut meta, "bias_path.movie_bias.weight");
    let range = common::map_field(entry, "data_offsets")
        .as_array()
        .unwrap()
        .clone();
    let shift = |v: &Cbor| Cbor::from(u64::try_from(v.as_integer().unwrap()).unwrap() + 1);
    let shifted = Cbor::Array(range.iter().map(shift).collect());
    vec![edit("dtype", qfloat), edit("data_offsets", shifted)]
}

/// JS that loads `bytes` as a model and returns the error's class and message.
fn load_in_page(bytes: &[u8]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "(() => {{ const b = new Uint8Array('{hex}'.match(/../g).map(h => parseInt(h, 16))); \
         try {{ new window.MovieRec(b); return 'no error'; }} \
         catch (e) {{ return e.constructor.name + ': ' + e.message; }} }})()"
    )
}

/// A half-star release (a tiny model trained on a slice of ml-latest-small): the keyboard rates
/// in half stars, each movie links to IMDb, the ratings are kept under that catalog's own key,
/// and an export from ML-100K's catalog, whose ids mean other films, is refused.
#[test]
fn a_half_star_catalog_in_chromium() {
    let pkg = built_pkg();
    let dir = tempfile::tempdir().unwrap();
    let model = common::tiny_latest_small_model(dir.path());
    let server = Server::start(&model, &pkg);
    let (chromium, _profile) = launch();
    let tab = open(&chromium, &server.url);
    tab.wait_for_element("#search").unwrap().click().unwrap();
    tab.type_str("toy story").unwrap();
    wait_for(
        &tab,
        "document.querySelector('#search-results li.movie')",
        "search results",
    );
    let first: u32 = eval(
        &tab,
        "Number(document.querySelector('#search-results li.movie').dataset.movieId)",
    );
    // The first step is ½ star; six → make 3½.
    tab.wait_for_element("#search-results li.movie button[data-stars='0.5']")
        .unwrap()
        .focus()
        .unwrap();
    for _ in 0..6 {
        tab.press_key("ArrowRight").unwrap();
    }
    tab.press_key("Enter").unwrap();
    wait_for(
        &tab,
        "document.querySelectorAll('#rated-list li.movie').length === 1",
        "a half-star rating",
    );
    let saved: Vec<VisitorRating> = eval(
        &tab,
        "JSON.parse(localStorage.getItem('movierec.v1.ml-latest-small')).ratings",
    );
    assert_eq!(
        saved,
        vec![VisitorRating {
            movie_id: first,
            rating: 3.5
        }]
    );
    assert_eq!(
        eval::<Value>(&tab, "localStorage.getItem('movierec.v1')"),
        Value::Null,
        "ML-100K's ratings stay apart"
    );
    let imdb: String = eval(
        &tab,
        "document.querySelector('#rated-list li.movie .links a').href",
    );
    assert!(imdb.starts_with("https://www.imdb.com/title/tt"), "{imdb}");
    let old = ratings_file(&[(1, 5)], None);
    tab.wait_for_element("#import")
        .unwrap()
        .set_input_files(&[old.path().to_str().unwrap()])
        .unwrap();
    wait_for(
        &tab,
        "document.getElementById('note').textContent.includes('their movie ids differ')",
        "an export of another catalog refused",
    );
}
