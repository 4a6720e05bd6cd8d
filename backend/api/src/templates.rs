//! Handlebars templates (pages and emails) embedded from `frontend/templates`, with the
//! `fluent` helper translating keys into the context's `lang`.
//!
//! Escaping rule for template authors: the helper writes translations as they are, so a
//! user-supplied value must go in through a block parameter, which the registry escapes:
//! `{{#fluent "key"}}{{#fluentparam "name"}}{{user.display_name}}{{/fluentparam}}{{/fluent}}`,
//! never as `{{fluent "key" name=user.display_name}}`.

use fluent_templates::FluentLoader;
use handlebars::Handlebars;
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../frontend/templates"]
#[include = "*.hbs"]
struct TemplateFiles;

/// Two registries over the same files: `html` escapes (pages, HTML mail parts), `text` does
/// not (plain-text mail parts and subjects; lettre refuses CR/LF in headers).
pub struct Templates {
    pub html: Handlebars<'static>,
    pub text: Handlebars<'static>,
}

fn registry(escape: bool) -> anyhow::Result<Handlebars<'static>> {
    let mut hb = Handlebars::new();
    if !escape {
        hb.register_escape_fn(handlebars::no_escape);
    }
    hb.register_embed_templates_with_extension::<TemplateFiles>(".hbs")?;
    hb.register_helper(
        "fluent",
        Box::new(FluentLoader::new(&*crate::i18n::LOCALES)),
    );
    Ok(hb)
}

impl Templates {
    pub fn load() -> anyhow::Result<Self> {
        Ok(Self {
            html: registry(true)?,
            text: registry(false)?,
        })
    }
}
