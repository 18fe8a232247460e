//! The HTTP adapters of the jury (axum): each a thin layer that reads the
//! request, hands it to its desk and maps the desk's refusals to statuses.
//! The refusal codes live in the desks, since the windows need them too.

pub mod clics;
pub mod console;
pub mod judgehost;
pub mod staff;
pub mod team;

/// Drops one trailing slash from an `/api/…` path (`/api/contests/` is
/// `/api/contests`), as the Contest API asks servers to accept both.
pub fn without_trailing_slash<B>(req: &mut hyper::Request<B>) {
    let path = req.uri().path();
    if !(path.starts_with("/api/") && path.len() > 5 && path.ends_with('/')) {
        return;
    }
    let trimmed = path.trim_end_matches('/');
    let rebuilt = match req.uri().query() {
        Some(q) => format!("{trimmed}?{q}"),
        None => trimmed.to_owned(),
    };
    let mut parts = req.uri().clone().into_parts();
    if let Ok(pq) = rebuilt.parse() {
        parts.path_and_query = Some(pq);
        if let Ok(uri) = hyper::Uri::from_parts(parts) {
            *req.uri_mut() = uri;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trimmed(uri: &str) -> String {
        let mut req = hyper::Request::builder().uri(uri).body(()).unwrap();
        without_trailing_slash(&mut req);
        req.uri().to_string()
    }

    #[test]
    fn api_paths_lose_their_trailing_slash_and_keep_the_query() {
        assert_eq!(trimmed("/api/contests/"), "/api/contests");
        assert_eq!(
            trimmed("/api/contests/c/teams/?strict=1"),
            "/api/contests/c/teams?strict=1"
        );
        assert_eq!(trimmed("/api/"), "/api/");
        assert_eq!(trimmed("/other/"), "/other/");
    }
}
