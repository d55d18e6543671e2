//! Helpers for running a fleet of `gwa-reference serve` processes on one database behind
//! HAProxy (tests/fleet.rs and examples/load.rs): a fresh database (PostgreSQL from an admin URL
//! or a shared SQLite file), child processes that die with their guard, the HAProxy
//! configuration, SQL read straight from the database, and CPU time from /proc.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A free port on 127.0.0.1 (bound and released: good enough on a test machine).
pub fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// A child process killed (SIGKILL) and reaped when the guard drops, on every path.
pub struct Proc {
    pub name: String,
    pub child: Option<Child>,
}

impl Proc {
    pub fn new(name: &str, child: Child) -> Self {
        Self {
            name: name.to_owned(),
            child: Some(child),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// SIGKILL (what `Child::kill` sends on Unix) and reap; true if it was still running.
    pub fn kill(&mut self) -> bool {
        match self.child.as_mut() {
            Some(c) => {
                let was_running = matches!(c.try_wait(), Ok(None));
                let _ = c.kill();
                let _ = c.wait();
                was_running
            }
            None => false,
        }
    }

    /// `Some(status)` once the process ended.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten())
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The HAProxy binary (PATH, then Debian's /usr/sbin), if installed.
pub fn haproxy_bin() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.push("/usr/sbin".into());
    dirs.push("/usr/local/sbin".into());
    dirs.into_iter()
        .map(|d| d.join("haproxy"))
        .find(|p| p.is_file())
}

/// The `psql` client (PATH, then the newest /usr/lib/postgresql/*/bin).
pub fn psql_bin() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Ok(rd) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut v: Vec<PathBuf> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        v.sort();
        v.reverse();
        dirs.extend(v.into_iter().map(|p| p.join("bin")));
    }
    dirs.into_iter()
        .map(|d| d.join("psql"))
        .find(|p| p.is_file())
}

static DB_SEQ: AtomicUsize = AtomicUsize::new(0);

/// The database the instances share.
pub enum Db {
    /// One SQLite file (WAL; several processes may write it).
    Sqlite(PathBuf),
    /// A fresh PostgreSQL database, dropped with the guard.
    Postgres {
        admin_url: String,
        url: String,
        name: String,
        psql: PathBuf,
    },
}

/// `postgres://user:pass@host:port/db?x` → (`postgres://user:pass@host:port`, `db`, `?x`).
fn split_url(url: &str) -> (String, String, String) {
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let (base, rest) = match url[scheme_end..].find('/') {
        Some(i) => (
            url[..scheme_end + i].to_owned(),
            url[scheme_end + i + 1..].to_owned(),
        ),
        None => (url.to_owned(), String::new()),
    };
    let (db, query) = match rest.find('?') {
        Some(i) => (rest[..i].to_owned(), rest[i..].to_owned()),
        None => (rest, String::new()),
    };
    (base, db, query)
}

impl Db {
    /// A fresh PostgreSQL database `{prefix}_{pid}_{n}` created through `admin_url`.
    pub fn create_postgres(admin_url: &str, prefix: &str) -> Result<Db, String> {
        let psql = psql_bin().ok_or("no psql found (Debian package postgresql-client)")?;
        let name = format!(
            "{prefix}_{}_{}",
            std::process::id(),
            DB_SEQ.fetch_add(1, Ordering::Relaxed)
        );
        let (base, _, query) = split_url(admin_url);
        let db = Db::Postgres {
            admin_url: admin_url.to_owned(),
            url: format!("{base}/{name}{query}"),
            name: name.clone(),
            psql,
        };
        db.admin(&format!("DROP DATABASE IF EXISTS {name}"))?;
        db.admin(&format!("CREATE DATABASE {name}"))?;
        Ok(db)
    }

    /// What goes into `database = "…"` of gwa.toml.
    pub fn config_value(&self) -> String {
        match self {
            Db::Sqlite(p) => p.display().to_string(),
            Db::Postgres { url, .. } => url.clone(),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Db::Postgres { .. })
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "SQLite",
            Db::Postgres { .. } => "PostgreSQL",
        }
    }

    fn psql(&self, url: &str, sql: &str) -> Result<String, String> {
        let Db::Postgres { psql, .. } = self else {
            return Err("not PostgreSQL".into());
        };
        let o = Command::new(psql)
            .args([
                "-X",
                "-q",
                "-A",
                "-t",
                "-F",
                "\x1f",
                "-v",
                "ON_ERROR_STOP=1",
            ])
            .arg("-d")
            .arg(url)
            .arg("-c")
            .arg(sql)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run psql: {e}"))?;
        if !o.status.success() {
            return Err(format!(
                "psql {sql:?}: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&o.stdout).into_owned())
    }

    fn admin(&self, sql: &str) -> Result<String, String> {
        match self {
            Db::Postgres { admin_url, .. } => self.psql(admin_url, sql),
            Db::Sqlite(_) => Err("not PostgreSQL".into()),
        }
    }

    /// Rows of a query, every value as text (NULL as the empty string), read straight from
    /// the database (not through the program).
    pub fn query(&self, sql: &str) -> Vec<Vec<String>> {
        match self {
            Db::Postgres { url, .. } => {
                let out = self.psql(url, sql).unwrap();
                out.lines()
                    .filter(|l| !l.is_empty())
                    .map(|l| l.split('\x1f').map(str::to_owned).collect())
                    .collect()
            }
            Db::Sqlite(path) => {
                let c = rusqlite::Connection::open_with_flags(
                    path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
                )
                .unwrap();
                c.busy_timeout(Duration::from_secs(10)).unwrap();
                let mut st = c.prepare(sql).unwrap();
                let n = st.column_count();
                let rows = st
                    .query_map([], |r| {
                        (0..n)
                            .map(|i| {
                                Ok(match r.get_ref(i)? {
                                    rusqlite::types::ValueRef::Null => String::new(),
                                    rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                                    rusqlite::types::ValueRef::Real(v) => v.to_string(),
                                    rusqlite::types::ValueRef::Text(t) => {
                                        String::from_utf8_lossy(t).into_owned()
                                    }
                                    rusqlite::types::ValueRef::Blob(b) => hex::encode(b),
                                })
                            })
                            .collect::<rusqlite::Result<Vec<String>>>()
                    })
                    .unwrap()
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .unwrap();
                drop(st);
                rows
            }
        }
    }

    /// One number.
    pub fn count(&self, sql: &str) -> i64 {
        let rows = self.query(sql);
        rows.first()
            .and_then(|r| r.first())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{sql}: no number in {rows:?}"))
    }

    /// Whether `table` has `column`.
    pub fn has_column(&self, table: &str, column: &str) -> bool {
        match self {
            Db::Postgres { .. } => {
                self.count(&format!(
                    "SELECT count(*) FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name = '{table}' \
                     AND column_name = '{column}'"
                )) > 0
            }
            Db::Sqlite(_) => self
                .query(&format!("PRAGMA table_info({table})"))
                .iter()
                .any(|r| r.get(1).map(String::as_str) == Some(column)),
        }
    }

    /// PIDs of the PostgreSQL server (postmaster and its children), found through the
    /// server's own processes listed in `pg_stat_activity` (checkpointer, other backends): the
    /// parent of each is the postmaster. Empty for SQLite or a server on another machine.
    pub fn server_pids(&self) -> Vec<u32> {
        let Db::Postgres { url, .. } = self else {
            return Vec::new();
        };
        let Ok(out) = self.psql(
            url,
            "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid()",
        ) else {
            return Vec::new();
        };
        let postmaster = out
            .lines()
            .filter_map(|l| l.trim().parse::<u32>().ok())
            .find_map(|pid| {
                let parent = proc_stat(pid)?.ppid;
                // the postmaster's command is postgres too
                let comm = std::fs::read_to_string(format!("/proc/{parent}/comm")).ok()?;
                (comm.trim() == "postgres").then_some(parent)
            });
        let Some(postmaster) = postmaster else {
            return Vec::new();
        };
        let mut pids = vec![postmaster];
        pids.extend(children_of(postmaster));
        pids
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Db::Postgres { name, .. } = self {
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            if let Err(e) = self.admin(&sql) {
                eprintln!("could not drop the test database: {e}");
            }
        }
    }
}

/// Fields of /proc/PID/stat the measurements need.
#[derive(Debug, Clone, Copy)]
pub struct ProcStat {
    pub ppid: u32,
    /// utime + stime, seconds.
    pub cpu: f64,
    /// cutime + cstime (reaped children), seconds.
    pub children_cpu: f64,
}

pub fn proc_stat(pid: u32) -> Option<ProcStat> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // after the ")" of the command name: state ppid … utime(14) stime(15) cutime(16) cstime(17)
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let f: Vec<&str> = rest.split(' ').collect();
    let num = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok());
    // SC_CLK_TCK is 100 on Linux
    Some(ProcStat {
        ppid: f.get(1)?.parse().ok()?,
        cpu: (num(11)? + num(12)?) / 100.0,
        children_cpu: (num(13)? + num(14)?) / 100.0,
    })
}

/// utime + stime of a process in seconds (0 if it is gone).
pub fn cpu_secs(pid: u32) -> f64 {
    proc_stat(pid).map_or(0.0, |s| s.cpu)
}

/// Direct children of `parent`.
pub fn children_of(parent: u32) -> Vec<u32> {
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    rd.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| proc_stat(*pid).is_some_and(|s| s.ppid == parent))
        .collect()
}

/// CPU seconds of the PostgreSQL server so far: postmaster (own + reaped children) plus its
/// live children, per PID (so a difference of two snapshots counts backends that started in
/// between).
pub fn postgres_cpu_snapshot(postmaster: u32) -> HashMap<u32, f64> {
    let mut m = HashMap::new();
    if let Some(s) = proc_stat(postmaster) {
        m.insert(postmaster, s.cpu + s.children_cpu);
    }
    for c in children_of(postmaster) {
        m.insert(c, cpu_secs(c));
    }
    m
}

/// CPU seconds between two snapshots.
pub fn snapshot_delta(before: &HashMap<u32, f64>, after: &HashMap<u32, f64>) -> f64 {
    after
        .iter()
        .map(|(pid, v)| v - before.get(pid).copied().unwrap_or(0.0))
        .sum()
}

/// The addresses of one GWA instance.
#[derive(Debug, Clone, Copy)]
pub struct Ports {
    pub pt_tls: SocketAddr,
    pub profile: SocketAddr,
    pub http: SocketAddr,
}

impl Ports {
    pub fn free() -> Self {
        Self {
            pt_tls: free_addr(),
            profile: free_addr(),
            http: free_addr(),
        }
    }
}

/// Writes `dir/NAME.toml` for one instance: the shared database, the development PKI in
/// `dir/pki`, the shared wake-up key `dir/wakeup.key`; only the listen addresses differ. With
/// `proxy_protocol` the PT-TLS and profile listeners expect HAProxy's PROXY v2 header; with
/// `database_ca` the instance connects to PostgreSQL with TLS verified against that CA.
pub fn write_gwa_config(
    dir: &Path,
    name: &str,
    db: &Db,
    p: &Ports,
    stale_after_secs: u64,
    proxy_protocol: bool,
    database_ca: Option<&Path>,
) -> PathBuf {
    let path = dir.join(format!("{name}.toml"));
    let ca = database_ca.map_or(String::new(), |c| {
        format!("database_ca = \"{}\"\n", c.display())
    });
    std::fs::write(
        &path,
        format!(
            "database = \"{}\"\n{ca}stale_after_secs = {stale_after_secs}\n\
             [listen]\npt_tls = \"{}\"\nprofile = \"{}\"\nhttp = \"{}\"\nproxy_protocol = {proxy_protocol}\n\
             [tls]\ncertificate = \"pki/gwa-chain.pem\"\nprivate_key = \"pki/gwa.key\"\n\
             trust_anchors = \"pki/root-ca.pem\"\n\
             [wakeup]\nsigning_key = \"wakeup.key\"\ncurve = \"P-256\"\n",
            db.config_value(),
            p.pt_tls,
            p.profile,
            p.http
        ),
    )
    .unwrap();
    path
}

/// Runs a `gwa-reference` command; panics with its stderr unless it succeeds.
///
/// With SQLite shared by several processes, a command's read-then-write transaction can fail
/// at once with "database is locked" when a server wrote in between (SQLite cannot upgrade
/// that snapshot); such a command is repeated (at most 5 times) and a NOTE is printed.
pub fn gwa_ok(bin: &Path, config: &Path, args: &[&str]) -> String {
    let mut tries = 0;
    let o = loop {
        tries += 1;
        let o = Command::new(bin)
            .arg("--config")
            .arg(config)
            .args(args)
            .env("GWA_LOG", "warn")
            .env_remove("GWA_DATABASE")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        if !o.status.success()
            && tries < 5
            && String::from_utf8_lossy(&o.stderr).contains("database is locked")
        {
            println!("NOTE: gwa-reference {args:?}: SQLite busy, repeating");
            std::thread::sleep(Duration::from_millis(100));
            continue;
        }
        break o;
    };
    assert!(
        o.status.success(),
        "gwa-reference {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// Starts `gwa-reference serve` with `config`; its log (level warn) goes to `log`.
pub fn start_serve(bin: &Path, config: &Path, name: &str, log: &Path) -> Proc {
    let err = std::fs::File::create(log).unwrap();
    let child = Command::new(bin)
        .arg("--config")
        .arg(config)
        .arg("serve")
        .env("GWA_LOG", "warn")
        .env_remove("GWA_DATABASE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(err)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {} ({e})", bin.display()));
    Proc::new(name, child)
}

/// Waits until `addr` accepts TCP connections (panics after `timeout`, or when `proc` died).
pub fn wait_listening(addr: SocketAddr, proc: &mut Proc, timeout: Duration, log: &Path) {
    let deadline = Instant::now() + timeout;
    loop {
        if std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return;
        }
        if let Some(st) = proc.exited() {
            panic!(
                "{} exited ({st}) before listening on {addr}: {}",
                proc.name,
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        assert!(
            Instant::now() < deadline,
            "{} does not listen on {addr} after {timeout:?}: {}",
            proc.name,
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// HAProxy in TCP mode in front of the instances: PT-TLS and the profile service balanced
/// round-robin, health checks on each instance's HTTP `/healthz`, and a stats page.
pub struct Balancer {
    pub pt_tls: SocketAddr,
    pub profile: SocketAddr,
    pub stats: SocketAddr,
}

impl Balancer {
    pub fn free() -> Self {
        Self {
            pt_tls: free_addr(),
            profile: free_addr(),
            stats: free_addr(),
        }
    }

    /// The configuration text (also in docs/DEPLOYMENT.md, with production timeouts). With
    /// `send_proxy` HAProxy prepends a PROXY v2 header to each forwarded connection (the
    /// health checks on the HTTP port go without one).
    pub fn config(&self, instances: &[Ports], send_proxy: bool) -> String {
        let mut pt = String::new();
        let mut prof = String::new();
        let sp = if send_proxy { " send-proxy-v2" } else { "" };
        for (i, p) in instances.iter().enumerate() {
            let n = i + 1;
            pt.push_str(&format!(
                "    server gwa{n} {}{sp} check port {} inter 100ms fall 2 rise 2\n",
                p.pt_tls,
                p.http.port()
            ));
            prof.push_str(&format!(
                "    server gwa{n} {}{sp} check port {} inter 100ms fall 2 rise 2\n",
                p.profile,
                p.http.port()
            ));
        }
        format!(
            "global\n    maxconn 4096\n\n\
             defaults\n    mode tcp\n    timeout connect 2s\n    timeout client 60s\n    timeout server 60s\n    \
             timeout check 1s\n    retries 3\n    option redispatch 1\n\n\
             frontend pt_tls\n    bind {}\n    default_backend gwa_pt_tls\n\n\
             backend gwa_pt_tls\n    balance roundrobin\n    option httpchk GET /healthz\n    http-check expect status 200\n{pt}\n\
             frontend profile\n    bind {}\n    default_backend gwa_profile\n\n\
             backend gwa_profile\n    balance roundrobin\n    option httpchk GET /healthz\n    http-check expect status 200\n{prof}\n\
             listen stats\n    mode http\n    bind {}\n    stats enable\n    stats uri /stats\n",
            self.pt_tls, self.profile, self.stats
        )
    }

    /// Writes the configuration into `dir/haproxy.cfg`, checks it (`-c`) and starts HAProxy in
    /// the foreground (`-db`) as a child; waits until both frontends listen.
    pub fn start(&self, haproxy: &Path, dir: &Path, instances: &[Ports], send_proxy: bool) -> Proc {
        let cfg = dir.join("haproxy.cfg");
        std::fs::write(&cfg, self.config(instances, send_proxy)).unwrap();
        let check = Command::new(haproxy)
            .arg("-c")
            .arg("-q")
            .arg("-f")
            .arg(&cfg)
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "haproxy -c: {}{}",
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr)
        );
        let log = dir.join("haproxy.log");
        let child = Command::new(haproxy)
            .arg("-db")
            .arg("-f")
            .arg(&cfg)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {} ({e})", haproxy.display()));
        let mut p = Proc::new("haproxy", child);
        wait_listening(self.pt_tls, &mut p, Duration::from_secs(10), &log);
        wait_listening(self.profile, &mut p, Duration::from_secs(10), &log);
        wait_listening(self.stats, &mut p, Duration::from_secs(10), &log);
        p
    }

    /// Server states from the stats page: (backend, server) → status (`UP`, `DOWN`, …).
    pub fn states(&self) -> HashMap<(String, String), String> {
        use std::io::{Read, Write};
        let mut m = HashMap::new();
        let Ok(mut s) = std::net::TcpStream::connect_timeout(&self.stats, Duration::from_secs(2))
        else {
            return m;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
        let _ = s.write_all(b"GET /stats;csv HTTP/1.0\r\nHost: x\r\n\r\n");
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        let body = out.split("\r\n\r\n").nth(1).unwrap_or("");
        let mut status_col = 17;
        for line in body.lines() {
            let f: Vec<&str> = line.split(',').collect();
            if line.starts_with('#') {
                if let Some(i) = f.iter().position(|c| *c == "status") {
                    status_col = i;
                }
                continue;
            }
            if f.len() > status_col && f[1] != "FRONTEND" && f[1] != "BACKEND" {
                m.insert((f[0].to_owned(), f[1].to_owned()), f[status_col].to_owned());
            }
        }
        m
    }

    /// Waits until every server of `backend` named in `want` has the wanted status.
    pub fn wait_states(&self, backend: &str, want: &[(&str, &str)], timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let st = self.states();
            let ok = want.iter().all(|(srv, s)| {
                st.get(&(backend.to_owned(), (*srv).to_owned()))
                    .is_some_and(|v| v.starts_with(s))
            });
            if ok {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "HAProxy servers of {backend} not {want:?} after {timeout:?}: {st:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Registers manufacturer `vendor` through the CLI and imports a signed manifest of `files`
/// (product SMGW-X, firmware `version`) with `gwa-reference reference import`.
pub fn import_reference_cli(
    bin: &Path,
    config: &Path,
    dir: &Path,
    vendor: &str,
    pen: u32,
    version: &str,
    files: &std::collections::BTreeMap<String, Vec<u8>>,
) {
    use smgw_gwa_admin::{Curve as AdminCurve, PrivateKey};
    let key = PrivateKey::generate(AdminCurve::P256).unwrap();
    let pub_path = dir.join(format!("{vendor}.pub"));
    std::fs::write(&pub_path, key.public_key().to_spki_pem().unwrap()).unwrap();
    gwa_ok(
        bin,
        config,
        &[
            "manufacturer",
            "add",
            vendor,
            pub_path.to_str().unwrap(),
            "--pen",
            &pen.to_string(),
        ],
    );
    let m = crate::common::write_signed_manifest(dir, &key, vendor, pen, version, files);
    let out = gwa_ok(bin, config, &["reference", "import", m.to_str().unwrap()]);
    assert!(out.contains("imported"), "{out}");
}

/// One HTTP/1.0 GET (the GWA's API answers and closes); the body, or an error text.
pub fn http_get(addr: SocketAddr, path: &str) -> Result<String, String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2))
        .map_err(|e| format!("{addr}: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
        .map_err(|e| e.to_string())?;
    let mut out = String::new();
    s.read_to_string(&mut out).map_err(|e| e.to_string())?;
    if !out.starts_with("HTTP/1.1 200") && !out.starts_with("HTTP/1.0 200") {
        return Err(out);
    }
    Ok(out.split("\r\n\r\n").nth(1).unwrap_or("").to_owned())
}

/// The value of an unlabelled metric line `name VALUE` in Prometheus text.
pub fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines().find_map(|l| {
        let mut it = l.split_whitespace();
        (it.next() == Some(name))
            .then(|| it.next()?.parse().ok())
            .flatten()
    })
}

/// A PROXY protocol v2 header with the LOCAL command (no client address): what a client that
/// connects to a `proxy_protocol` listener directly, not through the balancer, must send first.
pub const PROXY_V2_LOCAL: [u8; 16] = [
    0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x20, 0x00, 0x00, 0x00,
];
