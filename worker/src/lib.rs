//! Placeholder: the Worker lands in the walking skeleton.
