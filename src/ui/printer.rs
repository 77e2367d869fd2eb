//! The Printer: every line tenantctl prints goes through it.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{self, Write};

use serde::Serialize;

/// How much goes to stderr. Results on stdout are never suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// `-q`: errors only.
    Quiet,
    /// Status lines and warnings.
    Normal,
    /// `-v` and more: also details (and tracing at info/debug/trace).
    Verbose(u8),
}

impl Verbosity {
    /// From the number of `-v` and `-q` flags.
    pub fn from_counts(verbose: u8, quiet: u8) -> Verbosity {
        match (verbose, quiet) {
            (_, q) if q > 0 => Verbosity::Quiet,
            (0, _) => Verbosity::Normal,
            (v, _) => Verbosity::Verbose(v),
        }
    }
}

/// Writes results to stdout and messages to stderr. Cheap to copy; pass it by value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Printer {
    verbosity: Verbosity,
    /// ANSI colour on stderr (a terminal, and NO_COLOR unset).
    color: bool,
}

const RED_BOLD: &str = "\u{1b}[1;31m";
const YELLOW_BOLD: &str = "\u{1b}[1;33m";
const CYAN_BOLD: &str = "\u{1b}[1;36m";
const GREEN_BOLD: &str = "\u{1b}[1;32m";
const RESET: &str = "\u{1b}[0m";

impl Printer {
    pub fn new(verbosity: Verbosity, color: bool) -> Printer {
        Printer { verbosity, color }
    }

    pub fn verbosity(&self) -> Verbosity {
        self.verbosity
    }

    pub fn color(&self) -> bool {
        self.color
    }

    /// A result on stdout, with a trailing newline added if missing. A closed pipe (`| head`) is
    /// not an error: the reader has what it wanted.
    pub fn result(&self, text: &str) {
        let mut out = io::stdout().lock();
        let newline = if text.ends_with('\n') { "" } else { "\n" };
        let written = out
            .write_all(text.as_bytes())
            .and_then(|()| out.write_all(newline.as_bytes()))
            .and_then(|()| out.flush());
        if let Err(e) = written
            && e.kind() != io::ErrorKind::BrokenPipe
        {
            self.error(&format!("error: cannot write to stdout: {e}"));
        }
    }

    /// One pretty-printed JSON document on stdout.
    pub fn json<T: Serialize>(&self, value: &T) {
        match serde_json::to_string_pretty(value) {
            Ok(text) => self.result(&text),
            Err(e) => self.error(&format!("error: cannot encode JSON output: {e}")),
        }
    }

    /// A status line on stderr: `label` (a verb such as `Rendered`) then the message.
    pub fn status(&self, label: &str, message: &str) {
        if self.verbosity > Verbosity::Quiet {
            let label = self.paint(GREEN_BOLD, &format!("{label:>12}"));
            self.stderr_line(&format!("{label} {message}"));
        }
    }

    /// One item of a list on stderr, such as what a destroy deletes; `always` shows it also
    /// with -q (before a prompt, what is asked about must be visible).
    pub fn item(&self, message: &str, always: bool) {
        if always || self.verbosity > Verbosity::Quiet {
            self.stderr_line(&format!("  - {message}"));
        }
    }

    /// A detail shown only with -v.
    pub fn detail(&self, message: &str) {
        if matches!(self.verbosity, Verbosity::Verbose(_)) {
            self.stderr_line(message);
        }
    }

    /// A warning on stderr (hidden by -q).
    pub fn warn(&self, message: &str) {
        if self.verbosity > Verbosity::Quiet {
            let label = self.paint(YELLOW_BOLD, "warning:");
            self.stderr_line(&format!("{label} {message}"));
        }
    }

    /// An error on stderr; never hidden.
    pub fn error(&self, text: &str) {
        self.stderr_line(text);
    }

    pub fn paint_error(&self, text: &str) -> String {
        self.paint(RED_BOLD, text)
    }

    pub fn paint_hint(&self, text: &str) -> String {
        self.paint(CYAN_BOLD, text)
    }

    fn paint(&self, style: &str, text: &str) -> String {
        if self.color {
            format!("{style}{text}{RESET}")
        } else {
            text.to_string()
        }
    }

    fn stderr_line(&self, text: &str) {
        // stderr going away is not worth failing over.
        let _ = writeln!(io::stderr().lock(), "{text}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbosity_from_flags() {
        assert_eq!(Verbosity::from_counts(0, 0), Verbosity::Normal);
        assert_eq!(Verbosity::from_counts(2, 0), Verbosity::Verbose(2));
        assert_eq!(Verbosity::from_counts(0, 1), Verbosity::Quiet);
        assert_eq!(Verbosity::from_counts(3, 1), Verbosity::Quiet);
        assert!(Verbosity::Quiet < Verbosity::Normal);
        assert!(Verbosity::Normal < Verbosity::Verbose(1));
    }

    #[test]
    fn colour_only_when_enabled() {
        let plain = Printer::new(Verbosity::Normal, false);
        assert_eq!(plain.paint_error("error:"), "error:");
        let colored = Printer::new(Verbosity::Normal, true);
        assert_eq!(colored.paint_error("error:"), "\u{1b}[1;31merror:\u{1b}[0m");
    }
}
