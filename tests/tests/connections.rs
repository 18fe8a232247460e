//! The jury's socket against clients that hold connections: caps per
//! address and in total, a bounded wait for each request's head, and an
//! idle limit, across real processes on 127.0.0.N.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use floorjudge_tests::*;

/// A TCP connection to `to` from the address `from`.
fn connect_from(from: &str, to: SocketAddr) -> TcpStream {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    let local: SocketAddr = format!("{from}:0").parse().unwrap();
    socket.bind(&local.into()).unwrap();
    socket.connect(&to.into()).unwrap();
    socket.into()
}

/// Whether the server closed `s` within `limit` (a read ends in end of file
/// or a reset rather than waiting).
fn closed_within(s: &mut TcpStream, limit: Duration) -> bool {
    s.set_read_timeout(Some(limit)).unwrap();
    let mut buf = [0u8; 4096];
    let start = Instant::now();
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {
                if start.elapsed() > limit {
                    return false;
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return false;
            }
            Err(_) => return true,
        }
    }
}

/// A TLS connection to the jury (pinned), from `from`.
fn tls_from(
    from: &str,
    jury: &JuryProcess,
) -> rustls::StreamOwned<rustls::ClientConnection, TcpStream> {
    let config = floorjudge_tls::pinned_client_config(jury.fingerprint, None).unwrap();
    let conn = rustls::ClientConnection::new(
        Arc::new(config),
        rustls::pki_types::ServerName::try_from("floorjudge-jury").unwrap(),
    )
    .unwrap();
    let mut s = rustls::StreamOwned::new(conn, connect_from(from, jury.addr));
    while s.conn.is_handshaking() {
        s.conn.complete_io(&mut s.sock).expect("TLS handshake");
    }
    s
}

/// Whether the jury closed the TLS connection `s` within `limit`.
fn tls_closed_within(
    s: &mut rustls::StreamOwned<rustls::ClientConnection, TcpStream>,
    limit: Duration,
) -> bool {
    s.sock.set_read_timeout(Some(limit)).unwrap();
    let mut buf = [0u8; 4096];
    let start = Instant::now();
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) if start.elapsed() < limit => continue,
            Ok(_) => return false,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return false;
            }
            Err(_) => return true,
        }
    }
}

#[test]
fn one_address_cannot_hold_more_than_its_share_of_the_jurys_connections() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let jury = JuryProcess::start(
        &contest,
        &[
            "--no-embedded-judgehost",
            "--max-connections",
            "16",
            "--max-connections-per-address",
            "8",
        ],
    );
    // one address opens connections and never speaks
    let mut held: Vec<TcpStream> = (0..8)
        .map(|_| connect_from("127.0.0.40", jury.addr))
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let mut ninth = connect_from("127.0.0.40", jury.addr);
    assert!(
        closed_within(&mut ninth, Duration::from_secs(3)),
        "a ninth connection from one address was kept"
    );
    assert!(
        !closed_within(&mut held[0], Duration::from_millis(300)),
        "the address's first connections stay open (until the handshake limit)"
    );
    // another address still gets in, with a kiosk of its own
    let ws = Workstation::new(tmp.path(), &jury.url, "127.0.0.3", free_port());
    ok(ws.run(&["whoami"]));
    // a second address fills the rest: the jury holds 16 and closes the 17th
    held.extend((0..8).map(|_| connect_from("127.0.0.41", jury.addr)));
    std::thread::sleep(Duration::from_millis(300));
    let mut over = connect_from("127.0.0.42", jury.addr);
    assert!(
        closed_within(&mut over, Duration::from_secs(3)),
        "a connection over the total cap was kept"
    );
    // closing them frees the places
    drop(held);
    wait_for("the kiosk gets in again", Duration::from_secs(5), || {
        ws.run(&["whoami"]).status.success().then_some(())
    });
    let log = jury.log();
    assert!(
        log.contains("too many open connections from this address"),
        "{log}"
    );
    assert!(log.contains("as many connections as it allows"), "{log}");
}

#[test]
fn a_client_that_dribbles_its_request_is_cut_off() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let jury = JuryProcess::start(
        &contest,
        &[
            "--no-embedded-judgehost",
            "--header-timeout-ms",
            "500",
            "--idle-timeout-ms",
            "1500",
        ],
    );
    // a request head that never ends
    let mut slow_head = tls_from("127.0.0.43", &jury);
    slow_head
        .write_all(b"POST /api/team/identify HTTP/1.1\r\nHost: jury\r\n")
        .unwrap();
    slow_head.flush().unwrap();
    assert!(
        tls_closed_within(&mut slow_head, Duration::from_secs(5)),
        "a request head that never ended kept its connection"
    );
    // a body that stops halfway: closed after the idle limit
    let mut slow_body = tls_from("127.0.0.44", &jury);
    slow_body
        .write_all(
            b"POST /api/team/login HTTP/1.1\r\nHost: jury\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"team\":",
        )
        .unwrap();
    slow_body.flush().unwrap();
    assert!(
        tls_closed_within(&mut slow_body, Duration::from_secs(8)),
        "a body that stopped halfway kept its connection"
    );
    // a kept-alive connection that goes quiet after an answer is closed too
    let mut quiet = tls_from("127.0.0.45", &jury);
    quiet
        .write_all(b"POST /api/team/identify HTTP/1.1\r\nHost: jury\r\nContent-Length: 0\r\n\r\n")
        .unwrap();
    quiet.flush().unwrap();
    let mut answer = [0u8; 12];
    quiet.read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"HTTP/1.1 401", "an unknown address is refused");
    assert!(
        tls_closed_within(&mut quiet, Duration::from_secs(5)),
        "a quiet kept-alive connection stayed open"
    );
    // meanwhile a well-behaved kiosk is served
    let ws = Workstation::new(tmp.path(), &jury.url, "127.0.0.3", free_port());
    ok(ws.run(&["whoami"]));
    assert!(
        jury.log()
            .contains("the request head did not arrive in time"),
        "{}",
        jury.log()
    );
}
