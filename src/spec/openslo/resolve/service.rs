//! Services from the SLOs gathered under each `spec.service`, and the checks of objects no
//! SLO uses.

use super::{Resolver, ServiceBuild};
use crate::diagnostics::{Code, Diagnostic};
use crate::spec::collect::first_of_each_id;
use crate::spec::openslo::{Kind, MetricSource, Object, RefOr, ServiceSpec, SliMetric};
use crate::spec::walk::{Loc, bare_service_meta};
use crate::spec::{Service, ServiceMeta};

impl Resolver<'_> {
    pub(super) fn service(&mut self, id: String, build: ServiceBuild) -> Option<Service> {
        let errors_before = self.error_count();
        let mut duplicates = Vec::new();
        let slos = first_of_each_id(
            build.slos,
            "give every SLO of a service its own `metadata.name`",
            &mut duplicates,
        );
        for diagnostic in duplicates {
            self.push(diagnostic);
        }
        let channels = self.merge(
            build.channels,
            |c| c.id.clone(),
            |a, b| a.kind == b.kind && a.name == b.name,
            "notification target",
        );
        let escalation = self.merge(
            build.escalation,
            |e| e.severity.clone(),
            |a, b| {
                a.channels == b.channels && a.condition == b.condition && a.response == b.response
            },
            "alert policy",
        );
        let collection = self.collection;
        let definition: Vec<&ServiceSpec> = self
            .index
            .get(&(Kind::Service, id.as_str()))
            .into_iter()
            .flatten()
            .filter_map(|&i| match &collection.objects[i] {
                Object::Service(s) => Some(s),
                _ => None,
            })
            .collect();
        self.used.insert((Kind::Service, id.clone()));
        if definition.len() > 1 {
            self.push(
                Diagnostic::error(
                    Code::DuplicateId,
                    format!(
                        "{} Service objects are named `{id}`, so the SLOs' service is ambiguous",
                        definition.len()
                    ),
                )
                .at_origin(&definition[1].meta.loc.key("name").origin())
                .with_help("define each Service once"),
            );
        }
        let definition = definition.first();
        if build.failed || self.error_count() > errors_before {
            return None;
        }
        let origin = definition.map_or(build.origin, |d| d.meta.loc.key("name").origin());
        let source = definition.map_or(build.source, |d| d.meta.loc.file.name.clone());
        Some(Service {
            slos,
            meta: ServiceMeta {
                title: definition
                    .and_then(|d| d.meta.display_name.clone())
                    .unwrap_or_else(|| id.clone()),
                description: definition.and_then(|d| d.description.clone()),
                channels,
                escalation,
                ..bare_service_meta(id, origin, source)
            },
        })
    }

    /// Keeps one of each id; the same id with another definition is an error.
    pub(super) fn merge<T>(
        &mut self,
        items: Vec<(T, Loc)>,
        id: impl Fn(&T) -> String,
        same: impl Fn(&T, &T) -> bool,
        what: &str,
    ) -> Vec<T> {
        let mut kept: Vec<T> = Vec::new();
        for (item, at) in items {
            match kept.iter().find(|k| id(k) == id(&item)) {
                Some(earlier) if !same(earlier, &item) => self.error(
                    Code::DuplicateId,
                    &at,
                    format!(
                        "two different {what}s are named `{}` in one service",
                        id(&item)
                    ),
                    format!("give each {what} its own name"),
                ),
                Some(_) => {}
                None => kept.push(item),
            }
        }
        kept
    }

    /// Objects no SLO uses are not compiled, but their references and names are still checked,
    /// as warnings: another run may bring what they miss.
    pub(super) fn unused(&mut self) {
        self.lenient = true;
        let collection = self.collection;
        for object in &collection.objects {
            let key = (object.kind(), object.meta().name.clone());
            if self.used.contains(&key) {
                continue;
            }
            match object {
                Object::AlertPolicy(policy) => {
                    for condition in &policy.conditions {
                        if let RefOr::Ref(name, at) = condition {
                            self.find(Kind::AlertCondition, name, at);
                        }
                    }
                    for target in &policy.targets {
                        if let RefOr::Ref(name, at) = target {
                            self.find(Kind::AlertNotificationTarget, name, at);
                        }
                    }
                }
                Object::Sli(sli) => {
                    let sources: Vec<&MetricSource> = match &sli.metric {
                        SliMetric::Threshold(s) => vec![s],
                        SliMetric::Ratio(r) => r
                            .numerator
                            .iter()
                            .map(|(_, s)| s)
                            .chain(r.total.iter())
                            .chain(r.raw.iter().map(|(_, s)| s))
                            .collect(),
                    };
                    for source in sources {
                        if let Some((name, at)) = &source.source_ref {
                            self.find(Kind::DataSource, name, at);
                        }
                    }
                }
                _ => {}
            }
            if object.kind() != Kind::Slo {
                let twins = self
                    .index
                    .get(&(object.kind(), object.meta().name.as_str()));
                let first = twins
                    .and_then(|t| t.first())
                    .map(|&i| &collection.objects[i]);
                if twins.is_some_and(|t| t.len() > 1)
                    && first.is_some_and(|f| !std::ptr::eq(f, object))
                {
                    self.error(
                        Code::DuplicateId,
                        &object.meta().loc.key("name"),
                        format!("another {} is named `{}`", object.kind().name(), object.meta().name),
                        "give every object of a kind its own name; a reference to this one would be ambiguous",
                    );
                }
            }
        }
        self.lenient = false;
    }
}
