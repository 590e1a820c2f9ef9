//! Where each SLO shows on its service's Grafana dashboard: the dashboard's `uid`, its panel ids
//! and the link to an SLO's row. The Grafana backend lays the dashboard out with these, and
//! compile links alerts and documents to it, so a link always lands where the panels are.

use crate::spec::GrafanaSettings;

/// Grafana's limit on a dashboard `uid`.
pub const UID_MAX: usize = 40;
const UID_PREFIX: &str = "slofile-";

/// The dashboard `uid` of a service: `slofile-<service>` while that fits in 39 characters, else
/// a 40-character `slofile-<start of the id>-<hash of the whole id>`. The two forms differ in
/// length, and the first is the id itself, so two services share a `uid` only if two long ids
/// share a 64-bit hash.
pub fn uid(service: &str) -> String {
    let short = format!("{UID_PREFIX}{service}");
    if short.len() < UID_MAX {
        return short;
    }
    let hash = format!("{:016x}", fnv1a(service.as_bytes()));
    let keep = UID_MAX - UID_PREFIX.len() - 1 - hash.len();
    let start: String = service.chars().take(keep).collect();
    format!("{UID_PREFIX}{start}-{hash}")
}

/// FNV-1a, 64 bits: stable across platforms and releases, unlike the standard library's hasher.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The dashboard title of a service.
pub fn title(service_title: &str) -> String {
    format!("{service_title} SLOs")
}

/// Grafana's URL slug of a title: lower case, runs of other characters as one dash. Unlike the
/// id slug ([`crate::spec::validate::suggest_id`]) it keeps non-ASCII letters, because it must
/// match the slug Grafana puts in the dashboard's own URL.
pub fn url_slug(title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

/// Panel ids of the SLO at `index` in its service: its row is `100 × (index + 1)`, and the row's
/// panels follow it. Ids stay the same when SLOs before it gain or lose panels.
pub fn row_id(index: usize) -> u32 {
    100 * (u32::try_from(index).unwrap_or(u32::MAX / 100 - 1) + 1)
}

/// The id of the first panel of an SLO's row (its compliance), which links open.
pub fn first_panel_id(index: usize) -> u32 {
    row_id(index) + 1
}

/// The link to the SLO at `index`: the dashboard, opened on the SLO's compliance panel.
pub fn slo_url(
    settings: &GrafanaSettings,
    service: &str,
    service_title: &str,
    index: usize,
) -> String {
    format!(
        "{}/d/{}/{}?viewPanel={}",
        settings.url.trim_end_matches('/'),
        uid(service),
        url_slug(&title(service_title)),
        first_panel_id(index)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_fit_and_differ() {
        assert_eq!(uid("nexus"), "slofile-nexus");
        let long = "a".repeat(63);
        let longer = format!("{}b", "a".repeat(62));
        assert_eq!(uid(&long).len(), UID_MAX);
        assert_ne!(uid(&long), uid(&longer));
        // The longest id kept as is, and the shortest hashed one.
        assert_eq!(uid(&"c".repeat(31)).len(), UID_MAX - 1);
        assert_eq!(uid(&"c".repeat(32)).len(), UID_MAX);
    }

    #[test]
    fn slugs_are_grafanas() {
        assert_eq!(url_slug("Project NEXUS SLOs"), "project-nexus-slos");
        assert_eq!(url_slug("  a -- b!"), "a-b");
    }

    #[test]
    fn links_open_the_slos_row() {
        let settings = GrafanaSettings {
            url: "https://grafana.example.com/".to_owned(),
            folder: None,
        };
        assert_eq!(
            slo_url(&settings, "nexus", "Project NEXUS", 1),
            "https://grafana.example.com/d/slofile-nexus/project-nexus-slos?viewPanel=201"
        );
    }
}
