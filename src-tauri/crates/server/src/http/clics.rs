//! HTTP adapter of the CLICS Contest API (2023-06), read-only, under
//! `/api`: `contests`, a contest and its `state`, `scoreboard`, `access`,
//! `event-feed` and object collections, with HTTP Basic for staff.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use floorjudge_tls::Peer;
use serde_json::{Value, json};

use crate::clics::{Audience, ClicsError};
use crate::clics_desk::{ClicsDesk, ClicsRefusal, Credentials};
use crate::staff_desk::StaffRefusal;

impl IntoResponse for ClicsRefusal {
    fn into_response(self) -> Response {
        match self {
            ClicsRefusal::Staff(e) => {
                let unauthorized = matches!(e, StaffRefusal::Unauthorized { .. });
                let mut resp = e.into_response();
                if unauthorized {
                    resp.headers_mut().insert(
                        header::WWW_AUTHENTICATE,
                        HeaderValue::from_static("Basic realm=\"floorjudge\""),
                    );
                }
                resp
            }
            ClicsRefusal::Clics(e) => {
                let (status, code) = match &e {
                    ClicsError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
                    ClicsError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
                    ClicsError::Store(err) => {
                        tracing::error!(error = %err, "Contest API request failed");
                        (StatusCode::INTERNAL_SERVER_ERROR, "internal")
                    }
                };
                (
                    status,
                    axum::Json(
                        json!({ "code": status.as_u16(), "error": code, "message": e.to_string() }),
                    ),
                )
                    .into_response()
            }
        }
    }
}

fn refused(peer: &Peer, path: &str, e: ClicsError) -> Response {
    match &e {
        ClicsError::Store(_) => {}
        other => {
            tracing::info!(peer = %peer.ip(), path, reason = %other, "Contest API request refused")
        }
    }
    ClicsRefusal::Clics(e).into_response()
}

/// What the `Authorization` header presents: nothing, HTTP Basic or a
/// console session (`Bearer`).
fn credentials(headers: &HeaderMap) -> Result<Credentials, StaffRefusal> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(Credentials::None);
    };
    let bad = || StaffRefusal::Unauthorized {
        code: "bad_credentials",
        message:
            "the Authorization header must be HTTP Basic (user:password in base64) or Bearer TOKEN"
                .into(),
    };
    let text = value.to_str().map_err(|_| bad())?;
    let (scheme, rest) = text.trim().split_once(' ').ok_or_else(bad)?;
    if scheme.eq_ignore_ascii_case("bearer") {
        return Ok(Credentials::Bearer(rest.trim().to_owned()));
    }
    if !scheme.eq_ignore_ascii_case("basic") || rest.len() > 1024 {
        return Err(bad());
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .map_err(|_| bad())?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
    let (user, password) = decoded.split_once(':').ok_or_else(bad)?;
    Ok(Credentials::Basic(user.to_owned(), password.to_owned()))
}

async fn audience(
    desk: &ClicsDesk,
    peer: &Peer,
    headers: &HeaderMap,
) -> Result<Audience, Response> {
    let given = credentials(headers).map_err(|e| {
        tracing::warn!(peer = %peer.ip(), reason = %e, "Contest API request refused");
        ClicsRefusal::Staff(e).into_response()
    })?;
    desk.audience(peer.ip(), given)
        .await
        .map_err(IntoResponse::into_response)
}

fn json_response(v: Value) -> Response {
    axum::Json(v).into_response()
}

async fn api_root() -> Response {
    json_response(crate::clics::api_information())
}

async fn contests(
    State(desk): State<Arc<ClicsDesk>>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
) -> Response {
    let who = match audience(&desk, &peer, &headers).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    match desk.read(who, |v| Ok(json!([v.contest()]))).await {
        Ok(v) => json_response(v),
        Err(e) => refused(&peer, "/api/contests", e),
    }
}

/// Checks that `cid` is this contest.
fn this_contest(view: &crate::clics::ContestView<'_>, cid: &str) -> Result<(), ClicsError> {
    if view.contest_id() == cid {
        Ok(())
    } else {
        Err(ClicsError::NotFound(format!("no contest {cid:?}")))
    }
}

async fn contest(
    State(desk): State<Arc<ClicsDesk>>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
    Path(cid): Path<String>,
) -> Response {
    let who = match audience(&desk, &peer, &headers).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let path = format!("/api/contests/{cid}");
    match desk
        .read(who, move |v| {
            this_contest(v, &cid)?;
            Ok(v.contest())
        })
        .await
    {
        Ok(v) => json_response(v),
        Err(e) => refused(&peer, &path, e),
    }
}

async fn endpoint(
    State(desk): State<Arc<ClicsDesk>>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
    Path((cid, endpoint)): Path<(String, String)>,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let who = match audience(&desk, &peer, &headers).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let path = format!("/api/contests/{cid}/{endpoint}");
    if endpoint == "event-feed" {
        return event_feed(desk, who, peer, cid, query).await;
    }
    let result = desk
        .read(who, move |v| {
            this_contest(v, &cid)?;
            match endpoint.as_str() {
                "state" => Ok(v.state()),
                "scoreboard" => v.scoreboard(),
                "access" => Ok(access(who)),
                other => Ok(Value::Array(v.collection(other)?)),
            }
        })
        .await;
    match result {
        Ok(v) => json_response(v),
        Err(e) => refused(&peer, &path, e),
    }
}

async fn object(
    State(desk): State<Arc<ClicsDesk>>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
    Path((cid, endpoint, id)): Path<(String, String, String)>,
) -> Response {
    let who = match audience(&desk, &peer, &headers).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let path = format!("/api/contests/{cid}/{endpoint}/{id}");
    let result = desk
        .read(who, move |v| {
            this_contest(v, &cid)?;
            if matches!(
                endpoint.as_str(),
                "state" | "scoreboard" | "event-feed" | "access"
            ) {
                return Err(ClicsError::NotFound(format!(
                    "{endpoint} has no objects by id"
                )));
            }
            v.object(&endpoint, &id)?
                .ok_or_else(|| ClicsError::NotFound(format!("no {endpoint} object {id:?}")))
        })
        .await;
    match result {
        Ok(v) => json_response(v),
        Err(e) => refused(&peer, &path, e),
    }
}

async fn submission_files(
    State(desk): State<Arc<ClicsDesk>>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
    Path((cid, id)): Path<(String, String)>,
) -> Response {
    let who = match audience(&desk, &peer, &headers).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let path = format!("/api/contests/{cid}/submissions/{id}/files");
    let checked = desk
        .read(who, move |v| this_contest(v, &cid))
        .await
        .and_then(|()| {
            id.parse::<i64>()
                .map_err(|_| ClicsError::NotFound(format!("no submission {id:?}")))
        });
    let zip = match checked {
        Ok(n) => desk.submission_zip(who, n).await,
        Err(e) => Err(e),
    };
    match zip {
        Ok(bytes) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/zip"),
            )],
            bytes,
        )
            .into_response(),
        Err(e) => refused(&peer, &path, e),
    }
}

async fn event_feed(
    desk: Arc<ClicsDesk>,
    who: Audience,
    peer: Peer,
    cid: String,
    query: std::collections::HashMap<String, String>,
) -> Response {
    let path = format!("/api/contests/{cid}/event-feed");
    let c = cid.clone();
    if let Err(e) = desk.read(who, move |v| this_contest(v, &c)).await {
        return refused(&peer, &path, e);
    }
    let since = match query.get("since_token").map(|t| t.trim()) {
        None | Some("") => None,
        Some(t) => match t.parse::<i64>() {
            Ok(n) if n >= 0 => Some(n),
            _ => {
                tracing::info!(peer = %peer.ip(), token = t, "Contest API request refused: bad since_token");
                return (
                    StatusCode::BAD_REQUEST,
                    axum::Json(json!({
                        "code": 400,
                        "error": "bad_request",
                        "message": format!("since_token {t:?} is not a token of this feed (a whole number from an earlier line)"),
                    })),
                )
                    .into_response();
            }
        },
    };
    let stream = !matches!(query.get("stream").map(String::as_str), Some("false" | "0"));
    let rx = match desk.feed(who, since, stream).await {
        Ok(rx) => rx,
        Err(e) => return refused(&peer, &path, e),
    };
    tracing::info!(peer = %peer.ip(), ?who, ?since, stream, "Contest API event feed opened");
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        let line = rx.recv().await?;
        Some((Ok::<_, std::convert::Infallible>(line), rx))
    });
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-ndjson"),
        )],
        Body::from_stream(body),
    )
        .into_response()
}

/// `access`: what this audience may read (no capabilities: the API is
/// read-only).
fn access(who: Audience) -> Value {
    let mut endpoints = vec![
        (
            "contest",
            vec![
                "id",
                "name",
                "formal_name",
                "start_time",
                "duration",
                "scoreboard_freeze_duration",
                "scoreboard_type",
                "penalty_time",
            ],
        ),
        (
            "state",
            vec![
                "started",
                "frozen",
                "ended",
                "thawed",
                "finalized",
                "end_of_updates",
            ],
        ),
        ("judgement-types", vec!["id", "name", "penalty", "solved"]),
        (
            "languages",
            vec![
                "id",
                "name",
                "entry_point_required",
                "extensions",
                "compiler",
                "runner",
            ],
        ),
        (
            "problems",
            vec![
                "id",
                "label",
                "name",
                "ordinal",
                "rgb",
                "color",
                "time_limit",
                "test_data_count",
            ],
        ),
        ("groups", vec!["id", "icpc_id", "name"]),
        (
            "organizations",
            vec!["id", "icpc_id", "name", "formal_name", "country"],
        ),
        (
            "teams",
            vec![
                "id",
                "icpc_id",
                "name",
                "label",
                "display_name",
                "organization_id",
                "group_ids",
                "hidden",
            ],
        ),
        (
            "submissions",
            vec![
                "id",
                "language_id",
                "problem_id",
                "team_id",
                "time",
                "contest_time",
                "entry_point",
                "files",
            ],
        ),
        (
            "judgements",
            vec![
                "id",
                "submission_id",
                "judgement_type_id",
                "start_time",
                "start_contest_time",
                "end_time",
                "end_contest_time",
                "max_run_time",
            ],
        ),
        (
            "clarifications",
            vec![
                "id",
                "from_team_id",
                "to_team_id",
                "reply_to_id",
                "problem_id",
                "text",
                "time",
                "contest_time",
            ],
        ),
        ("awards", vec!["id", "citation", "team_ids"]),
        ("scoreboard", vec!["time", "contest_time", "state", "rows"]),
    ];
    if who != Audience::Public {
        endpoints.push((
            "runs",
            vec![
                "id",
                "judgement_id",
                "ordinal",
                "judgement_type_id",
                "time",
                "contest_time",
                "run_time",
            ],
        ));
    }
    if who == Audience::Admin {
        endpoints.push((
            "accounts",
            vec!["id", "username", "name", "type", "ip", "team_id"],
        ));
    }
    json!({
        "capabilities": [],
        "endpoints": endpoints
            .into_iter()
            .map(|(t, p)| json!({ "type": t, "properties": p }))
            .collect::<Vec<_>>(),
    })
}

/// The Contest API routes.
pub fn router(desk: Arc<ClicsDesk>) -> Router {
    Router::new()
        .route("/api", get(api_root))
        .route("/api/contests", get(contests))
        .route("/api/contests/{cid}", get(contest))
        .route("/api/contests/{cid}/{endpoint}", get(endpoint))
        .route("/api/contests/{cid}/{endpoint}/{id}", get(object))
        .route(
            "/api/contests/{cid}/submissions/{id}/files",
            get(submission_files),
        )
        .with_state(desk)
}
