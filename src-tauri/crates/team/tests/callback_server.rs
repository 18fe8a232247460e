//! The callback file server over real TCP: only fresh requests signed by the
//! jury's key, for the address they were sent to, get a file.

use floorjudge_proto::callback::{DATE_HEADER, SIGNATURE_HEADER, signed_message};
use floorjudge_proto::team::{FileRef, SubmissionRef};
use floorjudge_team::callback_dir::new_callback_name;
use floorjudge_team::{CallbackDir, CallbackServer};
use ring::signature::{Ed25519KeyPair, KeyPair};

struct Fixture {
    server: CallbackServer,
    key: Ed25519KeyPair,
    name: String,
    http: reqwest::Client,
    /// `https` or `http`.
    scheme: &'static str,
    /// The folder the server serves (a second handle on it).
    dir: CallbackDir,
    _tmp: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    fixture_with(None).await
}

/// A callback server over TLS with `tls` as its key (plain without), and a
/// client pinned to that key.
async fn fixture_with(tls: Option<&floorjudge_tls::Identity>) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let dir = CallbackDir::open(tmp.path().join(".callback")).unwrap();
    let name = new_callback_name();
    let reference = SubmissionRef {
        problem: "A".into(),
        language: "c".into(),
        files: vec![FileRef {
            name: "a.c".into(),
            size: 4,
            sha256: String::new(),
        }],
        callback_name: name.clone(),
        callback_port: 0,
        client_nonce: "0".repeat(32),
    };
    dir.store(&name, &[("a.c".into(), b"main".to_vec())], &reference)
        .unwrap();
    let server = CallbackServer::start("127.0.0.1:0".parse().unwrap(), dir, tls)
        .await
        .unwrap();
    let key = Ed25519KeyPair::from_seed_unchecked(&[7u8; 32]).unwrap();
    server
        .set_jury_key(&hex::encode(key.public_key().as_ref()))
        .unwrap();
    Fixture {
        server,
        key,
        name,
        http: match tls {
            Some(id) => {
                floorjudge_tls::pinned(floorjudge_tls::http_client_builder(), id.fingerprint())
                    .unwrap()
                    .build()
                    .unwrap()
            }
            None => floorjudge_tls::http_client_builder().build().unwrap(),
        },
        scheme: if tls.is_some() { "https" } else { "http" },
        dir: CallbackDir::open(tmp.path().join(".callback")).unwrap(),
        _tmp: tmp,
    }
}

impl Fixture {
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        signed_target: &str,
        date: &str,
        key: &Ed25519KeyPair,
    ) -> (u16, Vec<u8>) {
        let sig = key.sign(&signed_message(method.as_str(), signed_target, path, date));
        self.send_signature(method, path, date, &hex::encode(sig.as_ref()))
            .await
    }

    /// Sends a request with the signature header exactly as given.
    async fn send_signature(
        &self,
        method: reqwest::Method,
        path: &str,
        date: &str,
        signature_hex: &str,
    ) -> (u16, Vec<u8>) {
        let r = self
            .http
            .request(
                method,
                format!("{}://{}{path}", self.scheme, self.server.local_addr()),
            )
            .header(DATE_HEADER, date)
            .header(SIGNATURE_HEADER, signature_hex)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
    }

    fn target(&self) -> String {
        self.server.local_addr().to_string()
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[tokio::test]
async fn a_signed_request_gets_the_file_once() {
    let f = fixture().await;
    let path = format!("/callback/{}/a.c", f.name);
    let date = now();
    let (status, body) = f
        .send(reqwest::Method::GET, &path, &f.target(), &date, &f.key)
        .await;
    assert_eq!((status, body.as_slice()), (200, b"main".as_slice()));
    // the same signed request again is a replay
    let (status, _) = f
        .send(reqwest::Method::GET, &path, &f.target(), &date, &f.key)
        .await;
    assert_eq!(status, 401);
    // and so is the same signature spelled in upper-case hex
    let sig = f
        .key
        .sign(&signed_message("GET", &f.target(), &path, &date));
    let upper = hex::encode_upper(sig.as_ref());
    let (status, _) = f
        .send_signature(reqwest::Method::GET, &path, &date, &upper)
        .await;
    assert_eq!(status, 401, "a replay in upper-case hex is still a replay");
}

#[tokio::test]
async fn a_signed_path_traversal_finds_nothing() {
    // `..%2F` reaches the server as written (a client normalises `../` away
    // before sending, so that spelling would test nothing)
    let f = fixture().await;
    let secret = f._tmp.path().join("secret.txt");
    std::fs::write(&secret, b"not for the jury").unwrap();
    for path in [
        format!("/callback/{}/..%2F..%2Fsecret.txt", f.name),
        format!("/callback/{}/..%2F.callback%2F{}%2Fa.c", f.name, f.name),
        "/callback/..%2Fsecret.txt/a.c".to_string(),
        format!("/callback/{}/%2E%2E%2Fsecret.txt", f.name),
    ] {
        let (status, body) = f
            .send(reqwest::Method::GET, &path, &f.target(), &now(), &f.key)
            .await;
        assert_eq!(status, 404, "{path}: {}", String::from_utf8_lossy(&body));
    }
}

#[tokio::test]
async fn forged_skewed_misdirected_and_unknown_requests_are_refused() {
    let f = fixture().await;
    let path = format!("/callback/{}/a.c", f.name);
    let other_key = Ed25519KeyPair::from_seed_unchecked(&[8u8; 32]).unwrap();
    let get = reqwest::Method::GET;
    assert_eq!(
        f.send(get.clone(), &path, &f.target(), &now(), &other_key)
            .await
            .0,
        401,
        "wrong key"
    );
    let old = (chrono::Utc::now() - chrono::Duration::minutes(11))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    assert_eq!(
        f.send(get.clone(), &path, &f.target(), &old, &f.key)
            .await
            .0,
        401,
        "skewed date"
    );
    assert_eq!(
        f.send(get.clone(), &path, &f.target(), "yesterday", &f.key)
            .await
            .0,
        401
    );
    assert_eq!(
        f.send(get.clone(), &path, "127.0.0.9:8471", &now(), &f.key)
            .await
            .0,
        401,
        "signed for another kiosk"
    );
    // signed, but for names or files that are not held
    let unknown = format!("/callback/{}/a.c", new_callback_name());
    assert_eq!(
        f.send(get.clone(), &unknown, &f.target(), &now(), &f.key)
            .await
            .0,
        404
    );
    let hidden = format!("/callback/{}/.reference.json", f.name);
    assert_eq!(
        f.send(get.clone(), &hidden, &f.target(), &now(), &f.key)
            .await
            .0,
        404
    );
    let traversal = format!("/callback/{}/..%2F..%2Fetc%2Fpasswd", f.name);
    assert_eq!(
        f.send(get.clone(), &traversal, &f.target(), &now(), &f.key)
            .await
            .0,
        404
    );
    // unsigned
    let r = f
        .http
        .get(format!("http://{}{path}", f.server.local_addr()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
}

#[tokio::test]
async fn the_acknowledgement_deletes_the_entry() {
    let f = fixture().await;
    let mut acks = f.server.acknowledgements();
    let path = format!("/callback/{}", f.name);
    let (status, _) = f
        .send(reqwest::Method::DELETE, &path, &f.target(), &now(), &f.key)
        .await;
    assert_eq!(status, 204);
    assert_eq!(acks.recv().await.unwrap(), f.name);
    let file = format!("/callback/{}/a.c", f.name);
    assert_eq!(
        f.send(reqwest::Method::GET, &file, &f.target(), &now(), &f.key)
            .await
            .0,
        404
    );
    // an unsigned delete of another entry it holds does nothing
    let other = new_callback_name();
    let reference = SubmissionRef {
        problem: "A".into(),
        language: "c".into(),
        files: vec![FileRef {
            name: "b.c".into(),
            size: 4,
            sha256: String::new(),
        }],
        callback_name: other.clone(),
        callback_port: 0,
        client_nonce: "1".repeat(32),
    };
    f.dir
        .store(&other, &[("b.c".into(), b"kept".to_vec())], &reference)
        .unwrap();
    let r = f
        .http
        .delete(format!("http://{}/callback/{other}", f.server.local_addr()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert!(f.dir.holds(&other), "the other entry survives");
}

#[tokio::test]
async fn over_tls_only_a_client_pinned_to_the_kiosk_key_gets_the_file() {
    let keys = tempfile::tempdir().unwrap();
    let kiosk =
        floorjudge_tls::Identity::load_or_create(keys.path(), "kiosk-tls", &["floorjudge-kiosk"])
            .unwrap();
    let f = fixture_with(Some(&kiosk)).await;
    let path = format!("/callback/{}/a.c", f.name);
    let (status, body) = f
        .send(reqwest::Method::GET, &path, &f.target(), &now(), &f.key)
        .await;
    assert_eq!((status, body.as_slice()), (200, b"main".as_slice()));
    // a client pinned to another key, and a plain-HTTP one, get nothing
    let other = floorjudge_tls::Fingerprint::of(b"another certificate");
    let wrong = floorjudge_tls::pinned(floorjudge_tls::http_client_builder(), other)
        .unwrap()
        .build()
        .unwrap();
    let err = wrong
        .get(format!("https://{}{path}", f.target()))
        .send()
        .await
        .unwrap_err();
    let mut chain = err.to_string();
    let mut cur = std::error::Error::source(&err);
    while let Some(c) = cur {
        chain.push_str(&format!(": {c}"));
        cur = c.source();
    }
    assert!(chain.contains(&kiosk.fingerprint().to_string()), "{chain}");
    let plain = floorjudge_tls::http_client_builder().build().unwrap();
    assert!(
        plain
            .get(format!("http://{}{path}", f.target()))
            .send()
            .await
            .is_err()
    );
}

#[tokio::test]
async fn one_address_cannot_hold_the_callback_port_and_bodies_are_never_read() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let f = fixture().await;
    let to = f.server.local_addr();
    let connect_from = move |from: &'static str| async move {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
        socket.connect(to).await.unwrap()
    };
    let mut held = Vec::new();
    for _ in 0..floorjudge_tls::ConnectionLimits::kiosk().per_address {
        held.push(connect_from("127.0.0.61").await);
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let mut over = connect_from("127.0.0.61").await;
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(std::time::Duration::from_secs(3), over.read(&mut buf)).await;
    assert!(
        matches!(read, Ok(Ok(0)) | Ok(Err(_))),
        "a connection over the per-address cap was kept: {read:?}"
    );
    // the jury's own address is still served
    let path = format!("/callback/{}/a.c", f.name);
    let (status, _) = f
        .send(reqwest::Method::GET, &path, &f.target(), &now(), &f.key)
        .await;
    assert_eq!(status, 200);
    drop(held);
    // a request with a huge body is answered without the body being read
    let mut s = connect_from("127.0.0.62").await;
    s.write_all(
        format!(
            "POST /callback/{}/a.c HTTP/1.1\r\nHost: k\r\nContent-Length: 104857600\r\n\r\n",
            f.name
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut head = [0u8; 12];
    tokio::time::timeout(std::time::Duration::from_secs(3), s.read_exact(&mut head))
        .await
        .expect("an answer without reading 100 MB")
        .unwrap();
    assert_eq!(&head, b"HTTP/1.1 401");
}
