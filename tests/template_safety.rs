//! Visitor values in templates where escaping is not enough: a value that starts a URL
//! attribute is checked as a URL, and placeholders where a value would run as code or add
//! attributes are refused when the config is checked, with the offer named.

use signpost::{Engine, Profile, RequestInfo, Signals};

const CATALOG: &str = include_str!("../examples/catalog.json");
const NOW: i64 = 1_773_144_000_000;

fn config(content: &str) -> String {
    serde_json::json!({
        "version": 1,
        "offers": [{ "id": "go", "slot": "banner", "content": content }]
    })
    .to_string()
}

/// The banner's HTML for `url`, with `content` as the only offer.
fn banner(content: &str, url: &str) -> String {
    let engine = Engine::new(&config(content), Some(CATALOG)).unwrap();
    let d = engine.decide(
        &Profile::new("v"),
        &RequestInfo::new(url),
        &Signals::new(),
        NOW,
    );
    d.plan.slots[0].html.clone().unwrap()
}

#[test]
fn a_visitor_value_that_starts_a_url_cannot_be_a_script() {
    let t = r#"<a href="{{request.query.next}}">Continue</a>"#;
    for attack in [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "%20javascript:alert(1)",
        "java%09script:alert(1)",
        "java%0Ascript:alert(1)",
        "%01javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
    ] {
        let html = banner(t, &format!("/x?next={attack}"));
        assert_eq!(html, r##"<a href="#">Continue</a>"##, "{attack}");
    }
    // Split across two placeholders, the URL is checked as a whole.
    let two = r#"<a href="{{request.query.a}}{{request.query.b}}">x</a>"#;
    assert_eq!(
        banner(two, "/x?a=java&b=script:alert(1)"),
        r##"<a href="#">x</a>"##
    );
    assert_eq!(
        banner(two, "/x?b=javascript:alert(1)"),
        r##"<a href="#">x</a>"##
    );
}

#[test]
fn safe_urls_from_visitors_still_work_escaped() {
    let t = r#"<a href="{{request.query.next}}">Continue</a>"#;
    assert_eq!(
        banner(t, "/x?next=/cart"),
        r#"<a href="/cart">Continue</a>"#
    );
    assert_eq!(
        banner(t, "/x?next=https://example.com/a%3Fb%3D1%26c%3D%22"),
        r#"<a href="https://example.com/a?b=1&amp;c=&quot;">Continue</a>"#
    );
    // After a fixed start, the value is a query parameter: escaped, never replaced.
    let fixed = r#"<a href="/search?q={{request.query.q}}">Search</a>"#;
    assert_eq!(
        banner(fixed, "/x?q=javascript:alert(1)"),
        r#"<a href="/search?q=javascript:alert(1)">Search</a>"#
    );
}

#[test]
fn placeholders_where_a_value_would_run_as_code_are_refused() {
    for (content, says) in [
        (
            r#"<button onclick="go('{{request.query.q}}')">Go</button>"#,
            "onclick",
        ),
        (
            r#"<script>var q = "{{request.query.q}}";</script>"#,
            "<script>",
        ),
        (
            r#"<style>.x{content:"{{request.query.q}}"}</style>"#,
            "<style>",
        ),
        (
            r#"<iframe srcdoc="{{request.query.q}}"></iframe>"#,
            "srcdoc",
        ),
        (r#"<a href={{request.query.q}}>x</a>"#, "quotes"),
        (r#"<a {{request.query.q}}>x</a>"#, "quoted attribute value"),
    ] {
        let e = Engine::new(&config(content), Some(CATALOG))
            .unwrap_err()
            .to_string();
        assert!(e.contains("offers[0].content"), "{content}: {e}");
        assert!(e.contains(says), "{content}: {e}");
    }
}
