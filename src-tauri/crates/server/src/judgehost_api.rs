//! HTTP adapter of the judgehost API: every route checks the request
//! signature over the exact bytes received, then hands over to [`JudgeDesk`].

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use floorjudge_proto::judge_api::{
    FinishReport, Health, KEY_HEADER, LeaseRequest, ReturnReport, RunReport, SIGNATURE_HEADER,
};
use floorjudge_proto::team_api::ApiError;
use floorjudge_store::Judgehost;
use serde::de::DeserializeOwned;

use crate::judge_desk::{JudgeDesk, JudgehostRefusal, SignedRequest};

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

async fn authenticate(
    desk: &JudgeDesk,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Judgehost, JudgehostRefusal> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let host = text(header::HOST.as_str()).unwrap_or("");
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    desk.authenticate(SignedRequest {
        method: method.as_str(),
        url: format!("http://{host}{path}"),
        key: text(KEY_HEADER),
        date: text(header::DATE.as_str()),
        signature: text(SIGNATURE_HEADER),
        body,
    })
    .await
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, JudgehostRefusal> {
    serde_json::from_slice(body)
        .map_err(|e| JudgehostRefusal::BadRequest(format!("malformed body: {e}")))
}

async fn register(
    State(desk): State<Arc<JudgeDesk>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match authenticate(&desk, &method, &uri, &headers, &body).await {
        Ok(host) => Json(desk.register(&host)).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn heartbeat(
    State(desk): State<Arc<JudgeDesk>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let r = async {
        let host = authenticate(&desk, &method, &uri, &headers, &body).await?;
        let health: Health = parse(&body)?;
        desk.heartbeat(&host, health).await
    };
    r.await.map(Json).into_response()
}

async fn lease(
    State(desk): State<Arc<JudgeDesk>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let r = async {
        let host = authenticate(&desk, &method, &uri, &headers, &body).await?;
        let req: LeaseRequest = parse(&body)?;
        desk.lease(&host, Duration::from_millis(req.wait_ms)).await
    };
    match r.await {
        Ok(Some(job)) => Json(job).into_response(),
        Ok(None) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn blob(
    State(desk): State<Arc<JudgeDesk>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(sha): Path<String>,
) -> Response {
    let r = async {
        authenticate(&desk, &method, &uri, &headers, b"").await?;
        desk.blob(sha).await
    };
    match r.await {
        Ok(data) => data.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn run(
    State(desk): State<Arc<JudgeDesk>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(judging): Path<i64>,
    body: Bytes,
) -> Response {
    let r = async {
        let host = authenticate(&desk, &method, &uri, &headers, &body).await?;
        let report: RunReport = parse(&body)?;
        desk.run(&host, judging, report).await
    };
    r.await.map(|()| StatusCode::NO_CONTENT).into_response()
}

async fn finish(
    State(desk): State<Arc<JudgeDesk>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(judging): Path<i64>,
    body: Bytes,
) -> Response {
    let r = async {
        let host = authenticate(&desk, &method, &uri, &headers, &body).await?;
        let report: FinishReport = parse(&body)?;
        desk.finish(&host, judging, report).await
    };
    r.await.map(|()| StatusCode::NO_CONTENT).into_response()
}

async fn give_back(
    State(desk): State<Arc<JudgeDesk>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(judging): Path<i64>,
    body: Bytes,
) -> Response {
    let r = async {
        let host = authenticate(&desk, &method, &uri, &headers, &body).await?;
        let report: ReturnReport = parse(&body)?;
        desk.give_back(&host, judging, &report.job_token).await
    };
    r.await.map(|()| StatusCode::NO_CONTENT).into_response()
}

/// The judgehost API routes, under `/api/judgehost`.
pub fn router(desk: Arc<JudgeDesk>) -> Router {
    Router::new()
        .route("/api/judgehost/register", post(register))
        .route("/api/judgehost/heartbeat", post(heartbeat))
        .route("/api/judgehost/lease", post(lease))
        .route("/api/judgehost/blobs/{sha}", get(blob))
        .route("/api/judgehost/jobs/{judging}/runs", post(run))
        .route("/api/judgehost/jobs/{judging}/finish", post(finish))
        .route("/api/judgehost/jobs/{judging}/return", post(give_back))
        .layer(DefaultBodyLimit::max(256 * 1024))
        .with_state(desk)
}
