use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;

use super::safe_next;
use crate::auth::{LANG_COOKIE, append_cookies};
use crate::i18n;

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// Switches the interface language (a cookie for a year) and goes back.
pub async fn switch(Path(code): Path<String>, Query(q): Query<Next>) -> Response {
    let lang = i18n::pick(Some(&code));
    let cookie = Cookie::build((LANG_COOKIE, lang))
        .path("/")
        .same_site(SameSite::Lax)
        .max_age(time::Duration::days(365))
        .build();
    let mut res = Redirect::to(&safe_next(q.next.as_deref())).into_response();
    append_cookies(res.headers_mut(), &[cookie]);
    res
}
