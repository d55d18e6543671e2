//! A fresh PostgreSQL database per test, on the cluster named by `GWA_TEST_POSTGRES_URL`
//! (an administrator URL; `.ci/run` starts one with `scripts/pg-cluster start`).
//!
//! Without the variable the tests fail with instructions, unless `GWA_SKIP_POSTGRES=1` says to
//! skip them (then they print `SKIPPED` and pass): a missing database never passes silently.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicU32, Ordering};

/// The administrator URL, or `None` when PostgreSQL tests are explicitly skipped.
pub fn admin_url(test: &str) -> Option<String> {
    match std::env::var("GWA_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ if std::env::var("GWA_SKIP_POSTGRES").is_ok_and(|v| v == "1") => {
            eprintln!("SKIPPED {test}: GWA_SKIP_POSTGRES=1 (no PostgreSQL)");
            None
        }
        _ => panic!(
            "{test} needs PostgreSQL: run `eval \"$(scripts/pg-cluster start)\"` (sets \
             GWA_TEST_POSTGRES_URL), or set GWA_SKIP_POSTGRES=1 to skip the PostgreSQL tests"
        ),
    }
}

/// Replaces the database name of a `postgres://…/name?params` URL.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

/// Runs SQL statements on the administrator connection (on a thread of its own, so that it
/// works from inside async tests too).
pub fn admin_exec(admin: &str, sql: &[String]) {
    let admin = admin.to_owned();
    let sql = sql.to_vec();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let (client, conn) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
                .await
                .unwrap_or_else(|e| panic!("cannot connect to {admin}: {e}"));
            let task = tokio::spawn(conn);
            for s in &sql {
                client
                    .batch_execute(s)
                    .await
                    .unwrap_or_else(|e| panic!("{s}: {e:?}"));
            }
            drop(client);
            let _ = task.await;
        });
    })
    .join()
    .unwrap();
}

/// One query returning one BIGINT (e.g. a COUNT), on its own thread.
pub fn query_i64(url: &str, sql: &str) -> i64 {
    let (url, sql) = (url.to_owned(), sql.to_owned());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap();
            let task = tokio::spawn(conn);
            let v: i64 = client.query_one(&sql, &[]).await.unwrap().get(0);
            drop(client);
            let _ = task.await;
            v
        })
    })
    .join()
    .unwrap()
}

/// A database created for one test and dropped afterwards.
pub struct TempDb {
    /// URL of the new database.
    pub url: String,
    /// The administrator URL it was made with.
    pub admin: String,
    /// Its name.
    pub name: String,
}

impl TempDb {
    /// Creates `gwa_test_<pid>_<n>_<tag>`; `None` when PostgreSQL tests are skipped.
    pub fn create(tag: &str) -> Option<TempDb> {
        static N: AtomicU32 = AtomicU32::new(0);
        let admin = admin_url(tag)?;
        let tag: String = tag
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(30)
            .collect::<String>()
            .to_ascii_lowercase();
        let name = format!(
            "gwa_test_{}_{}_{tag}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        admin_exec(
            &admin,
            &[
                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                format!("CREATE DATABASE {name}"),
            ],
        );
        Some(TempDb {
            url: with_database(&admin, &name),
            admin,
            name,
        })
    }

    /// Closes every connection to the database (as a server restart or a network cut would).
    pub fn terminate_connections(&self) {
        admin_exec(
            &self.admin,
            &[format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = '{}' AND pid <> pg_backend_pid()",
                self.name
            )],
        );
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        if std::env::var("GWA_KEEP_TEST_DB").is_ok() {
            eprintln!("kept database {}", self.url);
            return;
        }
        let admin = self.admin.clone();
        let sql = vec![format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )];
        // never panic in drop (a failing test is already unwinding)
        let _ = std::panic::catch_unwind(move || admin_exec(&admin, &sql));
    }
}

/// The CA of the test cluster's TLS certificate (`GWA_TEST_POSTGRES_CA`, set by
/// `scripts/pg-cluster start`), failing like [`admin_url`] when it is missing.
pub fn ca_file(test: &str) -> Option<std::path::PathBuf> {
    match std::env::var("GWA_TEST_POSTGRES_CA") {
        Ok(p) if !p.is_empty() => Some(p.into()),
        _ if std::env::var("GWA_SKIP_POSTGRES").is_ok_and(|v| v == "1") => {
            eprintln!("SKIPPED {test}: GWA_SKIP_POSTGRES=1 (no PostgreSQL)");
            None
        }
        _ => panic!(
            "{test} needs the test cluster's CA in GWA_TEST_POSTGRES_CA: run \
             `eval \"$(scripts/pg-cluster start)\"`, or set GWA_SKIP_POSTGRES=1"
        ),
    }
}

/// Whether the connection that runs this query uses TLS (`pg_stat_ssl`).
pub const SSL_IN_USE: &str =
    "SELECT COUNT(*) FROM pg_stat_ssl WHERE pid = pg_backend_pid() AND ssl";
