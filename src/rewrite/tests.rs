use super::*;
use crate::plan::SlotPlan;

fn entry(slot: &str, offer: &str, variant: Option<&str>, html: Option<&str>) -> SlotPlan {
    SlotPlan {
        slot: slot.into(),
        offer: offer.into(),
        variant: variant.map(Into::into),
        html: html.map(Into::into),
        ..Default::default()
    }
}

fn plan(slots: Vec<SlotPlan>) -> Plan {
    Plan { slots }
}

fn run(html: &str, plan: &Plan, options: RewriteOptions<'_>) -> String {
    rewrite_str(html, plan, options).unwrap()
}

#[test]
fn empty_plan_without_state_is_the_identity() {
    let html = "<!doctype html><P CLASS=a>x &amp; y<!-- <b> --><br/><body></html>trailing";
    assert_eq!(run(html, &Plan::default(), RewriteOptions::new()), html);
}

#[test]
fn offer_then_variant_then_content() {
    let p = plan(vec![entry("hero", "o", Some("v"), Some("<b>new</b>"))]);
    let out = run(
        r#"<div data-sp-slot="hero"><i>old</i></div>"#,
        &p,
        RewriteOptions::new(),
    );
    assert_eq!(
        out,
        r#"<div data-sp-slot="hero" data-sp-offer="o" data-sp-variant="v"><b>new</b></div>"#
    );
}

#[test]
fn slot_names_with_quotes_and_backslashes_are_matched_exactly() {
    let p = plan(vec![entry(r#"he"ro\1"#, "o", None, Some("x"))]);
    let html = r#"<div data-sp-slot='he"ro\1'>a</div><div data-sp-slot="hero">b</div>"#;
    assert_eq!(
        run(html, &p, RewriteOptions::new()),
        r#"<div data-sp-slot='he"ro\1' data-sp-offer="o">x</div><div data-sp-slot="hero">b</div>"#
    );
}

#[test]
fn an_invalid_selector_names_the_slot_and_the_selector_and_writes_nothing() {
    let p = plan(vec![
        entry("hero", "ok", None, None),
        SlotPlan {
            slot: "next".into(),
            css: Some("h1 + p".into()),
            offer: "sibling".into(),
            ..Default::default()
        },
    ]);
    let mut calls = 0;
    let err = Rewriter::new(&p, RewriteOptions::new(), |_: &[u8]| calls += 1).unwrap_err();
    assert_eq!(calls, 0);
    assert_eq!(
        err.to_string(),
        "slot \"next\" (offer \"sibling\"): invalid CSS selector `h1 + p`: \
         Unsupported combinator `+` in selector."
    );
    match err {
        RewriteError::InvalidSelector {
            slot,
            offer,
            selector,
            reason,
        } => {
            assert_eq!((slot.as_str(), offer.as_str()), ("next", "sibling"));
            assert_eq!(selector, "h1 + p");
            assert_eq!(reason, SelectorError::UnsupportedCombinator('+'));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn invalid_state_json_is_refused_up_front() {
    let err = rewrite_str(
        "<body></body>",
        &Plan::default(),
        RewriteOptions::new().with_state_json("{\"v\":"),
    )
    .unwrap_err();
    assert!(matches!(err, RewriteError::InvalidStateJson(_)), "{err:?}");
    assert!(err.to_string().starts_with("state JSON is not valid JSON"));
}

#[test]
fn ambiguous_markup_fails_like_the_runtime_in_strict_mode() {
    // `<xmp>` inside `<select>` cannot be parsed without a tree; workerd runs lol_html strict.
    let p = plan(vec![entry("hero", "o", None, Some("x"))]);
    let err = rewrite_str(
        "<select><xmp><script>x</script></select>",
        &p,
        RewriteOptions::new(),
    )
    .unwrap_err();
    assert!(
        matches!(err, RewriteError::Html(RewritingError::ParsingAmbiguity(_))),
        "{err:?}"
    );
}

#[test]
fn buffering_is_capped_at_the_runtime_limit() {
    // A start tag must be buffered whole; past 3 MiB lol_html gives up, as in workerd.
    let p = plan(vec![entry("hero", "o", None, None)]);
    let feed = |attr_len: usize| {
        let mut out = Vec::new();
        let mut r = Rewriter::new(&p, RewriteOptions::new(), |c: &[u8]| {
            out.extend_from_slice(c)
        })
        .unwrap();
        let value = vec![b'a'; attr_len];
        let res = (|| {
            r.write(b"<div data-sp-slot=hero title=\"")?;
            for c in value.chunks(16 * 1024) {
                r.write(c)?;
            }
            r.write(b"\">x</div>")?;
            r.end()
        })();
        drop(out);
        res
    };
    assert!(feed(1 << 20).is_ok());
    let err = feed(4 << 20).unwrap_err();
    assert!(
        matches!(
            err,
            RewriteError::Html(RewritingError::MemoryLimitExceeded(_))
        ),
        "{err:?}"
    );
}

#[test]
fn output_streams_before_the_end_and_the_sink_never_gets_an_empty_chunk() {
    let p = plan(vec![entry("hero", "o", None, Some("<b>new</b>"))]);
    let para = "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>\n";
    let mut out: Vec<u8> = Vec::new();
    let mut seen_at_each_write = Vec::new();
    {
        let out = std::cell::RefCell::new(&mut out);
        let mut r = Rewriter::new(&p, RewriteOptions::new(), |c: &[u8]| {
            assert!(!c.is_empty());
            out.borrow_mut().extend_from_slice(c);
        })
        .unwrap();
        r.write(b"<body><div data-sp-slot=hero>").unwrap();
        // The replaced content is dropped as it streams: nothing of it is held.
        for _ in 0..1000 {
            r.write(para.as_bytes()).unwrap();
            seen_at_each_write.push(out.borrow().len());
        }
        r.write(b"</div>").unwrap();
        for _ in 0..1000 {
            r.write(para.as_bytes()).unwrap();
            seen_at_each_write.push(out.borrow().len());
        }
        r.end().unwrap();
    }
    // Inside the slot nothing more is written; after it, output keeps pace with input.
    assert!(seen_at_each_write[..1000].windows(2).all(|w| w[0] == w[1]));
    let after = &seen_at_each_write[1000..];
    assert!(
        after[999] - after[0] >= 998 * para.len(),
        "output is held back"
    );
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.starts_with(r#"<body><div data-sp-slot=hero data-sp-offer="o"><b>new</b></div><p>"#)
    );
    assert_eq!(text.matches("<p>").count(), 1000);
}

#[test]
fn attribute_values_are_escaped_only_when_needed() {
    assert!(matches!(
        escape_attribute_value("spring-sale_2"),
        Cow::Borrowed(_)
    ));
    assert_eq!(escape_attribute_value(r#"a&b"c<d>"#), "a&amp;b&quot;c<d>");
}

#[test]
fn check_selector_follows_lol_html() {
    for ok in [
        "main > h1",
        "h1.title",
        "#hero",
        "div[data-x=\"y\"]",
        "li:nth-child(2)",
        "*",
    ] {
        assert_eq!(check_selector(ok), Ok(()), "{ok}");
    }
    assert_eq!(
        check_selector("a:hover"),
        Err(SelectorError::UnsupportedPseudoClassOrElement)
    );
    assert_eq!(
        check_selector("a ~ b"),
        Err(SelectorError::UnsupportedCombinator('~'))
    );
    assert_eq!(check_selector("a["), Err(SelectorError::UnexpectedEnd));
}

#[test]
fn options_builder() {
    let o = RewriteOptions::new();
    assert_eq!(o, RewriteOptions::default());
    assert_eq!(o.state_json(), None);
    assert_eq!(o.with_state_json("{}").state_json(), Some("{}"));
    assert_eq!(
        o.with_state_json("{}")
            .with_state_json_opt(None)
            .state_json(),
        None
    );
}

#[test]
fn state_goes_into_a_body_whose_content_an_offer_replaced() {
    let p = plan(vec![SlotPlan {
        slot: "page".into(),
        css: Some("body".into()),
        offer: "takeover".into(),
        html: Some("<main>New</main>".into()),
        ..Default::default()
    }]);
    let out = run(
        "<html><body><p>Old</p></body></html>",
        &p,
        RewriteOptions::new().with_state_json("[1]"),
    );
    assert_eq!(
        out,
        concat!(
            r#"<html><body data-sp-offer="takeover"><main>New</main>"#,
            r#"<script type="application/json" id="signpost-state">[1]</script></body></html>"#
        )
    );
}

#[test]
fn debug_does_not_need_the_sink_to_be_debug() {
    let p = Plan::default();
    let r = Rewriter::new(&p, RewriteOptions::new(), |_: &[u8]| {}).unwrap();
    assert_eq!(format!("{r:?}"), "Rewriter");
}

#[test]
fn empty_plan_without_state_passes_even_what_lol_html_refuses() {
    // lol_html in strict mode refuses this markup even without handlers; an empty Plan must
    // still give the page back unchanged, so it never reaches lol_html.
    let html = "<select><xmp><script>x</script></select>";
    assert_eq!(run(html, &Plan::default(), RewriteOptions::new()), html);
    let mut out = Vec::new();
    let p = Plan::default();
    let mut r = Rewriter::new(&p, RewriteOptions::new(), |c: &[u8]| {
        out.extend_from_slice(c)
    })
    .unwrap();
    r.write(b"\xff\xfe not even UTF-8 <").unwrap();
    r.write(b"").unwrap();
    r.write(b"select><xmp>").unwrap();
    r.end().unwrap();
    assert_eq!(out, b"\xff\xfe not even UTF-8 <select><xmp>");
    // With something to do, the same markup is an error, as in the runtime.
    let err = rewrite_str(html, &p, RewriteOptions::new().with_state_json("{}")).unwrap_err();
    assert!(
        matches!(err, RewriteError::Html(RewritingError::ParsingAmbiguity(_))),
        "{err:?}"
    );
}
