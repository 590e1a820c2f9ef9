//! Annotation templates: text from specs, escaped for Go templates, and `$labels` references.

use std::collections::BTreeMap;

/// An annotation: text and `$labels` references. Prometheus expands annotations as Go templates,
/// so text from specs is escaped and can never open a template action.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Template(Vec<Piece>);

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Piece {
    Text(String),
    Label(String),
}

impl Template {
    pub(super) fn text(text: &str) -> Template {
        Template(vec![Piece::Text(text.to_owned())])
    }

    pub(super) fn push_text(&mut self, text: &str) {
        self.0.push(Piece::Text(text.to_owned()));
    }

    pub(super) fn push_label(&mut self, label: &str) {
        self.0.push(Piece::Label(label.to_owned()));
    }

    /// The template as Prometheus reads it.
    pub(crate) fn source(&self) -> String {
        self.0
            .iter()
            .map(|piece| match piece {
                Piece::Text(text) => escape_template(text),
                Piece::Label(label) => format!("{{{{ $labels.{label} }}}}"),
            })
            .collect()
    }

    /// The text once expanded for a series with these labels.
    pub(crate) fn render(&self, labels: &BTreeMap<String, String>) -> String {
        self.0
            .iter()
            .map(|piece| match piece {
                Piece::Text(text) => text.clone(),
                Piece::Label(label) => labels.get(label).cloned().unwrap_or_default(),
            })
            .collect()
    }
}

/// Escapes text for a Go template: every `{` becomes an action printing `{`, so no `{{` of the
/// text, and no `{` next to a template action, can open an action.
pub(super) fn escape_template(text: &str) -> String {
    text.replace('{', "{{ \"{\" }}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_escape_spec_text() {
        let mut template = Template::text("a{{ .Foo }} {b\"\n");
        template.push_label("tenant");
        let source = template.source();
        assert!(!source.contains("{{ .Foo"));
        assert_eq!(
            source,
            "a{{ \"{\" }}{{ \"{\" }} .Foo }} {{ \"{\" }}b\"\n{{ $labels.tenant }}"
        );
        let mut labels = BTreeMap::new();
        labels.insert("tenant".to_owned(), "t1".to_owned());
        assert_eq!(template.render(&labels), "a{{ .Foo }} {b\"\nt1");
    }
}
