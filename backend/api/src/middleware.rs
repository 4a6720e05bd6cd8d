//! Cross-cutting HTTP layers: security headers, request metrics, logging of server errors.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{OnceLock, RwLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, Method, Request as HttpRequest, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use metrics::{Counter, Histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tower_http::request_id::{MakeRequestId, RequestId};

use crate::error::InternalCause;

/// The strict policy for our own pages: no inline script or style, nothing from elsewhere.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
media-src 'self' blob:; worker-src 'self' blob:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; \
form-action 'self'; frame-ancestors 'none'";

/// JSON answers load nothing and are never framed: the strictest policy (as OWASP's REST
/// guidance suggests), which is also a third the size of the pages' on every heartbeat's
/// answer.
pub const CSP_JSON: &str = "default-src 'none'; frame-ancestors 'none'";

/// The API viewer (Swagger UI) needs inline styles; scripts stay same-origin.
const CSP_DOCS: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

/// The security headers' names and values, made at compile time and cloned per response (a
/// static `Bytes` clones without counting references). Built per response,
/// `HeaderValue::from_static` checked every byte of the policy again and a name given as a
/// string was parsed again (about 3,000 instructions per request, callgrind).
static POLICY: HeaderValue = HeaderValue::from_static(CSP);
static JSON_POLICY: HeaderValue = HeaderValue::from_static(CSP_JSON);
static DOCS_POLICY: HeaderValue = HeaderValue::from_static(CSP_DOCS);
static NOSNIFF: HeaderValue = HeaderValue::from_static("nosniff");
static DENY: HeaderValue = HeaderValue::from_static("DENY");
static REFERRER: HeaderValue = HeaderValue::from_static("strict-origin-when-cross-origin");
static OPENER_POLICY: HeaderName = HeaderName::from_static("cross-origin-opener-policy");
static SAME_ORIGIN: HeaderValue = HeaderValue::from_static("same-origin");
static PERMISSIONS_POLICY: HeaderName = HeaderName::from_static("permissions-policy");
static NO_DEVICES: HeaderValue =
    HeaderValue::from_static("camera=(), microphone=(), geolocation=()");

/// Adds the security headers to a response (a `MapResponseLayer`: a plain function, no boxed
/// future per request). The policy is added only where none is set: the API viewer's router
/// sets its own ([`docs_policy`]). JSON answers get [`CSP_JSON`], everything else the pages'.
pub fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    let json = h
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert_with(|| {
        if json {
            JSON_POLICY.clone()
        } else {
            POLICY.clone()
        }
    });
    h.insert(header::X_CONTENT_TYPE_OPTIONS, NOSNIFF.clone());
    h.insert(header::X_FRAME_OPTIONS, DENY.clone());
    h.insert(header::REFERRER_POLICY, REFERRER.clone());
    h.insert(OPENER_POLICY.clone(), SAME_ORIGIN.clone());
    h.insert(PERMISSIONS_POLICY.clone(), NO_DEVICES.clone());
    res
}

/// The API viewer's policy (see [`CSP_DOCS`]).
pub fn docs_policy(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, DOCS_POLICY.clone());
    res
}

/// Request ids: one random prefix per process and a counter (`3f9c1a2b7d4e-1a`). A UUID per
/// request asked the kernel for randomness on every request, a system call on the heartbeat
/// path; the prefix keeps ids apart across a deployment's processes and restarts.
#[derive(Clone, Copy, Default)]
pub struct MakeRequestIds;

impl MakeRequestId for MakeRequestIds {
    fn make_request_id<B>(&mut self, _: &HttpRequest<B>) -> Option<RequestId> {
        static PREFIX: OnceLock<String> = OnceLock::new();
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let prefix =
            PREFIX.get_or_init(|| uuid::Uuid::new_v4().simple().to_string()[..12].to_owned());
        let id = format!("{prefix}-{:x}", NEXT.fetch_add(1, Ordering::Relaxed));
        HeaderValue::try_from(id).ok().map(RequestId::new)
    }
}

/// The process-wide Prometheus recorder (installed once; tests build many apps).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets(&[
                    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                ])
                .expect("valid buckets")
                .build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder is installed; then metrics go there.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// Counts requests and their latency by route template (not raw path: bounded labels),
/// and logs the cause of every 500.
pub async fn observe(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().cloned();
    let res = next.run(req).await;
    let status = res.status();
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    if let Some(InternalCause(cause)) = res.extensions().get::<InternalCause>() {
        tracing::error!(%method, %route, error = %cause, "request failed");
    }
    let (requests, duration) = route_metrics(&method, route, status);
    requests.increment(1);
    duration.record(start.elapsed().as_secs_f64());
    res
}

/// The request counter and latency histogram of one method, route and status. They are
/// made once and kept: making them per request built the labelled key (three strings) and
/// looked it up in the registry, twice. Methods outside the standard ones count as `OTHER`,
/// so that a client cannot add labels at will.
fn route_metrics(method: &Method, route: &str, status: StatusCode) -> (Counter, Histogram) {
    type ByRoute = HashMap<String, Vec<(Method, StatusCode, Counter, Histogram)>>;
    static KEPT: OnceLock<RwLock<ByRoute>> = OnceLock::new();
    let kept = KEPT.get_or_init(|| {
        // Handles made before the recorder is installed would count nowhere, for good.
        metrics_handle();
        RwLock::default()
    });
    let standard = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::HEAD,
        Method::OPTIONS,
    ];
    let method = if standard.contains(method) {
        method.clone()
    } else {
        Method::from_bytes(b"OTHER").expect("a valid method token")
    };
    let find = |by_route: &ByRoute| {
        by_route.get(route).and_then(|kept| {
            kept.iter()
                .find(|(m, s, _, _)| *m == method && *s == status)
                .map(|(_, _, c, h)| (c.clone(), h.clone()))
        })
    };
    if let Some(found) = find(&kept.read().unwrap_or_else(|e| e.into_inner())) {
        return found;
    }
    let mut by_route = kept.write().unwrap_or_else(|e| e.into_inner());
    if let Some(found) = find(&by_route) {
        return found;
    }
    let labels = [
        ("method", method.as_str().to_owned()),
        ("route", route.to_owned()),
        ("status", status.as_u16().to_string()),
    ];
    let counter = metrics::counter!("http_requests_total", &labels);
    let histogram = metrics::histogram!("http_request_duration_seconds", &labels);
    by_route.entry(route.to_owned()).or_default().push((
        method,
        status,
        counter.clone(),
        histogram.clone(),
    ));
    (counter, histogram)
}
