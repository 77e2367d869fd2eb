//! A hermetic test environment around the `tenantctl` binary.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use tempfile::TempDir;

/// The example config shipped in the repository (the Drupal case).
pub fn example_config() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/tenantctl.toml"))
        .expect("examples/tenantctl.toml is readable")
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cli/fixtures")
        .join(name)
}

/// A temp directory with `home/` and `work/` (the working directory of every command).
pub struct TestEnv {
    dir: TempDir,
    vars: Vec<(String, String)>,
}

impl TestEnv {
    /// No tenantctl.toml anywhere.
    pub fn empty() -> TestEnv {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        std::fs::create_dir_all(dir.path().join("work")).unwrap();
        TestEnv {
            dir,
            vars: Vec::new(),
        }
    }

    /// work/tenantctl.toml holds `config`.
    pub fn with_config(config: &str) -> TestEnv {
        let env = TestEnv::empty();
        env.write("work/tenantctl.toml", config);
        env
    }

    /// work/tenantctl.toml is examples/tenantctl.toml.
    pub fn example() -> TestEnv {
        TestEnv::with_config(&example_config())
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    /// Writes a file relative to the temp root, creating directories.
    pub fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Adds an environment variable to every command.
    pub fn var(mut self, name: &str, value: &str) -> TestEnv {
        self.vars.push((name.into(), value.into()));
        self
    }

    /// `tenantctl` with a cleared environment, HOME in the temp dir, run in work/.
    pub fn cmd(&self) -> Command {
        Command::from_std(self.std_cmd())
    }

    /// The same as [`TestEnv::cmd`], as a plain std Command (to spawn and signal it).
    pub fn std_cmd(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("tenantctl"));
        cmd.env_clear()
            .env("HOME", self.dir.path().join("home"))
            .current_dir(self.work());
        for (name, value) in &self.vars {
            cmd.env(name, value);
        }
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("tenantctl runs")
    }

    pub fn run_in(&self, dir: &Path, args: &[&str]) -> Output {
        self.cmd()
            .current_dir(dir)
            .args(args)
            .output()
            .expect("tenantctl runs")
    }

    /// Exit code, stdout and stderr in one text, temp paths replaced by `[TMP]`.
    pub fn snapshot(&self, args: &[&str]) -> String {
        self.render_output(&self.run(args))
    }

    pub fn render_output(&self, output: &Output) -> String {
        let text = format!(
            "exit_code: {}\n----- stdout -----\n{}----- stderr -----\n{}",
            output
                .status
                .code()
                .map_or("signal".into(), |c| c.to_string()),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
        self.redact(&text)
    }

    pub fn redact(&self, text: &str) -> String {
        let root = self.dir.path().display().to_string();
        let text = text.replace(&root, "[TMP]");
        // macOS reports /private/var for /var temp dirs.
        text.replace(&format!("/private{root}"), "[TMP]")
    }
}

pub fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Parses stdout as one JSON document.
pub fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}\nstderr:\n{}",
            stdout(output),
            stderr(output)
        )
    })
}

/// (name, status) of each step of a JSON result document, in order.
pub fn step_outcomes(doc: &serde_json::Value) -> Vec<(&str, &str)> {
    doc["steps"]
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .map(|s| {
                    (
                        s["name"].as_str().unwrap_or(""),
                        s["status"].as_str().unwrap_or(""),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}
