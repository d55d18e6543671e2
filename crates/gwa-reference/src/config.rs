//! The GWA's configuration file (TOML). Relative paths are relative to the file's directory;
//! environment variables override single settings (`GWA_DATABASE`, `GWA_LISTEN_PT_TLS`,
//! `GWA_LISTEN_PROFILE`, `GWA_LISTEN_HTTP`).
//!
//! ```toml
//! database = "gwa.sqlite"     # or "postgres://gwa:PASSWORD@db.example:5432/gwa" (several instances)
//! # database_ca = "pki/db-ca.pem"  # TLS to PostgreSQL, verified against this CA
//!
//! [listen]
//! pt_tls = "127.0.0.1:2710"   # PT-TLS (IANA port 271 in production)
//! profile = "127.0.0.1:2711"  # TNC profile service (mutual TLS)
//! http = "127.0.0.1:9271"     # read-only JSON API and /metrics
//! # proxy_protocol = true     # behind HAProxy with send-proxy-v2 (docs/DEPLOYMENT.md)
//!
//! [tls]
//! profile = "bsi"             # or "rfc6876" for interoperability
//! certificate = "pki/gwa.crt" # chain, leaf first
//! private_key = "pki/gwa.key"
//! trust_anchors = "pki/root.crt"
//!
//! [wakeup]
//! signing_key = "wakeup.key"  # PKCS#8 PEM; `init` creates it
//! curve = "brainpoolP256r1"
//! default_port = 4059
//!
//! [policy]
//! forbid_factory_default_password = true
//! forbid_forwarding = true
//! require_operational = true
//! require_channel_binding = true
//! # allowed_products = [{ vendor_pen = 4711, product = "SMGW-X" }]
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::storage::Database;
use crate::{GwaError, Result};

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where the data lives: a SQLite file (default `gwa.sqlite`) or a `postgres://` URL
    /// shared by several instances.
    pub database: Database,
    /// PEM file with the CA certificate(s) of the PostgreSQL server: when set, connections to
    /// a `postgres://` database use TLS (required, verified against these CAs; no fallback to
    /// plaintext). Without it they are plaintext: same host or a private network only.
    pub database_ca: Option<PathBuf>,
    /// Listening addresses.
    pub listen: Listen,
    /// TLS material.
    pub tls: Tls,
    /// Wake-up service.
    pub wakeup: Wakeup,
    /// Assessment policy.
    pub policy: Policy,
    /// Resource limits.
    pub limits: Limits,
    /// Gateways not assessed within this many seconds count as stale in `/metrics`.
    pub stale_after_secs: u64,
    /// A `tnc_config` file listing extra verifiers (`IMV "name" /path/lib.so`): vendor IMVs
    /// shipped as standard IF-IMV 1.3 shared libraries, run beside the built-in ones.
    pub tnc_config: Option<PathBuf>,
}

/// Listening addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Listen {
    /// PT-TLS listener.
    pub pt_tls: SocketAddr,
    /// Profile service listener.
    pub profile: SocketAddr,
    /// HTTP API and metrics (keep it on 127.0.0.1 unless a reverse proxy guards it).
    pub http: SocketAddr,
    /// Expect a PROXY protocol v2 header (HAProxy `send-proxy-v2`) on the PT-TLS and profile
    /// listeners, so that records name the gateway's address and not the balancer's. Only when
    /// nothing but the balancer can reach those ports.
    pub proxy_protocol: bool,
}

/// Which PT-TLS/TLS profile the listener speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsProfile {
    /// BSI TR-03109-1/TR-03116-3 profile (default).
    Bsi,
    /// Plain RFC 6876 (interoperability with other TNC implementations).
    Rfc6876,
}

/// TLS material.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Tls {
    /// Profile.
    pub profile: TlsProfile,
    /// Certificate chain (PEM, leaf first).
    pub certificate: PathBuf,
    /// Private key (PKCS#8 PEM).
    pub private_key: PathBuf,
    /// Trust anchors for gateway certificates (PEM).
    pub trust_anchors: PathBuf,
}

/// Wake-up service settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Wakeup {
    /// PKCS#8 PEM signing key.
    pub signing_key: PathBuf,
    /// Curve of a key `init` generates.
    pub curve: String,
    /// UDP port used when a gateway's wake-up address has none.
    pub default_port: u16,
}

/// A product the OS/product IMV accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowedProduct {
    /// Vendor PEN.
    pub vendor_pen: u32,
    /// Product name.
    pub product: String,
    /// Accepted versions (empty: any version; the firmware IMV still needs reference values).
    #[serde(default)]
    pub versions: Vec<String>,
}

/// Assessment policy of the OS/product and firmware IMVs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// Products accepted; empty means any product.
    pub allowed_products: Vec<AllowedProduct>,
    /// A factory default password makes the gateway not trusted.
    pub forbid_factory_default_password: bool,
    /// IP forwarding enabled makes the gateway not trusted.
    pub forbid_forwarding: bool,
    /// The operational status must be "operational" with a successful last use.
    pub require_operational: bool,
    /// The gateway must report its channel binding (relay detection); a mismatch is always
    /// refused.
    pub require_channel_binding: bool,
}

/// Resource limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Concurrent PT-TLS connections.
    pub max_connections: usize,
    /// Seconds for the TLS handshake.
    pub handshake_timeout_secs: u64,
    /// Seconds for a whole assessment.
    pub assessment_timeout_secs: u64,
    /// PostgreSQL connections of this instance (the pool's upper bound).
    pub database_pool_size: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database: Database::from("gwa.sqlite"),
            database_ca: None,
            listen: Listen::default(),
            tls: Tls::default(),
            wakeup: Wakeup::default(),
            policy: Policy::default(),
            limits: Limits::default(),
            stale_after_secs: 2 * 24 * 3600,
            tnc_config: None,
        }
    }
}

impl Default for Listen {
    fn default() -> Self {
        Self {
            pt_tls: SocketAddr::from(([127, 0, 0, 1], 2710)),
            profile: SocketAddr::from(([127, 0, 0, 1], 2711)),
            http: SocketAddr::from(([127, 0, 0, 1], 9271)),
            proxy_protocol: false,
        }
    }
}

impl Default for Tls {
    fn default() -> Self {
        Self {
            profile: TlsProfile::Bsi,
            certificate: "pki/gwa.crt".into(),
            private_key: "pki/gwa.key".into(),
            trust_anchors: "pki/root.crt".into(),
        }
    }
}

impl Default for Wakeup {
    fn default() -> Self {
        Self {
            signing_key: "wakeup.key".into(),
            curve: "brainpoolP256r1".into(),
            default_port: 4059,
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            allowed_products: Vec::new(),
            forbid_factory_default_password: true,
            forbid_forwarding: true,
            require_operational: true,
            require_channel_binding: true,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            handshake_timeout_secs: 10,
            assessment_timeout_secs: 60,
            database_pool_size: 16,
        }
    }
}

impl Config {
    /// Loads `path` (a missing file gives the defaults, relative to the file's directory),
    /// applies environment overrides and resolves relative paths.
    pub fn load(path: &Path) -> Result<Self> {
        let mut cfg = match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(path, &text)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Config::default(),
            Err(e) => return Err(GwaError::io(path, e)),
        };
        cfg.apply_env(path, |k| std::env::var(k).ok())?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        cfg.resolve(&base);
        Ok(cfg)
    }

    /// Parses TOML text (`path` only for messages).
    pub fn parse(path: &Path, text: &str) -> Result<Self> {
        toml::from_str(text).map_err(|e| {
            let pos = e
                .span()
                .map(|s| {
                    let before = &text[..s.start.min(text.len())];
                    format!(
                        "line {}, column {}: ",
                        before.matches('\n').count() + 1,
                        s.start - before.rfind('\n').map_or(0, |i| i + 1) + 1
                    )
                })
                .unwrap_or_default();
            GwaError::Config {
                path: path.to_owned(),
                message: format!("{pos}{}", e.message()),
            }
        })
    }

    /// Applies the `GWA_*` overrides read through `get`.
    pub fn apply_env(&mut self, path: &Path, get: impl Fn(&str) -> Option<String>) -> Result<()> {
        if let Some(v) = get("GWA_DATABASE") {
            self.database = Database::from(v);
        }
        for (var, slot) in [
            ("GWA_LISTEN_PT_TLS", &mut self.listen.pt_tls),
            ("GWA_LISTEN_PROFILE", &mut self.listen.profile),
            ("GWA_LISTEN_HTTP", &mut self.listen.http),
        ] {
            if let Some(v) = get(var) {
                *slot = v.parse().map_err(|e| GwaError::Config {
                    path: path.to_owned(),
                    message: format!(
                        "{var}={v:?} is not a socket address ({e}); write e.g. 127.0.0.1:2710"
                    ),
                })?;
            }
        }
        Ok(())
    }

    /// Makes every relative path relative to `base`.
    pub fn resolve(&mut self, base: &Path) {
        self.database.resolve(base);
        for p in [
            &mut self.tls.certificate,
            &mut self.tls.private_key,
            &mut self.tls.trust_anchors,
            &mut self.wakeup.signing_key,
        ] {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        for p in [self.tnc_config.as_mut(), self.database_ca.as_mut()]
            .into_iter()
            .flatten()
        {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    #[test]
    fn defaults_parse_and_env_overrides() {
        let mut c = Config::parse(
            Path::new("g.toml"),
            "database = \"x.db\"\n[policy]\nforbid_forwarding = false\n",
        )
        .unwrap();
        assert_eq!(c.database, Database::Sqlite(PathBuf::from("x.db")));
        assert!(!c.policy.forbid_forwarding);
        assert!(c.policy.require_channel_binding);
        c.apply_env(Path::new("g.toml"), |k| {
            (k == "GWA_LISTEN_HTTP").then(|| "127.0.0.1:1".into())
        })
        .unwrap();
        assert_eq!(c.listen.http.port(), 1);
        assert!(
            c.apply_env(Path::new("g.toml"), |k| (k == "GWA_LISTEN_HTTP")
                .then(|| "nope".into()))
                .is_err()
        );
        c.resolve(Path::new("/etc/gwa"));
        assert_eq!(c.database, Database::Sqlite(PathBuf::from("/etc/gwa/x.db")));
    }

    #[test]
    fn postgres_urls_select_postgres_and_stay_unresolved() {
        let mut c = Config::parse(
            Path::new("g.toml"),
            "database = \"postgres://gwa:pw@127.0.0.1:5432/gwa\"\n[limits]\ndatabase_pool_size = 4\n",
        )
        .unwrap();
        c.resolve(Path::new("/etc/gwa"));
        assert_eq!(
            c.database,
            Database::Postgres("postgres://gwa:pw@127.0.0.1:5432/gwa".into())
        );
        assert_eq!(
            c.database.display_name(),
            "postgres://gwa:***@127.0.0.1:5432/gwa"
        );
        assert_eq!(c.limits.database_pool_size, 4);
        c.apply_env(Path::new("g.toml"), |k| {
            (k == "GWA_DATABASE").then(|| "postgresql://other@db/x".into())
        })
        .unwrap();
        assert!(matches!(c.database, Database::Postgres(ref u) if u == "postgresql://other@db/x"));
        c.apply_env(Path::new("g.toml"), |k| {
            (k == "GWA_DATABASE").then(|| "local.sqlite".into())
        })
        .unwrap();
        assert!(matches!(c.database, Database::Sqlite(_)));
    }

    #[test]
    fn errors_name_line_and_field() {
        match Config::parse(
            Path::new("g.toml"),
            "database = \"x\"\n[listen]\nhttp = 5\n",
        ) {
            Err(GwaError::Config { message, .. }) => {
                assert!(message.starts_with("line 3"), "{message}")
            }
            other => panic!("{other:?}"),
        }
        match Config::parse(Path::new("g.toml"), "databse = \"x\"\n") {
            Err(GwaError::Config { message, .. }) => {
                assert!(message.contains("databse"), "{message}")
            }
            other => panic!("{other:?}"),
        }
    }
}
