//! Gateway configuration: TOML with environment overrides; every relative
//! path is resolved against the configuration file's directory, so a whole
//! installation (configuration, certificates, data) can be moved or run from a
//! test's temporary directory.
//!
//! ```toml
//! [gateway]
//! id = "smgw-0001"
//! data_dir = "data"
//!
//! [tls]
//! cert = "tls/gateway.crt.pem"
//! key = "tls/gateway.key.pem"
//! trust_anchors = "tls/sm-pki-root.pem"
//!
//! [gwa]                      # where the TNC configuration profile is fetched
//! host = "gwa.example"
//! port = 4711
//! expected_name = "gwa.example"
//!
//! [[manifest]]
//! name = "firmware"
//! path = "/opt/smgw/firmware.img"
//! ```
//!
//! Environment overrides (`SMGW_` + section + key, upper case): see [`ENV_OVERRIDES`].

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Largest configuration file read (bounded before reading).
pub const MAX_CONFIG_LEN: u64 = 1 << 20;

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Gateway identity and data directory.
    pub gateway: GatewaySection,
    /// TLS identity and trust anchors (SM-PKI).
    #[serde(default)]
    pub tls: TlsSection,
    /// The GWA that hands out the TNC configuration profile.
    pub gwa: GwaSection,
    /// The wake-up listener.
    #[serde(default)]
    pub wakeup: WakeupSection,
    /// Product data reported by the operating-system/product IMC.
    #[serde(default)]
    pub product: ProductSection,
    /// Files and directories the firmware-measurement IMC may measure.
    #[serde(default)]
    pub manifest: Vec<ManifestEntry>,
    /// Consumers, each with its own consumer log.
    #[serde(default)]
    pub consumers: Vec<Consumer>,
    /// Simulated meter source.
    #[serde(default)]
    pub meter: MeterSection,
    /// Scheduling limits.
    #[serde(default)]
    pub schedule: ScheduleSection,
    /// Diagnostics.
    #[serde(default)]
    pub log: LogSection,
    /// A `tnc_config` file listing extra collectors (`IMC "name" /path/lib.so`): standard
    /// IF-IMC 1.3 shared libraries, run beside the built-in ones.
    #[serde(default)]
    pub tnc_config: Option<PathBuf>,
}

/// `[gateway]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewaySection {
    /// The gateway's identifier (as in its SM-PKI certificate), 1–64 octets.
    pub id: String,
    /// Directory of state, logbooks and readings.
    pub data_dir: PathBuf,
    /// Bound of the stored check history.
    #[serde(default = "default_history")]
    pub history_limit: usize,
    /// A logbook's active file is archived as a new segment once it has reached this many
    /// octets (0: never).
    #[serde(default = "default_log_max_bytes")]
    pub log_max_bytes: u64,
    /// Archived segments kept per system and consumer log (older ones are deleted; the
    /// calibration log keeps all).
    #[serde(default = "default_log_keep")]
    pub log_keep: usize,
}

fn default_history() -> usize {
    100
}

fn default_log_max_bytes() -> u64 {
    4 * 1024 * 1024
}

fn default_log_keep() -> usize {
    8
}

impl GatewaySection {
    /// The logbooks' segment rule.
    pub fn log_rotation(&self) -> crate::logbook::Rotation {
        crate::logbook::Rotation {
            max_bytes: self.log_max_bytes,
            keep: Some(self.log_keep),
        }
    }
}

/// `[tls]`
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSection {
    /// PEM certificate chain of the gateway (leaf first).
    pub cert: Option<PathBuf>,
    /// PEM private key of the gateway.
    pub key: Option<PathBuf>,
    /// PEM trust anchors (SM-PKI root) for the GWA's certificate.
    pub trust_anchors: Option<PathBuf>,
}

/// `[gwa]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GwaSection {
    /// Host of the GWA's profile service.
    pub host: String,
    /// Port of the GWA's profile service.
    pub port: u16,
    /// Expected name in the GWA's certificate (optional peer-name check).
    #[serde(default)]
    pub expected_name: Option<String>,
    /// Connect/read timeout in seconds.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    /// Fetch the profile at least this often (seconds), also while TNC is off
    /// (besides at start, after each check and when woken).
    #[serde(default = "default_profile_poll")]
    pub profile_poll_secs: u64,
}

fn default_timeout() -> u64 {
    30
}

fn default_profile_poll() -> u64 {
    3600
}

/// `[wakeup]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WakeupSection {
    /// UDP address to listen on (`None`: no wake-up listener).
    pub listen: Option<SocketAddr>,
    /// Accepted clock difference of a wake-up's timestamp, in seconds.
    pub window_secs: u64,
    /// Remembered nonces (replay cache bound).
    pub replay_cache: usize,
    /// Datagrams verified per minute; more are dropped without a signature check or a log
    /// entry each (one summary entry per minute instead). Legitimate wake-ups are rare.
    #[serde(default = "default_wakeup_rate")]
    pub max_per_minute: u32,
}

fn default_wakeup_rate() -> u32 {
    10
}

impl Default for WakeupSection {
    fn default() -> Self {
        WakeupSection {
            listen: None,
            window_secs: 300,
            replay_cache: 1024,
            max_per_minute: default_wakeup_rate(),
        }
    }
}

/// `[product]` — values of the IETF PA-TNC operating-system attributes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProductSection {
    /// Vendor's SMI private enterprise number.
    pub vendor_pen: u32,
    /// Product id within the vendor's numbering.
    pub product_id: u16,
    /// Product name.
    pub name: String,
    /// String version.
    pub version: String,
    /// Numeric version: major.
    pub major: u32,
    /// Numeric version: minor.
    pub minor: u32,
    /// Build number.
    pub build: u32,
    /// Installed packages (name, version).
    pub packages: Vec<(String, String)>,
    /// Whether a factory default password is still enabled.
    pub factory_default_password: bool,
    /// File whose content (`0`/`1`) tells whether IP forwarding is on (default
    /// `/proc/sys/net/ipv4/ip_forward`); unreadable or `None`: reported as unknown.
    pub forwarding_file: Option<PathBuf>,
}

impl Default for ProductSection {
    fn default() -> Self {
        ProductSection {
            vendor_pen: 0,
            product_id: 0,
            name: "smgw-reference".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            major: 0,
            minor: 1,
            build: 0,
            packages: Vec::new(),
            factory_default_password: false,
            forwarding_file: Some(PathBuf::from("/proc/sys/net/ipv4/ip_forward")),
        }
    }
}

/// One measured file or directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestEntry {
    /// Short name (for reports and logs).
    pub name: String,
    /// The file or directory.
    pub path: PathBuf,
}

/// One consumer (Letztverbraucher) with a consumer log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consumer {
    /// Identifier; used in the log's file name (`[A-Za-z0-9_-]`, 1–64).
    pub id: String,
}

/// `[meter]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MeterSection {
    /// Readings from this file (one value per line, cycled) instead of the generator.
    pub file: Option<PathBuf>,
    /// Seconds between two readings.
    pub interval_secs: u64,
    /// Meter identifier stored with the readings.
    pub meter_id: String,
    /// Generator: first value (Wh).
    pub start_wh: u64,
    /// Generator: increment per reading (Wh).
    pub step_wh: u64,
}

impl Default for MeterSection {
    fn default() -> Self {
        MeterSection {
            file: None,
            interval_secs: 900,
            meter_id: "1EMH0000000001".into(),
            start_wh: 0,
            step_wh: 250,
        }
    }
}

/// `[schedule]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScheduleSection {
    /// First backoff delay in seconds.
    pub backoff_base_secs: u64,
    /// Longest backoff delay in seconds.
    pub backoff_max_secs: u64,
}

impl Default for ScheduleSection {
    fn default() -> Self {
        ScheduleSection {
            backoff_base_secs: 5,
            backoff_max_secs: 3600,
        }
    }
}

/// `[log]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSection {
    /// `tracing` filter level for diagnostics on stderr.
    pub level: String,
}

impl Default for LogSection {
    fn default() -> Self {
        LogSection {
            level: "info".into(),
        }
    }
}

/// The environment variables that override configuration values.
pub const ENV_OVERRIDES: &[&str] = &[
    "SMGW_GATEWAY_ID",
    "SMGW_GATEWAY_DATA_DIR",
    "SMGW_TLS_CERT",
    "SMGW_TLS_KEY",
    "SMGW_TLS_TRUST_ANCHORS",
    "SMGW_GWA_HOST",
    "SMGW_GWA_PORT",
    "SMGW_GWA_EXPECTED_NAME",
    "SMGW_WAKEUP_LISTEN",
    "SMGW_WAKEUP_WINDOW_SECS",
    "SMGW_METER_FILE",
    "SMGW_METER_INTERVAL_SECS",
    "SMGW_LOG_LEVEL",
];

impl Config {
    /// Reads `path`, applies the process environment's overrides and resolves
    /// relative paths against the file's directory.
    pub fn load(path: &Path) -> Result<Self> {
        Self::load_with_env(path, |k| std::env::var(k).ok())
    }

    /// Like [`Config::load`] with an explicit environment (for tests).
    pub fn load_with_env(path: &Path, env: impl Fn(&str) -> Option<String>) -> Result<Self> {
        use std::io::Read;
        let file = std::fs::File::open(path).map_err(|e| Error::io("open", path, e))?;
        let mut text = String::new();
        file.take(MAX_CONFIG_LEN + 1)
            .read_to_string(&mut text)
            .map_err(|e| Error::io("read", path, e))?;
        if text.len() as u64 > MAX_CONFIG_LEN {
            return Err(Error::Config {
                path: path.into(),
                msg: format!("larger than {MAX_CONFIG_LEN} octets"),
            });
        }
        let base = path.parent().unwrap_or(Path::new("."));
        Self::from_toml(&text, path, base, env)
    }

    /// Parses TOML text; `origin` names it in errors, `base` resolves relative paths.
    pub fn from_toml(
        text: &str,
        origin: &Path,
        base: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        let mut cfg: Config = toml::from_str(text).map_err(|e| Error::Config {
            path: origin.into(),
            msg: match e.span() {
                Some(span) => format!("at byte {}: {}", span.start, e.message()),
                None => e.message().to_string(),
            },
        })?;
        cfg.apply_env(&env)?;
        cfg.resolve_paths(base);
        cfg.validate(origin)?;
        Ok(cfg)
    }

    fn apply_env(&mut self, env: &impl Fn(&str) -> Option<String>) -> Result<()> {
        fn num<T: std::str::FromStr>(name: &str, v: &str) -> Result<T> {
            v.trim().parse().map_err(|_| Error::Config {
                path: name.into(),
                msg: format!("{v:?} is not a valid number/address"),
            })
        }
        for &name in ENV_OVERRIDES {
            let Some(v) = env(name) else { continue };
            match name {
                "SMGW_GATEWAY_ID" => self.gateway.id = v,
                "SMGW_GATEWAY_DATA_DIR" => self.gateway.data_dir = v.into(),
                "SMGW_TLS_CERT" => self.tls.cert = Some(v.into()),
                "SMGW_TLS_KEY" => self.tls.key = Some(v.into()),
                "SMGW_TLS_TRUST_ANCHORS" => self.tls.trust_anchors = Some(v.into()),
                "SMGW_GWA_HOST" => self.gwa.host = v,
                "SMGW_GWA_PORT" => self.gwa.port = num(name, &v)?,
                "SMGW_GWA_EXPECTED_NAME" => {
                    self.gwa.expected_name = if v.is_empty() { None } else { Some(v) }
                }
                "SMGW_WAKEUP_LISTEN" => {
                    self.wakeup.listen = if v.is_empty() {
                        None
                    } else {
                        Some(num(name, &v)?)
                    }
                }
                "SMGW_WAKEUP_WINDOW_SECS" => self.wakeup.window_secs = num(name, &v)?,
                "SMGW_METER_FILE" => {
                    self.meter.file = if v.is_empty() { None } else { Some(v.into()) }
                }
                "SMGW_METER_INTERVAL_SECS" => self.meter.interval_secs = num(name, &v)?,
                "SMGW_LOG_LEVEL" => self.log.level = v,
                _ => {}
            }
        }
        Ok(())
    }

    fn resolve_paths(&mut self, base: &Path) {
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        fix(&mut self.gateway.data_dir);
        for p in [
            &mut self.tls.cert,
            &mut self.tls.key,
            &mut self.tls.trust_anchors,
            &mut self.meter.file,
            &mut self.product.forwarding_file,
            &mut self.tnc_config,
        ]
        .into_iter()
        .flatten()
        {
            fix(p);
        }
        for m in &mut self.manifest {
            fix(&mut m.path);
        }
    }

    fn validate(&self, origin: &Path) -> Result<()> {
        let bad = |msg: String| {
            Err(Error::Config {
                path: origin.into(),
                msg,
            })
        };
        let id = &self.gateway.id;
        if id.is_empty() || id.len() > 64 {
            return bad(format!(
                "gateway.id must have 1 to 64 octets, has {}",
                id.len()
            ));
        }
        if self.gwa.host.is_empty() {
            return bad("gwa.host is empty".into());
        }
        if self.gwa.port == 0 {
            return bad("gwa.port must not be 0".into());
        }
        if self.gwa.profile_poll_secs == 0 {
            return bad("gwa.profile_poll_secs must be at least 1".into());
        }
        if self.gateway.history_limit == 0 || self.gateway.history_limit > 100_000 {
            return bad("gateway.history_limit must be within 1..=100000".into());
        }
        if self.gateway.log_max_bytes != 0 && self.gateway.log_max_bytes < 64 * 1024 {
            return bad("gateway.log_max_bytes must be 0 (never cut) or at least 65536".into());
        }
        if self.gateway.log_keep == 0 {
            return bad("gateway.log_keep must be at least 1".into());
        }
        if self.meter.interval_secs == 0 {
            return bad("meter.interval_secs must be at least 1".into());
        }
        if self.wakeup.replay_cache == 0 {
            return bad("wakeup.replay_cache must be at least 1".into());
        }
        if self.wakeup.max_per_minute == 0 {
            return bad("wakeup.max_per_minute must be at least 1".into());
        }
        let mut names = std::collections::BTreeSet::new();
        for m in &self.manifest {
            if !names.insert(m.name.as_str()) {
                return bad(format!("manifest name {:?} appears twice", m.name));
            }
        }
        let mut ids = std::collections::BTreeSet::new();
        for c in &self.consumers {
            let ok = !c.id.is_empty()
                && c.id.len() <= 64
                && c.id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !ok {
                return bad(format!(
                    "consumer id {:?}: use 1-64 characters of A-Z a-z 0-9 - _",
                    c.id
                ));
            }
            if !ids.insert(c.id.as_str()) {
                return bad(format!("consumer id {:?} appears twice", c.id));
            }
        }
        Ok(())
    }

    /// The GWA profile service address as `host:port`.
    pub fn gwa_addr(&self) -> String {
        format!("{}:{}", self.gwa.host, self.gwa.port)
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::field_reassign_with_default
    )]
    use super::*;

    const MIN: &str = r#"
[gateway]
id = "smgw-1"
data_dir = "data"
[tls]
cert = "tls/gw.pem"
trust_anchors = "/etc/ca.pem"
[gwa]
host = "127.0.0.1"
port = 4711
[[manifest]]
name = "fw"
path = "firmware.img"
[[consumers]]
id = "c-1"
"#;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn relative_paths_follow_the_config_file() {
        let c = Config::from_toml(MIN, Path::new("x.toml"), Path::new("/inst"), no_env).unwrap();
        assert_eq!(c.gateway.data_dir, Path::new("/inst/data"));
        assert_eq!(c.tls.cert.as_deref(), Some(Path::new("/inst/tls/gw.pem")));
        assert_eq!(
            c.tls.trust_anchors.as_deref(),
            Some(Path::new("/etc/ca.pem"))
        );
        assert_eq!(c.manifest[0].path, Path::new("/inst/firmware.img"));
        assert_eq!(c.wakeup.window_secs, 300);
        assert_eq!(c.gateway.history_limit, 100);
        assert_eq!(c.gwa_addr(), "127.0.0.1:4711");
    }

    #[test]
    fn environment_overrides_win() {
        let env = |k: &str| match k {
            "SMGW_GATEWAY_ID" => Some("smgw-env".to_string()),
            "SMGW_GWA_PORT" => Some("9000".to_string()),
            "SMGW_GATEWAY_DATA_DIR" => Some("rel".to_string()),
            "SMGW_WAKEUP_LISTEN" => Some("127.0.0.1:7000".to_string()),
            _ => None,
        };
        let c = Config::from_toml(MIN, Path::new("x.toml"), Path::new("/b"), env).unwrap();
        assert_eq!(c.gateway.id, "smgw-env");
        assert_eq!(c.gwa.port, 9000);
        assert_eq!(c.gateway.data_dir, Path::new("/b/rel"));
        assert_eq!(c.wakeup.listen, Some("127.0.0.1:7000".parse().unwrap()));
        let bad = |k: &str| (k == "SMGW_GWA_PORT").then(|| "70000".to_string());
        let e = Config::from_toml(MIN, Path::new("x.toml"), Path::new("/b"), bad).unwrap_err();
        assert!(e.to_string().contains("SMGW_GWA_PORT"), "{e}");
    }

    #[test]
    fn rejects_bad_files_with_position() {
        let e = Config::from_toml(
            "[gateway]\nid = 5\n",
            Path::new("c.toml"),
            Path::new("/"),
            no_env,
        )
        .unwrap_err();
        let s = e.to_string();
        assert!(s.contains("c.toml") && s.contains("at byte"), "{s}");
        let unknown = MIN.replace("[tls]", "[tls]\nbogus = 1");
        assert!(Config::from_toml(&unknown, Path::new("c"), Path::new("/"), no_env).is_err());
        let long_id = MIN.replace("smgw-1", &"x".repeat(65));
        assert!(Config::from_toml(&long_id, Path::new("c"), Path::new("/"), no_env).is_err());
        let bad_consumer = MIN.replace("c-1", "../etc");
        assert!(Config::from_toml(&bad_consumer, Path::new("c"), Path::new("/"), no_env).is_err());
        let dup = format!("{MIN}\n[[consumers]]\nid = \"c-1\"\n");
        assert!(Config::from_toml(&dup, Path::new("c"), Path::new("/"), no_env).is_err());
    }

    #[test]
    fn load_reads_a_file_and_bounds_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("smgw.toml");
        std::fs::write(&p, MIN).unwrap();
        let c = Config::load_with_env(&p, no_env).unwrap();
        assert_eq!(c.gateway.data_dir, dir.path().join("data"));
        let big = dir.path().join("big.toml");
        std::fs::write(&big, vec![b'#'; (MAX_CONFIG_LEN + 2) as usize]).unwrap();
        assert!(matches!(
            Config::load_with_env(&big, no_env),
            Err(Error::Config { .. })
        ));
    }
}
