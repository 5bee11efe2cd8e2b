// Vite with Preact's preset, which also prerenders the routes it finds (each page's HTML holds
// the app's markup, empty slots included, so the Worker fills them as the page streams and the
// app hydrates over them).
import { defineConfig } from "vite";
import preact from "@preact/preset-vite";

export default defineConfig(({ mode }) => ({
  plugins: [
    preact({ prerender: { enabled: true, renderTarget: "#app" } }),
    // `vite build --mode test` (tests/node/spa.test.mjs): Preact's debug checks first, which
    // report hydration mismatches as console errors.
    mode === "test" && {
      name: "preact-debug-first",
      transform: (code, id) => (id.endsWith("/src/main.jsx") ? `import "preact/debug";\n${code}` : null),
    },
  ],
}));
