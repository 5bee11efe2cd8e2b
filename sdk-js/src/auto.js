// For a plain `<script type="module" src=".../auto.js">`: starts the SDK with its defaults.
// Bundlers import { init } from "@signpost/sdk" and call it instead.
import { init } from "./signpost.js";

init();
