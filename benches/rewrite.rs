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
use signpost::plan::Plan;
use signpost::rewrite::RewriteOptions;

mod common;
use common::{css, headline, rewrite, slot, state_json, typical_plan};

fn bench(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut pages: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .collect();
    pages.sort();

    let state = state_json();

    for path in pages {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let input = std::fs::read(&path).unwrap();
        let (tagged, untagged) = headline(&name);

        let empty = Plan::default();
        let no_match = Plan {
            slots: vec![css("h6.sp-none", "x")],
        };
        let typical = typical_plan(&name);
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
