//! The OpenSLO objects as read, before references are resolved.

use crate::spec::walk::Loc;
use crate::units::{Duration, Ratio};
use serde_json::Value;

/// The kinds of OpenSLO v1 objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Kind {
    Service,
    Sli,
    Slo,
    DataSource,
    AlertPolicy,
    AlertCondition,
    AlertNotificationTarget,
}

const KINDS: &[(Kind, &str)] = &[
    (Kind::Service, "Service"),
    (Kind::Sli, "SLI"),
    (Kind::Slo, "SLO"),
    (Kind::DataSource, "DataSource"),
    (Kind::AlertPolicy, "AlertPolicy"),
    (Kind::AlertCondition, "AlertCondition"),
    (Kind::AlertNotificationTarget, "AlertNotificationTarget"),
];

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        KINDS
            .iter()
            .find(|(k, _)| *k == self)
            .map_or("?", |(_, n)| n)
    }

    pub(super) fn parse(text: &str) -> Option<Kind> {
        KINDS.iter().find(|(_, n)| *n == text).map(|(k, _)| *k)
    }
}

/// `metadata` of an object.
#[derive(Debug, Clone)]
pub(crate) struct Metadata {
    pub(crate) name: String,
    pub(crate) display_name: Option<String>,
    /// The `metadata` mapping.
    pub(crate) loc: Loc,
}

/// A named reference, or the object written in place.
#[derive(Debug, Clone)]
pub(crate) enum RefOr<T> {
    Ref(String, Loc),
    Inline(T),
}

#[derive(Debug, Clone)]
pub(crate) struct ServiceSpec {
    pub(crate) meta: Metadata,
    pub(crate) description: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct DataSourceSpec {
    pub(crate) meta: Metadata,
    pub(crate) source_type: String,
    pub(crate) type_loc: Loc,
}

/// Where an SLI's numbers come from. The `spec` is free-form; Prometheus needs `query`.
#[derive(Debug, Clone)]
pub(crate) struct MetricSource {
    pub(crate) source_ref: Option<(String, Loc)>,
    pub(crate) source_type: Option<(String, Loc)>,
    pub(crate) spec: serde_json::Map<String, Value>,
    pub(crate) spec_loc: Loc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RawType {
    Success,
    Failure,
}

#[derive(Debug, Clone)]
pub(crate) struct RatioMetric {
    pub(crate) counter: bool,
    /// `good` (true) or `bad` (false), with its source.
    pub(crate) numerator: Option<(bool, MetricSource)>,
    pub(crate) total: Option<MetricSource>,
    pub(crate) raw: Option<(RawType, MetricSource)>,
}

// Read once per object and never copied in bulk: boxing would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub(crate) enum SliMetric {
    Threshold(MetricSource),
    Ratio(RatioMetric),
}

#[derive(Debug, Clone)]
pub(crate) struct SliSpec {
    pub(crate) meta: Metadata,
    pub(crate) description: Option<String>,
    pub(crate) metric: SliMetric,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Budgeting {
    Occurrences,
    Timeslices,
    RatioTimeslices,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Lt,
    Lte,
    Gt,
    Gte,
}

impl Op {
    pub(super) fn parse(text: &str) -> Option<Op> {
        match text {
            "lt" => Some(Op::Lt),
            "lte" => Some(Op::Lte),
            "gt" => Some(Op::Gt),
            "gte" => Some(Op::Gte),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Op::Lt => "lt",
            Op::Lte => "lte",
            Op::Gt => "gt",
            Op::Gte => "gte",
        }
    }

    /// The PromQL comparison.
    pub(crate) fn promql(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Lte => "<=",
            Op::Gt => ">",
            Op::Gte => ">=",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct TimeWindow {
    pub(crate) duration: Duration,
    pub(crate) calendar: Option<Loc>,
}

#[derive(Debug, Clone)]
pub(crate) struct ObjectiveSpec {
    pub(crate) display_name: Option<String>,
    pub(crate) op: Option<(Op, Loc)>,
    pub(crate) value: Option<(Ratio, Loc)>,
    /// The target as a ratio, and where it is written.
    pub(crate) target: (Ratio, Loc),
    pub(crate) slice_target: Option<Ratio>,
    pub(crate) slice_window: Option<Duration>,
    /// Set for composite SLOs, whose objectives carry their own indicator.
    pub(crate) composite: Option<Loc>,
    /// v1alpha's `ratioMetrics`: the objective's own ratio, which v1 keeps in the SLI.
    pub(crate) ratio: Option<RatioMetric>,
    pub(crate) loc: Loc,
}

/// The OpenSLO version an object is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    V1,
    /// The subset of `openslo/v1alpha` that Sloth reads; see [`super::v1alpha`].
    V1alpha,
}

impl Version {
    pub(super) fn short(self) -> &'static str {
        match self {
            Version::V1 => "v1",
            Version::V1alpha => "v1alpha",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct SloSpec {
    pub(crate) version: Version,
    pub(crate) meta: Metadata,
    pub(crate) description: Option<String>,
    pub(crate) service: (String, Loc),
    pub(crate) indicator: Option<RefOr<SliSpec>>,
    pub(crate) budgeting: (Budgeting, Loc),
    pub(crate) window: TimeWindow,
    pub(crate) objectives: Vec<ObjectiveSpec>,
    pub(crate) policies: Vec<RefOr<PolicySpec>>,
}

#[derive(Debug, Clone)]
pub(crate) struct PolicySpec {
    pub(crate) meta: Metadata,
    pub(crate) description: Option<String>,
    pub(crate) when_no_data: bool,
    pub(crate) when_breaching: bool,
    pub(crate) when_resolved: bool,
    pub(crate) conditions: Vec<RefOr<ConditionSpec>>,
    pub(crate) targets: Vec<RefOr<TargetSpec>>,
    pub(crate) loc: Loc,
}

#[derive(Debug, Clone)]
pub(crate) struct ConditionSpec {
    pub(crate) meta: Metadata,
    pub(crate) description: Option<String>,
    pub(crate) severity: String,
    pub(crate) op: (Op, Loc),
    pub(crate) threshold: (Ratio, Loc),
    pub(crate) lookback: (Duration, Loc),
    pub(crate) alert_after: Option<Duration>,
}

#[derive(Debug, Clone)]
pub(crate) struct TargetSpec {
    pub(crate) meta: Metadata,
    pub(crate) target: String,
    pub(crate) target_loc: Loc,
    pub(crate) description: Option<String>,
}

/// One valid top-level object.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub(crate) enum Object {
    Service(ServiceSpec),
    Sli(SliSpec),
    Slo(SloSpec),
    DataSource(DataSourceSpec),
    AlertPolicy(PolicySpec),
    AlertCondition(ConditionSpec),
    AlertNotificationTarget(TargetSpec),
}

impl Object {
    pub(crate) fn kind(&self) -> Kind {
        match self {
            Object::Service(_) => Kind::Service,
            Object::Sli(_) => Kind::Sli,
            Object::Slo(_) => Kind::Slo,
            Object::DataSource(_) => Kind::DataSource,
            Object::AlertPolicy(_) => Kind::AlertPolicy,
            Object::AlertCondition(_) => Kind::AlertCondition,
            Object::AlertNotificationTarget(_) => Kind::AlertNotificationTarget,
        }
    }

    pub(crate) fn meta(&self) -> &Metadata {
        match self {
            Object::Service(s) => &s.meta,
            Object::Sli(s) => &s.meta,
            Object::Slo(s) => &s.meta,
            Object::DataSource(s) => &s.meta,
            Object::AlertPolicy(s) => &s.meta,
            Object::AlertCondition(s) => &s.meta,
            Object::AlertNotificationTarget(s) => &s.meta,
        }
    }
}
