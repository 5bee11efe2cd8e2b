//! PLACEHOLDER CLI; the real one lands with issue 3.
fn main() {
    eprintln!("signpost: not yet implemented");
    std::process::exit(2);
}
