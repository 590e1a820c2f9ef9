//! Writes a synthetic spec tree for benchmarks (see `spec_tree.rs`): `--slos N` SLOs,
//! `--per-file M` to a file (one service per file), in the native format or as OpenSLO objects.
//!
//! ```text
//! cargo run --release --example gen-specs -- --slos 10000 --format native --out /tmp/specs
//! ```

#[path = "spec_tree.rs"]
mod spec_tree;

use spec_tree::Format;
use std::path::PathBuf;
use std::process::ExitCode;

struct Args {
    slos: usize,
    per_file: usize,
    format: Format,
    out: PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        slos: 1000,
        per_file: 100,
        format: Format::Native,
        out: PathBuf::new(),
    };
    let mut iter = std::env::args().skip(1);
    while let Some(flag) = iter.next() {
        let mut value = || iter.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--slos" => args.slos = value()?.parse().map_err(|e| format!("--slos: {e}"))?,
            "--per-file" => {
                args.per_file = value()?.parse().map_err(|e| format!("--per-file: {e}"))?;
            }
            "--format" => {
                args.format = match value()?.as_str() {
                    "native" => Format::Native,
                    "openslo" => Format::OpenSlo,
                    other => return Err(format!("--format: `{other}` is not native or openslo")),
                }
            }
            "--out" => args.out = PathBuf::from(value()?),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if args.out.as_os_str().is_empty() {
        return Err("--out DIR is required".to_owned());
    }
    if args.per_file == 0 {
        return Err("--per-file must be at least 1".to_owned());
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!(
                "gen-specs: {message}\nusage: gen-specs --slos N [--per-file M] [--format native|openslo] --out DIR"
            );
            return ExitCode::from(2);
        }
    };
    if let Err(error) = spec_tree::generate(&args.out, args.slos, args.per_file, args.format) {
        eprintln!("gen-specs: {error}");
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}
