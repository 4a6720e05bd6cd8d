//! Static assets (CSS, JS, images) embedded from `frontend/static`, served under `/static`.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../frontend/static"]
struct StaticFiles;

pub async fn serve(Path(path): Path<String>) -> Response {
    match StaticFiles::get(&path) {
        Some(file) => {
            let mime = mime_guess::from_path(&path).first_or_octet_stream();
            let mut res = file.data.into_owned().into_response();
            let headers = res.headers_mut();
            if let Ok(v) = HeaderValue::from_str(mime.as_ref()) {
                headers.insert(header::CONTENT_TYPE, v);
            }
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            );
            if let Ok(v) =
                HeaderValue::from_str(&format!("\"{}\"", hex::encode(file.metadata.sha256_hash())))
            {
                headers.insert(header::ETAG, v);
            }
            res
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
