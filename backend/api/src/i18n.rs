//! UI strings: Fluent files under `frontend/locales/<lang>/`, compiled into the binary.
//! Vietnamese is the default and the fallback.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};

fluent_templates::static_loader! {
    pub static LOCALES = {
        locales: "../../frontend/locales",
        fallback_language: "vi",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The languages offered, default first.
pub const LANGS: [&str; 2] = lms_domain::accounts::LOCALES;

/// Picks a supported language from a raw value, falling back to the default.
pub fn pick(raw: Option<&str>) -> &'static str {
    raw.map(lms_domain::accounts::normalize_locale)
        .unwrap_or(LANGS[0])
}

/// The other language of the two (for the switch link).
pub fn other(lang: &str) -> &'static str {
    if lang == LANGS[0] { LANGS[1] } else { LANGS[0] }
}

fn id(lang: &str) -> LanguageIdentifier {
    lang.parse()
        .unwrap_or_else(|_| LANGS[0].parse().expect("valid default language"))
}

/// Translates a key.
pub fn t(lang: &str, key: &str) -> String {
    LOCALES.lookup(&id(lang), key)
}

/// Translates a key with arguments.
pub fn t_args(lang: &str, key: &str, args: &[(&str, FluentValue<'static>)]) -> String {
    let map: HashMap<Cow<'static, str>, FluentValue<'static>> = args
        .iter()
        .map(|(k, v)| (Cow::Owned((*k).to_owned()), v.clone()))
        .collect();
    LOCALES.lookup_with_args(&id(lang), key, &map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_keys_the_code_uses() {
        for key in crate::pages::KEYS_USED_BY_CODE {
            for lang in LANGS {
                let text = t(lang, key);
                assert!(
                    !text.is_empty() && !text.contains("Unknown localization"),
                    "{lang}: {key} -> {text}"
                );
            }
        }
        assert_ne!(t("vi", "app-name"), t("en", "page-title-login"));
    }
}
