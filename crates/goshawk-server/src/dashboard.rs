//! The dashboard's three files, embedded in the binary so a user needs no separate build or
//! asset directory. The page loads its script and style from their own routes: the
//! Content-Security-Policy forbids inline script, so markup injected by traffic could not run
//! even if it ever reached the page as HTML (the script only ever sets text).

use axum::http::{header, HeaderValue};
use axum::response::IntoResponse;

const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
}

pub(crate) async fn index() -> impl IntoResponse {
    asset("text/html; charset=utf-8", INDEX_HTML)
}

pub(crate) async fn script() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", APP_JS)
}

pub(crate) async fn style() -> impl IntoResponse {
    asset("text/css; charset=utf-8", APP_CSS)
}
