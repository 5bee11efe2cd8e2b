// The runtime's HTMLRewriter for a decision: the one place it is built, for pages
// (./page.js) and for the Rust half (worker/src/html_rewriter.rs: the editor's preview, the
// rewrite fixtures). The handlers are plain JS holding only the plan's strings: the runtime
// streams the body natively and calls them without crossing into wasm, and a finished page
// leaves nothing behind in wasm memory (Rust closures handed to the runtime would wait for V8's
// collection to be freed). The rules are those of `signpost::plan` and the reference rewriter
// `signpost::rewrite`; tests/fixtures/rewrite/cases.json holds the cases all must pass.
const HTML = { html: true };

/**
 * Streams `response` through an HTMLRewriter that fills `slots` (each `{selector, marks, html}`:
 * `marks` the attributes to set, names and values alternating, values escaped for an attribute;
 * html may be undefined) and writes `stateScript`, when given, once at the end of the first
 * `<body>`. `onEnd`, when given, is called when the rewriter reaches the document's end.
 * Throws before any byte is sent when the runtime refuses a selector or the page's charset.
 */
export function rewrite(response, slots, stateScript, onEnd) {
  if (!slots.length && !stateScript && !onEnd) return response;
  let r = new HTMLRewriter();
  for (const s of slots) r = r.on(s.selector, slotHandler(s.marks, s.html ?? undefined));
  const state = stateScript ? stateHandlers(stateScript) : null;
  if (state) r = r.on("body", state.body);
  if (state || onEnd) {
    r = r.onDocument({
      end(end) {
        state?.document.end(end);
        onEnd?.();
      },
    });
  }
  return r.transform(response);
}

/** One slot: marks the element (its offer, and variant) and fills it when there is HTML. */
function slotHandler(marks, html) {
  return {
    element(el) {
      for (let i = 0; i + 1 < marks.length; i += 2) el.setAttribute(marks[i], marks[i + 1]);
      if (html !== undefined) el.setInnerContent(html, HTML);
    },
  };
}

/** The decision state, written once: before the first body's end tag, or at the end of the
 *  document when the page omits `</body>`; a page without `<body>` gets none. */
function stateHandlers(script) {
  let body = "not seen"; // then "open" (the script waits for </body>), then "done"
  return {
    body: {
      element(el) {
        if (body !== "not seen") return;
        body = "open";
        el.onEndTag((end) => {
          body = "done";
          end.before(script, HTML);
        });
      },
    },
    document: {
      end(end) {
        if (body !== "open") return;
        body = "done";
        end.append(script, HTML);
      },
    },
  };
}
