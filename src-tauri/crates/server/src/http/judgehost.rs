//! HTTP adapter of the judgehost API: every route checks the request
//! signature over the exact bytes received, then hands over to [`JudgeDesk`].

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, FromRequest, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use floorjudge_proto::judgehost::{
    FinishReport, Health, KEY_HEADER, LeaseRequest, ReturnReport, RunReport, SIGNATURE_HEADER,
};
use floorjudge_proto::team::ApiError;
use floorjudge_store::Judgehost;
use serde::de::DeserializeOwned;

use crate::judge_desk::{JudgeDesk, JudgehostRefusal, SignedRequest};

/// Largest judgehost request body.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

impl IntoResponse for JudgehostRefusal {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (
            status,
            Json(ApiError {
                error: self.code().to_owned(),
                message: self.to_string(),
            }),
        )
            .into_response()
    }
}

/// A request whose signature checked out, from `host`, with its JSON body.
#[derive(Debug)]
pub struct Signed<T> {
    /// The authenticated judgehost.
    pub host: Judgehost,
    /// The parsed body (`()` for an empty one).
    pub body: T,
}

impl<T: DeserializeOwned> FromRequest<Arc<JudgeDesk>> for Signed<T> {
    type Rejection = Response;

    async fn from_request(req: Request, desk: &Arc<JudgeDesk>) -> Result<Self, Response> {
        let (parts, body) = req.into_parts();
        let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
            .await
            .map_err(|_| {
                JudgehostRefusal::BadRequest(format!("the body is over {MAX_BODY_BYTES} bytes"))
                    .into_response()
            })?;
        let text = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
        let host = text(header::HOST.as_str()).unwrap_or("");
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        let judgehost = desk
            .authenticate(SignedRequest {
                method: parts.method.as_str(),
                url: format!("{}://{host}{path}", scheme_of(&parts)),
                key: text(KEY_HEADER),
                date: text(header::DATE.as_str()),
                signature: text(SIGNATURE_HEADER),
                body: &bytes,
            })
            .await
            .map_err(IntoResponse::into_response)?;
        let json: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
        let body = serde_json::from_slice(json).map_err(|e| {
            JudgehostRefusal::BadRequest(format!("malformed body: {e}")).into_response()
        })?;
        Ok(Signed {
            host: judgehost,
            body,
        })
    }
}

/// A finished report or action: 204, or the refusal.
fn done(r: Result<(), JudgehostRefusal>) -> Response {
    r.map(|()| StatusCode::NO_CONTENT).into_response()
}

async fn register(State(desk): State<Arc<JudgeDesk>>, s: Signed<serde_json::Value>) -> Response {
    let parallel = s.body.get("parallel").and_then(serde_json::Value::as_u64);
    desk.register(&s.host, parallel)
        .await
        .map(Json)
        .into_response()
}

async fn heartbeat(State(desk): State<Arc<JudgeDesk>>, s: Signed<Health>) -> Response {
    desk.heartbeat(&s.host, s.body)
        .await
        .map(Json)
        .into_response()
}

async fn lease(State(desk): State<Arc<JudgeDesk>>, s: Signed<LeaseRequest>) -> Response {
    match desk
        .lease(&s.host, Duration::from_millis(s.body.wait_ms))
        .await
    {
        Ok(Some(job)) => Json(job).into_response(),
        Ok(None) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn blob(
    State(desk): State<Arc<JudgeDesk>>,
    Path(sha): Path<String>,
    _: Signed<()>,
) -> Response {
    desk.blob(sha).await.into_response()
}

async fn run(
    State(desk): State<Arc<JudgeDesk>>,
    Path(judging): Path<i64>,
    s: Signed<RunReport>,
) -> Response {
    done(desk.run(&s.host, judging, s.body).await)
}

async fn finish(
    State(desk): State<Arc<JudgeDesk>>,
    Path(judging): Path<i64>,
    s: Signed<FinishReport>,
) -> Response {
    done(desk.finish(&s.host, judging, s.body).await)
}

async fn give_back(
    State(desk): State<Arc<JudgeDesk>>,
    Path(judging): Path<i64>,
    s: Signed<ReturnReport>,
) -> Response {
    done(desk.give_back(&s.host, judging, &s.body.job_token).await)
}

async fn leave(State(desk): State<Arc<JudgeDesk>>, s: Signed<serde_json::Value>) -> Response {
    done(desk.leave(&s.host).await)
}

/// The judgehost API routes, under `/api/judgehost`.
/// The scheme this jury serves (`https`, or `http` with `--plain-http`):
/// part of the URL a judgehost signs.
#[derive(Debug, Clone, Copy)]
struct Scheme(&'static str);

fn scheme_of(parts: &axum::http::request::Parts) -> &'static str {
    parts.extensions.get::<Scheme>().map_or("https", |s| s.0)
}

/// The judgehost API over `desk`, served over `scheme` (`https`/`http`).
pub fn router(desk: Arc<JudgeDesk>, scheme: &'static str) -> Router {
    Router::new()
        .route("/api/judgehost/register", post(register))
        .route("/api/judgehost/heartbeat", post(heartbeat))
        .route("/api/judgehost/lease", post(lease))
        .route("/api/judgehost/leave", post(leave))
        .route("/api/judgehost/blobs/{sha}", get(blob))
        .route("/api/judgehost/jobs/{judging}/runs", post(run))
        .route("/api/judgehost/jobs/{judging}/finish", post(finish))
        .route("/api/judgehost/jobs/{judging}/return", post(give_back))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::Extension(Scheme(scheme)))
        .with_state(desk)
}
