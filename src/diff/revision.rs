//! `--base REV`: the old side of a diff, read from git into memory.

use crate::UsageError;
use crate::compile::Plan;
use crate::diagnostics::{Code, Diagnostic, Report, display_path};
use std::path::{Component, Path, PathBuf};
use std::process::Command;

/// The old side of `diff --base REV PATH...`: the spec files under PATH... as they are at REV.
///
/// The files are listed with `git ls-tree`, read with `git show REV:path` into memory, and
/// compiled from there under the names `REV:path`, which is how their diagnostics show. Nothing is
/// written to disk. Paths that do not exist at REV contribute nothing, so a pull request that adds
/// the first spec diffs against an empty plan.
pub fn plan_at_revision(
    rev: &str,
    paths: &[PathBuf],
    options: &crate::LoadOptions,
    report: &mut Report,
) -> Result<Option<Plan>, UsageError> {
    let top = git(&["rev-parse", "--show-toplevel"], None)?;
    let top = PathBuf::from(top.trim_end_matches(['\n', '\r']));
    let prefix = git(&["rev-parse", "--show-prefix"], None)?;
    let prefix = prefix.trim_end_matches(['\n', '\r']);
    let commit = format!("{rev}^{{commit}}");
    git(&["rev-parse", "--verify", "--quiet", &commit], None).map_err(|_| {
        UsageError(
            Diagnostic::error(Code::Io, format!("`{rev}` is not a git revision here")).with_help(
                "fetch it first, e.g. `git fetch origin main`, and pass `--base origin/main`",
            ),
        )
    })?;
    let specs: Vec<String> = paths
        .iter()
        .map(|p| repo_relative(&top, prefix, p))
        .collect::<Result<_, _>>()?;

    let mut args = vec!["ls-tree", "-r", "-z", "--full-name", &commit, "--"];
    // Pathspecs are relative to the repository top, where git runs; "" is the whole tree.
    args.extend(
        specs
            .iter()
            .map(|s| if s.is_empty() { "." } else { s.as_str() }),
    );
    let listing = git(&args, Some(&top))?;

    let mut files: Vec<&str> = Vec::new();
    for entry in listing.split('\0').filter(|e| !e.is_empty()) {
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let mut fields = meta.split(' ');
        let (Some(mode), Some("blob")) = (fields.next(), fields.next()) else {
            continue;
        };
        if matches!(mode, "100644" | "100755") && specs.iter().any(|spec| selects(spec, path)) {
            files.push(path);
        }
    }
    // In the order `slofile` reads a directory, so that diagnostics come out alike.
    files.sort_by(|a, b| Path::new(a).cmp(Path::new(b)));
    files.dedup();
    let mut sources = Vec::with_capacity(files.len());
    for path in files {
        let object = format!("{commit}:{path}");
        let contents = git_bytes(&["show", &object], Some(&top))?;
        sources.push((format!("{rev}:{path}"), contents));
    }
    Ok(crate::plan_sources(sources, options, report))
}

/// Whether the `ls-tree` path belongs to the input `spec`: the file itself, or a spec file in
/// the directory, as `slofile` reads directories.
pub(super) fn selects(spec: &str, path: &str) -> bool {
    let in_dir = spec.is_empty()
        || path
            .strip_prefix(spec)
            .is_some_and(|rest| rest.starts_with('/'));
    path == spec
        || (in_dir
            && Path::new(path)
                .extension()
                .is_some_and(|e| e == "yaml" || e == "yml"))
}

/// `path` (as given on the command line) relative to the top of the repository, `/`-separated.
pub(super) fn repo_relative(top: &Path, prefix: &str, path: &Path) -> Result<String, UsageError> {
    let joined = if path.is_absolute() {
        let canonical_top = top.canonicalize().unwrap_or_else(|_| top.to_path_buf());
        let absolute = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        absolute
            .strip_prefix(&canonical_top)
            .map(Path::to_path_buf)
            .map_err(|_| outside(path))?
    } else {
        Path::new(prefix).join(path)
    };
    let mut parts: Vec<String> = Vec::new();
    for component in joined.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::ParentDir => {
                parts.pop().ok_or_else(|| outside(path))?;
            }
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => return Err(outside(path)),
        }
    }
    Ok(parts.join("/"))
}

pub(super) fn outside(path: &Path) -> UsageError {
    UsageError(
        Diagnostic::error(
            Code::Io,
            format!("`{}` is outside the git repository", display_path(path)),
        )
        .with_help(
            "`--base` compares paths inside the repository that holds the current directory",
        ),
    )
}

pub(super) fn git(args: &[&str], cwd: Option<&Path>) -> Result<String, UsageError> {
    git_bytes(args, cwd).map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

pub(super) fn git_bytes(args: &[&str], cwd: Option<&Path>) -> Result<Vec<u8>, UsageError> {
    let mut command = Command::new("git");
    command.args(args);
    if let Some(cwd) = cwd {
        command.current_dir(cwd);
    }
    let output = command.output().map_err(|e| {
        UsageError(
            Diagnostic::error(Code::Io, format!("cannot run git: {e}"))
                .with_help("`--base` needs git on PATH"),
        )
    })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(UsageError(
            Diagnostic::error(
                Code::Io,
                format!("`git {}` failed: {}", args.join(" "), stderr.trim()),
            )
            .with_help("`--base` needs a git repository and a revision that exists in it"),
        ));
    }
    Ok(output.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_select_spec_files_below_them() {
        assert!(selects("specs", "specs/nexus.yaml"));
        assert!(selects("specs", "specs/team/dealix.yml"));
        assert!(!selects("specs", "specs/README.md"));
        assert!(!selects("specs", "specs-old/nexus.yaml"));
        assert!(selects("specs/notes.txt", "specs/notes.txt"));
        assert!(selects("", "nexus.yaml"));
    }

    #[test]
    fn paths_resolve_against_the_repository_top() {
        let top = Path::new("/repo");
        let relative = |prefix, path| repo_relative(top, prefix, Path::new(path)).ok();
        assert_eq!(relative("", "specs"), Some("specs".to_owned()));
        assert_eq!(relative("sub/", "../specs/"), Some("specs".to_owned()));
        assert_eq!(
            relative("", "./specs/a.yaml"),
            Some("specs/a.yaml".to_owned())
        );
        assert_eq!(relative("", "."), Some(String::new()));
        assert_eq!(relative("", "../elsewhere"), None);
    }
}
