//! The wasm's own allocator (src/alloc.rs), under wasm-bindgen-test in Node and Chromium.
#![cfg(target_arch = "wasm32")]
// Calling an allocator directly (alloc, dealloc, realloc and the blocks they return) is unsafe.
#![allow(unsafe_code)]

use signpost_wasm::SignpostEngine;
use std::alloc::{alloc, dealloc, realloc, Layout};
use wasm_bindgen_test::*;

/// Fills a block with a byte derived from its place in the list.
unsafe fn fill(p: *mut u8, size: usize, tag: usize) {
    std::ptr::write_bytes(p, tag as u8, size);
}

unsafe fn holds(p: *mut u8, size: usize, tag: usize) -> bool {
    std::slice::from_raw_parts(p, size)
        .iter()
        .all(|b| *b == tag as u8)
}

#[wasm_bindgen_test]
fn blocks_are_aligned_disjoint_and_keep_their_contents() {
    let mut live: Vec<(*mut u8, Layout, usize)> = Vec::new();
    for round in 0..3 {
        for size in [1, 7, 16, 17, 100, 1000, 4096, 70_000, 200_000] {
            for align in [1, 8, 16, 64, 4096] {
                let layout = Layout::from_size_align(size, align).unwrap();
                let tag = live.len() + round;
                unsafe {
                    let p = alloc(layout);
                    assert!(!p.is_null());
                    assert!(
                        (p as usize).is_multiple_of(align),
                        "size {size} align {align}"
                    );
                    fill(p, size, tag);
                    live.push((p, layout, tag));
                }
            }
        }
        // Free every other block, so the next round reuses them among live neighbours.
        let mut i = 0;
        live.retain(|(p, layout, _)| {
            i += 1;
            if i % 2 == 0 {
                unsafe { dealloc(*p, *layout) };
            }
            i % 2 == 1
        });
    }
    for (p, layout, tag) in &live {
        assert!(
            unsafe { holds(*p, layout.size(), *tag) },
            "a block was overwritten"
        );
    }
    // Growing keeps the contents, within a class and across classes.
    for (p, layout, tag) in live.iter_mut() {
        unsafe {
            let bigger = layout.size() * 3 + 1;
            let q = realloc(*p, *layout, bigger);
            assert!(!q.is_null() && (q as usize).is_multiple_of(layout.align()));
            assert!(holds(q, layout.size(), *tag));
            fill(q, bigger, *tag);
            *p = q;
            *layout = Layout::from_size_align(bigger, layout.align()).unwrap();
        }
    }
    for (p, layout, tag) in live {
        assert!(unsafe { holds(p, layout.size(), tag) });
        unsafe { dealloc(p, layout) };
    }
}

#[wasm_bindgen_test]
fn memory_stays_flat_when_the_same_work_repeats() {
    let config = include_str!("../../../examples/config.json");
    let catalog = include_str!("../../../examples/catalog.json");
    let work = || {
        let e = SignpostEngine::new(config, Some(catalog.to_string())).unwrap();
        let mut profile = String::new();
        for (i, url) in ["/", "/products/tent-summit-2p", "/compare"]
            .iter()
            .enumerate()
        {
            let out = e
                .on_request("v", &profile, url, None, 1.795e12 + i as f64 * 60e3, None)
                .unwrap();
            let v: serde_json::Value = serde_json::from_str(&out).unwrap();
            profile = v["profile"].to_string();
        }
    };
    for _ in 0..3 {
        work();
    }
    let pages = core::arch::wasm32::memory_size(0);
    for _ in 0..200 {
        work();
    }
    assert_eq!(core::arch::wasm32::memory_size(0), pages, "the heap grew");
}
