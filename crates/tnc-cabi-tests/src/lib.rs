//! # tnc-cabi-tests
//!
//! Test support for the IF-IMC / IF-IMV 1.3 C ABI of `tnc-imc-api` and `tnc-imv-api`
//! (feature `c-abi`; digest `if-imc-imv.md`). The build script compiles the C test plug-ins in
//! `c/` with the system C compiler; the integration tests load them — and the Rust plug-ins of
//! `tnc-cabi-example` exported as a `cdylib` — through `tnc_config` files and run complete
//! assessments with the PB-TNC brokers of `tnc-iftnccs` over an in-memory pair.
//!
//! This crate is not published; it holds no `unsafe` code.
//!
//! ```
//! let p = tnc_cabi_tests::c_plugin("imc_collector");
//! assert!(p.exists());
//! ```
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use tnc_iftnccs::{ImcSet, ImvSet, Outcome, Tncc, TnccConfig, Tncs, TncsConfig};
use tnc_imc_api::c_abi::library::block_on;
use tnc_imc_api::{ConnectionAttributes, ConnectionId, Imc};
use tnc_imv_api::Imv;

/// The path of a C test plug-in built by the build script (`lib<name>.so`).
pub fn c_plugin(name: &str) -> PathBuf {
    Path::new(env!("CABI_PLUGIN_DIR")).join(format!("lib{name}.so"))
}

/// A scratch directory for per-test copies of plug-in libraries and `tnc_config` files.
///
/// Each test loads its own copy of a library (a distinct file is a distinct `dlopen`
/// instance), so tests running in parallel do not share the C plug-ins' global state.
#[derive(Debug)]
pub struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    /// A fresh directory.
    pub fn new() -> std::io::Result<Self> {
        Ok(Self {
            dir: tempfile::tempdir()?,
        })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Copies `library` into the directory as `name` and returns the copy's path.
    pub fn copy(&self, library: &Path, name: &str) -> std::io::Result<PathBuf> {
        let to = self.dir.path().join(name);
        std::fs::copy(library, &to)?;
        Ok(to)
    }

    /// Writes a `tnc_config` file with `text` and returns its path.
    pub fn config(&self, text: &str) -> std::io::Result<PathBuf> {
        let p = self.dir.path().join("tnc_config");
        std::fs::write(&p, text)?;
        Ok(p)
    }
}

/// The end of an in-memory assessment.
#[derive(Debug)]
pub struct Assessment {
    /// The client's outcome.
    pub client: Option<Outcome>,
    /// The server's outcome.
    pub server: Option<Outcome>,
    /// Batches exchanged (both directions).
    pub batches: usize,
}

/// Runs one PB-TNC assessment between a TNCC with `imcs` and a TNCS with `imvs` in memory
/// (connection id 1), with the given connection attributes on each side. Gives up after 64
/// batches.
pub fn assess(
    imcs: Vec<Arc<dyn Imc>>,
    imvs: Vec<Arc<dyn Imv>>,
    client_attrs: ConnectionAttributes,
    server_attrs: ConnectionAttributes,
) -> Assessment {
    let mut c = ImcSet::new();
    for i in imcs {
        c.add(i);
    }
    let mut s = ImvSet::new();
    for v in imvs {
        s.add(v);
    }
    let mut tncc = Tncc::new(
        Arc::new(c),
        ConnectionId(1),
        client_attrs,
        TnccConfig::default(),
    );
    let mut tncs = Tncs::new(
        Arc::new(s),
        ConnectionId(1),
        server_attrs,
        TncsConfig::default(),
    );
    let now = Instant::now();
    block_on(async {
        let mut batches = 1;
        let mut to_server = tncc.start(now).await.batch;
        while batches < 64 {
            let Some(b) = to_server.take() else {
                return Assessment {
                    client: tncc.outcome().cloned(),
                    server: tncs.outcome().cloned(),
                    batches,
                };
            };
            let s = tncs.receive(&b, now).await;
            batches += 1;
            let Some(to_client) = s.batch else {
                return Assessment {
                    client: tncc.outcome().cloned(),
                    server: s.outcome,
                    batches,
                };
            };
            let c = tncc.receive(&to_client, now).await;
            batches += 1;
            to_server = c.batch;
        }
        Assessment {
            client: tncc.outcome().cloned(),
            server: tncs.outcome().cloned(),
            batches,
        }
    })
}
