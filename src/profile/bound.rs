//! What keeps a profile within its size bound and the wasm small: cutting strings to their
//! JSON size, and the crate's one sort.

/// Sorts indices by `key`, highest first; equal keys keep their order. The crate's only sort:
/// a bottom-up merge sort in a few hundred bytes of wasm where the standard library's stable
/// sort is about 4 KB (a stable sort's result is unique, so it orders exactly as `sort_by`).
pub(crate) fn sort_desc_stable(indices: &mut [usize], key: &dyn Fn(usize) -> f64) {
    let n = indices.len();
    let keys: Vec<f64> = indices.iter().map(|&i| key(i)).collect();
    // Sort positions into `indices` by their key, then apply.
    let mut order: Vec<usize> = (0..n).collect();
    let mut buf = vec![0; n];
    let mut width = 1;
    while width < n {
        for start in (0..n).step_by(2 * width) {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut a, mut b) = (start, mid);
            for slot in &mut buf[start..end] {
                // The left run wins ties: that is what keeps equal keys in order.
                let left =
                    a < mid && (b == end || keys[order[a]].total_cmp(&keys[order[b]]).is_ge());
                *slot = if left {
                    a += 1;
                    order[a - 1]
                } else {
                    b += 1;
                    order[b - 1]
                };
            }
        }
        std::mem::swap(&mut order, &mut buf);
        width *= 2;
    }
    let sorted: Vec<usize> = order.iter().map(|&k| indices[k]).collect();
    indices.copy_from_slice(&sorted);
}

/// Cuts a string so that it takes at most `max` bytes inside a JSON string (escapes counted),
/// replacing control characters with spaces. This is what makes the size bound hold for any
/// input.
pub(crate) fn clip(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max));
    let mut used = 0;
    for c in s.chars() {
        let c = if c.is_control() { ' ' } else { c };
        let cost = match c {
            '"' | '\\' => 2,
            c => c.len_utf8(),
        };
        if used + cost > max {
            break;
        }
        used += cost;
        out.push(c);
    }
    out
}
