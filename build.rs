//! The core's build id, for the config snapshot (src/snapshot): the crate's version and a hash
//! of every source file of the library (src/, without the CLI's src/bin), so that a snapshot
//! written by one build is never read by a build whose compiled types may differ.

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=build.rs");
    let mut files = Vec::new();
    walk(Path::new("src"), &mut files);
    files.sort();
    // FNV-1a, 64 bits: stable across toolchains, unlike std's hasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    feed(env!("CARGO_PKG_VERSION").as_bytes());
    for f in &files {
        feed(f.to_string_lossy().as_bytes());
        feed(&std::fs::read(f).unwrap_or_default());
    }
    println!("cargo:rustc-env=SIGNPOST_SNAPSHOT_BUILD={hash:016x}");
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            if path != Path::new("src/bin") {
                walk(&path, out);
            }
        } else if path.extension().is_some_and(|x| x == "rs" || x == "txt") {
            out.push(path);
        }
    }
}
