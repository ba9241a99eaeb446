//! The REST routes: request limits, authentication, JSON errors and the shape of every answer.
//! Handlers stay thin: parsing is in `ingest`, detection behind the `Analyzer`, storage in the
//! writer, live statistics in `live`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, MatchedPath, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::StreamExt;
use goshawk_core::{Action, Alert, Event, EventKind, Verdict};
use goshawk_store::AlertQuery;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::BroadcastStream;
use utoipa::OpenApi;

use crate::ingest::{parse_batch, BatchError, EventError};
use crate::metrics::{action_index, kind_index, KINDS};
use crate::Analyzer;
use crate::{dashboard, AppState};

/// An error answer: `{"error": "...", "errors": [{"index", "field", "reason"}]}`.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// Per-event reasons (422 on `/analyze`).
    pub errors: Vec<EventError>,
}

/// The JSON body of every error answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong, naming the bad field.
    pub error: String,
    /// For invalid events: one entry per rejected event.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<EventError>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            errors: Vec::new(),
        }
    }

    pub(crate) fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            Json(ErrorBody {
                error: self.message,
                errors: self.errors,
            }),
        )
            .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<BatchError> for ApiError {
    fn from(err: BatchError) -> ApiError {
        match err {
            BatchError::Malformed(message) => ApiError::new(StatusCode::BAD_REQUEST, message),
            BatchError::TooMany { count, max } => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("events: a batch of {count} events is over the limit of {max}"),
            ),
            BatchError::Invalid(errors) => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: format!(
                    "{} invalid event(s); first: event {} field `{}`: {}",
                    errors.len(),
                    errors[0].index,
                    errors[0].field,
                    errors[0].reason
                ),
                errors,
            },
        }
    }
}

fn body_error(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request body is over the size limit",
        )
    } else {
        ApiError::new(rejection.status(), rejection.body_text())
    }
}

/// The batch's decision, in the FastAPI service's shape.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Decision {
    pub trace_id: String,
    /// Whether any event of the batch is a threat.
    pub is_threat: bool,
    /// Confidence of the most severe verdict, in [0, 1].
    pub confidence: f64,
    /// The most severe action of the batch: monitor, investigate, alert or block.
    #[schema(value_type = String)]
    pub action_suggested: Action,
    pub explanation: String,
    /// The attack type of the most severe verdict, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attack_type: Option<String>,
}

/// The answer to `POST /analyze`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AnalyzeResponse {
    pub trace_id: String,
    /// The highest verdict score of the batch.
    pub score: f64,
    pub batch_size: usize,
    pub decision: Decision,
    /// One verdict per event, in order (trace id, score, is_threat, action, confidence,
    /// attack_type, explanation, findings).
    #[schema(value_type = Vec<Object>)]
    pub verdicts: Vec<Verdict>,
}

/// The body of `POST /analyze` and `POST /analyze/direct`.
#[derive(Deserialize, utoipa::ToSchema)]
#[allow(dead_code)] // documents the request for the OpenAPI document; parsing is in `ingest`
struct AnalyzeRequest {
    /// Events, each with `kind` (http, sessions, iot, zeek) or inferred from its fields.
    #[schema(value_type = Vec<Object>)]
    events: Option<Vec<Value>>,
    /// Accepted instead of `events` (the FastAPI service's name).
    #[schema(value_type = Vec<Object>)]
    logs: Option<Vec<Value>>,
}

/// The answer to `POST /analyze/direct`.
#[derive(Serialize, utoipa::ToSchema)]
struct DirectResponse {
    trace_id: String,
    batch_size: usize,
    /// The highest model score, or null when no model scored any event.
    score: Option<f64>,
    /// The model score of each event; null when no model is loaded for its kind.
    scores: Vec<Option<f64>>,
}

pub(crate) fn router(state: Arc<AppState>) -> Router {
    let config = &state.config;
    Router::new()
        .route("/", get(dashboard::index))
        .route("/assets/app.js", get(dashboard::script))
        .route("/assets/app.css", get(dashboard::style))
        .route("/health", get(health))
        .route("/info", get(info))
        .route("/stats", get(stats))
        .route(
            "/analyze",
            post(analyze).layer(DefaultBodyLimit::max(config.max_body_bytes)),
        )
        .route(
            "/analyze/direct",
            post(analyze_direct).layer(DefaultBodyLimit::max(config.max_body_bytes)),
        )
        .route("/train/{kind}", post(train))
        .route(
            "/train/{kind}/dataset",
            post(train_dataset).layer(DefaultBodyLimit::max(64 * 1024)),
        )
        .route("/dataset/info", get(dataset_info))
        .route("/dataset/sample", get(dataset_sample))
        .route("/alerts", get(alerts))
        .route("/events", get(events))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .route_layer(middleware::from_fn_with_state(state.clone(), track_latency))
        .fallback(not_found)
        .layer(middleware::map_response(security_headers))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no such route (see /openapi.json)")
}

async fn track_latency(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string());
    let started = Instant::now();
    let response = next.run(request).await;
    if let Some(route) = route {
        if route != "/events" {
            state
                .metrics
                .request_seconds
                .with_label_values(&[route.as_str()])
                .observe(started.elapsed().as_secs_f64());
        }
    }
    response
}

/// Scripts and styles only from this origin, no inline script, no framing: a payload that
/// slipped into the page as markup still could not run.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; \
             frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// Runs the analyzer over validated events and does everything that follows: trace ids,
/// metrics, live statistics, alerts to the store (queued). Shared by `/analyze` and
/// `ServerHandle::analyze`.
pub(crate) async fn analyze_events(
    state: &Arc<AppState>,
    events: Vec<Event>,
) -> Result<AnalyzeResponse, ApiError> {
    let trace_id = uuid::Uuid::new_v4().to_string();
    let (verdicts, alerts) = analyze_and_record(state, events, Vec::new(), &trace_id, None).await?;
    state.writer.store_alerts(alerts);
    let decision = decide_batch(&trace_id, &verdicts);
    Ok(AnalyzeResponse {
        score: verdicts.iter().map(|v| v.score).fold(0.0, f64::max),
        batch_size: verdicts.len(),
        trace_id,
        decision,
        verdicts,
    })
}

/// Analyses events and records them (metrics, live statistics); returns the verdicts and the
/// alerts to store. `raw_lines[i]` is event `i`'s original log line when it had one (see
/// [`Analyzer::analyze_lines`]). An alert's idempotency key is `keys[i]` for event `i` when
/// given (a message's `topic/partition/offset`), else its verdict's trace id.
pub(crate) async fn analyze_and_record(
    state: &Arc<AppState>,
    events: Vec<Event>,
    raw_lines: Vec<Option<String>>,
    trace_id: &str,
    keys: Option<&[String]>,
) -> Result<(Vec<Verdict>, Vec<Alert>), ApiError> {
    fn analyze(
        analyzer: &dyn Analyzer,
        events: &[Event],
        raw_lines: &[Option<String>],
    ) -> Vec<Verdict> {
        let raw_lines: Vec<Option<&str>> = raw_lines.iter().map(Option::as_deref).collect();
        analyzer.analyze_lines(events, &raw_lines)
    }
    let (events, mut verdicts) = if events.len() <= state.config.inline_batch_max {
        let verdicts = analyze(state.analyzer.as_ref(), &events, &raw_lines);
        (events, verdicts)
    } else {
        let analyzer = state.analyzer.clone();
        tokio::task::spawn_blocking(move || {
            let verdicts = analyze(analyzer.as_ref(), &events, &raw_lines);
            (events, verdicts)
        })
        .await
        .map_err(|err| ApiError::internal(format!("analysis failed: {err}")))?
    };
    if verdicts.len() != events.len() {
        return Err(ApiError::internal(format!(
            "the analyzer returned {} verdicts for {} events",
            verdicts.len(),
            events.len()
        )));
    }
    let now_ms = goshawk_store::now_ms();
    let mut per_kind_action = [[0u64; 4]; 4];
    let mut alerts = Vec::new();
    for (index, (event, verdict)) in events.iter().zip(verdicts.iter_mut()).enumerate() {
        if verdict.trace_id.is_empty() {
            verdict.trace_id = format!("{trace_id}-{index}");
        }
        if !verdict.score.is_finite() {
            verdict.score = 0.0;
        }
        per_kind_action[kind_index(event.kind())][action_index(verdict.action)] += 1;
        state.metrics.scores.observe(verdict.score);
        if verdict.action.is_alert() {
            state
                .metrics
                .alerts
                .with_label_values(&[
                    event.kind().as_str(),
                    verdict.action.as_str(),
                    verdict.attack_type.as_ref().map_or("none", |t| t.as_str()),
                ])
                .inc();
            alerts.push(Alert {
                idempotency_key: keys
                    .and_then(|keys| keys.get(index))
                    .unwrap_or(&verdict.trace_id)
                    .clone(),
                time_ms: now_ms,
                source: event.source(),
                kind: event.kind(),
                verdict: verdict.clone(),
                event: event.clone(),
            });
        }
    }
    for (kind, row) in per_kind_action.iter().enumerate() {
        for (action, &n) in row.iter().enumerate() {
            if n > 0 {
                state.metrics.events[kind][action].inc_by(n);
            }
        }
    }
    state.live.record(&events, &verdicts, &alerts, now_ms);
    Ok((verdicts, alerts))
}

/// One decision for the whole batch: its most severe verdict speaks for it.
fn decide_batch(trace_id: &str, verdicts: &[Verdict]) -> Decision {
    let threats = verdicts.iter().filter(|v| v.is_threat).count();
    let worst = verdicts.iter().enumerate().max_by(|(_, a), (_, b)| {
        (a.action, a.score)
            .partial_cmp(&(b.action, b.score))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let Some((index, worst)) = worst else {
        return Decision {
            trace_id: trace_id.into(),
            is_threat: false,
            confidence: 0.0,
            action_suggested: Action::Monitor,
            explanation: "empty batch".into(),
            attack_type: None,
        };
    };
    let why = worst
        .explanation
        .first()
        .map(|e| format!(": {e}"))
        .unwrap_or_default();
    let explanation = if threats == 0 {
        format!(
            "no threat in {} event(s); highest score {:.2} (event {index}){why}",
            verdicts.len(),
            worst.score
        )
    } else {
        format!(
            "{threats} of {} event(s) are threats; most severe is event {index} (score {:.2}, {}){why}",
            verdicts.len(),
            worst.score,
            worst.action
        )
    };
    Decision {
        trace_id: trace_id.into(),
        is_threat: threats > 0,
        confidence: worst.confidence,
        action_suggested: worst.action,
        explanation,
        attack_type: worst.attack_type.as_ref().map(|t| t.to_string()),
    }
}

/// Analyse a batch: validate → detect → decide.
#[utoipa::path(post, path = "/analyze", tag = "analysis",
    request_body(content = AnalyzeRequest, description = "`{\"events\": [...]}` or `{\"logs\": [...]}`"),
    responses(
        (status = 200, body = AnalyzeResponse),
        (status = 400, description = "malformed JSON", body = ErrorBody),
        (status = 413, description = "body or batch over the limit", body = ErrorBody),
        (status = 422, description = "invalid events, with per-event reasons", body = ErrorBody)))]
async fn analyze(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<AnalyzeResponse>, ApiError> {
    let body = body.map_err(body_error)?;
    let events = parse_batch(&body, state.config.max_batch).map_err(|err| {
        if let BatchError::Invalid(errors) = &err {
            state.metrics.invalid_events.inc_by(errors.len() as u64);
        }
        ApiError::from(err)
    })?;
    Ok(Json(analyze_events(&state, events).await?))
}

/// Model scores only: no rules, no decision, nothing stored.
#[utoipa::path(post, path = "/analyze/direct", tag = "analysis",
    request_body = AnalyzeRequest,
    responses((status = 200, body = DirectResponse), (status = 400, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn analyze_direct(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<DirectResponse>, ApiError> {
    let body = body.map_err(body_error)?;
    let events = parse_batch(&body, state.config.max_batch)?;
    let analyzer = state.analyzer.clone();
    let (events, scores) = tokio::task::spawn_blocking(move || {
        let scores = analyzer.score_only(&events);
        (events, scores)
    })
    .await
    .map_err(|err| ApiError::internal(format!("scoring failed: {err}")))?;
    if scores.len() != events.len() {
        return Err(ApiError::internal(format!(
            "the analyzer returned {} scores for {} events",
            scores.len(),
            events.len()
        )));
    }
    Ok(Json(DirectResponse {
        trace_id: uuid::Uuid::new_v4().to_string(),
        batch_size: scores.len(),
        score: scores.iter().flatten().copied().reduce(f64::max),
        scores,
    }))
}

/// Checks the bearer token of a state-changing request.
fn require_token(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(expected) = state.config.api_token.as_deref() else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!(
                "this route changes the server's state and is disabled: no API token is \
                 configured (set {} or api_token in the config file)",
                crate::TOKEN_ENV
            ),
        ));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match given {
        Some(token) if constant_time_eq(token.as_bytes(), expected.as_bytes()) => Ok(()),
        Some(_) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "authorization: the bearer token is wrong",
        )),
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "authorization: missing `Authorization: Bearer <token>` header",
        )),
    }
}

/// Compares without stopping at the first difference, so timing does not reveal how much of
/// a guessed token is right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn parse_kind(kind: &str) -> Result<EventKind, ApiError> {
    kind.parse::<EventKind>()
        .map_err(|reason| ApiError::new(StatusCode::NOT_FOUND, format!("kind: {reason}")))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct TrainRequest {
    /// Records of the kind's fields, each with an optional `label`.
    #[schema(value_type = Vec<Object>)]
    records: Vec<Value>,
}

/// Train a model for `kind` from posted records and swap it in. Needs the bearer token.
#[utoipa::path(post, path = "/train/{kind}", tag = "training",
    params(("kind" = String, Path, description = "http, sessions, iot or zeek")),
    request_body = TrainRequest,
    security(("bearer" = [])),
    responses((status = 200, description = "the new model's summary", body = Object),
        (status = 401, body = ErrorBody), (status = 403, description = "no token configured", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, description = "training failed", body = ErrorBody)))]
async fn train(
    State(state): State<Arc<AppState>>,
    Path(kind): Path<String>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    // The token is checked before the body is read, so an unauthenticated client cannot make
    // the server buffer a large body.
    require_token(&state, request.headers())?;
    let kind = parse_kind(&kind)?;
    let body = axum::body::to_bytes(request.into_body(), state.config.max_train_body_bytes)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "request body is over the size limit",
            )
        })?;
    let parsed: TrainRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("expected {{\"records\": [...]}}: {e}"),
        )
    })?;
    if parsed.records.len() > state.config.max_train_records {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "records: {} records is over the limit of {}",
                parsed.records.len(),
                state.config.max_train_records
            ),
        ));
    }
    if parsed.records.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "records: empty",
        ));
    }
    let analyzer = state.analyzer.clone();
    let trained = tokio::task::spawn_blocking(move || analyzer.train(kind, parsed.records))
        .await
        .map_err(|err| ApiError::internal(format!("training failed: {err}")))?;
    finish_training(&state, kind, trained)
}

fn finish_training(
    state: &AppState,
    kind: EventKind,
    trained: Result<Value, String>,
) -> Result<Json<Value>, ApiError> {
    match trained {
        Ok(model) => {
            state.metrics.set_models(&state.analyzer.info());
            Ok(Json(
                json!({"status": "trained", "kind": kind, "model": model}),
            ))
        }
        Err(reason) => Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, reason)),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
struct TrainDatasetRequest {
    /// A dataset file inside one of the server's dataset directories (relative paths are taken
    /// from the data directory).
    path: String,
}

/// Train a model for `kind` from a dataset file on the server and swap it in. Needs the token.
#[utoipa::path(post, path = "/train/{kind}/dataset", tag = "training",
    params(("kind" = String, Path, description = "http, sessions, iot or zeek")),
    request_body = TrainDatasetRequest,
    security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody),
        (status = 403, description = "no token configured, or path outside the dataset directories", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn train_dataset(
    State(state): State<Arc<AppState>>,
    Path(kind): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    require_token(&state, &headers)?;
    let kind = parse_kind(&kind)?;
    let body = body.map_err(body_error)?;
    let parsed: TrainDatasetRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("expected {{\"path\": \"...\"}}: {e}"),
        )
    })?;
    let path = allowed_dataset_path(
        &state.config.data_dir,
        &state.config.dataset_dirs,
        &parsed.path,
    )?;
    let analyzer = state.analyzer.clone();
    let trained = tokio::task::spawn_blocking(move || analyzer.train_from_file(kind, &path))
        .await
        .map_err(|err| ApiError::internal(format!("training failed: {err}")))?;
    finish_training(&state, kind, trained)
}

/// Resolves `requested` (relative to `data_dir`) and checks it lies inside an allowed
/// directory after following links, so `../` or a symlink cannot reach other files.
fn allowed_dataset_path(
    data_dir: &FsPath,
    allowed: &[PathBuf],
    requested: &str,
) -> Result<PathBuf, ApiError> {
    let candidate = data_dir.join(requested);
    let resolved = candidate.canonicalize().map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("path: cannot read {requested}: {e}"),
        )
    })?;
    let inside = allowed
        .iter()
        .filter_map(|dir| dir.canonicalize().ok())
        .any(|dir| resolved.starts_with(dir));
    if !inside || !resolved.is_file() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("path: {requested} is not a file inside the server's dataset directories"),
        ));
    }
    Ok(resolved)
}

#[derive(Deserialize, utoipa::IntoParams)]
struct DatasetQuery {
    /// http, sessions, iot or zeek (default: every kind that has training data).
    kind: Option<String>,
    /// Rows to return from `/dataset/sample` (default 10, at most 1000).
    size: Option<usize>,
}

/// Facts about the data the models were trained on.
#[utoipa::path(get, path = "/dataset/info", tag = "datasets", params(DatasetQuery),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
async fn dataset_info(
    State(state): State<Arc<AppState>>,
    query: Result<Query<DatasetQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(query) = query.map_err(query_error)?;
    match query.kind {
        Some(kind) => {
            let kind = parse_kind(&kind)?;
            state
                .analyzer
                .dataset_info(kind)
                .map(Json)
                .ok_or_else(|| no_dataset(kind))
        }
        None => {
            let all: serde_json::Map<String, Value> = KINDS
                .iter()
                .filter_map(|&k| Some((k.as_str().to_string(), state.analyzer.dataset_info(k)?)))
                .collect();
            Ok(Json(Value::Object(all)))
        }
    }
}

fn no_dataset(kind: EventKind) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!("kind: no training data is known for {kind}"),
    )
}

/// Rows of the data a model was trained on.
#[utoipa::path(get, path = "/dataset/sample", tag = "datasets", params(DatasetQuery),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
async fn dataset_sample(
    State(state): State<Arc<AppState>>,
    query: Result<Query<DatasetQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(query) = query.map_err(query_error)?;
    let size = query.size.unwrap_or(10).clamp(1, 1000);
    let kinds = match query.kind {
        Some(kind) => vec![parse_kind(&kind)?],
        None => KINDS.to_vec(),
    };
    for &kind in &kinds {
        if let Some(sample) = state.analyzer.dataset_sample(kind, size) {
            return Ok(Json(json!({"kind": kind, "size": size, "rows": sample})));
        }
    }
    Err(ApiError::new(
        StatusCode::NOT_FOUND,
        "kind: no training data is known",
    ))
}

fn query_error(rejection: QueryRejection) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, rejection.body_text())
}

#[derive(Deserialize, utoipa::IntoParams)]
struct AlertsQuery {
    /// Unix milliseconds, or a look-back such as `90s`, `15m`, `24h`, `7d`.
    since: Option<String>,
    /// monitor, investigate, alert or block.
    action: Option<String>,
    /// http, sessions, iot or zeek.
    kind: Option<String>,
    /// Only alerts from this source (client IP, device id, ...).
    source: Option<String>,
    /// Default 100, at most 10 000.
    limit: Option<usize>,
}

/// Reads `since`: Unix milliseconds or a look-back (`15m`).
fn parse_since(text: &str, now_ms: i64) -> Result<i64, ApiError> {
    let text = text.trim();
    if let Ok(ms) = text.parse::<i64>() {
        return Ok(ms);
    }
    let bad = || {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("since: `{text}` is neither Unix milliseconds nor a look-back like 15m"),
        )
    };
    let split = text.len().checked_sub(1).ok_or_else(bad)?;
    let (number, unit) = text.split_at(split);
    let n: i64 = number.parse().map_err(|_| bad())?;
    let unit_ms = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(bad()),
    };
    Ok(now_ms.saturating_sub(n.saturating_mul(unit_ms)))
}

#[derive(Serialize, utoipa::ToSchema)]
struct AlertsResponse {
    count: usize,
    /// Newest first: idempotency_key, time_ms, source, kind, verdict, event.
    #[schema(value_type = Vec<Object>)]
    alerts: Vec<Alert>,
}

/// Stored alerts, newest first.
#[utoipa::path(get, path = "/alerts", tag = "alerts", params(AlertsQuery),
    responses((status = 200, body = AlertsResponse), (status = 400, body = ErrorBody)))]
async fn alerts(
    State(state): State<Arc<AppState>>,
    query: Result<Query<AlertsQuery>, QueryRejection>,
) -> Result<Json<AlertsResponse>, ApiError> {
    let Query(query) = query.map_err(query_error)?;
    let bad = |field: &str, reason: String| {
        ApiError::new(StatusCode::BAD_REQUEST, format!("{field}: {reason}"))
    };
    let store_query = AlertQuery {
        since_ms: query
            .since
            .as_deref()
            .map(|s| parse_since(s, goshawk_store::now_ms()))
            .transpose()?,
        action: query
            .action
            .as_deref()
            .map(str::parse::<Action>)
            .transpose()
            .map_err(|r| bad("action", r))?,
        kind: query
            .kind
            .as_deref()
            .map(str::parse::<EventKind>)
            .transpose()
            .map_err(|r| bad("kind", r))?,
        source: query.source,
        limit: query.limit.unwrap_or(goshawk_store::DEFAULT_LIMIT),
    };
    let store = state.store.clone();
    let alerts = tokio::task::spawn_blocking(move || store.query(&store_query))
        .await
        .map_err(|err| ApiError::internal(format!("alert query failed: {err}")))?
        .map_err(|err| ApiError::internal(err.to_string()))?;
    Ok(Json(AlertsResponse {
        count: alerts.len(),
        alerts,
    }))
}

/// The ATT&CK techniques a verdict's findings name (`T1190`, `T1110.004`), from their labels
/// and their `attack.tNNNN` tags.
pub(crate) fn techniques(verdict: &Verdict) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for finding in &verdict.findings {
        let from_labels = finding.labels.iter().map(String::as_str);
        let from_tags = finding
            .tags
            .iter()
            .filter_map(|t| t.strip_prefix("attack."));
        for candidate in from_labels.chain(from_tags) {
            let upper = candidate.to_ascii_uppercase();
            let is_technique = upper.len() >= 5
                && upper.starts_with('T')
                && upper[1..5].bytes().all(|b| b.is_ascii_digit());
            if is_technique && !out.contains(&upper) {
                out.push(upper);
            }
        }
    }
    out
}

/// Everything the dashboard shows on load: live history, totals from the store, top sources,
/// techniques, models.
#[utoipa::path(get, path = "/stats", tag = "dashboard",
    responses((status = 200, description = "dashboard state", body = Object)))]
async fn stats(State(state): State<Arc<AppState>>) -> Result<Json<Value>, ApiError> {
    let now = goshawk_store::now_ms();
    let day_ago = now - 86_400_000;
    let store = state.store.clone();
    let (counts, sources, recent) = tokio::task::spawn_blocking(move || {
        Ok::<_, goshawk_store::StoreError>((
            store.counts_since(day_ago.div_euclid(60_000))?,
            store.top_sources(day_ago, 10)?,
            store.query(&AlertQuery {
                since_ms: Some(day_ago),
                limit: 1000,
                ..Default::default()
            })?,
        ))
    })
    .await
    .map_err(|err| ApiError::internal(format!("stats failed: {err}")))?
    .map_err(|err| ApiError::internal(err.to_string()))?;
    let mut by_action: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_attack: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_minute: BTreeMap<i64, [u64; 2]> = BTreeMap::new();
    for row in &counts {
        *by_action.entry(row.action.clone()).or_default() += row.n;
        let is_alert = row.action == "alert" || row.action == "block";
        let slot = by_minute.entry(row.minute).or_default();
        slot[0] += row.n;
        if is_alert {
            slot[1] += row.n;
            if !row.attack_type.is_empty() {
                *by_attack.entry(row.attack_type.clone()).or_default() += row.n;
            }
        }
    }
    let mut by_technique: HashMap<String, u64> = HashMap::new();
    for alert in &recent {
        for t in techniques(&alert.verdict) {
            *by_technique.entry(t).or_default() += 1;
        }
    }
    let live = state.live.snapshot();
    Ok(Json(json!({
        "now_ms": now,
        "uptime_s": state.started.elapsed().as_secs(),
        "live": live,
        "last_24h": {
            "by_action": by_action,
            "by_attack_type": by_attack,
            "by_technique": by_technique,
            "per_minute": by_minute.iter().map(|(m, [e, a])| json!({"minute": m, "events": e, "alerts": a})).collect::<Vec<_>>(),
            "top_sources": sources,
        },
        "info": state.analyzer.info(),
    })))
}

/// Live feed (server-sent events): `alert` messages (the stored alert) and a `stats` message
/// every second. A slow client skips messages rather than making the server buffer them.
#[utoipa::path(get, path = "/events", tag = "dashboard",
    responses((status = 200, description = "text/event-stream of `alert` and `stats` events", content_type = "text/event-stream", body = String)))]
async fn events(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let metrics = state.metrics.clone();
    metrics.sse_clients.inc();
    let guard = SseClientGuard(metrics.clone());
    let mut stop = state.shutdown.clone();
    let stopped = async move {
        // Ends when the server shuts down (or is already shutting down).
        let _ = stop.wait_for(|stopping| *stopping).await;
    };
    let stream = BroadcastStream::new(state.live.subscribe())
        .map(move |message| {
            let _keep = &guard;
            Ok::<_, std::convert::Infallible>(match message {
                Ok(message) => SseEvent::default().event(message.event).data(&message.data),
                Err(BroadcastStreamRecvError::Lagged(skipped)) => {
                    metrics.sse_skipped.inc_by(skipped);
                    SseEvent::default().comment(format!("skipped {skipped} messages"))
                }
            })
        })
        .take_until(stopped);
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// Decrements the SSE client gauge when the stream is dropped.
struct SseClientGuard(Arc<crate::metrics::Metrics>);

impl Drop for SseClientGuard {
    fn drop(&mut self) {
        self.0.sse_clients.dec();
    }
}

/// Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain", body = String)))]
async fn metrics(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    // Read when scraped: counting the windows takes the windows' lock, which nothing else
    // needs to take for it.
    let windows = state.analyzer.window_count();
    state
        .metrics
        .behaviour_windows
        .set(i64::try_from(windows).unwrap_or(i64::MAX));
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        state.metrics.render(),
    )
}

/// Liveness, uptime and model versions.
#[utoipa::path(get, path = "/health", tag = "operations",
    responses((status = 200, body = Object)))]
async fn health(State(state): State<Arc<AppState>>) -> Json<Value> {
    let info = state.analyzer.info();
    Json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "uptime_s": state.started.elapsed().as_secs(),
        "models": info.get("models").cloned().unwrap_or(Value::Array(vec![])),
    }))
}

/// Event kinds, device types, rule counts and loaded models.
#[utoipa::path(get, path = "/info", tag = "operations",
    responses((status = 200, body = Object)))]
async fn info(State(state): State<Arc<AppState>>) -> Json<Value> {
    let mut info = json!({
        "service": "goshawk",
        "version": env!("CARGO_PKG_VERSION"),
        "event_kinds": KINDS.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        "limits": {
            "max_body_bytes": state.config.max_body_bytes,
            "max_batch": state.config.max_batch,
        },
        "training_enabled": state.config.api_token.is_some(),
    });
    if let (Value::Object(out), Value::Object(extra)) = (&mut info, state.analyzer.info()) {
        for (key, value) in extra {
            out.entry(key).or_insert(value);
        }
    }
    Json(info)
}

#[derive(OpenApi)]
#[openapi(
    info(title = "goshawk", description = "Security detection service: analyse events, read alerts, train models."),
    paths(health, info, stats, analyze, analyze_direct, train, train_dataset, dataset_info,
          dataset_sample, alerts, events, metrics),
    components(schemas(AnalyzeResponse, Decision, ErrorBody, EventError, AnalyzeRequest,
                       DirectResponse, TrainRequest, TrainDatasetRequest, AlertsResponse)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
        }
    }
}

/// The OpenAPI 3.1 document of this API.
async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_reads_milliseconds_and_look_backs() {
        assert_eq!(
            parse_since("1700000000000", 0).expect("ms"),
            1_700_000_000_000
        );
        assert_eq!(parse_since("15m", 1_000_000).expect("15m"), 100_000);
        assert_eq!(
            parse_since("2h", 10_000_000).expect("2h"),
            10_000_000 - 7_200_000
        );
        for bad in ["", "m", "15x", "abc", "1.5h"] {
            let err = parse_since(bad, 0).expect_err(bad);
            assert!(err.message.starts_with("since:"), "{}", err.message);
        }
    }

    #[test]
    fn techniques_come_from_labels_and_attack_tags() {
        let verdict = Verdict {
            trace_id: String::new(),
            score: 1.0,
            is_threat: true,
            action: Action::Block,
            confidence: 1.0,
            attack_type: None,
            explanation: vec![],
            findings: vec![goshawk_core::Finding {
                labels: vec!["T1190".into(), "stride.tampering".into()],
                tags: vec![
                    "attack.t1110.004".into(),
                    "attack.initial-access".into(),
                    "attack.t1190".into(),
                ],
                ..Default::default()
            }],
        };
        assert_eq!(techniques(&verdict), ["T1190", "T1110.004"]);
    }

    #[test]
    fn tokens_compare_exactly() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
    }
}
