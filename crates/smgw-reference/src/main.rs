//! `smgw-reference` command-line program.
fn main() {}
