//! Peak memory of one check: runs the `smgw-reference once` binary (the release
//! build when `SMGW_BIN` names it) under `/usr/bin/time -v` against the test GWA
//! and asserts the target (peak RSS ≤ 16 MB). Ignored by default (it
//! wants a release binary and GNU time); run with
//! `SMGW_BIN=target/release/smgw-reference cargo test -p smgw-reference --test measure -- --ignored --nocapture`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Install, TestGwa};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement: needs GNU time and preferably a release binary"]
async fn peak_rss_of_one_check() {
    let mut gwa = TestGwa::start().await;
    gwa.start_pt().await;
    let inst = Install::new(&gwa);
    gwa.set_profile(1, true);
    let bin = std::env::var("SMGW_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_smgw-reference").to_string());
    let out = tokio::process::Command::new("/usr/bin/time")
        .arg("-v")
        .arg(&bin)
        .arg("--config")
        .arg(&inst.config_path)
        .arg("once")
        .output()
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    let kb: u64 = err
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let wall = err
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Elapsed (wall clock) time (h:mm:ss or m:ss): ")
        })
        .unwrap_or("?");
    println!("binary {bin}: peak RSS {kb} KiB, wall {wall}");
    assert!(kb <= 16 * 1024, "peak RSS {kb} KiB exceeds 16 MiB");
    gwa.stop_pt().await;
}
