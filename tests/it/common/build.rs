//! The one way the integration tests run `slofile build`: these inputs, with these flags; expect
//! success or these exit codes; read this output file.
//!
//! ```ignore
//! let built = Build::of(&["specs"]).flags(&["--sentry-api", "legacy"]).ok();
//! let text = built.read("sentry/nexus.json");
//! ```
//!
//! A build writes into a fresh temporary directory unless [`Build::out`] names one: a directory
//! kept between builds, or one whose absence after a failed build is the point.

use super::{root, run, slofile};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

/// A `slofile build` to run, into a fresh temporary directory unless [`Build::out`] names one.
#[must_use]
pub struct Build {
    inputs: Vec<String>,
    flags: Vec<String>,
    format: &'static str,
    cwd: Option<PathBuf>,
    out: Option<PathBuf>,
}

impl Build {
    /// Builds `inputs`, paths relative to the repository root (or to [`Build::cwd`]).
    pub fn of<S: AsRef<str>>(inputs: &[S]) -> Build {
        Build {
            inputs: inputs.iter().map(|i| i.as_ref().to_owned()).collect(),
            flags: Vec::new(),
            format: "json",
            cwd: None,
            out: None,
        }
    }

    /// Builds files given as paths.
    pub fn of_paths<P: AsRef<Path>>(inputs: &[P]) -> Build {
        let inputs: Vec<String> = inputs
            .iter()
            .map(|p| p.as_ref().to_str().expect("UTF-8 path").to_owned())
            .collect();
        Build::of(&inputs)
    }

    /// Extra command-line flags, after the inputs and `-o`.
    pub fn flags(mut self, flags: &[&str]) -> Build {
        self.flags.extend(flags.iter().map(|f| (*f).to_owned()));
        self
    }

    /// How diagnostics print (`json`, the default, puts them on stdout as JSON Lines).
    pub fn format(mut self, format: &'static str) -> Build {
        self.format = format;
        self
    }

    /// Runs in `cwd` instead of the repository root.
    pub fn cwd(mut self, cwd: &Path) -> Build {
        self.cwd = Some(cwd.to_path_buf());
        self
    }

    /// Writes into `out` (relative to the working directory) instead of a fresh temporary
    /// directory; the caller owns it, and the build may leave it absent.
    pub fn out(mut self, out: &Path) -> Build {
        self.out = Some(out.to_path_buf());
        self
    }

    /// Runs the build; it must succeed.
    pub fn ok(self) -> Built {
        self.expect(0)
    }

    /// Runs the build; it must exit with `code`.
    pub fn expect(self, code: i32) -> Built {
        let described = format!("build {:?} {:?}", self.inputs, self.flags);
        let built = self.run();
        assert_eq!(
            built.output.status.code(),
            Some(code),
            "{described} exited {}:\n{}",
            built.output.status,
            built.said()
        );
        built
    }

    /// Runs the build; it must fail (exit 1) and report every one of `codes`.
    pub fn fails_with(self, codes: &[&str]) -> Built {
        let built = self.expect(1);
        let reported = built.codes();
        for code in codes {
            assert!(
                reported.iter().any(|r| r == code),
                "`{code}` not among {reported:?}:\n{}",
                built.said()
            );
        }
        built
    }

    fn run(mut self) -> Built {
        let (out, temp) = if let Some(out) = self.out.take() {
            (out, None)
        } else {
            let temp = tempfile::tempdir().unwrap();
            (temp.path().to_path_buf(), Some(temp))
        };
        let out_arg = out.to_str().expect("UTF-8 path").to_owned();
        let mut args: Vec<&str> = vec!["build"];
        args.extend(self.inputs.iter().map(String::as_str));
        args.extend(["-o", &out_arg, "--format", self.format]);
        args.extend(self.flags.iter().map(String::as_str));
        let output = match &self.cwd {
            Some(cwd) => slofile().args(&args).current_dir(cwd).output().unwrap(),
            None => run(&args),
        };
        let base = self.cwd.unwrap_or_else(root);
        Built {
            out: base.join(out),
            _temp: temp,
            output,
        }
    }
}

/// What a build wrote and said.
pub struct Built {
    /// The output directory, absolute.
    out: PathBuf,
    /// The temporary directory it is, when [`Build::out`] named none: removed on drop.
    _temp: Option<tempfile::TempDir>,
    pub output: Output,
}

impl Built {
    /// The output directory.
    pub fn path(&self) -> &Path {
        &self.out
    }

    /// One output file, by its path under the output directory.
    pub fn read(&self, path: &str) -> String {
        let path = self.out.join(path);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The files of one output subdirectory, by name; empty when the build wrote none.
    pub fn files(&self, subdirectory: &str) -> BTreeMap<String, String> {
        let Ok(entries) = std::fs::read_dir(self.out.join(subdirectory)) else {
            return BTreeMap::new();
        };
        entries
            .map(|entry| {
                let path = entry.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(&path).unwrap())
            })
            .collect()
    }

    /// What the build printed on stdout: the JSON Lines with `--format json`, else nothing.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    /// What the build printed on stderr: the diagnostics of the other formats, and the summary.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// Everything the build printed: stdout (JSON Lines with `--format json`), then stderr.
    pub fn said(&self) -> String {
        self.stdout() + &self.stderr()
    }

    /// The diagnostics, from the JSON Lines of `--format json`.
    pub fn diagnostics(&self) -> Vec<Value> {
        self.said()
            .lines()
            .filter(|line| line.starts_with('{'))
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    /// The codes of the diagnostics, in order.
    pub fn codes(&self) -> Vec<String> {
        self.diagnostics()
            .iter()
            .map(|d| d["code"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// The diagnostics whose code `keep` accepts, one line each (with `help` when `with_help`):
    /// `file:line:column severity code: message`.
    pub fn diagnostic_lines(&self, keep: impl Fn(&str) -> bool, with_help: bool) -> String {
        let mut lines = String::new();
        for d in self.diagnostics() {
            let code = d["code"].as_str().unwrap_or_default();
            if !keep(code) {
                continue;
            }
            lines.push_str(&format!(
                "{}:{}:{} {} {code}: {}\n",
                d["file"].as_str().unwrap_or("-"),
                d["line"],
                d["column"],
                d["severity"].as_str().unwrap_or_default(),
                d["message"].as_str().unwrap_or_default(),
            ));
            if with_help {
                lines.push_str(&format!("  help: {}\n", d["help"].as_str().unwrap()));
            }
        }
        lines
    }
}
