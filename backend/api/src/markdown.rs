//! Markdown written by trainers (slides, question texts, feedback), rendered to HTML and
//! sanitised: whatever the trainer typed, no script, no event handler, no style and no
//! foreign frame reaches a learner's page.

use pulldown_cmark::{Options, Parser, html};

/// Safe HTML for `markdown`.
pub fn to_safe_html(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&out)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::to_safe_html;

    #[test]
    fn renders_and_sanitises() {
        let html = to_safe_html(
            "## Quyền **con người**\n\n- một\n\n<script>alert(1)</script><img src=x onerror=alert(1)>\n\n[x](javascript:alert(1)) [y](https://ohchr.org)",
        );
        assert!(
            html.contains("<h2>Quyền <strong>con người</strong></h2>"),
            "{html}"
        );
        assert!(html.contains("<li>một</li>"));
        assert!(
            html.contains(
                r#"<a href="https://ohchr.org" rel="noopener noreferrer nofollow">y</a>"#
            ),
            "{html}"
        );
        for bad in ["<script", "onerror", "javascript:"] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
    }
}
