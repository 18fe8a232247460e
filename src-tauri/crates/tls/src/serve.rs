//! The accept loop of every floorjudge server (the jury, a kiosk's callback
//! server): TLS or, for development, plain HTTP/1.1, with the limits that
//! keep one hostile client from holding the server: connection caps in total
//! and per address, a bounded TLS handshake, a bounded wait for each
//! request's head (also between requests) and a connection closed after a
//! stretch with no byte in either direction.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper::body::{Body, Incoming};
use hyper::service::Service;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio_io_timeout::TimeoutStream;
use tokio_rustls::TlsAcceptor;

use crate::Fingerprint;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How many connections a server holds and for how long.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// Open connections in total; more are closed at once.
    pub total: usize,
    /// Open connections from one address; more are closed at once.
    pub per_address: usize,
    /// Time to finish the TLS handshake.
    pub handshake: Duration,
    /// Time to send a request's head, counted from the connection's start
    /// or the end of the previous answer.
    pub header_read: Duration,
    /// A connection with no byte read or written for this long is closed
    /// (longer than any long poll the server answers).
    pub idle: Duration,
    /// How long a shutdown waits for requests in flight to be answered.
    pub shutdown_grace: Duration,
}

impl ConnectionLimits {
    /// The jury's socket: every kiosk and judgehost of a large contest,
    /// a few connections each; judgehost long polls last 20 s.
    pub fn jury() -> ConnectionLimits {
        ConnectionLimits {
            total: 4096,
            per_address: 64,
            handshake: Duration::from_secs(10),
            header_read: Duration::from_secs(30),
            idle: Duration::from_secs(60),
            shutdown_grace: Duration::from_secs(10),
        }
    }

    /// A kiosk's callback server: only the jury has business there.
    pub fn kiosk() -> ConnectionLimits {
        ConnectionLimits {
            total: 32,
            per_address: 8,
            handshake: Duration::from_secs(10),
            header_read: Duration::from_secs(10),
            idle: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(2),
        }
    }
}

/// Who is at the other end of a connection: the address it came from, the
/// local address it reached, and the fingerprint of the client certificate
/// whose key it proved in the TLS handshake (if it presented one).
///
/// Handlers find it in the request's extensions as
/// `axum::extract::ConnectInfo<Peer>` for the jury's router, or as `Peer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer {
    /// The client's address (as the TCP connection says, never as the
    /// client says).
    pub addr: SocketAddr,
    /// The local address the connection reached.
    pub local: SocketAddr,
    /// The client certificate's fingerprint.
    pub client: Option<Fingerprint>,
}

impl Peer {
    /// The client's IP address, IPv4-mapped IPv6 shown as IPv4.
    pub fn ip(&self) -> IpAddr {
        self.addr.ip().to_canonical()
    }
}

/// Open connections per address.
#[derive(Debug, Default)]
struct PerAddress {
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One open connection's place in [`PerAddress`], given back on drop.
struct AddressSlot {
    table: Arc<PerAddress>,
    ip: IpAddr,
}

impl PerAddress {
    fn take(self: &Arc<Self>, ip: IpAddr, cap: usize) -> Option<AddressSlot> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let n = open.entry(ip).or_insert(0);
        if *n >= cap {
            return None;
        }
        *n += 1;
        Some(AddressSlot {
            table: self.clone(),
            ip,
        })
    }
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut open = self.table.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// Serves HTTP/1.1 on `listener` until `shutdown` completes, TLS with
/// `tls` (plain HTTP without: warned about on every connection), within
/// `limits`. `service` makes the service of one connection from its
/// [`Peer`]. After `shutdown`, no connection is accepted, requests in flight
/// get up to `limits.shutdown_grace` to be answered, and then this returns.
pub async fn serve<F, S, B>(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    limits: ConnectionLimits,
    service: F,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()>
where
    F: Fn(Peer) -> S + Send + Sync + 'static,
    S: Service<Request<Incoming>, Response = Response<B>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let service = Arc::new(service);
    let open = Arc::new(Semaphore::new(limits.total));
    let per_address = Arc::new(PerAddress::default());
    let (stop, stopping) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let (tcp, addr) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // out of file descriptors and the like: wait, then go on
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(total_slot) = open.clone().try_acquire_owned() else {
            tracing::warn!(peer = %addr, cap = limits.total, "refused a connection: the server holds as many connections as it allows");
            continue;
        };
        let Some(address_slot) = per_address.take(addr.ip().to_canonical(), limits.per_address)
        else {
            tracing::warn!(peer = %addr, cap = limits.per_address, "refused a connection: too many open connections from this address");
            continue;
        };
        let Ok(local) = tcp.local_addr() else {
            continue;
        };
        let (tls, limits, service, stopping) = (
            tls.clone(),
            limits.clone(),
            service.clone(),
            stopping.clone(),
        );
        tokio::spawn(async move {
            let _slots = (total_slot, address_slot);
            let _ = tcp.set_nodelay(true);
            let mut timed = TimeoutStream::new(tcp);
            timed.set_read_timeout(Some(limits.idle));
            timed.set_write_timeout(Some(limits.idle));
            let io = Box::pin(timed);
            match tls {
                Some(acceptor) => {
                    let tls = match tokio::time::timeout(limits.handshake, acceptor.accept(io))
                        .await
                    {
                        Ok(Ok(tls)) => tls,
                        Ok(Err(e)) => {
                            tracing::info!(peer = %addr, error = %e, "refused a connection: TLS handshake failed");
                            return;
                        }
                        Err(_) => {
                            tracing::info!(peer = %addr, timeout = ?limits.handshake, "refused a connection: no TLS handshake in time");
                            return;
                        }
                    };
                    let client = tls
                        .get_ref()
                        .1
                        .peer_certificates()
                        .and_then(|chain| chain.first())
                        .map(|cert| Fingerprint::of(cert));
                    let peer = Peer {
                        addr,
                        local,
                        client,
                    };
                    connection(tls, service(peer), &limits, stopping).await;
                }
                None => {
                    tracing::warn!(peer = %addr, "plain-HTTP connection (development only)");
                    let peer = Peer {
                        addr,
                        local,
                        client: None,
                    };
                    connection(io, service(peer), &limits, stopping).await;
                }
            }
        });
    }
    let _ = stop.send(true);
    drop(listener);
    // every connection holds a permit: all of them back means all closed
    let all = u32::try_from(limits.total).unwrap_or(u32::MAX);
    if tokio::time::timeout(limits.shutdown_grace, open.acquire_many(all))
        .await
        .is_err()
    {
        tracing::info!(
            open = limits.total - open.available_permits(),
            "shutdown: closing connections still open after the grace period"
        );
    }
    Ok(())
}

/// Serves one connection; on shutdown, answers what is in flight and closes.
async fn connection<I, S, B>(
    io: I,
    service: S,
    limits: &ConnectionLimits,
    mut stopping: watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: Service<Request<Incoming>, Response = Response<B>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .max_buf_size(64 * 1024)
        .serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    let done = tokio::select! {
        r = conn.as_mut() => Some(r),
        _ = stopping.wait_for(|s| *s) => None,
    };
    let result = match done {
        Some(r) => r,
        None => {
            conn.as_mut().graceful_shutdown();
            match tokio::time::timeout(limits.shutdown_grace, conn).await {
                Ok(r) => r,
                Err(_) => return,
            }
        }
    };
    if let Err(e) = result {
        if e.is_timeout() {
            tracing::info!(error = %e, "closed a connection: the request head did not arrive in time");
        } else {
            tracing::debug!(error = %e, "connection ended with an error");
        }
    }
}
