import { Slot } from "../Slot.jsx";

export function Compare() {
  return (
    <main>
      <Slot name="hero" class="hero" />
      <h1>Compare tents</h1>
      {/* A slot the app renders children into stays the app's: the SDK never changes it. */}
      <div data-sp-slot="note">
        <p>Compare up to three tents side by side.</p>
      </div>
      <a href="/">Home</a>
    </main>
  );
}
