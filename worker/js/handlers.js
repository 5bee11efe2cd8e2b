// The HTMLRewriter handlers for a Plan (imported by worker/src/html_rewriter.rs). They are
// plain JS holding only the plan's strings: the runtime calls them without crossing into wasm,
// and a finished page leaves nothing behind in wasm memory (Rust closures handed to the
// runtime would wait for V8's collection to be freed).
const HTML = { html: true };

/** One slot: marks the element with its offer (and variant) and fills it when there is HTML. */
export function slotHandler(offer, variant, html) {
  return {
    element(el) {
      el.setAttribute("data-sp-offer", offer);
      if (variant !== undefined) el.setAttribute("data-sp-variant", variant);
      if (html !== undefined) el.setInnerContent(html, HTML);
    },
  };
}

/** The decision state, written once: before the first body's end tag, or at the end of the
 *  document when the page omits `</body>`; a page without `<body>` gets none. */
export function stateHandlers(script) {
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
