//! Throughput of the reference rewriter on the corpus pages, fed in 16 KiB chunks as a
//! response body arrives. Criterion prints MB/s (`thrpt`) for each page and Plan:
//!
//! - `empty`: an empty Plan, no state (copied without parsing);
//! - `no-match`: one tag-qualified CSS offer that matches nothing (lol_html's own cost);
//! - `typical`: three slots by name, one CSS offer on the page's headline, and the state;
//! - `slots-10`: ten slots by name, none on the page (the cost of selectors alone);
//! - `untagged` / `tagged`: the same CSS offers with and without a tag name in the selector.
//!
//! `cargo bench --bench rewrite` (add `-- --quick` for a fast look).

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use signpost::plan::{Plan, SlotPlan};
use signpost::rewrite::{RewriteOptions, Rewriter};

const CHUNK: usize = 16 * 1024;

fn slot(name: &str, html: Option<&str>) -> SlotPlan {
    SlotPlan {
        slot: name.into(),
        offer: format!("{name}-offer"),
        html: html.map(Into::into),
        ..Default::default()
    }
}

fn css(selector: &str, html: &str) -> SlotPlan {
    SlotPlan {
        slot: selector.into(),
        css: Some(selector.into()),
        offer: "css-offer".into(),
        html: Some(html.into()),
        ..Default::default()
    }
}

/// The page's headline, as a tag-qualified selector and without the tag.
fn headline(page: &str) -> (&'static str, &'static str) {
    match page {
        "cloudflare.com.html" => ("h1.header-h1", ".header-h1"),
        "ecma402-spec.html" => ("h1.title", ".title"),
        _ => ("h1.allcaps", ".allcaps"),
    }
}

fn rewrite(input: &[u8], plan: &Plan, options: RewriteOptions<'_>) -> usize {
    let mut written = 0usize;
    let mut rewriter =
        Rewriter::new(plan, options, |c: &[u8]| written += black_box(c).len()).expect("valid plan");
    for chunk in input.chunks(CHUNK) {
        rewriter.write(chunk).expect("rewrite");
    }
    rewriter.end().expect("end");
    written
}

fn bench(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut pages: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .collect();
    pages.sort();

    let state = format!(
        r#"{{"v":1,"tier":"engaged","slots":{{"hero":"spring-sale"}},"items":[{}]}}"#,
        (0..40)
            .map(|i| format!("\"sku-{i:04}\""))
            .collect::<Vec<_>>()
            .join(",")
    );

    for path in pages {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let input = std::fs::read(&path).unwrap();
        let (tagged, untagged) = headline(&name);

        let empty = Plan::default();
        let no_match = Plan {
            slots: vec![css("h6.sp-none", "x")],
        };
        let typical = Plan {
            slots: vec![
                slot(
                    "hero",
                    Some("<h2>Spring sale</h2><p>20% off everything</p>"),
                ),
                slot(
                    "recs",
                    Some("<ul><li>One</li><li>Two</li><li>Three</li></ul>"),
                ),
                slot("banner", None),
                css(tagged, "Personalised headline"),
            ],
        };
        let ten = Plan {
            slots: (0..10)
                .map(|i| slot(&format!("slot-{i}"), Some("x")))
                .collect(),
        };
        let with_tag = Plan {
            slots: vec![css(tagged, "A"), css("p.lead-in", "B")],
        };
        let without_tag = Plan {
            slots: vec![css(untagged, "A"), css(".lead-in", "B")],
        };

        let mut group = c.benchmark_group(format!("rewrite/{name}"));
        group.throughput(Throughput::BytesDecimal(input.len() as u64));
        let cases: [(&str, &Plan, RewriteOptions<'_>); 6] = [
            ("empty", &empty, RewriteOptions::new()),
            ("no-match", &no_match, RewriteOptions::new()),
            (
                "typical",
                &typical,
                RewriteOptions::new().with_state_json(&state),
            ),
            ("slots-10", &ten, RewriteOptions::new()),
            ("untagged", &without_tag, RewriteOptions::new()),
            ("tagged", &with_tag, RewriteOptions::new()),
        ];
        for (label, plan, options) in cases {
            group.bench_with_input(BenchmarkId::from_parameter(label), &input, |b, input| {
                b.iter(|| rewrite(black_box(input), plan, options))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
