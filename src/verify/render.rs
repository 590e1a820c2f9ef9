//! The findings for people (one line each, grouped per service), for machines (JSON) and for
//! GitHub Actions (workflow annotations).

use super::{Finding, Verified};

/// How the findings print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyFormat {
    Human,
    Plain,
    Json,
    Github,
}

pub fn render(verified: &Verified, format: VerifyFormat, color: bool) -> String {
    match format {
        VerifyFormat::Human => lines(verified, color),
        VerifyFormat::Plain => lines(verified, false),
        VerifyFormat::Json => {
            let mut text = serde_json::to_string_pretty(verified).unwrap_or_default();
            text.push('\n');
            text
        }
        VerifyFormat::Github => github(verified),
    }
}

/// The findings under a line naming their service (`servers` for those about the servers), one
/// line each; then the notes; then a closing line.
fn lines(verified: &Verified, color: bool) -> String {
    let paint = |code: &str, text: &str| {
        if color {
            format!("\u{1b}[{code}m{text}\u{1b}[0m")
        } else {
            text.to_owned()
        }
    };
    let mut out = String::new();
    let mut current: Option<Option<&str>> = None;
    for finding in &verified.findings {
        let service = finding.service.as_deref();
        if current != Some(service) {
            current = Some(service);
            out.push_str(&paint("1", service.unwrap_or("servers")));
            out.push('\n');
        }
        out.push_str(&format!(
            "  {} {}\n",
            paint("31", &format!("{:<16}", finding.kind.as_str())),
            subject_and_message(finding)
        ));
    }
    for note in &verified.notes {
        let subject = match (&note.service, &note.slo) {
            (Some(service), Some(slo)) => format!("{service}/{slo}: "),
            (Some(service), None) => format!("{service}: "),
            _ => String::new(),
        };
        out.push_str(&format!(
            "{} {subject}{}\n",
            paint("2", "note:"),
            note.message
        ));
    }
    out.push_str(&closing(verified));
    out.push('\n');
    out
}

fn subject_and_message(finding: &Finding) -> String {
    match &finding.slo {
        Some(slo) => format!("{slo}: {}", finding.message),
        None => finding.message.clone(),
    }
}

/// What was verified, when everything matches; else how many findings there are.
fn closing(verified: &Verified) -> String {
    let count = verified.findings.len();
    if count > 0 {
        return format!(
            "{count} finding{}: what runs differs from what the specs build",
            if count == 1 { "" } else { "s" }
        );
    }
    let checked = &verified.checked;
    let mut parts = vec![format!(
        "{} rule group{} ({} rules) loaded as built",
        checked.groups,
        plural(checked.groups),
        checked.rules
    )];
    if let Some(alertmanagers) = checked.alertmanagers {
        parts.push(format!(
            "alerts sent to {alertmanagers} Alertmanager{}",
            plural(alertmanagers)
        ));
    }
    if checked.receivers > 0 {
        parts.push(format!(
            "{} receiver{} routed as generated",
            checked.receivers,
            plural(checked.receivers)
        ));
    }
    parts.push(format!(
        "{} SLI{} see{} their series",
        checked.slis,
        plural(checked.slis),
        if checked.slis == 1 { "s" } else { "" }
    ));
    format!("verified: {}", parts.join("; "))
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// Workflow annotations: findings are errors, notes notices.
fn github(verified: &Verified) -> String {
    let mut out = String::new();
    for (level, finding) in verified
        .findings
        .iter()
        .map(|finding| ("error", finding))
        .chain(verified.notes.iter().map(|note| ("notice", note)))
    {
        let subject = match (&finding.service, &finding.slo) {
            (Some(service), Some(slo)) => format!(": {service}/{slo}"),
            (Some(service), None) => format!(": {service}"),
            _ => String::new(),
        };
        out.push_str(&format!(
            "::{level} title=slofile verify{}::{}\n",
            crate::diagnostics::github_property(&subject),
            crate::diagnostics::github_data(&format!(
                "{}: {}",
                finding.kind.as_str(),
                finding.message
            ))
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::{Checked, Kind};
    use super::*;

    fn finding(service: Option<&str>, slo: Option<&str>, kind: Kind, message: &str) -> Finding {
        Finding {
            service: service.map(str::to_owned),
            slo: slo.map(str::to_owned),
            kind,
            message: message.to_owned(),
        }
    }

    #[test]
    fn findings_print_grouped_per_service() {
        let verified = Verified {
            findings: vec![
                finding(None, None, Kind::NoAlertmanager, "no Alertmanager"),
                finding(
                    Some("shop"),
                    Some("orders"),
                    Kind::BlindSli,
                    "`x` matches no series",
                ),
            ],
            notes: vec![finding(
                Some("shop"),
                Some("search"),
                Kind::NoTraffic,
                "no traffic",
            )],
            checked: Checked::default(),
        };
        assert_eq!(
            render(&verified, VerifyFormat::Plain, false),
            "servers\n  no alertmanager  no Alertmanager\nshop\n  blind sli        orders: `x` matches no series\nnote: shop/search: no traffic\n2 findings: what runs differs from what the specs build\n"
        );
        assert_eq!(
            render(&verified, VerifyFormat::Github, false),
            "::error title=slofile verify::no alertmanager: no Alertmanager\n::error title=slofile verify%3A shop/orders::blind sli: `x` matches no series\n::notice title=slofile verify%3A shop/search::no traffic: no traffic\n"
        );
    }

    #[test]
    fn a_clean_run_says_what_it_checked() {
        let verified = Verified {
            checked: Checked {
                groups: 2,
                rules: 40,
                alertmanagers: Some(1),
                receivers: 1,
                slis: 2,
            },
            ..Verified::default()
        };
        assert_eq!(
            render(&verified, VerifyFormat::Plain, false),
            "verified: 2 rule groups (40 rules) loaded as built; alerts sent to 1 Alertmanager; 1 receiver routed as generated; 2 SLIs see their series\n"
        );
    }
}
