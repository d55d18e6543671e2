//! The read-only HTTP API (JSON) and `/metrics`, hand-written HTTP/1.1 over tokio (one request
//! per connection, `Connection: close`). Bind it to 127.0.0.1 unless a reverse proxy guards it.
//!
//! | route | answer |
//! |---|---|
//! | `GET /api/gateways` | all gateways |
//! | `GET /api/gateways/{id}` | one gateway |
//! | `GET /api/gateways/{id}/history?limit=N` | its assessments, newest first, with logbooks |
//! | `GET /api/assessments/{id}/logbook` | one assessment's logbook |
//! | `GET /api/stale?older_than=DURATION` | gateways not assessed within DURATION |
//! | `GET /api/log?limit=N` | the latest logbook entries (incl. refused connections) |
//! | `GET /metrics` | Prometheus text |
//! | `GET /healthz` | `ok`, or 503 when the database cannot be used (for load-balancer checks) |

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::metrics::Metrics;
use crate::storage::Storage;
use crate::{GwaError, Result};

/// Most concurrent HTTP connections (more are closed at once).
pub const MAX_CONNECTIONS: usize = 64;

/// Largest request head accepted.
pub const MAX_HEAD: usize = 8 * 1024;

/// What the API serves from.
#[derive(Clone)]
pub struct Api {
    /// The storage.
    pub storage: Arc<dyn Storage>,
    /// The metrics.
    pub metrics: Arc<Metrics>,
    /// Gateways not assessed within this period count as stale in `/metrics`.
    pub stale_after: Duration,
}

impl core::fmt::Debug for Api {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Api").finish_non_exhaustive()
    }
}

/// A response: status, content type, body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// Content type.
    pub content_type: &'static str,
    /// Body.
    pub body: String,
}

fn json<T: serde::Serialize>(v: &T) -> Response {
    match serde_json::to_string_pretty(v) {
        Ok(body) => Response {
            status: 200,
            content_type: "application/json",
            body,
        },
        Err(e) => error(500, &format!("cannot encode: {e}")),
    }
}

fn error(status: u16, msg: &str) -> Response {
    Response {
        status,
        content_type: "application/json",
        body: serde_json::json!({ "error": msg }).to_string(),
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    }
}

fn query<'a>(q: &'a str, key: &str) -> Option<&'a str> {
    q.split('&')
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
}

/// Percent-decodes a path segment (gateway ids are plain, but be correct).
fn decode(seg: &str) -> Option<String> {
    let b = seg.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let h = seg.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(h, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

impl Api {
    /// Answers one request (method and target as in the request line). Blocking storage calls.
    pub fn handle(&self, method: &str, target: &str) -> Response {
        if method != "GET" {
            return error(405, "read-only API: only GET");
        }
        let (path, q) = target.split_once('?').unwrap_or((target, ""));
        let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let r: Result<Response> = (|| {
            Ok(match segs.as_slice() {
                // a load balancer takes an instance out when its database is gone
                ["healthz"] => match self.storage.health() {
                    Ok(_) => Response {
                        status: 200,
                        content_type: "text/plain",
                        body: "ok\n".into(),
                    },
                    Err(e) => Response {
                        status: 503,
                        content_type: "text/plain",
                        body: format!("database unavailable: {e}\n"),
                    },
                },
                ["metrics"] => {
                    let before = crate::time::now_ms()
                        - i64::try_from(self.stale_after.as_millis()).unwrap_or(i64::MAX);
                    let fleet = self.storage.fleet_counts(before)?;
                    Response {
                        status: 200,
                        content_type: "text/plain; version=0.0.4",
                        body: self.metrics.render(&fleet),
                    }
                }
                ["api", "gateways"] => json(&self.storage.gateways()?),
                ["api", "gateways", id] => {
                    let id = decode(id).ok_or_else(|| GwaError::Invalid("bad path".into()))?;
                    match self.storage.gateway(&id)? {
                        Some(g) => json(&g),
                        None => error(404, &format!("gateway {id} is not known")),
                    }
                }
                ["api", "gateways", id, "history"] => {
                    let id = decode(id).ok_or_else(|| GwaError::Invalid("bad path".into()))?;
                    let limit = query(q, "limit")
                        .and_then(|l| l.parse().ok())
                        .unwrap_or(20u32)
                        .min(1000);
                    json(&self.storage.history(&id, limit)?)
                }
                ["api", "assessments", id, "logbook"] => match id.parse::<i64>() {
                    Ok(id) => json(&self.storage.logbook(id)?),
                    Err(_) => error(400, "assessment id must be a number"),
                },
                ["api", "stale"] => {
                    let d = query(q, "older_than").unwrap_or("48h");
                    match crate::time::parse_duration(d) {
                        Ok(d) => {
                            let before = crate::time::now_ms()
                                - i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
                            json(&self.storage.stale(before)?)
                        }
                        Err(e) => error(400, &e),
                    }
                }
                ["api", "log"] => {
                    let limit = query(q, "limit")
                        .and_then(|l| l.parse().ok())
                        .unwrap_or(50u32)
                        .min(1000);
                    json(&self.storage.recent_log(limit)?)
                }
                _ => error(404, "no such resource; see /api/gateways, /metrics"),
            })
        })();
        r.unwrap_or_else(|e| match e {
            GwaError::Invalid(m) => error(400, &m),
            e => error(500, &e.to_string()),
        })
    }

    /// Serves until the listener fails.
    pub async fn serve(self, listener: TcpListener) -> Result<()> {
        let limit = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
        loop {
            let (tcp, _) = listener
                .accept()
                .await
                .map_err(|e| GwaError::io("HTTP listener", e))?;
            let Ok(permit) = limit.clone().try_acquire_owned() else {
                drop(tcp);
                continue;
            };
            let api = self.clone();
            tokio::spawn(async move {
                let _ = tokio::time::timeout(Duration::from_secs(10), api.connection(tcp)).await;
                drop(permit);
            });
        }
    }

    async fn connection(&self, mut tcp: TcpStream) -> std::io::Result<()> {
        let mut buf = Vec::with_capacity(1024);
        let mut chunk = [0u8; 1024];
        let head_end = loop {
            let n = tcp.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            if buf.len() > MAX_HEAD {
                return write(&mut tcp, &error(431, "request head too large")).await;
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let line = head.lines().next().unwrap_or("");
        let mut parts = line.split(' ');
        let (Some(method), Some(target), Some(version)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return write(&mut tcp, &error(400, "malformed request line")).await;
        };
        if !version.starts_with("HTTP/1.") {
            return write(&mut tcp, &error(400, "HTTP/1.x only")).await;
        }
        let api = self.clone();
        let (method, target) = (method.to_owned(), target.to_owned());
        let resp = tokio::task::spawn_blocking(move || api.handle(&method, &target))
            .await
            .unwrap_or_else(|e| error(500, &e.to_string()));
        write(&mut tcp, &resp).await
    }
}

async fn write(tcp: &mut TcpStream, r: &Response) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        r.status,
        reason(r.status),
        r.content_type,
        r.body.len()
    );
    tcp.write_all(head.as_bytes()).await?;
    tcp.write_all(r.body.as_bytes()).await?;
    tcp.shutdown().await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::storage::SqliteStorage;

    fn api() -> Api {
        let s = SqliteStorage::open_in_memory().unwrap();
        s.init().unwrap();
        s.gateway_seen("GW 1", 1).unwrap();
        Api {
            storage: Arc::new(s),
            metrics: Arc::new(Metrics::new()),
            stale_after: Duration::from_secs(60),
        }
    }

    #[test]
    fn routes() {
        let a = api();
        assert_eq!(a.handle("POST", "/api/gateways").status, 405);
        let r = a.handle("GET", "/api/gateways");
        assert_eq!(r.status, 200);
        assert!(r.body.contains("\"GW 1\""));
        assert_eq!(a.handle("GET", "/api/gateways/GW%201").status, 200);
        assert_eq!(a.handle("GET", "/api/gateways/nope").status, 404);
        assert_eq!(
            a.handle("GET", "/api/gateways/GW%201/history?limit=5")
                .body
                .trim(),
            "[]"
        );
        assert_eq!(a.handle("GET", "/api/assessments/x/logbook").status, 400);
        assert_eq!(a.handle("GET", "/api/stale?older_than=soon").status, 400);
        assert!(
            a.handle("GET", "/api/stale?older_than=1s")
                .body
                .contains("GW 1")
        );
        assert!(
            a.handle("GET", "/metrics")
                .body
                .contains("gwa_stale_gateways 1")
        );
        assert_eq!(a.handle("GET", "/other").status, 404);
        assert_eq!(a.handle("GET", "/healthz").status, 200);
        // an instance whose database cannot be used is not healthy
        let broken = Api {
            storage: Arc::new(SqliteStorage::open_in_memory().unwrap()), // never initialised
            metrics: Arc::new(Metrics::new()),
            stale_after: Duration::from_secs(60),
        };
        let r = broken.handle("GET", "/healthz");
        assert_eq!(r.status, 503);
        assert!(r.body.contains("not initialised"), "{}", r.body);
        assert_eq!(a.handle("GET", "/api/gateways/%zz").status, 400);
    }
}
