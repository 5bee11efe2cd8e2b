//! PLACEHOLDER: the lol_html rewriter (feature `html`) lands with issue 3.
