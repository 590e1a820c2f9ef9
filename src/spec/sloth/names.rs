//! Sloth's names: which it accepts, and the slofile id each maps to.

use super::super::walk::Walk;
use crate::diagnostics::Code;

/// Whether Sloth accepts `name` as a service or SLO name, and an error at `pointer` if not.
///
/// Sloth's rule (`NameRegexpStr` in its `pkg/common/conventions`, checked by its
/// `pkg/common/validation` for the service, the SLO name and the id):
/// `^[A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]$`, i.e. at least two characters, only ASCII letters,
/// digits, `-`, `_` and `.`, starting and ending with a letter or digit.
pub(super) fn sloth_name(w: &mut Walk, pointer: &str, name: &str, what: &str) -> bool {
    let alphanumeric = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let valid = name.len() >= 2
        && alphanumeric(name.chars().next())
        && alphanumeric(name.chars().last())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !valid {
        w.error(
            Code::InvalidId,
            pointer,
            format!("invalid Sloth {what} name `{name}`"),
            "Sloth names have at least two characters: letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit",
        );
    }
    valid
}

/// The slofile id of a name Sloth accepts: lower case, with `_` and `.` as `-`, so that
/// `example_profile_availability` is `example-profile-availability`. The name as written stays
/// the SLO's title and Sloth's `sloth_service` and `sloth_slo`.
pub fn slofile_id(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '_' | '.' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// slofile ids have at most 63 characters (they become file names and label values); Sloth's
/// have no limit. A longer id keeps its first 54 characters and a hash of the whole, so that it
/// stays unique and the same on every run.
pub(super) fn shorten_id(id: &str) -> String {
    const MAX: usize = 63;
    if id.len() <= MAX {
        return id.to_owned();
    }
    // FNV-1a: stable across platforms and releases, unlike the standard library's hasher.
    let hash = id.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    let head = id[..MAX - 9].trim_end_matches('-');
    format!("{head}-{hash:08x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sloth_names_map_to_slofile_ids() {
        assert_eq!(
            slofile_id("example_profile_availability"),
            "example-profile-availability"
        );
        assert_eq!(slofile_id("Latency.P99"), "latency-p99");
        assert_eq!(shorten_id("myservice-requests"), "myservice-requests");
        let long = format!("svc-{}", "a".repeat(80));
        let short = shorten_id(&long);
        assert_eq!(short.len(), 63);
        assert_eq!(short, shorten_id(&long), "deterministic");
        assert_ne!(short, shorten_id(&format!("{long}b")), "unique");
        assert!(short.starts_with("svc-aaaa"));
    }
}
