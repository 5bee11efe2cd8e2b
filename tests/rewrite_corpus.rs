//! The reference rewriter on real pages and on the shared fixtures.
//!
//! - `tests/fixtures/rewrite/cases.json`: every case, whole and in every two-chunk split.
//! - `tests/corpus/*.html`: every page, fed in random chunk sizes, with an empty Plan (output
//!   must equal input byte for byte) and with Plans that target elements of the page (output
//!   must equal the input with exactly the targeted start tags and contents changed).
//!
//! Chunk sizes come from a small PRNG. The seed is printed (`cargo test --test rewrite_corpus
//! -- --nocapture` shows it; a failure always shows it) and `SIGNPOST_SEED=<n>` replays a run.
#![cfg(feature = "html")]

use std::path::{Path, PathBuf};

use serde::Deserialize;
use signpost::plan::{script_safe_json, Plan, SlotPlan};
use signpost::rewrite::{rewrite_str, RewriteError, RewriteOptions, Rewriter};

// ---------------------------------------------------------------------------------------------
// Chunking

/// SplitMix64: tiny, good enough to pick chunk sizes, same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `1..=max`.
    fn size(&mut self, max: usize) -> usize {
        1 + (self.next() % max as u64) as usize
    }

    /// A chunk size: mostly small enough to split tags and attributes, sometimes network-sized.
    fn chunk_size(&mut self) -> usize {
        match self.next() % 8 {
            0..=3 => self.size(16),
            4..=6 => self.size(1024),
            _ => self.size(64 * 1024),
        }
    }
}

/// The run's seed: `SIGNPOST_SEED` (decimal or 0x-hex) or the clock, printed either way.
fn seed() -> u64 {
    let seed = match std::env::var("SIGNPOST_SEED") {
        Ok(s) => {
            let s = s.trim();
            let parsed = match s.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => s.parse(),
            };
            parsed.unwrap_or_else(|_| panic!("SIGNPOST_SEED={s:?} is not a u64"))
        }
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x5EED),
    };
    println!("rewrite seed: {seed} (SIGNPOST_SEED={seed} replays this run)");
    seed
}

/// Rewrites `input` fed in the given chunk sizes (cycled), collecting the output.
fn rewrite_chunks(
    input: &[u8],
    plan: &Plan,
    options: RewriteOptions<'_>,
    mut next_size: impl FnMut() -> usize,
) -> Result<Vec<u8>, RewriteError> {
    let mut out = Vec::with_capacity(input.len() + 1024);
    let mut rewriter = Rewriter::new(plan, options, |c: &[u8]| {
        assert!(!c.is_empty(), "the sink got an empty chunk");
        out.extend_from_slice(c);
    })?;
    let mut rest = input;
    while !rest.is_empty() {
        let n = next_size().min(rest.len());
        let (chunk, tail) = rest.split_at(n);
        rewriter.write(chunk)?;
        rest = tail;
    }
    rewriter.end()?;
    Ok(out)
}

fn rewrite_random(
    input: &[u8],
    plan: &Plan,
    options: RewriteOptions<'_>,
    rng: &mut Rng,
) -> Vec<u8> {
    rewrite_chunks(input, plan, options, || rng.chunk_size()).expect("rewrite")
}

/// Panics with the first differing byte and some context, rather than two huge strings.
#[track_caller]
fn assert_same(actual: &[u8], expected: &[u8], what: &str) {
    if actual == expected {
        return;
    }
    let at = actual
        .iter()
        .zip(expected)
        .position(|(a, b)| a != b)
        .unwrap_or(actual.len().min(expected.len()));
    let lo = at.saturating_sub(120);
    let show = |b: &[u8]| {
        String::from_utf8_lossy(&b[lo.min(b.len())..(at + 200).min(b.len())]).into_owned()
    };
    panic!(
        "{what}: output differs from expected at byte {at} (lengths {} vs {})\n--- actual:\n{}\n--- expected:\n{}",
        actual.len(),
        expected.len(),
        show(actual),
        show(expected),
    );
}

// ---------------------------------------------------------------------------------------------
// Shared fixtures

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Cases {
    format: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[allow(dead_code)]
    about: String,
    html: String,
    plan: Plan,
    #[serde(default)]
    state: Option<String>,
    expected: String,
}

fn fixtures() -> Cases {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rewrite/cases.json");
    let text = std::fs::read_to_string(&path).expect("read cases.json");
    serde_json::from_str(&text).expect("parse cases.json")
}

#[test]
fn every_fixture_case_matches_whole_and_in_every_two_chunk_split() {
    let cases = fixtures();
    assert_eq!(cases.format, "signpost-rewrite-cases/1");
    assert!(cases.cases.len() >= 10, "the fixture set lost cases");
    let mut names = std::collections::HashSet::new();
    for case in &cases.cases {
        assert!(
            names.insert(case.name.as_str()),
            "duplicate case name {}",
            case.name
        );
        let options = RewriteOptions::new().with_state_json_opt(case.state.as_deref());

        let whole = rewrite_str(&case.html, &case.plan, options)
            .unwrap_or_else(|e| panic!("case {}: {e}", case.name));
        assert_same(whole.as_bytes(), case.expected.as_bytes(), &case.name);

        let input = case.html.as_bytes();
        for split in 1..input.len() {
            let mut sizes = [split, input.len()].into_iter();
            let out = rewrite_chunks(input, &case.plan, options, || sizes.next().unwrap_or(1))
                .unwrap_or_else(|e| panic!("case {} split at {split}: {e}", case.name));
            assert_same(
                &out,
                case.expected.as_bytes(),
                &format!("{} split at {split}", case.name),
            );
        }
        let bytewise = rewrite_chunks(input, &case.plan, options, || 1).unwrap();
        assert_same(
            &bytewise,
            case.expected.as_bytes(),
            &format!("{} byte by byte", case.name),
        );
    }
}

#[test]
fn fixture_expectations_differ_from_input_where_the_plan_acts() {
    // Guards the fixture file itself: a case whose Plan or state does something must expect a
    // change, and an idle one must expect the input back.
    for case in fixtures().cases {
        let acts = !case.plan.is_empty() || case.state.is_some();
        let changed = case.expected != case.html;
        assert_eq!(
            acts, changed,
            "case {}: a Plan that acts must change the page",
            case.name
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Corpus

struct Page {
    name: String,
    bytes: Vec<u8>,
}

fn corpus() -> Vec<Page> {
    let dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut pages: Vec<Page> = std::fs::read_dir(&dir)
        .expect("tests/corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .map(|p| Page {
            name: p.file_name().unwrap().to_string_lossy().into_owned(),
            bytes: std::fs::read(&p).unwrap(),
        })
        .collect();
    pages.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(
        pages.len() >= 3,
        "expected the three corpus pages in {}",
        dir.display()
    );
    pages
}

fn page<'p>(pages: &'p [Page], name: &str) -> &'p Page {
    pages
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("corpus page {name}"))
}

#[test]
fn empty_plan_returns_every_page_byte_for_byte_in_any_chunking() {
    let mut rng = Rng(seed());
    let empty = Plan::default();
    for page in corpus() {
        for round in 0..3 {
            let out = rewrite_random(&page.bytes, &empty, RewriteOptions::new(), &mut rng);
            assert_same(&out, &page.bytes, &format!("{} round {round}", page.name));
        }
        let whole =
            rewrite_chunks(&page.bytes, &empty, RewriteOptions::new(), || usize::MAX).unwrap();
        assert_same(&whole, &page.bytes, &format!("{} in one chunk", page.name));
        let text = std::str::from_utf8(&page.bytes).expect("corpus pages are UTF-8");
        let s = rewrite_str(text, &empty, RewriteOptions::new()).unwrap();
        assert_same(
            s.as_bytes(),
            &page.bytes,
            &format!("{} via rewrite_str", page.name),
        );
    }
}

#[test]
fn a_plan_matching_nothing_returns_every_page_byte_for_byte_in_any_chunking() {
    // Unlike an empty Plan (copied without parsing), this runs every byte through lol_html.
    let mut rng = Rng(seed());
    let plan = Plan {
        slots: vec![
            SlotPlan {
                slot: "absent".into(),
                offer: "o".into(),
                html: Some("<b>x</b>".into()),
                ..Default::default()
            },
            SlotPlan {
                slot: "absent-css".into(),
                css: Some("div.no-such-class > span".into()),
                offer: "c".into(),
                variant: Some("control".into()),
                ..Default::default()
            },
        ],
    };
    for page in corpus() {
        for round in 0..3 {
            let out = rewrite_random(&page.bytes, &plan, RewriteOptions::new(), &mut rng);
            assert_same(&out, &page.bytes, &format!("{} round {round}", page.name));
        }
    }
}

#[test]
fn the_cloudflare_page_byte_by_byte() {
    // Every tag, attribute and entity split at every byte, through a Plan that acts.
    let pages = corpus();
    let page = page(&pages, "cloudflare.com.html");
    let state = r#"{"v":1}"#;
    let targets = targets_for(&page.name);
    let plan = Plan {
        slots: targets.iter().map(Target::entry).collect(),
    };
    let (input, expected) = expectation(&page.bytes, &targets, Some(state));
    let options = RewriteOptions::new().with_state_json(state);
    let out = rewrite_chunks(&input, &plan, options, || 1).unwrap();
    assert_same(&out, &expected, "cloudflare byte by byte");
}

/// One element of a corpus page that a Plan entry targets.
struct Target {
    /// The element's start tag exactly as in the page (unique in it).
    start_tag: &'static str,
    /// Insert `data-sp-slot="<slot>"` into a copy of the page, right after the tag name.
    inject_slot: Option<&'static str>,
    /// A CSS selector matching exactly this element (when not a slot).
    css: Option<&'static str>,
    offer: &'static str,
    variant: Option<&'static str>,
    html: Option<&'static str>,
}

impl Target {
    fn tag_name(&self) -> &'static str {
        let rest = &self.start_tag[1..];
        &rest[..rest.find([' ', '>']).unwrap()]
    }

    fn entry(&self) -> SlotPlan {
        SlotPlan {
            slot: self.inject_slot.unwrap_or(self.offer).into(),
            css: self.css.map(Into::into),
            offer: self.offer.into(),
            variant: self.variant.map(Into::into),
            html: self.html.map(Into::into),
            ..Default::default()
        }
    }

    /// The start tag as it appears in the (possibly injected) input.
    fn input_start_tag(&self) -> String {
        match self.inject_slot {
            Some(slot) => {
                let name = self.tag_name();
                format!(
                    "<{name} data-sp-slot=\"{slot}\"{}",
                    &self.start_tag[1 + name.len()..]
                )
            }
            None => self.start_tag.to_string(),
        }
    }

    /// What the start tag must become: the targets here are written with single spaces and
    /// double or no quotes, so the rewritten tag is the original plus the new attributes.
    fn output_start_tag(&self) -> String {
        let tag = self.input_start_tag();
        let mut out = tag[..tag.len() - 1].to_string();
        out.push_str(&format!(" data-sp-offer=\"{}\"", self.offer));
        if let Some(v) = self.variant {
            out.push_str(&format!(" data-sp-variant=\"{v}\""));
        }
        out.push('>');
        out
    }
}

fn find_unique(hay: &[u8], needle: &[u8], what: &str) -> usize {
    let mut hits = hay
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i);
    let first = hits.next().unwrap_or_else(|| panic!("{what}: not found"));
    assert!(hits.next().is_none(), "{what}: not unique");
    first
}

/// The offset of the end tag closing the element whose start tag ends at `from`, counting
/// nested elements of the same name (the chosen targets have no such tag in comments or
/// scripts).
fn matching_end_tag(input: &[u8], tag: &str, from: usize) -> usize {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut depth = 1usize;
    let mut i = from;
    while i < input.len() {
        let rest = &input[i..];
        if rest.starts_with(close.as_bytes()) {
            depth -= 1;
            if depth == 0 {
                return i;
            }
            i += close.len();
        } else if rest.starts_with(open.as_bytes())
            && matches!(rest.get(open.len()), Some(b' ' | b'>' | b'\n' | b'\t'))
        {
            depth += 1;
            i += open.len();
        } else {
            i += 1;
        }
    }
    panic!("no </{tag}> closes the element");
}

/// A page's input (with slots injected) and the exact output expected for `targets`.
fn expectation(page: &[u8], targets: &[Target], state: Option<&str>) -> (Vec<u8>, Vec<u8>) {
    let mut input = page.to_vec();
    for t in targets {
        if t.inject_slot.is_some() {
            let at = find_unique(&input, t.start_tag.as_bytes(), t.start_tag);
            let end = at + t.start_tag.len();
            input.splice(at..end, t.input_start_tag().into_bytes());
        }
    }
    // (start, end, replacement) over `input`, non-overlapping once sorted.
    let mut edits: Vec<(usize, usize, Vec<u8>)> = Vec::new();
    for t in targets {
        let tag = t.input_start_tag();
        let start = find_unique(&input, tag.as_bytes(), &tag);
        let content = start + tag.len();
        edits.push((start, content, t.output_start_tag().into_bytes()));
        if let Some(html) = t.html {
            let end = matching_end_tag(&input, t.tag_name(), content);
            edits.push((content, end, html.as_bytes().to_vec()));
        }
    }
    if let Some(json) = state {
        let script = format!(
            r#"<script type="application/json" id="signpost-state">{}</script>"#,
            script_safe_json(json)
        );
        let at = match input
            .windows(7)
            .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        {
            Some(at) => at,
            None => input.len(),
        };
        edits.push((at, at, script.into_bytes()));
    }
    edits.sort_by_key(|e| (e.0, e.1));
    // A replaced content swallows the edits inside it (nested targets disappear with it).
    let mut expected = Vec::with_capacity(input.len() + 4096);
    let mut pos = 0;
    for (start, end, with) in edits {
        if start < pos {
            continue;
        }
        expected.extend_from_slice(&input[pos..start]);
        expected.extend_from_slice(&with);
        pos = end;
    }
    expected.extend_from_slice(&input[pos..]);
    (input, expected)
}

fn targets_for(page: &str) -> Vec<Target> {
    let t = |start_tag, inject_slot, css, offer, variant, html| Target {
        start_tag,
        inject_slot,
        css,
        offer,
        variant,
        html,
    };
    match page {
        "cloudflare.com.html" => vec![
            // A slot kept as is (control) around a CSS offer that replaces the headline.
            t(
                r#"<div class="homepage-header MRK-6390">"#,
                Some("header"),
                None,
                "header-test",
                Some("control"),
                None,
            ),
            t(
                r#"<h1 class="header-h1">"#,
                None,
                Some("h1.header-h1"),
                "hero-headline",
                None,
                Some("<span class=\"sp\">Faster sites, safer users</span>"),
            ),
            t(
                r#"<footer class="main-footer">"#,
                Some("footer"),
                None,
                "footer-promo",
                Some("b"),
                Some("<p>Free plan: <a href=\"/plans\">start now</a> &amp; save</p>"),
            ),
        ],
        "ecma402-spec.html" => vec![
            t(
                r#"<h1 class="title">"#,
                None,
                Some("h1.title"),
                "spec-title",
                None,
                Some("Intl, reviewed"),
            ),
            t(
                r#"<div id="menu-search">"#,
                Some("search"),
                None,
                "search-tip",
                None,
                Some("<input type=\"search\" placeholder=\"Find a clause\">"),
            ),
        ],
        "html-parsing-spec.html" => vec![
            t(
                "<h1 class=allcaps>",
                None,
                Some("h1.allcaps"),
                "spec-h1",
                None,
                Some("HTML, personalised"),
            ),
            t(
                r#"<h2 id=living-standard class="no-num no-toc">"#,
                None,
                Some("h2#living-standard"),
                "living",
                Some("control"),
                None,
            ),
        ],
        other => panic!("no targets for corpus page {other}"),
    }
}

#[test]
fn plans_change_only_their_elements_on_every_page_in_any_chunking() {
    let mut rng = Rng(seed());
    for page in corpus() {
        let targets = targets_for(&page.name);
        let plan = Plan {
            slots: targets.iter().map(Target::entry).collect(),
        };
        let (input, expected) = expectation(&page.bytes, &targets, None);
        assert_ne!(input, expected);
        for round in 0..3 {
            let out = rewrite_random(&input, &plan, RewriteOptions::new(), &mut rng);
            assert_same(&out, &expected, &format!("{} round {round}", page.name));
        }
        let whole = rewrite_chunks(&input, &plan, RewriteOptions::new(), || usize::MAX).unwrap();
        assert_same(&whole, &expected, &format!("{} in one chunk", page.name));
    }
}

#[test]
fn state_lands_at_the_end_of_body_on_every_page_in_any_chunking() {
    let mut rng = Rng(seed());
    let state = r#"{"v":1,"note":"</script><b>&"}"#;
    for page in corpus() {
        let targets = targets_for(&page.name);
        let plan = Plan {
            slots: targets.iter().map(Target::entry).collect(),
        };
        let (input, expected) = expectation(&page.bytes, &targets, Some(state));
        let options = RewriteOptions::new().with_state_json(state);
        for round in 0..2 {
            let out = rewrite_random(&input, &plan, options, &mut rng);
            assert_same(
                &out,
                &expected,
                &format!("{} with state, round {round}", page.name),
            );
        }
        // The state alone, with an empty Plan.
        let (input, expected) = expectation(&page.bytes, &[], Some(state));
        let out = rewrite_random(&input, &Plan::default(), options, &mut rng);
        assert_same(&out, &expected, &format!("{} state only", page.name));
        let needle = br#"id="signpost-state">"#;
        let script_count = out.windows(needle.len()).filter(|w| w == needle).count();
        assert_eq!(script_count, 1, "{}: the state script once", page.name);
    }
}

#[test]
fn a_slot_on_many_elements_of_a_big_page() {
    // Every <li> of the ECMA-402 table of contents becomes the same slot; each must be
    // rewritten, and nothing else, however the page is cut.
    let mut rng = Rng(seed());
    let pages = corpus();
    let page = page(&pages, "ecma402-spec.html");
    let text = std::str::from_utf8(&page.bytes).unwrap();
    let input = text.replace(
        "<li><span class=\"item-toggle",
        "<li data-sp-slot=\"toc\"><span class=\"item-toggle",
    );
    let count = input.matches("data-sp-slot=\"toc\"").count();
    assert!(
        count > 20,
        "the page should have many toc items, got {count}"
    );
    let plan = Plan {
        slots: vec![SlotPlan {
            slot: "toc".into(),
            offer: "toc-mark".into(),
            variant: Some("control".into()),
            ..Default::default()
        }],
    };
    let expected = input.replace(
        "<li data-sp-slot=\"toc\">",
        "<li data-sp-slot=\"toc\" data-sp-offer=\"toc-mark\" data-sp-variant=\"control\">",
    );
    for round in 0..2 {
        let out = rewrite_random(input.as_bytes(), &plan, RewriteOptions::new(), &mut rng);
        assert_same(&out, expected.as_bytes(), &format!("toc round {round}"));
    }
}

#[test]
fn an_invalid_selector_fails_before_any_output() {
    let pages = corpus();
    let page = page(&pages, "cloudflare.com.html");
    let plan = Plan {
        slots: vec![
            SlotPlan {
                slot: "hero".into(),
                offer: "ok".into(),
                html: Some("x".into()),
                ..Default::default()
            },
            SlotPlan {
                slot: "promo-hover".into(),
                css: Some("a.button:hover".into()),
                offer: "hover-offer".into(),
                ..Default::default()
            },
        ],
    };
    let mut written = 0usize;
    let err = Rewriter::new(&plan, RewriteOptions::new(), |c: &[u8]| written += c.len())
        .map(|_| ())
        .unwrap_err();
    assert_eq!(written, 0);
    let msg = err.to_string();
    assert!(
        msg.contains("promo-hover") && msg.contains("a.button:hover"),
        "{msg}"
    );
    assert!(matches!(err, RewriteError::InvalidSelector { ref slot, .. } if slot == "promo-hover"));
    let text = std::str::from_utf8(&page.bytes).unwrap();
    assert!(matches!(
        rewrite_str(text, &plan, RewriteOptions::new()),
        Err(RewriteError::InvalidSelector { .. })
    ));
}
