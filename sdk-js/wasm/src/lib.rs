//! Placeholder: the browser bindings land in the walking skeleton.
