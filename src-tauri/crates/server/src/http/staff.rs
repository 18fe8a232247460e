//! HTTP adapter of the staff desk: console logins under `/api/staff`.

use std::sync::Arc;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use floorjudge_proto::staff::StaffLogin;
use floorjudge_tls::Peer;
use serde_json::json;

use crate::http::team::ApiJson;
use crate::staff_desk::{StaffDesk, StaffRefusal};

impl IntoResponse for StaffRefusal {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            StaffRefusal::Unauthorized { code, .. } => (StatusCode::UNAUTHORIZED, *code),
            StaffRefusal::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            StaffRefusal::Store(e) => {
                tracing::error!(error = %e, "staff request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        };
        let mut resp = (
            status,
            Json(json!({ "error": code, "message": self.to_string() })),
        )
            .into_response();
        if let StaffRefusal::RateLimited { retry_after_s } = self
            && let Ok(v) = HeaderValue::from_str(&retry_after_s.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

/// The bearer token of a request, if any.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

async fn login(
    State(desk): State<Arc<StaffDesk>>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    ApiJson(req): ApiJson<StaffLogin>,
) -> Response {
    if req.name.len() > 64
        || req.password.len() > 1024
        || req.code.as_ref().is_some_and(|c| c.len() > 64)
    {
        tracing::warn!(peer = %peer.ip(), "staff login refused: oversized field");
        return (
            StatusCode::BAD_REQUEST,
            Json(
                json!({ "error": "bad_request", "message": "name, password or code is too long" }),
            ),
        )
            .into_response();
    }
    match desk
        .login(peer.ip(), req.name, req.password, req.code)
        .await
    {
        Ok(grant) => Json(grant).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn me(
    State(desk): State<Arc<StaffDesk>>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
) -> Response {
    let Some(token) = bearer(&headers) else {
        return StaffRefusal::Unauthorized {
            code: "bad_token",
            message: "log in first (POST /api/staff/login) and send Authorization: Bearer TOKEN"
                .into(),
        }
        .into_response();
    };
    match desk.session(peer.ip(), token).await {
        Ok(m) => Json(json!({ "name": m.name, "role": m.role.as_str() })).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn logout(
    State(desk): State<Arc<StaffDesk>>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
) -> Response {
    let token = bearer(&headers).unwrap_or_default().to_owned();
    match desk.logout(peer.ip(), &token).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.into_response(),
    }
}

/// The staff routes, under `/api/staff`.
pub fn router(desk: Arc<StaffDesk>) -> Router {
    Router::new()
        .route("/api/staff/login", post(login))
        .route("/api/staff/me", get(me))
        .route("/api/staff/logout", post(logout))
        .with_state(desk)
}
