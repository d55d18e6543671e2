//! # smgw-reference
//!
//! The smart-meter gateway (SMGW) side of TNC for German smart metering, as
//! the seed paper (GeSe15) describes it: the gateway is the Access Requestor,
//! the gateway administrator (GWA) the Policy Decision Point. TNC is off at
//! the factory; a configuration profile from the GWA switches it on, sets the
//! check interval and the GWA's address. Each check measures the gateway
//! (IMCs), runs PB-TNC (RFC 5793) over PT-TLS (RFC 6876) under the BSI TLS
//! profile (TR-03116-3), and stores the verdict in the data model, the
//! hash-chained logbooks and the status word.
//!
//! Modules:
//! * [`config`]: TOML configuration with environment overrides, relocatable paths;
//! * [`state`]: the persistent data model (integrity state, TNC settings, history);
//! * [`logbook`]: system, consumer and calibration logs with a SHA-256 chain;
//! * [`status`]: status word, simulated meter source, readings, register export;
//! * [`schedule`]: interval scheduling with jittered exponential backoff;
//! * [`gateway`]: the engine tying profile, checks, wake-ups and readings together;
//! * [`imc`]: the operating-system and firmware-measurement collectors;
//! * [`transport`]: TLS (BSI profile), profile fetch, PT-TLS/PB-TNC assessment driver;
//! * [`daemon`]: the daemon loop (profile fetch, scheduled checks, wake-up listener, meter);
//! * [`time`]: RFC 3339 formatting (the library takes `now` as an argument);
//! * [`certinfo`]: certificate validity periods (for `doctor`);
//! * [`fsutil`]: atomic writes with 0600/0640 permissions.
//!
//! Project choices where the public sources stop (see the BSI digest §7): the
//! status word's bit layout, the wake-up datagram and profile protocol
//! (`smgw-gwa-admin`), and the channel-binding report attribute (a vendor
//! attribute with a placeholder PEN) are this project's designs, not
//! TR-03109-1 formats.
//!
//! ```
//! use smgw_reference::logbook::{self, Level, LogKind, Logbook, Outcome};
//! use smgw_reference::state::{IntegrityState, StateStore};
//! use smgw_reference::status::StatusWord;
//!
//! let dir = std::env::temp_dir().join(format!("smgw-doc-{}", std::process::id()));
//! // factory default: TNC off, integrity state unknown, readings flagged
//! let st = StateStore::open(&dir)?.load()?;
//! assert_eq!(st.integrity.state, IntegrityState::Unknown);
//! assert!(StatusWord::from_state(&st).has(StatusWord::DIAGNOSIS));
//!
//! // logbooks are hash-chained
//! let mut log = Logbook::open(&dir.join("logs"), LogKind::System)?;
//! log.append(1_700_000_000, Level::Info, Outcome::Success, "start", "gateway started")?;
//! assert_eq!(logbook::verify(log.path(), "system")?.entries, log.len());
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

pub mod certinfo;
pub mod config;
pub mod daemon;
pub mod error;
pub mod fsutil;
pub mod gateway;
pub mod imc;
pub mod logbook;
pub mod schedule;
pub mod state;
pub mod status;
pub mod time;
pub mod transport;

pub use error::{Error, Result};
