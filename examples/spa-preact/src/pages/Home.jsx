import { Slot } from "../Slot.jsx";
import { PRODUCTS } from "../products.js";

export function Home() {
  return (
    <main>
      <Slot name="hero" class="hero" />
      <h1>Trailhead</h1>
      <ul>
        {PRODUCTS.map((p) => (
          <li key={p.id}>
            <a href={`/products/${p.id}`}>{p.name}</a>
          </li>
        ))}
      </ul>
    </main>
  );
}
