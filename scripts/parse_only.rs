//! The parse-only baseline of the benchmark: reads every spec file under the given paths and
//! parses it with serde-saphyr, with the options and into the spanned tree that `slofile` uses,
//! and does nothing else. `--value` parses into plain `serde_json::Value`s instead.
//!
//! ```text
//! cargo run --release --example parse-only -- /tmp/specs
//! ```

use serde_saphyr::Spanned;
use slofile::spec::load::{collect_paths, yaml_options};
use slofile::spec::yaml_reader::Node;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut plain_values = false;
    let mut inputs = Vec::new();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--value" => plain_values = true,
            _ => inputs.push(PathBuf::from(arg)),
        }
    }
    let paths = match collect_paths(&inputs) {
        Ok(paths) => paths,
        Err(diagnostic) => {
            eprintln!("parse-only: {}", diagnostic.message);
            return ExitCode::from(2);
        }
    };
    let mut documents = 0;
    for path in &paths {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) => {
                eprintln!("parse-only: {}: {error}", path.display());
                return ExitCode::from(2);
            }
        };
        let options = yaml_options();
        let parsed = if plain_values {
            serde_saphyr::from_str_multiple_with_options::<serde_json::Value, Vec<_>>(
                &text, options,
            )
            .map(|docs| docs.len())
        } else {
            serde_saphyr::from_str_multiple_with_options::<Spanned<Node>, Vec<_>>(&text, options)
                .map(|docs| docs.len())
        };
        match parsed {
            Ok(count) => documents += count,
            Err(error) => {
                eprintln!("parse-only: {}: {error}", path.display());
                return ExitCode::from(1);
            }
        }
    }
    eprintln!("parse-only: {} files, {documents} documents", paths.len());
    ExitCode::SUCCESS
}
