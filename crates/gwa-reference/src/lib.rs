//! # gwa-reference
//!
//! The reference **Gateway Administrator** (GWA) of the TNC crate family: the policy decision
//! point that smart-meter gateways (SMGW) connect to for their integrity checks, as the seed
//! paper (GeSe15) describes it and as adapted to BSI TR-03109-1 in the project's spec digest
//! `bsi-profile.md` §7–§8.
//!
//! * [`server`]: the PT-TLS listener glue ([`server::Gwa`]: one TNCS per connection, the
//!   result committed before the RESULT batch leaves), the TNC profile service over mutual
//!   TLS and wake-ups;
//! * [`imv`]: the OS/product verifier and the firmware-measurement verifier (TCG PTS file
//!   measurements against manufacturer reference values, relay detection by channel binding);
//! * [`storage`]: the data model (gateways, assessments, logbook, manufacturers, reference
//!   values, TNC profiles) behind the [`Storage`](storage::Storage) trait, with the embedded
//!   SQLite backend [`SqliteStorage`](storage::SqliteStorage) and, for several instances on
//!   one database, [`PgStorage`](storage::PgStorage) (PostgreSQL; schema migrations of both
//!   embedded; `database = "postgres://…"` selects it, docs/DEPLOYMENT.md);
//! * [`manifest`]: signed manufacturer manifests of reference values (`reference import`);
//! * [`http`] and [`metrics`]: the read-only JSON API and Prometheus metrics;
//! * [`config`] and [`cli`]: the TOML configuration and the command line of the binary
//!   `gwa-reference`.
//!
//! ```
//! use gwa_reference::storage::{SqliteStorage, Storage, Verdict};
//!
//! let db = SqliteStorage::open_in_memory()?;
//! db.init()?;
//! db.gateway_seen("EMH0012345678", 1_700_000_000_000)?;
//! let gw = db.gateway("EMH0012345678")?.expect("just added");
//! assert_eq!(gw.last_verdict, None::<Verdict>);
//! assert_eq!(db.stale(1_700_000_000_001)?.len(), 1); // never assessed: stale
//! # Ok::<(), gwa_reference::GwaError>(())
//! ```
#![forbid(unsafe_code)]

pub mod cli;
pub mod config;
mod error;
pub mod http;
pub mod imv;
pub mod manifest;
pub mod metrics;
pub mod server;
pub mod storage;
pub mod time;

pub use error::{GwaError, Result};
