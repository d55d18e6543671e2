//! `gwa-reference`: the reference Gateway Administrator.
fn main() {}
