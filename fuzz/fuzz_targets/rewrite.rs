//! The reference rewriter (lol_html) with a random Plan over random HTML or a slice of a real
//! page from tests/corpus, written in random chunks. Never a panic; an empty Plan without state
//! gives the input back byte for byte; streaming gives the same bytes as the whole document.
#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use signpost::rewrite::{rewrite_str, RewriteOptions, Rewriter};
use signpost::{Plan, SlotPlan};

const CORPUS: &[&str] = &[
    include_str!("../../tests/corpus/cloudflare.com.html"),
    "<!doctype html><html><body><section data-sp-slot=\"hero\"><h1>Hi</h1></section><div data-sp-slot=\"banner\"></div></body></html>",
];
const SLOTS: &[&str] = &["hero", "banner", "recommendations", "ad", "a\"b", ""];
const SELECTORS: &[&str] = &["main > h1", "#top", "div.card:nth-child(2)", "p:not(.x)", "[data-x]"];

fn plan(u: &mut Unstructured) -> Result<Plan> {
    let mut slots = Vec::new();
    for _ in 0..u.int_in_range(0..=4)? {
        let css = match u.int_in_range(0..=3)? {
            0 => Some(u.choose(SELECTORS)?.to_string()),
            1 => Some(u.arbitrary::<String>()?),
            _ => None,
        };
        slots.push(SlotPlan {
            slot: if u.arbitrary()? { u.choose(SLOTS)?.to_string() } else { u.arbitrary()? },
            css,
            offer: u.arbitrary()?,
            variant: u.arbitrary()?,
            html: u.arbitrary()?,
            ..SlotPlan::default()
        });
    }
    Ok(Plan { slots })
}

fn run(u: &mut Unstructured) -> Result<()> {
    let plan = plan(u)?;
    let state: Option<String> = u.arbitrary()?;
    let chunk = u.int_in_range(1..=4096usize)?;
    let html: String = if u.arbitrary()? {
        let page = u.choose(CORPUS)?;
        let start = u.int_in_range(0..=page.len())?;
        let end = u.int_in_range(start..=page.len())?;
        // On character boundaries (the page's end is one), the end not before the start.
        let boundary = |from: usize| (from..=page.len()).find(|&i| page.is_char_boundary(i));
        let start = boundary(start).unwrap_or(page.len());
        let end = boundary(end.max(start)).unwrap_or(page.len());
        page[start..end].to_string()
    } else {
        u.arbitrary()?
    };
    let options = match &state {
        Some(s) => RewriteOptions::new().with_state_json(s),
        None => RewriteOptions::new(),
    };
    let mut out = Vec::new();
    let streamed = Rewriter::new(&plan, options, |c: &[u8]| out.extend_from_slice(c)).and_then(|mut r| {
        for part in html.as_bytes().chunks(chunk) {
            r.write(part)?;
        }
        r.end()
    });
    let whole = rewrite_str(&html, &plan, options);
    if plan.is_empty() && state.is_none() {
        assert_eq!(out, html.as_bytes(), "an empty plan changes nothing");
    }
    if let (Ok(()), Ok(whole)) = (&streamed, &whole) {
        assert_eq!(out, whole.as_bytes(), "chunking changes nothing");
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
