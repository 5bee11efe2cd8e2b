//! `segments`: named conditions, which may refer to each other (but not in a loop).

use super::check::{join, Checker};
use super::conditions::{compile as compile_cond, SegmentNames};
use super::names::check_name;
use super::Segment;
use crate::conditions::Cond;
use crate::config::check::msg;
use crate::facts::Scope;
use serde_json::Value;

/// `segments`: their names (so any condition can refer to any of them) and the segments that
/// compiled.
pub(super) fn compile(ck: &mut Checker, v: &Value) -> (Vec<String>, Vec<Segment>) {
    let map = ck.map(v, "segments");
    let names: Vec<String> = map.map(|m| m.keys().cloned().collect()).unwrap_or_default();
    let mut segments = Vec::new();
    if let Some(m) = map {
        for (name, c) in m {
            let path = join("segments", name);
            if let Err(e) = check_name(name) {
                ck.err(&path, e);
            }
            let known = SegmentNames(Some(&names));
            if let Some(cond) = compile_cond(ck, c, &path, Scope::DECISION, &known) {
                segments.push(Segment {
                    name: name.clone(),
                    cond,
                });
            }
        }
        check_cycles(ck, &segments);
    }
    (names, segments)
}

fn check_cycles(ck: &mut Checker, segments: &[Segment]) {
    fn refs(c: &Cond, out: &mut Vec<usize>) {
        match c {
            Cond::All(cs) | Cond::Any(cs) => cs.iter().for_each(|c| refs(c, out)),
            Cond::Not(c) => refs(c, out),
            Cond::Segment(i, _) => out.push(*i),
            _ => {}
        }
    }
    // Indexes refer to the name list, which equals the segment order when all compiled.
    let n = segments.len();
    let edges: Vec<Vec<usize>> = segments
        .iter()
        .map(|s| {
            let mut v = Vec::new();
            refs(&s.cond, &mut v);
            v.retain(|i| *i < n);
            v
        })
        .collect();
    // 0 unvisited, 1 on the stack, 2 done.
    fn visit(
        i: usize,
        edges: &[Vec<usize>],
        state: &mut [u8],
        stack: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        state[i] = 1;
        stack.push(i);
        for &j in &edges[i] {
            if state[j] == 1 {
                let from = stack.iter().position(|x| *x == j).unwrap_or(0);
                let mut cycle = stack[from..].to_vec();
                cycle.push(j);
                return Some(cycle);
            }
            if state[j] == 0 {
                if let Some(c) = visit(j, edges, state, stack) {
                    return Some(c);
                }
            }
        }
        stack.pop();
        state[i] = 2;
        None
    }
    let mut state = vec![0u8; n];
    for i in 0..n {
        if state[i] == 0 {
            if let Some(cycle) = visit(i, &edges, &mut state, &mut Vec::new()) {
                let names: Vec<&str> = cycle.iter().map(|i| segments[*i].name.as_str()).collect();
                ck.err(
                    &join("segments", names[0]),
                    msg!(
                        "segments refer to each other in a loop: {}",
                        names.join(" -> ")
                    ),
                );
                return;
            }
        }
    }
}
