//! Reading inputs: files and directories, UTF-8, multi-document YAML within input budgets, and
//! format detection per document.

use super::yaml_reader::{BadKind, Document, Node};
use crate::diagnostics::{ByteSpan, Code, Diagnostic, SourceFile, display_path};
use serde_saphyr::Spanned;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Largest spec file slofile reads.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;
/// Deepest nesting of YAML collections.
pub const MAX_DEPTH: usize = 64;
/// Most YAML nodes in one file.
pub const MAX_NODES: usize = 1_000_000;
/// Most events replayed through aliases in one file: this is what stops alias bombs.
pub const MAX_ALIAS_EVENTS: usize = 100_000;
/// Most YAML documents in one file.
pub const MAX_DOCUMENTS: usize = 1000;

/// The format of one YAML document, told by its `apiVersion` (or Sloth's `version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    Native,
    /// OpenSLO v1 objects: one mapping, or a list of them.
    OpenSlo,
    /// Sloth's `prometheus/v1` spec, or its Kubernetes `PrometheusServiceLevel` and `AlertWindows`.
    Sloth,
    /// Pyrra's Kubernetes `ServiceLevelObjective` (`apiVersion: pyrra.dev/v1alpha1`).
    Pyrra,
    /// Another Kubernetes object (a ConfigMap, a Route) in a file of manifests: skipped with a note.
    Foreign,
}

/// The formats slofile reads, as listed in error messages.
pub const SUPPORTED_FORMATS: &str = "`apiVersion: slofile/v1`, OpenSLO `apiVersion: openslo/v1` \
     (and `openslo/v1alpha` SLOs, as Sloth reads them), Sloth `version: prometheus/v1` or Pyrra \
     `apiVersion: pyrra.dev/v1alpha1`";

/// The `apiVersion` of OpenSLO v1 objects.
pub const OPENSLO_V1: &str = "openslo/v1";
/// OpenSLO v1 as a Kubernetes API group (the OSKO operator's custom resources, Dash0's CLI and
/// Terraform provider): the same schema as [`OPENSLO_V1`].
pub const OPENSLO_COM_V1: &str = "openslo.com/v1";
/// The `apiVersion` of OpenSLO v1alpha objects, of which slofile reads what Sloth reads.
pub const OPENSLO_V1ALPHA: &str = "openslo/v1alpha";
/// The `version` of Sloth's plain spec.
pub const SLOTH_PROMETHEUS_V1: &str = "prometheus/v1";
/// The `apiVersion` of Sloth's Kubernetes resources.
pub const SLOTH_K8S_V1: &str = "sloth.slok.dev/v1";

/// One YAML document of one input file.
#[derive(Debug)]
pub struct LoadedDocument {
    pub file: Arc<SourceFile>,
    pub document: Document,
    pub format: InputFormat,
}

/// Expands inputs into spec files: files as given, directories recursively for `*.yaml` and
/// `*.yml`. The result is sorted and free of duplicates, so output never depends on the order of
/// arguments or of directory listings.
pub fn collect_paths(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, Diagnostic> {
    let mut files = Vec::new();
    for input in inputs {
        let metadata = std::fs::metadata(input).map_err(|e| io_error(input, &e))?;
        if metadata.is_dir() {
            walk(input, &mut files)?;
        } else {
            files.push(input.clone());
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), Diagnostic> {
    let entries = std::fs::read_dir(dir).map_err(|e| io_error(dir, &e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io_error(dir, &e))?;
        let path = entry.path();
        let file_type = entry.file_type().map_err(|e| io_error(&path, &e))?;
        if file_type.is_dir() {
            walk(&path, files)?;
        } else if path
            .extension()
            .is_some_and(|ext| ext == "yaml" || ext == "yml")
        {
            files.push(path);
        }
    }
    Ok(())
}

/// Template overrides, read from `--templates DIR` by [`template_overrides`] before any backend
/// runs: the Markdown backend does no I/O.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// The directory, as the user named it; `None` without `--templates`.
    pub dir: Option<PathBuf>,
    /// The text of every file under it, by `/`-separated path relative to it.
    pub files: std::collections::BTreeMap<String, String>,
}

impl Overrides {
    /// Where a template override lives, as the user would open it.
    pub fn path_of(&self, name: &str) -> Option<String> {
        let dir = self.dir.as_ref()?;
        self.files
            .contains_key(name)
            .then(|| display_path(&dir.join(name)))
    }
}

/// Reads the template overrides of `--templates DIR`: every file under it, by relative path. A
/// missing directory or an unreadable file is a `slofile::template` error, before anything is
/// rendered.
pub fn template_overrides(dir: &Path) -> Result<Overrides, Diagnostic> {
    if !dir.is_dir() {
        return Err(Diagnostic::error(
            Code::Template,
            format!(
                "template directory `{}` does not exist or is not a directory",
                display_path(dir)
            ),
        )
        .with_help(
            "pass a directory holding the templates to override, e.g. `--templates my-templates`",
        ));
    }
    let mut overrides = Overrides {
        dir: Some(dir.to_owned()),
        files: std::collections::BTreeMap::new(),
    };
    read_templates(dir, "", 0, &mut overrides.files)?;
    Ok(overrides)
}

/// Directories of templates are shallow; a deeper tree is most likely a link loop.
const MAX_TEMPLATE_DEPTH: usize = 8;

fn read_templates(
    dir: &Path,
    prefix: &str,
    depth: usize,
    files: &mut std::collections::BTreeMap<String, String>,
) -> Result<(), Diagnostic> {
    let unreadable = |path: &Path, error: &dyn std::fmt::Display| {
        Diagnostic::error(
            Code::Template,
            format!("cannot read `{}`: {error}", display_path(path)),
        )
        .with_help("templates are UTF-8 text files; check that the file is readable")
    };
    let entries = std::fs::read_dir(dir).map_err(|e| unreadable(dir, &e))?;
    for entry in entries {
        let entry = entry.map_err(|e| unreadable(dir, &e))?;
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let name = format!("{prefix}{name}");
        if path.is_dir() {
            if depth < MAX_TEMPLATE_DEPTH {
                read_templates(&path, &format!("{name}/"), depth + 1, files)?;
            }
        } else if path.is_file() {
            let bytes = std::fs::read(&path).map_err(|e| unreadable(&path, &e))?;
            let text = String::from_utf8(bytes).map_err(|e| unreadable(&path, &e))?;
            files.insert(name, text);
        }
    }
    Ok(())
}

pub fn io_error(path: &Path, error: &std::io::Error) -> Diagnostic {
    Diagnostic::error(
        Code::Io,
        format!("cannot read `{}`: {error}", display_path(path)),
    )
    .with_help("check that the path exists and is readable")
}

/// Reads one file as UTF-8 text, within the size budget.
pub fn read_source(path: &Path) -> Result<Arc<SourceFile>, Diagnostic> {
    let metadata = std::fs::metadata(path).map_err(|e| io_error(path, &e))?;
    check_size(&display_path(path), metadata.len())?;
    let bytes = std::fs::read(path).map_err(|e| io_error(path, &e))?;
    source_from_bytes(display_path(path), bytes)
}

/// Rejects a file of `len` bytes that is over the size budget.
pub fn check_size(name: &str, len: u64) -> Result<(), Diagnostic> {
    if len > MAX_FILE_BYTES {
        return Err(Diagnostic::error(
            Code::InputBudget,
            format!("`{name}` is {len} bytes; spec files may be at most {MAX_FILE_BYTES} bytes"),
        )
        .with_help("split the services across several files"));
    }
    Ok(())
}

/// Makes a source file from bytes, rejecting anything that is not UTF-8.
pub fn source_from_bytes(name: String, bytes: Vec<u8>) -> Result<Arc<SourceFile>, Diagnostic> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Arc::new(SourceFile { name, text })),
        Err(error) => {
            let offset = error.utf8_error().valid_up_to();
            let lossy = String::from_utf8_lossy(error.as_bytes()).into_owned();
            let file = Arc::new(SourceFile { name, text: lossy });
            let (line, col) = file.line_col(offset);
            Err(Diagnostic::error(
                Code::NotUtf8,
                format!(
                    "the file is not valid UTF-8 (first bad byte at line {line}, column {col})"
                ),
            )
            .at(&file, ByteSpan { offset, len: 1 })
            .with_label("not UTF-8")
            .with_help("save the file as UTF-8"))
        }
    }
}

/// The YAML parser's options: YAML 1.2 with strict booleans, within the input budgets.
pub fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            max_nodes: MAX_NODES,
            max_documents: MAX_DOCUMENTS,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: MAX_ALIAS_EVENTS,
        },
    }
}

/// Parses every YAML document of a file and tells each one's format. Problems come back as
/// diagnostics; documents that parsed are returned even when others did not.
pub fn parse_documents(file: &Arc<SourceFile>) -> (Vec<LoadedDocument>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    // A byte-order mark is legal at the start of a YAML stream, but not every tool agrees.
    let text = file.text.strip_prefix('\u{feff}').unwrap_or(&file.text);
    let bom = file.text.len() - text.len();
    let nodes: Vec<Spanned<Node>> =
        match serde_saphyr::from_str_multiple_with_options(text, yaml_options()) {
            Ok(nodes) => nodes,
            Err(error) => {
                diagnostics.push(yaml_error(file, &error, bom));
                return (Vec::new(), diagnostics);
            }
        };
    if nodes.iter().all(|n| matches!(n.value, Node::Null)) {
        diagnostics.push(
            Diagnostic::error(Code::EmptyDocument, "the file holds no spec")
                .in_file(file)
                .with_help("start the file with `apiVersion: slofile/v1`, or remove it"),
        );
        return (Vec::new(), diagnostics);
    }
    let mut documents = Vec::new();
    for node in &nodes {
        let document = Document::from_node(node, bom, &file.text);
        for bad in &document.bad_keys {
            diagnostics.push(match bad.kind {
                BadKind::NotScalarKey => {
                    Diagnostic::error(Code::YamlSyntax, "keys must be plain strings")
                        .at(file, bad.span)
                        .with_label("a list or map used as a key")
                        .with_help("write the key as a plain string")
                }
                BadKind::TooLarge => {
                    Diagnostic::error(Code::InvalidQuantity, "this whole number is too large")
                        .at(file, bad.span)
                        .with_label("beyond 64 bits")
                        .with_help(format!("whole numbers in a spec are at most {}", i64::MAX))
                }
            });
        }
        match detect_format(&document) {
            Ok(format) => documents.push(LoadedDocument {
                file: Arc::clone(file),
                document,
                format,
            }),
            Err(diagnostic) => diagnostics.push(diagnostic.in_file(file)),
        }
    }
    (documents, diagnostics)
}

fn yaml_error(file: &Arc<SourceFile>, error: &serde_saphyr::Error, bom: usize) -> Diagnostic {
    let full = error.without_snippet().to_string();
    let first_line = full.lines().next().unwrap_or("invalid YAML").trim();
    // The location is printed with the snippet already; drop the parser's own copy of it.
    let message = match first_line.find(" at line ") {
        Some(cut) => &first_line[..cut],
        None => first_line,
    };
    let lower = message.to_lowercase();
    let duplicate_key = lower
        .strip_prefix("duplicate mapping key: ")
        .map(|rest| rest.split(',').next().unwrap_or(rest).trim().to_owned());
    let message = match (&duplicate_key, budget_breach(error)) {
        (Some(key), _) => format!("the key `{key}` appears twice in this mapping"),
        (None, Some(breach)) => breach,
        (None, None) => message.to_owned(),
    };
    let code = if lower.contains("budget") || lower.contains("alias") && lower.contains("limit") {
        Code::InputBudget
    } else if lower.contains("non-finite") {
        Code::InvalidQuantity
    } else {
        Code::YamlSyntax
    };
    let help = match code {
        Code::InputBudget => format!(
            "slofile reads at most {MAX_NODES} nodes, {MAX_DEPTH} levels of nesting, \
             {MAX_DOCUMENTS} documents and {MAX_ALIAS_EVENTS} alias-replayed events per file; \
             anchors that expand without bound are rejected. Split large files"
        ),
        Code::InvalidQuantity => {
            "NaN and infinite numbers are never valid in a spec; write a finite number".to_owned()
        }
        _ if lower.contains("duplicate") => "each key may appear once in a mapping".to_owned(),
        _ if lower.contains("tab") => "YAML indents with spaces, never tabs".to_owned(),
        _ => "fix the YAML syntax at the marked place".to_owned(),
    };
    let mut diagnostic =
        Diagnostic::error(code, format!("invalid YAML: {message}")).with_help(help);
    match error.location() {
        Some(location) => {
            let span = location.span();
            let offset = span.byte_offset().unwrap_or(span.offset()) as usize + bom;
            let len = (span.byte_len().unwrap_or(span.len()) as usize).max(1);
            let offset = offset.min(file.text.len());
            let len = len.min(file.text.len() - offset);
            diagnostic = diagnostic.at(file, ByteSpan { offset, len });
        }
        None => diagnostic = diagnostic.in_file(file),
    }
    diagnostic
}

/// The budget a YAML parse error breached, in words.
fn budget_breach(error: &serde_saphyr::Error) -> Option<String> {
    use serde_saphyr::budget::BudgetBreach;
    // Errors met while replaying an alias come wrapped in the alias's location.
    let mut error = error.without_snippet();
    while let serde_saphyr::Error::AliasError { error: inner, .. }
    | serde_saphyr::Error::WithSnippet { error: inner, .. } = error
    {
        error = inner;
    }
    let breach = match error {
        serde_saphyr::Error::Budget { breach, .. } => breach,
        serde_saphyr::Error::AliasReplayLimitExceeded { .. } => {
            return Some(format!(
                "anchors and aliases expand to more than {MAX_ALIAS_EVENTS} YAML events"
            ));
        }
        _ => return None,
    };
    Some(match breach {
        BudgetBreach::Nodes { .. } | BudgetBreach::Events { .. } => {
            format!("the file holds more than {MAX_NODES} YAML nodes")
        }
        BudgetBreach::Depth { .. } => {
            format!("the YAML nests more than {MAX_DEPTH} levels deep")
        }
        BudgetBreach::Documents { .. } => {
            format!("the file holds more than {MAX_DOCUMENTS} YAML documents")
        }
        other => format!("the file exceeds a limit of the YAML reader ({other:?})"),
    })
}

fn detect_format(document: &Document) -> Result<InputFormat, Diagnostic> {
    let map = match &document.json {
        serde_json::Value::Object(map) => map,
        // OpenSLO tools read a list of objects as one document.
        serde_json::Value::Array(items)
            if !items.is_empty() && items.iter().all(is_openslo_object) =>
        {
            return Ok(InputFormat::OpenSlo);
        }
        serde_json::Value::Array(_) => {
            return Err(Diagnostic::error(
                Code::EmptyDocument,
                "this YAML document is a list, and only OpenSLO objects may be listed in one",
            )
            .with_help(format!(
                "a spec is a mapping that starts with {SUPPORTED_FORMATS}"
            ))
            .at_document(document));
        }
        _ => {
            return Err(Diagnostic::error(
                Code::EmptyDocument,
                "this YAML document is not a mapping, so it is no spec",
            )
            .with_help(format!(
                "a spec is a mapping that starts with {SUPPORTED_FORMATS}"
            ))
            .at_document(document));
        }
    };
    let (key, version) = match (map.get("apiVersion"), map.get("version")) {
        (Some(v), _) => ("apiVersion", v),
        (None, Some(v)) => ("version", v),
        (None, None) => {
            return Err(Diagnostic::error(
                Code::UnknownFormat,
                "this document has no `apiVersion`, so slofile cannot tell its format",
            )
            .with_help(format!("add {SUPPORTED_FORMATS} at the top"))
            .at_document(document));
        }
    };
    let kind = map.get("kind").and_then(serde_json::Value::as_str);
    match (key, version.as_str()) {
        ("apiVersion", Some("slofile/v1")) => Ok(InputFormat::Native),
        ("apiVersion", Some(OPENSLO_V1 | OPENSLO_COM_V1 | OPENSLO_V1ALPHA)) => {
            Ok(InputFormat::OpenSlo)
        }
        ("apiVersion", Some(other)) if other.starts_with("openslo") => {
            Err(unsupported_openslo_version(other).at_pointer(document, "/apiVersion"))
        }
        ("apiVersion", Some(SLOTH_K8S_V1))
            if matches!(kind, Some("PrometheusServiceLevel" | "AlertWindows")) =>
        {
            Ok(InputFormat::Sloth)
        }
        ("apiVersion", Some(SLOTH_K8S_V1)) => Err(Diagnostic::error(
            Code::UnknownFormat,
            format!(
                "Sloth resource kind {} is not one slofile reads",
                kind.map_or_else(|| "(none)".to_owned(), |k| format!("`{k}`"))
            ),
        )
        .with_label("not a spec kind")
        .with_help("slofile reads Sloth's `PrometheusServiceLevel` and `AlertWindows`")
        .at_pointer(
            document,
            if kind.is_some() {
                "/kind"
            } else {
                "/apiVersion"
            },
        )),
        ("version", Some(SLOTH_PROMETHEUS_V1)) => Ok(InputFormat::Sloth),
        ("apiVersion", Some(other)) if super::pyrra::claims(other, map) => {
            super::pyrra::detect(other, map).map_err(|d| d.at_pointer(document, "/apiVersion"))
        }
        _ => {
            let shown = match version {
                serde_json::Value::String(s) => format!("`{s}`"),
                other => format!("`{other}`"),
            };
            Err(
                Diagnostic::error(Code::UnknownFormat, format!("unsupported `{key}` {shown}"))
                    .with_label("not a format slofile reads")
                    .with_help(format!("slofile reads {SUPPORTED_FORMATS}"))
                    .at_pointer(document, &format!("/{key}")),
            )
        }
    }
}

fn is_openslo_object(item: &serde_json::Value) -> bool {
    item.get("apiVersion")
        .and_then(serde_json::Value::as_str)
        .is_some_and(|v| v.starts_with("openslo"))
}

/// The diagnostic for OpenSLO versions other than v1; the caller locates it.
pub fn unsupported_openslo_version(version: &str) -> Diagnostic {
    Diagnostic::error(
        Code::UnknownFormat,
        format!(
            "OpenSLO `{version}` is not supported; slofile reads `{OPENSLO_V1}` and the part of \
             `{OPENSLO_V1ALPHA}` that Sloth reads"
        ),
    )
    .with_label("not openslo/v1")
    .with_help(
        "rewrite the objects as `apiVersion: openslo/v1`, the stable version of the \
         specification; the OpenSLO repository (github.com/OpenSLO/OpenSLO) documents both \
         versions",
    )
}

trait AtDocument {
    fn at_document(self, document: &Document) -> Self;
    fn at_pointer(self, document: &Document, pointer: &str) -> Self;
}

// The file is attached by the caller; these only remember where in it.
impl AtDocument for Diagnostic {
    fn at_document(mut self, document: &Document) -> Self {
        self.span = Some(document.root);
        self
    }
    fn at_pointer(mut self, document: &Document, pointer: &str) -> Self {
        self.span = Some(document.span(pointer));
        self
    }
}
