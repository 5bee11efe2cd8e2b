import { useEffect, useState } from "preact/hooks";
import { Slot } from "../Slot.jsx";
import { PRODUCTS } from "../products.js";

export function Product({ id }) {
  const product = PRODUCTS.find((p) => p.id === id);
  // The deals box shows once the (pretend) stock check answers: its slot appears well after
  // Signpost decided, and the SDK fills it as it appears.
  const [checked, setChecked] = useState(false);
  useEffect(() => {
    setChecked(false);
    const t = setTimeout(() => setChecked(true), 60);
    return () => clearTimeout(t);
  }, [id]);
  if (!product)
    return (
      <main>
        <h1>Not found</h1>
      </main>
    );
  return (
    <main>
      <Slot name="hero" class="hero" />
      <h1>{product.name}</h1>
      <p>${product.price}</p>
      {checked && (
        <aside>
          <p>In stock</p>
          <Slot name="deals" />
        </aside>
      )}
      <a href="/compare">Compare tents</a>
    </main>
  );
}
