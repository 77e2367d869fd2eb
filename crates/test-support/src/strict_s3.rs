//! A reverse proxy in front of an S3 endpoint that is as strict as AWS S3 and R2 where Garage is
//! lenient: a PUT without `Content-Length` (a chunked upload, say) is refused with `411
//! MissingContentLength`. Everything else goes through unchanged, the client's `Host` header
//! included, since presigned SigV4 signatures cover the host the client used: the proxy's.
//!
//! It runs on its own thread and runtime, so sync and async tests alike can use it, and stops
//! when the [`StrictS3`] is dropped.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;

use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderMap, HeaderName};
use hyper::http::uri::{Authority, Scheme};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::sync::oneshot;

/// What AWS S3 answers a PUT without `Content-Length`.
pub const MISSING_CONTENT_LENGTH: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>MissingContentLength</Code><Message>You must provide the Content-Length HTTP header.</Message></Error>";

/// Headers about one connection, not the request: never forwarded. `Expect` too, since the
/// proxy has already answered `100 Continue` to its client by reading the body.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "expect",
];

type ProxyBody = BoxBody<Bytes, hyper::Error>;
type Upstream = Client<HttpConnector, Incoming>;

#[derive(Default)]
struct Counters {
    puts: AtomicUsize,
    refused_without_length: AtomicUsize,
}

/// A running proxy; see the module documentation.
pub struct StrictS3 {
    addr: SocketAddr,
    counters: Arc<Counters>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl StrictS3 {
    /// Starts a proxy on `127.0.0.1` with a free port in front of `upstream`, an
    /// `http://host:port` endpoint.
    ///
    /// # Panics
    ///
    /// When `upstream` is not an `http://` URL with a host, or the proxy cannot listen.
    #[must_use]
    pub fn in_front_of(upstream: &str) -> StrictS3 {
        let uri: Uri = upstream
            .parse()
            .unwrap_or_else(|e| panic!("StrictS3 upstream {upstream:?}: {e}"));
        assert!(
            uri.scheme() == Some(&Scheme::HTTP),
            "StrictS3 upstream {upstream:?}: only http:// is supported"
        );
        let authority = uri
            .authority()
            .cloned()
            .unwrap_or_else(|| panic!("StrictS3 upstream {upstream:?} has no host"));
        let listener = std::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .unwrap_or_else(|e| panic!("StrictS3 cannot listen on 127.0.0.1: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("StrictS3 listener has no address: {e}"));
        let counters = Arc::new(Counters::default());
        let (stop, stopped) = oneshot::channel();
        let thread = {
            let counters = Arc::clone(&counters);
            std::thread::Builder::new()
                .name("strict-s3".to_owned())
                .spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap_or_else(|e| panic!("StrictS3 runtime: {e}"));
                    // Dropping the runtime afterwards cancels the connections still open.
                    runtime.block_on(serve(listener, authority, counters, stopped));
                })
                .unwrap_or_else(|e| panic!("StrictS3 thread: {e}"))
        };
        StrictS3 {
            addr,
            counters,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The proxy's endpoint, `http://127.0.0.1:PORT`: what clients sign for and send to.
    #[must_use]
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// PUTs forwarded upstream.
    #[must_use]
    pub fn puts(&self) -> usize {
        self.counters.puts.load(Ordering::SeqCst)
    }

    /// PUTs refused for want of `Content-Length`.
    #[must_use]
    pub fn refused_without_length(&self) -> usize {
        self.counters.refused_without_length.load(Ordering::SeqCst)
    }
}

impl Drop for StrictS3 {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(
    listener: std::net::TcpListener,
    upstream: Authority,
    counters: Arc<Counters>,
    mut stopped: oneshot::Receiver<()>,
) {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(listener) => listener,
        Err(e) => panic!("StrictS3 listener: {e}"),
    };
    let client: Upstream = Client::builder(TokioExecutor::new()).build_http();
    loop {
        let stream = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // A connection that failed before it was accepted concerns nobody else.
                Err(_) => continue,
            },
        };
        let (client, upstream, counters) =
            (client.clone(), upstream.clone(), Arc::clone(&counters));
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                forward(
                    request,
                    client.clone(),
                    upstream.clone(),
                    Arc::clone(&counters),
                )
            });
            // A client hanging up mid-request ends only its own connection.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn forward(
    mut request: Request<Incoming>,
    client: Upstream,
    upstream: Authority,
    counters: Arc<Counters>,
) -> Result<Response<ProxyBody>, Infallible> {
    if request.method() == Method::PUT {
        if !request.headers().contains_key(header::CONTENT_LENGTH) {
            counters
                .refused_without_length
                .fetch_add(1, Ordering::SeqCst);
            // Read the body before answering so the client sees the 411 rather than a reset
            // connection while it is still sending.
            let mut body = request.into_body();
            while let Some(Ok(_)) = body.frame().await {}
            return Ok(answer(
                StatusCode::LENGTH_REQUIRED,
                "application/xml",
                MISSING_CONTENT_LENGTH,
            ));
        }
        counters.puts.fetch_add(1, Ordering::SeqCst);
    }
    let path = request
        .uri()
        .path_and_query()
        .map_or("/", |path| path.as_str())
        .to_owned();
    let uri = match Uri::builder()
        .scheme(Scheme::HTTP)
        .authority(upstream)
        .path_and_query(path)
        .build()
    {
        Ok(uri) => uri,
        Err(e) => {
            return Ok(answer(
                StatusCode::BAD_REQUEST,
                "text/plain",
                &format!("StrictS3: bad request target: {e}"),
            ));
        }
    };
    *request.uri_mut() = uri;
    strip_hop_by_hop(request.headers_mut());
    match client.request(request).await {
        Ok(response) => {
            let (mut parts, body) = response.into_parts();
            strip_hop_by_hop(&mut parts.headers);
            Ok(Response::from_parts(parts, body.boxed()))
        }
        Err(e) => Ok(answer(
            StatusCode::BAD_GATEWAY,
            "text/plain",
            &format!("StrictS3: upstream failed: {e}"),
        )),
    }
}

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    // Headers the `Connection` header names are hop-by-hop too.
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
}

fn answer(status: StatusCode, content_type: &str, body: &str) -> Response<ProxyBody> {
    let mut response = Response::new(
        Full::new(Bytes::from(body.to_owned()))
            .map_err(|never| match never {})
            .boxed(),
    );
    *response.status_mut() = status;
    if let Ok(value) = content_type.parse() {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}
