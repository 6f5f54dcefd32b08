//! The HTTP server under every port: hyper's HTTP/1.1 with the limits `axum::serve` leaves open.
//! A client has [`HEADER_READ`] to send a request's headers, counted from the connection or its
//! previous answer, so slow headers and idle keep-alive connections are closed; the body and the
//! answer have their own deadlines in [`deadlines`]. Each request knows its peer's address
//! (`ConnectInfo`), and a graceful stop finishes the requests in hand before returning.

use axum::{
    body::Body,
    extract::{ConnectInfo, Request},
    http::StatusCode,
    Router,
};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::{future::Future, time::Duration};
use tokio::net::TcpListener;

/// How long a client may take to send a request's headers (or sit idle between requests).
pub const HEADER_READ: Duration = Duration::from_secs(10);
/// How long a client may take to send a request's body.
pub const BODY_READ: Duration = Duration::from_secs(30);
/// How long a handler may take to start its answer (a live stream then runs on).
pub const ANSWER: Duration = Duration::from_secs(30);

/// The body and answer deadlines, as layers for a router: a body that trickles in gets 408, a
/// handler that hangs 503.
pub fn deadlines(router: Router) -> Router {
    router
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(BODY_READ))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            ANSWER,
        ))
}

/// Serves `router` on `listener` until `stop` completes, then waits for the requests in hand.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    stop: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut stop = std::pin::pin!(stop);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, say: wait a little instead of spinning.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        // Small answers go out at once, not after the peer's delayed ACK (40 ms).
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "TCP_NODELAY not set");
        }
        let router = router.clone();
        let service =
            hyper::service::service_fn(move |mut request: Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                let mut router = router.clone();
                tower::Service::call(&mut router, request.map(Body::new))
            });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_READ)
            .serve_connection(TokioIo::new(tcp), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %peer, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
