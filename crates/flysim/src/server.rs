//! Router and the front middleware: request id, auth, latency, faults, rate limit, request log.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use crate::Sim;
use crate::auth::Scope;
use crate::error::{ApiError, error_body};
use crate::faults::Verdict;
use crate::requestlog::RequestRecord;

/// A TCP stream that can be told to die: the next write fails and the socket closes
/// with a RST, so the client sees a reset connection instead of an answer.
pub struct ResettableStream {
    inner: TcpStream,
    kill: Arc<AtomicBool>,
}

impl ResettableStream {
    fn check(&self) -> io::Result<()> {
        if self.kill.load(Ordering::Relaxed) {
            let _ = self.inner.set_zero_linger();
            return Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "fault injected",
            ));
        }
        Ok(())
    }
}

impl AsyncRead for ResettableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Err(e) = self.check() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResettableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Err(e) = self.check() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Err(e) = self.check() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if let Err(e) = self.check() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

pub struct ResettableListener(TcpListener);

impl Listener for ResettableListener {
    type Io = ResettableStream;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((inner, addr)) => {
                    let _ = inner.set_nodelay(true);
                    let stream = ResettableStream {
                        inner,
                        kill: Arc::new(AtomicBool::new(false)),
                    };
                    return (stream, addr);
                }
                // Out of file descriptors and similar: back off briefly and retry.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// Per-connection switch handed to the middleware.
#[derive(Clone)]
pub struct ConnKill(Arc<AtomicBool>);

impl Connected<IncomingStream<'_, ResettableListener>> for ConnKill {
    fn connect_info(stream: IncomingStream<'_, ResettableListener>) -> Self {
        ConnKill(stream.io().kill.clone())
    }
}

pub async fn serve(listener: TcpListener, sim: Arc<Sim>, shutdown: oneshot::Receiver<()>) {
    let app = router(sim.clone());
    let _ = axum::serve(
        ResettableListener(listener),
        app.into_make_service_with_connect_info::<ConnKill>(),
    )
    .with_graceful_shutdown(async move {
        let _ = shutdown.await;
        // Wake pending `wait` calls so in-flight requests finish promptly.
        sim.stopping.store(true, Ordering::SeqCst);
        sim.changed.notify_waiters();
    })
    .await;
}

pub fn router(sim: Arc<Sim>) -> Router {
    crate::api::routes()
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(sim.clone(), front))
        .with_state(sim)
}

async fn fallback() -> ApiError {
    ApiError::not_found("not found")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "invalid_argument",
        "method not allowed",
    )
}

fn request_id() -> HeaderValue {
    HeaderValue::from_str(&crate::util::ulid().to_ascii_lowercase())
        .unwrap_or_else(|_| HeaderValue::from_static("flysim"))
}

async fn front(
    State(sim): State<Arc<Sim>>,
    ConnectInfo(kill): ConnectInfo<ConnKill>,
    mut req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);

    if crate::objects::is_object_path(&path) {
        // S3 clients sign URLs instead of sending Fly tokens, and Fly's faults, latency and
        // rate limits model the Machines API only; the answers stay S3's XML.
        let resp = next.run(req).await;
        sim.reqlog.push(RequestRecord {
            method,
            path,
            query: query.as_deref().map(crate::objects::redact_query),
            status: resp.status().as_u16(),
            latency_ms: started.elapsed().as_secs_f64() * 1000.0,
            scope: "s3".to_string(),
        });
        return resp;
    }

    let auth_header = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let scope = sim.tokens.resolve(auth_header.as_deref(), Some(&sim.store));

    if path.starts_with("/__flysim") {
        // Admin paths: org token only, no faults, not logged.
        let resp = match scope {
            Some(s @ Scope::Org { .. }) => {
                req.extensions_mut().insert(s);
                next.run(req).await
            }
            _ => ApiError::unauthorized("admin paths require the org token").into_response(),
        };
        return finish(json_errors(resp).await);
    }

    if sim.profile.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(sim.profile.latency_ms)).await;
    }

    let scope_label = scope
        .as_ref()
        .map(Scope::label)
        .unwrap_or_else(|| "none".into());
    let resp = match scope {
        None => {
            let msg = if auth_header.is_none() {
                "You must be authenticated to view this."
            } else {
                "unauthorized: invalid or unknown token"
            };
            ApiError::unauthorized(msg).into_response()
        }
        Some(scope) => {
            let (verdict, delay) = sim.faults.decide(&method, &path);
            if delay > 0 {
                tokio::time::sleep(Duration::from_millis(delay)).await;
            }
            match verdict {
                Verdict::Reset => {
                    kill.0.store(true, Ordering::Relaxed);
                    sim.reqlog.push(RequestRecord {
                        method,
                        path,
                        query,
                        status: 0,
                        latency_ms: started.elapsed().as_secs_f64() * 1000.0,
                        scope: scope_label,
                    });
                    return StatusCode::INTERNAL_SERVER_ERROR.into_response();
                }
                Verdict::Status(code) => injected(code, sim.faults.retry_after_s()).into_response(),
                Verdict::Pass => {
                    let limited = if sim.profile.rate_limit {
                        sim.ratelimit.check(&method, &path).err()
                    } else {
                        None
                    };
                    match limited {
                        Some(secs) => ApiError::too_many(secs).into_response(),
                        None => {
                            req.extensions_mut().insert(scope);
                            next.run(req).await
                        }
                    }
                }
            }
        }
    };
    let resp = finish(json_errors(resp).await);
    sim.reqlog.push(RequestRecord {
        method,
        path,
        query,
        status: resp.status().as_u16(),
        latency_ms: started.elapsed().as_secs_f64() * 1000.0,
        scope: scope_label,
    });
    resp
}

fn injected(code: u16, retry_after: u64) -> ApiError {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match code {
        429 => ApiError::too_many(retry_after),
        502 => ApiError::new(status, "unavailable", "bad gateway: upstream connect error"),
        503 => ApiError::new(
            status,
            "unavailable",
            "service temporarily unavailable, please retry",
        ),
        _ => ApiError::new(status, "unknown", "internal server error (injected fault)"),
    }
}

fn finish(mut resp: Response) -> Response {
    resp.headers_mut().insert("fly-request-id", request_id());
    resp
}

/// Rewrite non-JSON error bodies (axum's extractor rejections) into Fly's error shape.
async fn json_errors(resp: Response) -> Response {
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let text = to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let mut message = String::from_utf8_lossy(&text).trim().to_string();
    if message.is_empty() {
        message = status
            .canonical_reason()
            .unwrap_or("error")
            .to_ascii_lowercase();
    }
    let code = match status.as_u16() {
        400 | 405 | 411 | 413 | 415 | 422 => "invalid_argument",
        401 => "unauthenticated",
        403 => "permission_denied",
        404 => "not_found",
        _ => "unknown",
    };
    let body = error_body(&message, code);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(body))
}
