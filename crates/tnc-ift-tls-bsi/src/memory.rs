//! In-memory transport between a rustls client and server: for tests, benchmarks
//! and examples that need a full handshake without sockets.

use std::io::{Read, Write};
use std::time::Instant;

use rustls::{ClientConnection, ServerConnection};

use crate::error::Error;
use crate::session::Session;

fn move_tls<A, B>(
    from: &mut rustls::ConnectionCommon<A>,
    to: &mut rustls::ConnectionCommon<B>,
) -> Result<bool, Error> {
    let mut buf = Vec::new();
    while from.wants_write() {
        from.write_tls(&mut buf)?;
    }
    if buf.is_empty() {
        return Ok(false);
    }
    let mut rd = &buf[..];
    while !rd.is_empty() {
        to.read_tls(&mut rd)?;
        to.process_new_packets()?;
    }
    Ok(true)
}

/// Moves TLS records both ways until neither side has anything to send.
pub fn pump(client: &mut ClientConnection, server: &mut ServerConnection) -> Result<(), Error> {
    for _ in 0..64 {
        let a = move_tls(client, server).inspect_err(|_| {
            // let the client see the server's alert
            let _ = move_tls(server, client);
        })?;
        let b = move_tls(server, client).inspect_err(|_| {
            let _ = move_tls(client, server);
        })?;
        if !a && !b {
            return Ok(());
        }
    }
    Err(Error::Timeout("in-memory transfer did not settle"))
}

/// Runs the TLS handshake to completion in memory.
pub fn handshake(
    client: &mut ClientConnection,
    server: &mut ServerConnection,
) -> Result<(), Error> {
    pump(client, server)?;
    if client.is_handshaking() || server.is_handshaking() {
        return Err(Error::Timeout("handshake did not complete"));
    }
    Ok(())
}

fn feed_plaintext<D>(
    conn: &mut rustls::ConnectionCommon<D>,
    s: &mut Session,
    now: Instant,
) -> Result<(), Error>
where
    rustls::ConnectionCommon<D>: core::ops::DerefMut,
{
    let mut buf = [0u8; 4096];
    loop {
        match conn.reader().read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => s.feed(&buf[..n], now)?,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) => return Err(e.into()),
        }
    }
}

/// Runs the PT-TLS negotiation of two sessions over a completed in-memory TLS pair
/// until both are in the data transport phase (or one fails).
pub fn negotiate(
    client: &mut ClientConnection,
    server: &mut ServerConnection,
    cs: &mut Session,
    ss: &mut Session,
    now: Instant,
) -> Result<(), Error> {
    cs.start(now)?;
    for _ in 0..16 {
        let out = cs.take_transmit();
        client.writer().write_all(&out)?;
        let out = ss.take_transmit();
        server.writer().write_all(&out)?;
        pump(client, server)?;
        feed_plaintext(server, ss, now)?;
        feed_plaintext(client, cs, now)?;
        if cs.is_ready() && ss.is_ready() && !cs.wants_write() && !ss.wants_write() {
            return Ok(());
        }
    }
    Err(Error::Timeout("PT-TLS negotiation did not complete"))
}
