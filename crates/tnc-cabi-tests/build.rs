//! Compiles the C test plug-ins in `c/` into shared objects in `OUT_DIR` with the C compiler
//! the `cc` crate finds (gcc on Debian), and tells the crate where they are
//! (`CABI_PLUGIN_DIR`).

use std::path::PathBuf;
use std::process::Command;

/// (output name, source, extra defines)
const PLUGINS: &[(&str, &str, &[&str])] = &[
    ("imc_collector", "c/imc_collector.c", &[]),
    ("imv_verifier", "c/imv_verifier.c", &[]),
    ("imc_misbehaving", "c/imc_misbehaving.c", &[]),
    ("imc_no_begin", "c/imc_misbehaving.c", &["NO_BEGIN"]),
    ("imc_bad_version", "c/imc_misbehaving.c", &["BAD_VERSION"]),
    ("imc_init_fails", "c/imc_misbehaving.c", &["INIT_FAILS"]),
    ("imc_bind_fails", "c/imc_misbehaving.c", &["BIND_FAILS"]),
    ("imv_misbehaving", "c/imv_misbehaving.c", &[]),
    ("not_a_plugin", "c/not_a_plugin.c", &[]),
];

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    println!("cargo:rerun-if-changed=c");
    println!("cargo:rerun-if-changed=build.rs");
    for (name, src, defines) in PLUGINS {
        // cc finds the C compiler (honouring CC / CC_<target>); the flags are ours alone, so
        // the plug-ins stay plain "vendor" libraries — in particular never instrumented with a
        // sanitizer of the Rust build (a second ASan runtime would clash with Rust's)
        let compiler = cc::Build::new().cargo_metadata(false).get_compiler();
        let mut cmd = Command::new(compiler.path());
        cmd.args(["-fPIC", "-g", "-O1", "-Wall", "-Wextra"]);
        for d in *defines {
            cmd.arg(format!("-D{d}"));
        }
        let lib = out.join(format!("lib{name}.so"));
        cmd.arg("-shared").arg("-Ic").arg(src).arg("-o").arg(&lib);
        let status = cmd.status();
        match status {
            Ok(s) if s.success() => {}
            other => {
                println!("cargo:warning=compiling {src} failed: {other:?}");
                std::process::exit(1);
            }
        }
    }
    println!("cargo:rustc-env=CABI_PLUGIN_DIR={}", out.display());
}
