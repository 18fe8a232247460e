//! HTTP adapter of the console desk: the jury console's actions under
//! `/api/staff`, each with a console session (`Authorization: Bearer`).

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use floorjudge_proto::staff::{
    Announcement, ClarificationAnswer, NewJudgehost, PairingApproval, PasswordRequest,
    RejudgeRequest,
};
use floorjudge_tls::Peer;
use serde_json::json;

use crate::console_desk::{ClockAction, ConsoleDesk, ConsoleRefusal};
use crate::http::staff::bearer;
use crate::http::team::ApiJson;
use crate::staff_desk::{StaffDesk, StaffMember, StaffRefusal};

impl IntoResponse for ConsoleRefusal {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            ConsoleRefusal::Forbidden { .. } => (StatusCode::FORBIDDEN, "forbidden"),
            ConsoleRefusal::Invalid(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ConsoleRefusal::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ConsoleRefusal::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ConsoleRefusal::Store(e) => {
                tracing::error!(error = %e, "console request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        };
        if status != StatusCode::INTERNAL_SERVER_ERROR {
            tracing::info!(code, reason = %self, "console request refused");
        }
        (
            status,
            Json(json!({ "error": code, "message": self.to_string() })),
        )
            .into_response()
    }
}

#[derive(Clone)]
struct Desks {
    staff: Arc<StaffDesk>,
    console: Arc<ConsoleDesk>,
}

/// The staff member of a request's session token, or the refusal to send.
async fn member(desks: &Desks, peer: IpAddr, headers: &HeaderMap) -> Result<StaffMember, Response> {
    let Some(token) = bearer(headers) else {
        tracing::warn!(peer = %peer, "console request refused: no session token");
        return Err(StaffRefusal::Unauthorized {
            code: "bad_token",
            message: "log in first (POST /api/staff/login) and send Authorization: Bearer TOKEN"
                .into(),
        }
        .into_response());
    };
    desks
        .staff
        .session(peer, token)
        .await
        .map_err(IntoResponse::into_response)
}

/// Runs `act` for the request's staff member and answers its result as JSON.
macro_rules! staff_call {
    ($desks:expr, $peer:expr, $headers:expr, |$m:ident, $ip:ident| $act:expr) => {{
        let $ip = $peer.ip();
        match member(&$desks, $ip, &$headers).await {
            Err(refusal) => refusal,
            Ok($m) => match $act.await {
                Ok(v) => Json(v).into_response(),
                Err(e) => e.into_response(),
            },
        }
    }};
}

async fn submission(
    State(d): State<Desks>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    h: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    staff_call!(d, peer, h, |m, ip| d.console.submission(&m, ip, id))
}

async fn judgehosts(
    State(d): State<Desks>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    h: HeaderMap,
) -> Response {
    staff_call!(d, peer, h, |m, ip| d.console.judgehosts(&m, ip))
}

async fn add_judgehost(
    State(d): State<Desks>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    h: HeaderMap,
    ApiJson(body): ApiJson<NewJudgehost>,
) -> Response {
    staff_call!(d, peer, h, |m, ip| d
        .console
        .add_judgehost(&m, ip, body.name))
}

async fn revoke_judgehost(
    State(d): State<Desks>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    h: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    staff_call!(d, peer, h, |m, ip| async {
        d.console
            .revoke_judgehost(&m, ip, name)
            .await
            .map(|()| json!({}))
    })
}

/// `?q=TEXT&limit=N` of the audit search.
#[derive(serde::Deserialize)]
struct AuditQuery {
    #[serde(default)]
    q: String,
    #[serde(default = "default_audit_limit")]
    limit: usize,
}

fn default_audit_limit() -> usize {
    200
}

async fn audit(
    State(d): State<Desks>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    h: HeaderMap,
    Query(q): Query<AuditQuery>,
) -> Response {
    staff_call!(d, peer, h, |m, ip| d.console.audit(&m, ip, q.q, q.limit))
}

async fn balloons(
    State(d): State<Desks>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    h: HeaderMap,
) -> Response {
    staff_call!(d, peer, h, |m, ip| d.console.balloons(&m, ip))
}

async fn deliver_balloon(
    State(d): State<Desks>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    h: HeaderMap,
    Path(submission): Path<i64>,
) -> Response {
    staff_call!(d, peer, h, |m, ip| async {
        d.console
            .deliver_balloon(&m, ip, submission)
            .await
            .map(|()| json!({}))
    })
}

async fn passwords(
    State(d): State<Desks>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    h: HeaderMap,
    ApiJson(body): ApiJson<PasswordRequest>,
) -> Response {
    staff_call!(d, peer, h, |m, ip| d.console.passwords(&m, ip, body))
}

async fn judged_by(
    State(d): State<Desks>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    h: HeaderMap,
) -> Response {
    staff_call!(d, peer, h, |_m, _ip| d.console.judged_by())
}

async fn pairings(
    State(d): State<Desks>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    h: HeaderMap,
) -> Response {
    staff_call!(d, peer, h, |m, ip| d.console.pairings(&m, ip))
}

async fn approve_pairing(
    State(d): State<Desks>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    h: HeaderMap,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<PairingApproval>,
) -> Response {
    staff_call!(d, peer, h, |m, ip| d
        .console
        .approve_pairing(&m, ip, &code, &body.team))
}

async fn refuse_pairing(
    State(d): State<Desks>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    h: HeaderMap,
    Path(code): Path<String>,
) -> Response {
    staff_call!(d, peer, h, |m, ip| d.console.refuse_pairing(&m, ip, &code))
}

async fn teams(
    State(d): State<Desks>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    h: HeaderMap,
) -> Response {
    staff_call!(d, peer, h, |m, ip| d.console.teams(&m, ip))
}

async fn reset_ip(
    State(d): State<Desks>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    h: HeaderMap,
    Path(team): Path<String>,
) -> Response {
    staff_call!(d, peer, h, |m, ip| d.console.reset_ip(&m, ip, &team))
}

async fn clarifications(
    State(d): State<Desks>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    h: HeaderMap,
) -> Response {
    staff_call!(d, peer, h, |m, ip| d.console.clarifications(&m, ip))
}

async fn answer(
    State(d): State<Desks>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    h: HeaderMap,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ClarificationAnswer>,
) -> Response {
    staff_call!(d, peer, h, |m, ip| async {
        d.console
            .answer(&m, ip, id, body)
            .await
            .map(|id| json!({ "id": id }))
    })
}

async fn announce(
    State(d): State<Desks>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    h: HeaderMap,
    ApiJson(body): ApiJson<Announcement>,
) -> Response {
    staff_call!(d, peer, h, |m, ip| async {
        d.console
            .announce(&m, ip, body)
            .await
            .map(|id| json!({ "id": id }))
    })
}

async fn rejudge(
    State(d): State<Desks>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    h: HeaderMap,
    ApiJson(body): ApiJson<RejudgeRequest>,
) -> Response {
    staff_call!(d, peer, h, |m, ip| d.console.rejudge(&m, ip, body))
}

async fn rejudgings(
    State(d): State<Desks>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    h: HeaderMap,
) -> Response {
    staff_call!(d, peer, h, |m, ip| d.console.rejudgings(&m, ip))
}

async fn rejudging(
    State(d): State<Desks>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    h: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    staff_call!(d, peer, h, |m, ip| d.console.rejudging(&m, ip, id))
}

async fn end_rejudging(
    State(d): State<Desks>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    h: HeaderMap,
    Path((id, how)): Path<(i64, String)>,
) -> Response {
    let apply = match how.as_str() {
        "apply" => true,
        "cancel" => false,
        _ => {
            return ConsoleRefusal::NotFound(
                "a rejudging is ended with …/apply or …/cancel".into(),
            )
            .into_response();
        }
    };
    staff_call!(d, peer, h, |m, ip| d
        .console
        .end_rejudging(&m, ip, id, apply))
}

async fn clock(
    State(d): State<Desks>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    h: HeaderMap,
    Path(action): Path<String>,
) -> Response {
    let action: ClockAction = match action.parse() {
        Ok(a) => a,
        Err(e) => return ConsoleRefusal::into_response(e),
    };
    staff_call!(d, peer, h, |m, ip| async {
        d.console.clock(&m, ip, action).await.map(|()| json!({}))
    })
}

/// The console's routes, under `/api/staff`.
pub fn router(staff: Arc<StaffDesk>, console: Arc<ConsoleDesk>) -> Router {
    Router::new()
        .route("/api/staff/submissions/{id}", get(submission))
        .route("/api/staff/judgehosts", get(judgehosts).post(add_judgehost))
        .route(
            "/api/staff/judgehosts/{name}/revoke",
            post(revoke_judgehost),
        )
        .route("/api/staff/audit", get(audit))
        .route("/api/staff/balloons", get(balloons))
        .route(
            "/api/staff/balloons/{submission}/delivered",
            post(deliver_balloon),
        )
        .route("/api/staff/passwords", post(passwords))
        .route("/api/staff/judged-by", get(judged_by))
        .route("/api/staff/pairings", get(pairings))
        .route("/api/staff/pairings/{code}/approve", post(approve_pairing))
        .route("/api/staff/pairings/{code}/refuse", post(refuse_pairing))
        .route("/api/staff/teams", get(teams))
        .route("/api/staff/teams/{team}/reset-ip", post(reset_ip))
        .route("/api/staff/clarifications", get(clarifications))
        .route("/api/staff/clarifications/{id}/answer", post(answer))
        .route("/api/staff/announcements", post(announce))
        .route("/api/staff/rejudgings", get(rejudgings).post(rejudge))
        .route("/api/staff/rejudgings/{id}", get(rejudging))
        .route("/api/staff/rejudgings/{id}/{how}", post(end_rejudging))
        .route("/api/staff/clock/{action}", post(clock))
        .with_state(Desks { staff, console })
}
