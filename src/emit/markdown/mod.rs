//! Markdown: `docs/<service>.md` and `docs/index.md`, rendered from minijinja templates.
//!
//! The templates in `templates/` are embedded in the binary; `--templates DIR` overrides them file
//! by file. Templates never see the Plan. They get the plain view model of [`view`], in which every
//! number is computed here from the exact `Ratio` and `Duration` types: ratios reach templates as
//! exact fractions (`"199/200"`), durations as whole milliseconds, and the filters registered in
//! [`templates`] print them the way people say them.

mod alerts;
pub mod escape;
mod policy;
mod sentences;
mod tables;
mod templates;
mod view;

pub use escape::{cell, fence, inline};

use crate::compile::Plan;
use crate::diagnostics::Diagnostic;
use crate::emit::{Backend, EmitOptions, OutputFile, Sink};
use minijinja::Value;
use minijinja::value::Serde;
use tables::index_view;
use templates::Renderer;
use view::service_view;

/// The built-in templates, by name. Names starting with `_` are partials.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "service.md.j2",
        include_str!("../../../templates/service.md.j2"),
    ),
    (
        "index.md.j2",
        include_str!("../../../templates/index.md.j2"),
    ),
    ("_slo.md.j2", include_str!("../../../templates/_slo.md.j2")),
    (
        "_alerts.md.j2",
        include_str!("../../../templates/_alerts.md.j2"),
    ),
    (
        "_macros.md.j2",
        include_str!("../../../templates/_macros.md.j2"),
    ),
];

pub struct Markdown;

impl Backend for Markdown {
    fn name(&self) -> &'static str {
        "docs"
    }

    /// Renders every document, or none: a template error stops the backend, and the build
    /// writes nothing.
    fn emit(&self, plan: &Plan, options: &EmitOptions, sink: &Sink<'_>) -> Vec<Diagnostic> {
        let renderer = Renderer::new(options.templates.clone());
        let mut files = Vec::new();
        let rendered = crate::parallel::map(&plan.services, |service| {
            let view = service_view(service);
            renderer.render(
                "service.md.j2",
                minijinja::context! { service => Value::from(Serde(&view)) },
            )
        });
        for (service, result) in plan.services.iter().zip(rendered) {
            match result {
                Ok(text) => files.push(OutputFile {
                    path: format!("docs/{}.md", service.meta.id),
                    contents: text,
                }),
                Err(error) => return vec![renderer.diagnostic(&error)],
            }
        }
        let index = index_view(plan);
        match renderer.render(
            "index.md.j2",
            minijinja::context! { services => Value::from(Serde(&index)) },
        ) {
            Ok(text) => files.push(OutputFile {
                path: "docs/index.md".to_owned(),
                contents: text,
            }),
            Err(error) => return vec![renderer.diagnostic(&error)],
        }
        files.into_iter().for_each(sink);
        renderer.unused_overrides()
    }
}
