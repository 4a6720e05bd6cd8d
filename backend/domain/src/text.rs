//! Text rules shared by search and grading: folding Vietnamese for comparison.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lowercases and removes diacritics, so "Quyền con người" and "quyen con nguoi" compare
/// equal. `đ`/`Đ` (a letter of its own, not a base letter with a mark) become `d`.
/// Whitespace runs become one space; the ends are trimmed.
pub fn fold(s: &str) -> String {
    let stripped: String = s
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            other => other,
        })
        .collect();
    stripped
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Lowercases and folds whitespace but keeps diacritics ("ma" and "mà" stay different).
pub fn fold_case(s: &str) -> String {
    s.nfc()
        .collect::<String>()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("Quyền con người"), "quyen con nguoi");
        assert_eq!(fold("  ĐẠI   Hội  "), "dai hoi");
        assert_eq!(fold("Công ước CEDAW"), "cong uoc cedaw");
        assert_eq!(fold_case("Mà  MA"), "mà ma");
        assert_ne!(fold_case("mà"), fold_case("ma"));
    }
}
