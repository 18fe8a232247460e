//! Transport security for every floorjudge hop. Each server (the jury, a
//! kiosk's callback server) has a self-signed certificate it makes on first
//! start; each client is given the SHA-256 fingerprint of the certificate it
//! must find and accepts that one only. There are no certificate authorities
//! and no switch that accepts any certificate.
//!
//! A kiosk also presents its certificate as a TLS client certificate when it
//! calls the jury: the handshake's CertificateVerify signature proves it
//! holds the key, and the jury binds that key with the team's address.
//!
//! Certificates come from `rcgen`; TLS is `rustls` with the `ring` provider.
//! [`serve`] is the one accept loop of every floorjudge server.

mod serve;

pub use serve::{ConnectionLimits, Peer, serve};

use std::fmt;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use thiserror::Error;

/// What went wrong with a certificate, a key or a fingerprint.
#[derive(Debug, Error)]
pub enum TlsError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The private key may be read by other users.
    #[error(
        "{} is readable by other users (mode {mode:o}): run `chmod 600 {}` and start again",
        path.display(),
        path.display()
    )]
    KeyExposed {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A PEM file holds no usable certificate or key.
    #[error("{}: {message}", path.display())]
    Pem {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A fingerprint is not 32 bytes of hex.
    #[error(
        "{0:?} is not a certificate fingerprint (64 hex digits, colons allowed, optionally after \"sha256:\")"
    )]
    BadFingerprint(String),
    /// An `https://` URL without the fingerprint to pin.
    #[error(
        "{0}: an https jury needs its certificate fingerprint (--jury-fingerprint; `floorjudge-jury tls show` prints it)"
    )]
    NoFingerprint(String),
    /// A URL that is neither `https://` nor `http://`.
    #[error("{0:?}: the jury URL must start with https:// (or http:// for a --plain-http jury)")]
    BadScheme(String),
    /// rcgen or rustls refused.
    #[error("TLS setup: {0}")]
    Setup(String),
}

/// The SHA-256 of a certificate (DER), which clients pin.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The fingerprint of a DER certificate.
    pub fn of(cert_der: &[u8]) -> Fingerprint {
        let d = ring::digest::digest(&ring::digest::SHA256, cert_der);
        let mut out = [0; 32];
        out.copy_from_slice(d.as_ref());
        Fingerprint(out)
    }

    /// Its 32 bytes.
    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", hex::encode(self.0))
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Fingerprint {
    type Err = TlsError;

    /// Accepts `sha256:` + 64 hex digits, with or without the prefix and
    /// with colons between bytes (as `openssl x509 -fingerprint` prints).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || TlsError::BadFingerprint(s.chars().take(120).collect());
        let t = s.trim();
        let t = t
            .strip_prefix("sha256:")
            .or_else(|| t.strip_prefix("SHA256:"))
            .unwrap_or(t);
        let digits: String = t.chars().filter(|c| *c != ':').collect();
        let bytes = hex::decode(&digits).map_err(|_| bad())?;
        let arr: [u8; 32] = bytes.try_into().map_err(|_| bad())?;
        Ok(Fingerprint(arr))
    }
}

/// A server's certificate and private key.
pub struct Identity {
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("fingerprint", &self.fingerprint())
            .finish_non_exhaustive()
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> TlsError + '_ {
    move |source| TlsError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Refuses a key file that group or others may read.
pub fn check_private(path: &Path) -> Result<(), TlsError> {
    let mode = std::fs::metadata(path)
        .map_err(io(path))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(TlsError::KeyExposed {
            path: path.to_owned(),
            mode: mode & 0o777,
        });
    }
    Ok(())
}

impl Identity {
    /// Loads `DIR/STEM.crt` and `DIR/STEM.key`, or makes both the first time
    /// (a new ECDSA P-256 key, 0600, and a self-signed certificate for
    /// `names`). A key that other users may read is refused.
    ///
    /// Safe when several processes start at once (a kiosk's `serve` and a
    /// `submit`): one makes the pair under a lock on `DIR/STEM.lock`, the
    /// certificate first and the key last, each written whole and renamed
    /// into place, so a key on disk always has its certificate beside it.
    pub fn load_or_create(dir: &Path, stem: &str, names: &[&str]) -> Result<Identity, TlsError> {
        let cert_path = dir.join(format!("{stem}.crt"));
        let key_path = dir.join(format!("{stem}.key"));
        if !key_path.exists() {
            let lock_path = dir.join(format!("{stem}.lock"));
            let lock = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600)
                .open(&lock_path)
                .map_err(io(&lock_path))?;
            lock.lock().map_err(io(&lock_path))?;
            // another process may have made the pair while this one waited
            if !key_path.exists() {
                let made = rcgen::generate_simple_self_signed(
                    names.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
                )
                .map_err(|e| TlsError::Setup(e.to_string()))?;
                write_whole(&cert_path, made.cert.pem().as_bytes(), 0o644)?;
                write_whole(
                    &key_path,
                    made.signing_key.serialize_pem().as_bytes(),
                    0o600,
                )?;
                tracing::info!(cert = %cert_path.display(), "made a new TLS key and certificate");
            }
            drop(lock);
        }
        check_private(&key_path)?;
        let cert = CertificateDer::from_pem_file(&cert_path).map_err(|e| TlsError::Pem {
            path: cert_path.clone(),
            message: e.to_string(),
        })?;
        let key = PrivateKeyDer::from_pem_file(&key_path).map_err(|e| TlsError::Pem {
            path: key_path.clone(),
            message: e.to_string(),
        })?;
        Ok(Identity { cert, key })
    }

    /// The certificate's fingerprint (what clients pin).
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(&self.cert)
    }

    /// A rustls server configuration presenting this certificate. With
    /// `client_keys`, a client may present a certificate of its own (any
    /// one: what it proves is possession of the key, which the handshake
    /// checks; [`Peer::client`] names it).
    pub fn server_config(&self, client_keys: bool) -> Result<Arc<rustls::ServerConfig>, TlsError> {
        let builder = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Setup(e.to_string()))?;
        let builder = if client_keys {
            builder.with_client_cert_verifier(Arc::new(AnyClientKey {
                algorithms: provider().signature_verification_algorithms,
            }))
        } else {
            builder.with_no_client_auth()
        };
        let config = builder
            .with_single_cert(vec![self.cert.clone()], self.key.clone_key())
            .map_err(|e| TlsError::Setup(e.to_string()))?;
        Ok(Arc::new(config))
    }

    /// A tokio acceptor presenting this certificate (see
    /// [`Identity::server_config`] for `client_keys`).
    pub fn acceptor(&self, client_keys: bool) -> Result<tokio_rustls::TlsAcceptor, TlsError> {
        Ok(tokio_rustls::TlsAcceptor::from(
            self.server_config(client_keys)?,
        ))
    }
}

/// Takes whatever client certificate is offered (none is fine too) and has
/// rustls check the client's handshake signature with it: a client named by
/// a certificate's fingerprint has proved it holds that certificate's key,
/// over this connection's own handshake transcript, so the proof cannot be
/// replayed on another connection.
#[derive(Debug)]
struct AnyClientKey {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for AnyClientKey {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Writes `path` whole: into a temporary file beside it (mode `mode`),
/// synced, then renamed over it.
fn write_whole(path: &Path, bytes: &[u8], mode: u32) -> Result<(), TlsError> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(&tmp)
        .map_err(io(&tmp))?;
    f.write_all(bytes).map_err(io(&tmp))?;
    f.sync_all().map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Accepts exactly the certificate with the pinned fingerprint (whatever
/// name or address the client dialled), and checks that the server proves
/// it holds that certificate's key in the handshake.
#[derive(Debug)]
struct PinnedVerifier {
    pin: Fingerprint,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let got = Fingerprint::of(end_entity);
        // the fingerprint is public: a plain comparison leaks nothing
        if got == self.pin {
            Ok(ServerCertVerified::assertion())
        } else {
            tracing::warn!(%got, pinned = %self.pin, "refused a server certificate that is not the pinned one");
            Err(rustls::Error::General(format!(
                "the server's certificate has fingerprint {got}, not the pinned {}",
                self.pin
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A rustls client configuration that accepts only the certificate `pin`,
/// presenting `client`'s certificate if given.
pub fn pinned_client_config(
    pin: Fingerprint,
    client: Option<&Identity>,
) -> Result<rustls::ClientConfig, TlsError> {
    let provider = provider();
    let verifier = Arc::new(PinnedVerifier {
        pin,
        algorithms: provider.signature_verification_algorithms,
    });
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Setup(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    match client {
        Some(id) => builder
            .with_client_auth_cert(vec![id.cert.clone()], id.key.clone_key())
            .map_err(|e| TlsError::Setup(e.to_string())),
        None => Ok(builder.with_no_client_auth()),
    }
}

/// A reqwest client builder for this process. reqwest's rustls needs a
/// process-wide crypto provider even for plain-HTTP clients: this installs
/// ring's once. Build every HTTP client from here.
pub fn http_client_builder() -> reqwest::ClientBuilder {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        // Err means another provider was installed first: that one is used
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::Client::builder()
}

/// `builder` set up for the jury at `url`: TLS to the certificate `pin`
/// for `https://` (which then needs a pin), presenting `client`'s
/// certificate if given; plain only for `http://` (a `--plain-http` jury,
/// warned about); anything else is refused.
pub fn for_jury(
    builder: reqwest::ClientBuilder,
    url: &str,
    pin: Option<Fingerprint>,
    client: Option<&Identity>,
) -> Result<reqwest::ClientBuilder, TlsError> {
    if url.starts_with("https://") {
        let pin = pin.ok_or_else(|| TlsError::NoFingerprint(url.to_owned()))?;
        Ok(builder
            .https_only(true)
            .tls_backend_preconfigured(pinned_client_config(pin, client)?))
    } else if url.starts_with("http://") {
        tracing::warn!(
            url,
            "talking to the jury over plain HTTP (development only)"
        );
        Ok(builder)
    } else {
        Err(TlsError::BadScheme(url.chars().take(200).collect()))
    }
}

/// `builder` set to speak TLS to a server with the certificate `pin` only.
pub fn pinned(
    builder: reqwest::ClientBuilder,
    pin: Fingerprint,
) -> Result<reqwest::ClientBuilder, TlsError> {
    Ok(builder.tls_backend_preconfigured(pinned_client_config(pin, None)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_parse_in_the_forms_people_paste() {
        let f = Fingerprint::of(b"cert");
        let plain = hex::encode(f.bytes());
        let colons = f
            .bytes()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(":");
        for s in [
            f.to_string(),
            plain.clone(),
            colons,
            format!("SHA256:{plain}"),
        ] {
            assert_eq!(s.parse::<Fingerprint>().expect(&s), f);
        }
        for bad in [
            "",
            "sha256:",
            "abc",
            &plain[..62],
            &format!("{plain}00"),
            "zz",
        ] {
            assert!(bad.parse::<Fingerprint>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_key_is_made_once_private_and_refused_when_exposed() {
        let dir = tempfile::tempdir().expect("dir");
        let a = Identity::load_or_create(dir.path(), "jury-tls", &["floorjudge"]).expect("made");
        let b = Identity::load_or_create(dir.path(), "jury-tls", &["floorjudge"]).expect("loaded");
        assert_eq!(a.fingerprint(), b.fingerprint(), "made once, then loaded");
        let key = dir.path().join("jury-tls.key");
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = Identity::load_or_create(dir.path(), "jury-tls", &["floorjudge"]).unwrap_err();
        assert!(err.to_string().contains("chmod 600"), "{err}");
    }

    #[test]
    fn processes_starting_at_once_get_one_key() {
        let dir = tempfile::tempdir().expect("dir");
        let prints: Vec<Fingerprint> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        Identity::load_or_create(dir.path(), "kiosk-tls", &["k"])
                            .expect("made or loaded")
                            .fingerprint()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(prints.windows(2).all(|w| w[0] == w[1]), "{prints:?}");
    }
}
