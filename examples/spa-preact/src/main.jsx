// The app: preact-iso's router (links are plain <a href>, it turns them into pushState), the
// Signpost SDK started before the app renders, so it sees every slot the app adds, and the
// history navigations the router makes.
import { hydrate, LocationProvider, prerender as ssr, Route, Router } from "preact-iso";
import { init } from "@signpost/sdk";
import wasmUrl from "@signpost/sdk/signpost_wasm_bg.wasm?url";
import { Home } from "./pages/Home.jsx";
import { Product } from "./pages/Product.jsx";
import { Compare } from "./pages/Compare.jsx";

export function App() {
  return (
    <LocationProvider>
      <nav>
        <a href="/">Home</a> <a href="/compare">Compare</a>
      </nav>
      <Router>
        <Route path="/" component={Home} />
        <Route path="/products/:id" component={Product} />
        <Route path="/compare" component={Compare} />
      </Router>
    </LocationProvider>
  );
}

if (typeof window !== "undefined") {
  init({ wasmUrl });
  hydrate(<App />, document.getElementById("app"));
}

export async function prerender(data) {
  return await ssr(<App {...data} />);
}
