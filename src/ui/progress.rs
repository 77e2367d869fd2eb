//! Step progress: spinners on a terminal, one plain line per event elsewhere (a CI log shows
//! nothing of an indicatif bar), with GitHub Actions error annotations when running there.
//!
//! Operations in tenantctl-core report through its `engine::Reporter` trait; [`Progress`]
//! implements it in the mode the Context chose once from the terminal facts.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

use fly_api::types::SecretValue;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use tenantctl_core::engine::{Reporter, StepEvent};

/// How progress is shown; decided once by the Context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// stderr is a terminal: spinners that redraw in place.
    Terminal,
    /// Not a terminal: one line per step start and finish.
    Plain,
    /// Plain lines plus `::error::` annotations for failed steps.
    GithubActions,
    /// `-q`: nothing.
    Hidden,
}

struct Step {
    label: String,
    bar: Option<ProgressBar>,
}

/// A running step: the subject (tenant) it works on and its name. Many tenants can run the
/// same step at once; each gets its own line.
type Key = (String, String);

/// Shows step progress in the chosen mode. Safe to share between concurrent steps of many
/// tenants.
pub struct Progress {
    mode: ProgressMode,
    multi: Option<MultiProgress>,
    steps: Mutex<HashMap<Key, Step>>,
    sink: Mutex<Box<dyn Write + Send>>,
    /// GitHub Actions: each tenant's lines, printed as one `::group::` when it finishes, so
    /// concurrent steps of many tenants do not interleave in the log.
    groups: Mutex<BTreeMap<String, Vec<String>>>,
    /// Register generated secrets with `::add-mask::` (GitHub Actions, also with `-q`).
    masks: bool,
}

impl Progress {
    /// Progress on stderr.
    pub fn new(mode: ProgressMode) -> Progress {
        Progress::with_sink(mode, Box::new(std::io::stderr()))
    }

    /// Progress whose line output goes to `sink` (terminal mode always draws on stderr).
    pub fn with_sink(mode: ProgressMode, sink: Box<dyn Write + Send>) -> Progress {
        let multi = (mode == ProgressMode::Terminal)
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Progress {
            mode,
            multi,
            steps: Mutex::new(HashMap::new()),
            sink: Mutex::new(sink),
            groups: Mutex::new(BTreeMap::new()),
            masks: mode == ProgressMode::GithubActions,
        }
    }

    pub fn mode(&self) -> ProgressMode {
        self.mode
    }

    /// A bar over `total` subjects (tenants of a fleet run), on a terminal only; each
    /// subject's `finished` advances it. Elsewhere each tenant's lines say the same.
    pub fn over_subjects(&self, total: u64, label: &str) -> Option<ProgressBar> {
        let multi = self.multi.as_ref()?;
        let bar = multi.insert(0, ProgressBar::new(total));
        if let Ok(style) = ProgressStyle::with_template(
            "{prefix:.bold} [{bar:30}] {pos}/{len} {msg} {elapsed:.dim}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(label.to_string());
        Some(bar)
    }

    /// Masks secrets even when progress itself is hidden: under GitHub Actions a hook's output
    /// can reach the log through an error message whatever the verbosity.
    #[must_use]
    pub fn with_masks(mut self, masks: bool) -> Progress {
        self.masks = self.masks || masks;
        self
    }

    fn started(&self, subject: &str, id: &str, title: &str) {
        let bar = self.multi.as_ref().map(|multi| {
            let bar = multi.add(ProgressBar::new_spinner());
            if let Ok(style) =
                ProgressStyle::with_template("{spinner} {prefix:.bold} {msg} {elapsed:.dim}")
            {
                bar.set_style(style);
            }
            bar.set_prefix(subject.to_string());
            bar.set_message(title.to_string());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        self.line(subject, &format!("start  {id}: {title}"));
        if let Ok(mut steps) = self.steps.lock() {
            steps.insert(
                (subject.to_string(), id.to_string()),
                Step {
                    label: title.to_string(),
                    bar,
                },
            );
        }
    }

    fn progressed(&self, subject: &str, id: &str, message: &str) {
        let steps = self.steps.lock().ok();
        let key = (subject.to_string(), id.to_string());
        let step = steps.as_ref().and_then(|steps| steps.get(&key));
        let label = step.map_or(id, |s| s.label.as_str());
        match step.and_then(|s| s.bar.as_ref()) {
            Some(bar) => bar.set_message(format!("{label}: {message}")),
            None => self.line(subject, &format!("...    {id}: {message}")),
        }
    }

    fn finished(&self, subject: &str, id: &str, event: &StepEvent) {
        let key = (subject.to_string(), id.to_string());
        let step = self
            .steps
            .lock()
            .ok()
            .and_then(|mut steps| steps.remove(&key));
        let (label, bar) = match step {
            Some(step) => (step.label, step.bar),
            None => (id.to_string(), None),
        };
        // The start line showed the title; the end line says what came of it.
        let with_detail = |detail: &str| {
            if detail.is_empty() {
                format!("{id}: {label}")
            } else {
                format!("{id}: {detail}")
            }
        };
        let text = match event {
            StepEvent::Done { detail, elapsed } => {
                format!(
                    "done   {} ({})",
                    with_detail(detail),
                    format_elapsed(*elapsed)
                )
            }
            StepEvent::Skipped { reason, elapsed } => format!(
                "skip   {} ({})",
                with_detail(reason),
                format_elapsed(*elapsed)
            ),
            StepEvent::Failed { message, elapsed } => {
                format!("FAILED {id} ({}): {message}", format_elapsed(*elapsed))
            }
            StepEvent::Undone { detail, elapsed } => format!(
                "undone {} ({})",
                with_detail(detail),
                format_elapsed(*elapsed)
            ),
            StepEvent::Started { .. } | StepEvent::Progress { .. } | StepEvent::Undoing => return,
        };
        // One event, one line: a multi-line reason would read as several events in a CI log.
        let text = text.replace("\r\n", "\n").replace(['\n', '\r'], "; ");
        if let Some(bar) = bar {
            // The finished line goes above the live spinners and stays; the spinner area only
            // holds running steps, so it is empty (and gone) when the operation ends.
            bar.finish_and_clear();
            if let Some(multi) = &self.multi {
                let _ = multi.println(format!("{subject}  {text}"));
            }
        }
        self.line(subject, &text);
        if let (ProgressMode::GithubActions, StepEvent::Failed { message, .. }) = (self.mode, event)
        {
            let annotation = format!(
                "::error title={}::{}",
                escape_property(&label),
                escape_data(&format!("{subject}: {message}"))
            );
            self.subject_line(subject, annotation);
        }
    }

    /// A message that does not tear spinners apart.
    pub fn message(&self, text: &str) {
        match &self.multi {
            Some(multi) => {
                let _ = multi.println(text);
            }
            None => self.raw_line(text),
        }
    }

    /// A step's line in plain and GitHub Actions modes, prefixed with its subject so the lines
    /// of tenants running at once can be told apart; nothing otherwise.
    fn line(&self, subject: &str, text: &str) {
        self.subject_line(subject, format!("[{subject}] {text}"));
    }

    /// A line of one subject: held for its group under GitHub Actions, written otherwise.
    fn subject_line(&self, subject: &str, text: String) {
        if self.mode != ProgressMode::GithubActions {
            self.raw_line(&text);
            return;
        }
        if let Ok(mut groups) = self.groups.lock() {
            groups.entry(subject.to_string()).or_default().push(text);
        }
    }

    /// Writes a subject's held lines as one group.
    fn flush_group(&self, subject: &str) {
        let lines = self
            .groups
            .lock()
            .ok()
            .and_then(|mut groups| groups.remove(subject))
            .unwrap_or_default();
        if lines.is_empty() {
            return;
        }
        self.raw_line(&format!("::group::tenant {subject}"));
        for line in &lines {
            self.raw_line(line);
        }
        self.raw_line("::endgroup::");
    }

    fn raw_line(&self, text: &str) {
        if !matches!(self.mode, ProgressMode::Plain | ProgressMode::GithubActions) {
            return;
        }
        if let Ok(mut sink) = self.sink.lock() {
            let _ = writeln!(sink, "{text}");
        }
    }
}

impl Reporter for Progress {
    /// Under GitHub Actions the runner hides a masked value everywhere in the job's log, so a
    /// hook that echoes its environment cannot leak it.
    fn secret(&self, value: &SecretValue) {
        if self.masks
            && !value.expose().is_empty()
            && let Ok(mut sink) = self.sink.lock()
        {
            let _ = writeln!(sink, "::add-mask::{}", value.expose());
        }
    }

    fn finished(&self, subject: &str) {
        self.flush_group(subject);
    }

    fn step(&self, subject: &str, step: &str, event: StepEvent) {
        match &event {
            StepEvent::Started { title } => self.started(subject, step, title),
            StepEvent::Progress { message } => self.progressed(subject, step, message),
            StepEvent::Undoing => self.started(subject, step, &format!("undo {step}")),
            StepEvent::Done { .. }
            | StepEvent::Skipped { .. }
            | StepEvent::Failed { .. }
            | StepEvent::Undone { .. } => {
                self.finished(subject, step, &event);
            }
        }
    }
}

impl Drop for Progress {
    /// A run stopped early (Ctrl-C) still shows what its tenants did.
    fn drop(&mut self) {
        let subjects: Vec<String> = self
            .groups
            .lock()
            .map(|groups| groups.keys().cloned().collect())
            .unwrap_or_default();
        for subject in subjects {
            self.flush_group(&subject);
        }
    }
}

pub(crate) fn format_elapsed(elapsed: Duration) -> String {
    format!("{:.1}s", elapsed.as_secs_f64())
}

/// Escapes a workflow command's message (actions/toolkit rules).
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn run(mode: ProgressMode) -> String {
        let sink = Shared::default();
        let progress = Progress::with_sink(mode, Box::new(sink.clone()));
        let started = |title: &str| StepEvent::Started {
            title: title.into(),
        };
        let elapsed = Duration::from_millis(1500);
        progress.step("acme", "app", started("create app tenant-acme"));
        progress.step(
            "acme",
            "app",
            StepEvent::Done {
                detail: String::new(),
                elapsed,
            },
        );
        progress.step("acme", "vol", started("create volume"));
        progress.step(
            "acme",
            "vol",
            StepEvent::Progress {
                message: "waiting".into(),
            },
        );
        progress.step(
            "acme",
            "vol",
            StepEvent::Failed {
                message: "quota: 100%\nexceeded".into(),
                elapsed,
            },
        );
        progress.step("acme", "ips", started("allocate IPs"));
        progress.step(
            "acme",
            "ips",
            StepEvent::Skipped {
                reason: "already allocated".into(),
                elapsed,
            },
        );
        progress.message("note");
        Reporter::finished(&progress, "acme");
        let bytes = sink.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn plain_mode_prints_one_line_per_event() {
        let text = run(ProgressMode::Plain);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "[acme] start  app: create app tenant-acme",
                "[acme] done   app: create app tenant-acme (1.5s)",
                "[acme] start  vol: create volume",
                "[acme] ...    vol: waiting",
                "[acme] FAILED vol (1.5s): quota: 100%; exceeded",
                "[acme] start  ips: allocate IPs",
                "[acme] skip   ips: already allocated (1.5s)",
                "note",
            ],
            "{text}"
        );
    }

    #[test]
    fn github_actions_mode_annotates_failures_escaped() {
        let text = run(ProgressMode::GithubActions);
        assert!(
            text.contains("::error title=create volume::acme: quota: 100%25%0Aexceeded"),
            "{text}"
        );
    }

    #[test]
    fn the_same_step_of_two_tenants_keeps_two_lines() {
        let sink = Shared::default();
        let progress = Progress::with_sink(ProgressMode::Plain, Box::new(sink.clone()));
        let started = |title: &str| StepEvent::Started {
            title: title.into(),
        };
        let done = || StepEvent::Done {
            detail: String::new(),
            elapsed: Duration::from_millis(100),
        };
        progress.step("acme", "machine", started("create machine a"));
        progress.step("globex", "machine", started("create machine g"));
        progress.step("acme", "machine", done());
        progress.step("globex", "machine", done());
        let bytes = sink.0.lock().unwrap().clone();
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            text.contains("[acme] done   machine: create machine a (0.1s)"),
            "{text}"
        );
        assert!(
            text.contains("[globex] done   machine: create machine g (0.1s)"),
            "{text}"
        );
    }

    #[test]
    fn github_actions_mode_groups_each_tenants_lines() {
        let text = run(ProgressMode::GithubActions);
        let lines: Vec<&str> = text.lines().collect();
        let open = lines.iter().position(|l| *l == "::group::tenant acme");
        let close = lines.iter().position(|l| *l == "::endgroup::");
        let (Some(open), Some(close)) = (open, close) else {
            panic!("no group:\n{text}");
        };
        assert!(open < close, "{text}");
        assert!(
            lines[open + 1..close]
                .iter()
                .all(|l| l.starts_with("[acme]") || l.starts_with("::error")),
            "{text}"
        );
        assert!(lines[open + 1..close].len() >= 7, "{text}");
    }

    #[test]
    fn hidden_mode_prints_nothing() {
        assert_eq!(run(ProgressMode::Hidden), "");
    }

    #[test]
    fn property_escaping() {
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
