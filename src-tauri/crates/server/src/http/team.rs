//! HTTP adapter of the team API (axum): every handler takes the peer address
//! from the accepted connection and hands over to [`TeamDesk`].

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use floorjudge_proto::team::{ApiError, ClarificationRequest, LoginRequest, SubmissionRef};
use floorjudge_tls::Peer;
use serde::de::DeserializeOwned;

use crate::team_desk::{TeamDesk, TeamRefusal};

/// Largest team API request body.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

impl IntoResponse for TeamRefusal {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = (
            status,
            Json(ApiError {
                error: self.code().to_owned(),
                message: self.to_string(),
            }),
        )
            .into_response();
        if let TeamRefusal::RateLimited { retry_after_s, .. } = self
            && let Ok(v) = HeaderValue::from_str(&retry_after_s.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

/// A JSON body whose rejection is answered in our error format.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let peer = req
            .extensions()
            .get::<ConnectInfo<Peer>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_default();
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => {
                let message = json_problem(&rejection);
                tracing::warn!(peer, reason = %message, "team request refused: bad body");
                Err((
                    rejection.status(),
                    Json(ApiError {
                        error: "bad_request".into(),
                        message,
                    }),
                )
                    .into_response())
            }
        }
    }
}

fn json_problem(r: &JsonRejection) -> String {
    match r {
        JsonRejection::MissingJsonContentType(_) => {
            "the body must be JSON (Content-Type: application/json)".into()
        }
        other => format!("malformed request body: {}", other.body_text()),
    }
}

fn token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

async fn identify(
    State(desk): State<Arc<TeamDesk>>,
    ConnectInfo(peer): ConnectInfo<Peer>,
) -> Response {
    desk.identify(&peer).await.map(Json).into_response()
}

async fn login(
    State(desk): State<Arc<TeamDesk>>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Response {
    desk.login(&peer, req).await.map(Json).into_response()
}

async fn pairing(
    State(desk): State<Arc<TeamDesk>>,
    ConnectInfo(peer): ConnectInfo<Peer>,
) -> Response {
    desk.request_pairing(peer.ip())
        .await
        .map(Json)
        .into_response()
}

async fn contest(
    State(desk): State<Arc<TeamDesk>>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
) -> Response {
    if let Err(e) = desk.authenticate(&peer, token(&headers)).await {
        return e.into_response();
    }
    desk.contest_info().await.map(Json).into_response()
}

async fn scoreboard(
    State(desk): State<Arc<TeamDesk>>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
) -> Response {
    if let Err(e) = desk.authenticate(&peer, token(&headers)).await {
        return e.into_response();
    }
    match desk.scoreboard().await {
        Ok(board) => Json(board.as_ref().clone()).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn submit(
    State(desk): State<Arc<TeamDesk>>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
    ApiJson(r): ApiJson<SubmissionRef>,
) -> Response {
    let team = match desk.authenticate(&peer, token(&headers)).await {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    desk.submit(peer.ip(), &team, r)
        .await
        .map(Json)
        .into_response()
}

async fn submissions(
    State(desk): State<Arc<TeamDesk>>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
) -> Response {
    match desk.authenticate(&peer, token(&headers)).await {
        Ok(team) => desk.submissions(&team).await.map(Json).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn submission(
    State(desk): State<Arc<TeamDesk>>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    match desk.authenticate(&peer, token(&headers)).await {
        Ok(team) => desk.status_of(&team, id).await.map(Json).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn ask(
    State(desk): State<Arc<TeamDesk>>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<ClarificationRequest>,
) -> Response {
    match desk.authenticate(&peer, token(&headers)).await {
        Ok(team) => desk
            .ask(peer.ip(), &team, req)
            .await
            .map(Json)
            .into_response(),
        Err(e) => e.into_response(),
    }
}

async fn clarifications(
    State(desk): State<Arc<TeamDesk>>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
) -> Response {
    match desk.authenticate(&peer, token(&headers)).await {
        Ok(team) => desk.clarifications(&team).await.map(Json).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn material(
    State(desk): State<Arc<TeamDesk>>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
    Path(problem): Path<String>,
) -> Response {
    match desk.authenticate(&peer, token(&headers)).await {
        Ok(team) => desk
            .material(peer.ip(), &team, problem)
            .await
            .map(Json)
            .into_response(),
        Err(e) => e.into_response(),
    }
}

/// A file for a kiosk to show or save: never sniffed, and HTML runs
/// sandboxed (no scripts, no forms, its own origin).
fn file(bytes: Vec<u8>, media_type: &'static str) -> Response {
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
        ),
    );
    resp
}

async fn statement_file(
    State(desk): State<Arc<TeamDesk>>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
    Path((problem, path)): Path<(String, String)>,
) -> Response {
    match desk.authenticate(&peer, token(&headers)).await {
        Ok(team) => match desk.statement_file(peer.ip(), &team, problem, path).await {
            Ok((bytes, media)) => file(bytes, media),
            Err(e) => e.into_response(),
        },
        Err(e) => e.into_response(),
    }
}

async fn sample_file(
    State(desk): State<Arc<TeamDesk>>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
    Path((problem, name, part)): Path<(String, String, String)>,
) -> Response {
    let team = match desk.authenticate(&peer, token(&headers)).await {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let answer = match part.as_str() {
        "in" => false,
        "ans" => true,
        _ => {
            return TeamRefusal::NotFound(format!(
                "a sample has an `in` and an `ans`, not {:?}",
                part.chars().take(20).collect::<String>()
            ))
            .into_response();
        }
    };
    match desk
        .sample_file(peer.ip(), &team, problem, name, answer)
        .await
    {
        Ok(bytes) => file(bytes, "text/plain; charset=utf-8"),
        Err(e) => e.into_response(),
    }
}

/// `GET /api/team/events`: server-sent events for the team, after the
/// `Last-Event-ID` header's id (or `?since=ID`), else from now on.
async fn events(
    State(desk): State<Arc<TeamDesk>>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    let team = match desk.authenticate(&peer, token(&headers)).await {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| q.get("since").cloned());
    let after = match after.map(|a| a.trim().parse::<i64>()) {
        None => None,
        Some(Ok(n)) if n >= 0 => Some(n),
        Some(_) => {
            return TeamRefusal::BadReference(
                "Last-Event-ID (or since) must be an event id, a whole number".into(),
            )
            .into_response();
        }
    };
    let rx = match desk.follow_events(&team, after).await {
        Ok(rx) => rx,
        Err(e) => return e.into_response(),
    };
    tracing::info!(peer = %peer.ip(), team = %team.id, ?after, "team follows its events");
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        let e = rx.recv().await?;
        let mut sse = axum::response::sse::Event::default()
            .event(e.kind)
            .data(e.data.to_string());
        // a scoreboard ping has no id: a reconnect resumes after real events
        if let Some(id) = e.id {
            sse = sse.id(id.to_string());
        }
        Some((Ok::<_, std::convert::Infallible>(sse), rx))
    });
    axum::response::sse::Sse::new(stream)
        .keep_alive(
            axum::response::sse::KeepAlive::new().interval(std::time::Duration::from_secs(15)),
        )
        .into_response()
}

/// The team API routes, under `/api/team`.
pub fn router(desk: Arc<TeamDesk>) -> Router {
    Router::new()
        .route("/api/team/identify", post(identify))
        .route("/api/team/login", post(login))
        .route("/api/team/pairing", post(pairing))
        .route("/api/team/contest", get(contest))
        .route("/api/team/scoreboard", get(scoreboard))
        .route("/api/team/submissions", post(submit).get(submissions))
        .route("/api/team/submissions/{id}", get(submission))
        .route("/api/team/clarifications", post(ask).get(clarifications))
        .route("/api/team/events", get(events))
        .route("/api/team/problems/{problem}", get(material))
        .route(
            "/api/team/problems/{problem}/statement/{*path}",
            get(statement_file),
        )
        .route(
            "/api/team/problems/{problem}/samples/{name}/{part}",
            get(sample_file),
        )
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(desk)
}
