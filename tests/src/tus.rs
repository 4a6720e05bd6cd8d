//! A tus 1.0 client for tests: create an upload, send bytes at an offset, ask where it is.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::{Method, StatusCode};

use crate::{Session, TestApp, TestResponse};

/// `Upload-Metadata` naming the file and its type.
pub fn meta(filename: &str, filetype: &str) -> String {
    format!(
        "filename {},filetype {}",
        STANDARD.encode(filename),
        STANDARD.encode(filetype)
    )
}

/// Starts an upload of `length` bytes of an MP4 video; returns its URL.
pub async fn create(app: &TestApp, s: &Session, length: usize) -> String {
    create_as(app, s, length, "bài giảng 1.mp4", "video/mp4").await
}

/// Starts an upload of `length` bytes of the given file; returns its URL.
pub async fn create_as(
    app: &TestApp,
    s: &Session,
    length: usize,
    filename: &str,
    filetype: &str,
) -> String {
    let res = app
        .post("/api/v1/uploads")
        .bearer(&s.access_token)
        .header("tus-resumable", "1.0.0")
        .header("upload-length", &length.to_string())
        .header("upload-metadata", &meta(filename, filetype))
        .send()
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(res.headers["tus-resumable"], "1.0.0");
    res.headers["location"].to_str().unwrap().to_owned()
}

/// Sends `body` at `offset` (tus PATCH).
pub async fn patch(
    app: &TestApp,
    s: &Session,
    url: &str,
    offset: usize,
    body: impl Into<axum::body::Body>,
) -> TestResponse {
    app.request(Method::PATCH, url)
        .bearer(&s.access_token)
        .header("tus-resumable", "1.0.0")
        .header("upload-offset", &offset.to_string())
        .raw("application/offset+octet-stream", body)
        .send()
        .await
}

/// Where the upload stands (tus HEAD), checking it is never cached.
pub async fn offset(app: &TestApp, s: &Session, url: &str) -> usize {
    let res = app
        .request(Method::HEAD, url)
        .bearer(&s.access_token)
        .header("tus-resumable", "1.0.0")
        .send()
        .await
        .expect(StatusCode::OK);
    assert_eq!(res.headers["cache-control"], "no-store");
    res.headers["upload-offset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}
