//! `signpost rewrite`: a page with a plan applied, as the Worker would serve it.

use crate::args::Rewrite;
use crate::{read, read_json, Fail};
use std::path::Path;

/// Applies a Plan to a page with the core's reference rewriter (lol_html), streaming to stdout.
/// `--state` takes the decision state a Worker injects (`{"plan": ..., ...}`): its plan is
/// applied and the state itself injected, so the output is what the Worker serves.
pub(crate) fn rewrite(a: &Rewrite) -> Result<(), Fail> {
    use signpost::rewrite::{RewriteOptions, Rewriter};
    use std::io::{Read, Write};
    let page = &a.page;
    // Exactly one of the two: clap's group `apply` sees to it.
    let (plan_value, state) = match (&a.plan, &a.state) {
        (Some(p), _) => (read_json(p)?, None),
        (None, Some(s)) => {
            let text = read(Path::new(s))?;
            let value: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| Fail(format!("{s}: not valid JSON: {e}"), 2))?;
            let plan = value
                .get("plan")
                .cloned()
                .ok_or_else(|| Fail(format!("{s}: a state needs a \"plan\""), 2))?;
            (plan, Some(text))
        }
        (None, None) => unreachable!("clap requires --plan or --state"),
    };
    let plan: signpost::Plan =
        serde_json::from_value(plan_value).map_err(|e| Fail(format!("not a plan: {e}"), 2))?;
    let mut input =
        std::fs::File::open(page).map_err(|e| Fail(format!("cannot read {page}: {e}"), 2))?;
    let mut stdout = std::io::stdout().lock();
    let mut failed = None;
    let options = RewriteOptions::new().with_state_json_opt(state.as_deref().map(str::trim));
    let mut rewriter = Rewriter::new(&plan, options, |chunk: &[u8]| {
        if let Err(e) = stdout.write_all(chunk) {
            failed.get_or_insert(e);
        }
    })
    .map_err(|e| Fail(e.to_string(), 1))?;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = input
            .read(&mut buf)
            .map_err(|e| Fail(format!("cannot read {page}: {e}"), 2))?;
        if n == 0 {
            break;
        }
        rewriter
            .write(&buf[..n])
            .map_err(|e| Fail(e.to_string(), 1))?;
    }
    rewriter.end().map_err(|e| Fail(e.to_string(), 1))?;
    match failed {
        Some(e) => Err(Fail(format!("cannot write the page: {e}"), 2)),
        None => Ok(()),
    }
}
