//! Signed, expiring media URLs. A URL signs a directory prefix and an expiry, so an HLS
//! player can follow the relative links inside the playlists (renditions, segments, init
//! segments) without any playlist rewriting — the same scheme a CDN or nginx `secure_link`
//! can verify. Form: `/media/<expires>/<signature>/<prefix>/<file>`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Signs `prefix` (a storage directory such as `videos/<uuid>/hls`) until `expires` (unix s).
pub fn sign(secret: &[u8], prefix: &str, expires: i64) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"media:");
    mac.update(expires.to_string().as_bytes());
    mac.update(b":");
    mac.update(prefix.trim_matches('/').as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// The URL of `file` inside the signed `prefix`.
pub fn url(secret: &[u8], prefix: &str, file: &str, expires: i64) -> String {
    let prefix = prefix.trim_matches('/');
    format!(
        "/media/{expires}/{}/{prefix}/{}",
        sign(secret, prefix, expires),
        file.trim_start_matches('/')
    )
}

/// Checks a request path `<prefix>/<file>` against its expiry and signature. The signature
/// covers the asset's delivery directory (`videos/<uuid>/hls`), so the check tries the
/// directories of that depth and below.
pub fn verify(secret: &[u8], path: &str, expires: i64, signature: &str, now: i64) -> bool {
    if expires < now
        || path
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..")
    {
        return false;
    }
    let parts: Vec<&str> = path.split('/').collect();
    (1..parts.len()).any(|n| {
        let prefix = parts[..n].join("/");
        crate::tokens::constant_time_eq(&sign(secret, &prefix, expires), signature)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_prefix_covers_its_files_only() {
        let key = b"secret-secret-secret-secret-0123";
        let sig = sign(key, "videos/abc/hls", 2_000);
        assert!(verify(
            key,
            "videos/abc/hls/master.m3u8",
            2_000,
            &sig,
            1_000
        ));
        assert!(verify(
            key,
            "videos/abc/hls/720p/seg_001.m4s",
            2_000,
            &sig,
            1_000
        ));
        assert!(
            !verify(key, "videos/other/hls/master.m3u8", 2_000, &sig, 1_000),
            "another asset"
        );
        assert!(
            !verify(key, "videos/abc/source.mp4", 2_000, &sig, 1_000),
            "outside the prefix"
        );
        assert!(
            !verify(key, "videos/abc/hls/master.m3u8", 2_000, &sig, 2_001),
            "expired"
        );
        assert!(
            !verify(key, "videos/abc/hls/master.m3u8", 2_001, &sig, 1_000),
            "another expiry"
        );
        assert!(
            !verify(key, "videos/abc/hls/../source.mp4", 2_000, &sig, 1_000),
            "traversal"
        );
        assert!(!verify(
            b"another-key-another-key-another-k",
            "videos/abc/hls/master.m3u8",
            2_000,
            &sig,
            1_000
        ));
        assert!(url(key, "videos/abc/hls", "master.m3u8", 2_000).starts_with("/media/2000/"));
    }
}
