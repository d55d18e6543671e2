//! Async helpers over tokio streams (feature `tokio`). The stream is whatever the caller
//! authenticated: in the programs a rustls connection under the BSI profile.

use std::future::Future;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::consts::{REQUEST_LEN, RESPONSE_HEADER_LEN};
use crate::frame::{decode_request, decode_response_header, encode_request};
use crate::{AdminError, ErrorBody, ProfileResponse, TncProfile};

/// Gateway side: sends a get-profile request and reads the answer. An error frame becomes
/// [`AdminError::Refused`]. The body buffer is allocated only after the header's length has
/// been checked against the 64 KiB limit.
pub async fn fetch_profile<S>(stream: &mut S) -> Result<TncProfile, AdminError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    stream.write_all(&encode_request()).await?;
    stream.flush().await?;
    let mut head = [0u8; RESPONSE_HEADER_LEN];
    stream.read_exact(&mut head).await?;
    let header = decode_response_header(&head)?;
    let mut body = vec![0u8; header.body_len as usize];
    stream.read_exact(&mut body).await?;
    match ProfileResponse::decode_body(header, &body)? {
        ProfileResponse::Profile(p) => Ok(p),
        ProfileResponse::Error(e) => Err(AdminError::Refused {
            code: e.code,
            message: e.message,
        }),
    }
}

/// GWA side: reads one get-profile request and answers with what `lookup` returns. A
/// malformed request is answered with a `bad_request` error frame and reported as the
/// decode error. Returns the response that was sent.
pub async fn serve_profile<S, F, Fut>(
    stream: &mut S,
    lookup: F,
) -> Result<ProfileResponse, AdminError>
where
    S: AsyncRead + AsyncWrite + Unpin,
    F: FnOnce() -> Fut,
    Fut: Future<Output = ProfileResponse>,
{
    let mut req = [0u8; REQUEST_LEN];
    stream.read_exact(&mut req).await?;
    if let Err(e) = decode_request(&req) {
        let answer = ProfileResponse::Error(ErrorBody::new(ErrorBody::BAD_REQUEST, e.to_string()));
        stream.write_all(&answer.encode()?).await?;
        stream.shutdown().await?;
        return Err(e);
    }
    let answer = lookup().await;
    let bytes = match answer.encode() {
        Ok(b) => b,
        Err(e) => {
            // e.g. a stored profile that no longer validates: tell the gateway, keep the cause
            let fallback = ProfileResponse::Error(ErrorBody::new(
                ErrorBody::INTERNAL,
                "the stored profile for this gateway is invalid; the administrator must set it again",
            ));
            stream.write_all(&fallback.encode()?).await?;
            stream.shutdown().await?;
            return Err(e);
        }
    };
    stream.write_all(&bytes).await?;
    stream.flush().await?;
    stream.shutdown().await?;
    Ok(answer)
}
