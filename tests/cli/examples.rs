//! The GitHub Actions examples (examples/github-actions/) and the action (action.yml): valid
//! YAML of the right shape, no input spliced into a script, and every tenantctl command, flag
//! and step output they use is one the binary under test really has.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_yaml::Value;

use crate::harness::{TestEnv, code, stderr, stdout};
use crate::sim::Sim;

/// Flags the examples use that commands under construction will have. Each is accepted until
/// the command's --help lists it, and the test says so meanwhile. None at present.
const PENDING_FLAGS: &[(&str, &str)] = &[];

/// Global options that take a value (the value is not a subcommand).
const VALUE_OPTIONS: &[&str] = &["--config", "--api-url", "--org", "-o", "--output", "--role"];

/// The workflows every copy of the examples is expected to have.
const EXPECTED_WORKFLOWS: &[&str] = &[
    "deploy.yml",
    "destroy.yml",
    "fleet.yml",
    "nightly-backup.yml",
    "provision.yml",
    "rollout.yml",
    "upgrade.yml",
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn workflow_files() -> Vec<PathBuf> {
    let dir = repo().join("examples/github-actions");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    files
}

fn name(path: &Path) -> String {
    path.strip_prefix(repo())
        .unwrap_or(path)
        .display()
        .to_string()
}

fn load(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{} is not valid YAML: {e}", name(path)))
}

fn action() -> Value {
    load(&repo().join("action.yml"))
}

fn text(value: Option<&Value>) -> &str {
    value.and_then(Value::as_str).unwrap_or_default()
}

fn keys(value: Option<&Value>) -> BTreeSet<String> {
    value
        .and_then(Value::as_mapping)
        .map(|m| {
            m.keys()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

fn steps(job: &Value) -> &[Value] {
    job.get("steps")
        .and_then(Value::as_sequence)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// What the binary says it has: its subcommands and the flags of each (global ones included).
struct Cli {
    root_flags: BTreeSet<String>,
    commands: BTreeMap<String, BTreeSet<String>>,
}

impl Cli {
    fn read() -> Cli {
        let env = TestEnv::empty();
        let help = |args: &[&str]| {
            let output = env.run(args);
            assert_eq!(code(&output), 0, "tenantctl {args:?}: {}", stderr(&output));
            stdout(&output)
        };
        let root = help(&["--help"]);
        let names: Vec<String> = root
            .lines()
            .skip_while(|l| l.trim() != "Commands:")
            .skip(1)
            .take_while(|l| !l.trim().is_empty())
            .filter_map(|l| l.split_whitespace().next())
            .filter(|c| *c != "help")
            .map(String::from)
            .collect();
        assert!(
            names.len() >= 5,
            "found no command list in `tenantctl --help`:\n{root}"
        );
        let commands = names
            .into_iter()
            .map(|c| {
                let flags = flags_in(&help(&[&c, "--help"]));
                (c, flags)
            })
            .collect();
        Cli {
            root_flags: flags_in(&root),
            commands,
        }
    }

    /// The flags `command` accepts, plus those it is about to get.
    fn accepts(&self, command: &str, flag: &str) -> bool {
        let flag = flag.split_once('=').map_or(flag, |(f, _)| f);
        if self.commands[command].contains(flag) {
            return true;
        }
        if PENDING_FLAGS.contains(&(command, flag)) {
            let _ = writeln!(
                std::io::stderr(),
                "NOTE examples: `tenantctl {command} --help` does not list {flag} yet; accepted as pending"
            );
            return true;
        }
        false
    }
}

/// `--long` and `-s` options named anywhere in a help text.
fn flags_in(help: &str) -> BTreeSet<String> {
    let mut flags = BTreeSet::new();
    for word in help.split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == '(') {
        if let Some(rest) = word.strip_prefix("--") {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            if name.starts_with(|c: char| c.is_ascii_alphabetic()) {
                flags.insert(format!("--{name}"));
            }
        } else if word.len() == 2
            && word.starts_with('-')
            && word.as_bytes()[1].is_ascii_alphabetic()
        {
            flags.insert(word.to_string());
        }
    }
    flags
}

/// One line of shell as words, quotes removed; `;`, `|`, `&`, `(`, `)`, `<`, `>` runs are
/// words of their own, and `#` at the start of a word ends the line. Enough for the examples'
/// scripts; not a shell parser.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false; // the current word had quotes (so "" is a word)
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                quoted = true;
                while let Some(inner) = chars.next() {
                    match inner {
                        _ if inner == c => break,
                        '\\' if c == '"' => word.extend(chars.next()),
                        _ => word.push(inner),
                    }
                }
            }
            '\\' => {
                if let Some(next) = chars.next() {
                    word.push(next);
                }
            }
            '#' if word.is_empty() && !quoted => break,
            c if c.is_whitespace() => flush(&mut out, &mut word, &mut quoted),
            ';' | '|' | '&' | '(' | ')' | '<' | '>' => {
                if c == '(' && word.ends_with('$') {
                    word.push(c); // $( ... ) stays in the word
                    continue;
                }
                flush(&mut out, &mut word, &mut quoted);
                let mut op = c.to_string();
                while let Some(&next) = chars.peek() {
                    if next == c || (c == '>' && next == '>') || (c == '&' && next == '&') {
                        op.push(next);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(op);
            }
            c => word.push(c),
        }
    }
    flush(&mut out, &mut word, &mut quoted);
    out
}

fn flush(out: &mut Vec<String>, word: &mut String, quoted: &mut bool) {
    if !word.is_empty() || *quoted {
        out.push(std::mem::take(word));
    }
    *quoted = false;
}

fn is_operator(word: &str) -> bool {
    word.starts_with([';', '|', '&', '(', ')', '<', '>'])
}

fn command_position(previous: Option<&str>) -> bool {
    match previous {
        None => true,
        Some(w) => {
            matches!(w, ";" | "|" | "||" | "&&" | "&" | "(" | "!" | "{")
                || matches!(
                    w,
                    "then" | "do" | "else" | "elif" | "if" | "while" | "until"
                )
        }
    }
}

/// The `tenantctl` command lines of a script, with `"${name[@]}"` replaced by the words the
/// script puts into the array `name`.
fn invocations(file: &str, script: &str) -> Vec<Vec<String>> {
    let lines: Vec<Vec<String>> = script.lines().map(words).collect();
    let mut arrays: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in &lines {
        for (i, w) in line.iter().enumerate() {
            let Some(name) = w.strip_suffix("+=").or_else(|| w.strip_suffix('=')) else {
                continue;
            };
            if line.get(i + 1).map(String::as_str) != Some("(")
                || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                continue;
            }
            let items = line[i + 2..].iter().take_while(|w| w.as_str() != ")");
            arrays
                .entry(name.to_string())
                .or_default()
                .extend(items.cloned());
        }
    }
    let mut found = Vec::new();
    for line in &lines {
        for (i, w) in line.iter().enumerate() {
            if w != "tenantctl" {
                continue;
            }
            let previous = i.checked_sub(1).map(|p| line[p].as_str());
            if !command_position(previous) {
                let crate_name = line.iter().any(|w| w == "cargo")
                    && line.iter().any(|w| w == "install")
                    && (i + 1 == line.len() || previous == Some("--bin"));
                assert!(
                    crate_name,
                    "{file}: `tenantctl` in `{}` is neither a command nor the crate cargo installs",
                    line.join(" ")
                );
                continue;
            }
            let mut argv = Vec::new();
            for arg in line[i + 1..].iter().take_while(|w| !is_operator(w)) {
                match arg.strip_prefix("${").and_then(|a| a.strip_suffix("[@]}")) {
                    Some(array) => argv.extend(
                        arrays
                            .get(array)
                            .unwrap_or_else(|| panic!("{file}: array `{array}` is never set"))
                            .iter()
                            .cloned(),
                    ),
                    None => argv.push(arg.clone()),
                }
            }
            found.push(argv);
        }
    }
    found
}

/// Checks one tenantctl command line; returns its subcommand (None when the script picks it
/// at run time, as the action does).
fn check_invocation(cli: &Cli, file: &str, argv: &[String]) -> Option<String> {
    let shown = argv.join(" ");
    let mut rest = argv.iter();
    let mut command = None;
    while let Some(word) = rest.next() {
        if word.starts_with('-') {
            assert!(
                cli.root_flags
                    .contains(word.split_once('=').map_or(word.as_str(), |(f, _)| f)),
                "{file}: `tenantctl {shown}`: {word} is not a global option of tenantctl"
            );
            if VALUE_OPTIONS.contains(&word.as_str()) {
                rest.next();
            }
        } else {
            command = Some(word.clone());
            break;
        }
    }
    let command = command.unwrap_or_else(|| panic!("{file}: `tenantctl {shown}` names no command"));
    if command.starts_with('$') {
        for word in rest.filter(|w| w.starts_with('-')) {
            assert!(
                cli.root_flags.contains(word.as_str()),
                "{file}: `tenantctl {shown}`: {word} is not a global option"
            );
        }
        return None;
    }
    assert!(
        cli.commands.contains_key(&command),
        "{file}: `tenantctl {shown}`: `{command}` is not a command `tenantctl --help` lists ({:?})",
        cli.commands.keys().collect::<Vec<_>>()
    );
    for word in rest.filter(|w| w.starts_with('-') && w.len() > 1) {
        assert!(
            cli.accepts(&command, word),
            "{file}: `tenantctl {shown}`: `tenantctl {command}` has no option {word}"
        );
    }
    Some(command)
}

/// The arguments a workflow passes to the action in `with.args` (one per line): flags as
/// written, plus the literal flags an expression such as `${{ x && '--flag' || '' }}` yields.
fn action_arg_flags(args: &str) -> Vec<String> {
    let mut flags = Vec::new();
    for line in args.lines().map(str::trim) {
        if line.contains("${{") {
            flags.extend(
                line.split('\'')
                    .skip(1)
                    .step_by(2)
                    .filter(|s| s.starts_with('-'))
                    .map(String::from),
            );
        } else if line.starts_with('-') {
            flags.push(line.to_string());
        }
    }
    flags
}

/// `steps.<id>.outputs.<key>` references in a text.
fn output_references(text: &str) -> Vec<(String, String)> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect()
    };
    let mut found = Vec::new();
    for (at, _) in text.match_indices("steps.") {
        let rest = &text[at + "steps.".len()..];
        let id = ident(rest);
        if let Some(after) = rest[id.len()..].strip_prefix(".outputs.") {
            found.push((id, ident(after)));
        }
    }
    found
}

#[test]
fn the_examples_and_the_action_use_only_real_commands_flags_and_outputs() {
    let cli = Cli::read();
    let action = action();
    let action_inputs = keys(action.get("inputs"));
    let action_outputs = keys(action.get("outputs"));
    let required_inputs: BTreeSet<String> = action_inputs
        .iter()
        .filter(|i| action["inputs"][i.as_str()].get("required") == Some(&Value::Bool(true)))
        .cloned()
        .collect();
    assert!(required_inputs.contains("command") && required_inputs.contains("fly-api-token"));

    let files = workflow_files();
    let found: BTreeSet<String> = files
        .iter()
        .filter_map(|p| p.file_name()?.to_str().map(String::from))
        .collect();
    for expected in EXPECTED_WORKFLOWS {
        assert!(
            found.contains(*expected),
            "examples/github-actions/{expected} is missing"
        );
    }

    let mut run_commands = BTreeSet::new();
    let mut action_commands = BTreeSet::new();
    for path in &files {
        let file = name(path);
        let source = std::fs::read_to_string(path).unwrap();
        let header: String = source
            .lines()
            .take_while(|l| l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            header.contains("Copy to .github/workflows/") && header.contains("FLY_API_TOKEN"),
            "{file}: the opening comment says where to copy it and which secrets it needs"
        );
        let doc = load(path);
        assert!(
            doc.get("on").is_some_and(|on| !on.is_null()),
            "{file}: no `on`"
        );
        let jobs = doc
            .get("jobs")
            .and_then(Value::as_mapping)
            .filter(|jobs| !jobs.is_empty())
            .unwrap_or_else(|| panic!("{file}: no `jobs`"));

        // A workflow about one tenant runs once per tenant at a time.
        let dispatch_inputs = keys(
            doc.get("on")
                .and_then(|on| on.get("workflow_dispatch"))
                .and_then(|d| d.get("inputs")),
        );
        if dispatch_inputs.contains("tenant") {
            let group = text(doc.get("concurrency").and_then(|c| c.get("group")));
            assert!(
                group.contains("inputs.tenant"),
                "{file}: a single-tenant workflow needs a concurrency group per tenant, not `{group}`"
            );
        }

        for (job_name, job) in jobs {
            let job_name = format!("{file}: job {}", text(Some(job_name)));
            assert!(job.get("runs-on").is_some(), "{job_name}: no runs-on");
            assert!(!steps(job).is_empty(), "{job_name}: no steps");
            let mut action_steps = BTreeSet::new();
            for step in steps(job) {
                if let Some(script) = step.get("run").and_then(Value::as_str) {
                    assert!(
                        !script.contains("${{"),
                        "{job_name}: an expression is spliced into a script; pass it through env:\n{script}"
                    );
                    for argv in invocations(&job_name, script) {
                        if let Some(command) = check_invocation(&cli, &job_name, &argv) {
                            run_commands.insert(command);
                        }
                    }
                }
                let uses = text(step.get("uses"));
                if !uses.is_empty() && !uses.starts_with("./") {
                    let (_, version) = uses
                        .split_once('@')
                        .unwrap_or_else(|| panic!("{job_name}: `{uses}` names no version"));
                    assert!(!version.is_empty(), "{job_name}: `{uses}` names no version");
                }
                if uses.starts_with("tenantctl/tenantctl@") || uses == "./" {
                    if let Some(id) = step.get("id").and_then(Value::as_str) {
                        action_steps.insert(id.to_string());
                    }
                    let with = keys(step.get("with"));
                    for input in &with {
                        assert!(
                            action_inputs.contains(input),
                            "{job_name}: the action has no input `{input}`"
                        );
                    }
                    for input in &required_inputs {
                        assert!(
                            with.contains(input),
                            "{job_name}: the action needs the input `{input}`"
                        );
                    }
                    let command = text(step.get("with").and_then(|w| w.get("command")));
                    assert!(
                        cli.commands.contains_key(command),
                        "{job_name}: the action's command `{command}` is not a tenantctl command"
                    );
                    let args = text(step.get("with").and_then(|w| w.get("args")));
                    for flag in action_arg_flags(args) {
                        assert!(
                            cli.accepts(command, &flag) || cli.root_flags.contains(&flag),
                            "{job_name}: `tenantctl {command}` has no option {flag}"
                        );
                    }
                    action_commands.insert(command.to_string());
                }
            }
            let job_text = serde_yaml::to_string(job).unwrap();
            for (id, key) in output_references(&job_text) {
                if action_steps.contains(&id) {
                    assert!(
                        action_outputs.contains(&key),
                        "{job_name}: the action has no output `{key}` (steps.{id}.outputs.{key})"
                    );
                }
            }
        }
    }
    // The checks above saw the commands the examples are about, so they did check something.
    for command in ["provision", "status", "destroy", "backup"] {
        assert!(
            run_commands.contains(command),
            "no run script of the examples runs `tenantctl {command}` (seen: {run_commands:?})"
        );
    }
    for command in ["upgrade", "deploy"] {
        assert!(
            action_commands.contains(command),
            "no example runs `{command}` with the action (seen: {action_commands:?})"
        );
    }

    // The action itself.
    assert_eq!(text(action["runs"].get("using")), "composite");
    let mut dynamic = 0;
    for step in steps(&action["runs"]) {
        let Some(script) = step.get("run").and_then(Value::as_str) else {
            continue;
        };
        assert_eq!(
            text(step.get("shell")),
            "bash",
            "action.yml: every run step says shell: bash"
        );
        assert!(
            !script.contains("${{"),
            "action.yml: an expression is spliced into a script; pass it through env:\n{script}"
        );
        for argv in invocations("action.yml", script) {
            if check_invocation(&cli, "action.yml", &argv).is_none() {
                dynamic += 1;
            }
        }
        // The commands the action lets through are tenantctl's.
        let lines: Vec<Vec<String>> = script.lines().map(words).collect();
        for (i, line) in lines.iter().enumerate() {
            if line.first().map(String::as_str) == Some("case")
                && line.get(1).is_some_and(|w| w == "$COMMAND")
            {
                let allowed: Vec<&String> = lines[i + 1]
                    .iter()
                    .take_while(|w| w.as_str() != ")")
                    .filter(|w| !is_operator(w))
                    .collect();
                assert!(
                    allowed.len() >= 5,
                    "action.yml: allowed commands: {allowed:?}"
                );
                for command in allowed {
                    assert!(
                        cli.commands.contains_key(command.as_str()),
                        "action.yml lets through `{command}`, which tenantctl does not have"
                    );
                }
            }
        }
    }
    assert_eq!(
        dynamic, 2,
        "action.yml runs tenantctl in its run step, with and without output-file"
    );
}

/// The action's outputs are the keys tenantctl writes to GITHUB_OUTPUT (plus the exit code,
/// which the action's own script writes).
#[test]
fn the_action_forwards_the_outputs_tenantctl_writes() {
    let action = action();
    let mut forwarded = BTreeMap::new();
    for (name, output) in action["outputs"]
        .as_mapping()
        .expect("action.yml has outputs")
    {
        let value = text(output.get("value"));
        let refs = output_references(value);
        assert_eq!(refs.len(), 1, "action.yml output {name:?}: {value}");
        let (step, key) = refs.into_iter().next().unwrap();
        assert_eq!(
            step, "run",
            "action.yml output {name:?} comes from the run step"
        );
        forwarded.insert(key, text(Some(name)).to_string());
    }

    let sim = Sim::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("github_output");
    let env = sim
        .env()
        .var("GITHUB_ACTIONS", "true")
        .var("GITHUB_OUTPUT", file.to_str().unwrap());
    let mut written = BTreeSet::new();
    for args in [
        &["provision", "acme", "--tier", "starter"][..],
        &["deploy", "acme", "--image", "registry.fly.io/demo:2"],
        &["upgrade", "acme", "--tier", "pro", "--yes"],
        &[
            "destroy",
            "acme",
            "--yes",
            "--confirm",
            "acme",
            "--force-protected",
        ],
    ] {
        let output = env.run(args);
        assert_eq!(code(&output), 0, "tenantctl {args:?}: {}", stderr(&output));
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        written.extend(
            text.lines()
                .filter_map(|l| l.split_once('=').map(|(k, _)| k.to_string())),
        );
    }
    for key in forwarded.keys().filter(|k| *k != "exit_code") {
        assert!(
            written.contains(key),
            "action.yml forwards `{key}`, which no tenantctl command writes (written: {written:?})"
        );
    }
    for key in &written {
        assert!(
            forwarded.contains_key(key),
            "tenantctl writes the step output `{key}`, which action.yml does not forward"
        );
    }
}

/// The action's run step, run as GitHub runs `shell: bash`, against a stand-in tenantctl that
/// prints its arguments: each line of `args` is one argument, taken literally.
#[test]
fn the_action_passes_arguments_literally() {
    let script = steps(&action()["runs"])
        .iter()
        .find(|s| text(s.get("id")) == "run")
        .and_then(|s| s.get("run"))
        .and_then(Value::as_str)
        .expect("action.yml has a step with id `run`")
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let fake = bin.join("tenantctl");
    std::fs::write(
        &fake,
        "#!/bin/sh\nfor a in \"$@\"; do printf '<%s>\\n' \"$a\"; done\necho tenant=acme >> \"$GITHUB_OUTPUT\"\nexit \"${FAKE_EXIT:-0}\"\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::write(dir.path().join("run.sh"), &script).unwrap();
    let outputs = dir.path().join("github_output");
    let run = |vars: &[(&str, &str)]| {
        std::fs::write(&outputs, "").unwrap();
        let mut cmd = std::process::Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "run.sh"])
            .current_dir(dir.path())
            .env_clear()
            .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
            .env("GITHUB_OUTPUT", &outputs);
        for (name, value) in [
            ("COMMAND", ""),
            ("TENANT", ""),
            ("ARGS", ""),
            ("OUTPUT_FILE", ""),
        ] {
            cmd.env(name, value);
        }
        for (name, value) in vars {
            cmd.env(name, value);
        }
        cmd.output()
    };
    let output = match run(&[("COMMAND", "list")]) {
        Ok(output) => output,
        Err(e) if std::env::var_os("CI").is_none() => {
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED examples::the_action_passes_arguments_literally: it needs bash: {e}"
            );
            return;
        }
        Err(e) => panic!("bash is needed (GitHub's runners have it): {e}"),
    };
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(stdout(&output), "<list>\n<--no-input>\n");

    let hostile = "  --tier \n\npro\r\n$(touch pwned)\n`touch pwned`\n*\n\"x y\"\n; touch pwned\n";
    let output = run(&[
        ("COMMAND", "provision"),
        ("TENANT", "acme"),
        ("ARGS", hostile),
    ])
    .unwrap();
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "<provision>\n<acme>\n<--tier>\n<pro>\n<$(touch pwned)>\n<`touch pwned`>\n<*>\n<\"x y\">\n<; touch pwned>\n<--no-input>\n"
    );
    assert!(!dir.path().join("pwned").exists());
    let set = std::fs::read_to_string(&outputs).unwrap();
    assert_eq!(set, "tenant=acme\nexit_code=0\n");

    // A failing command: its exit code is the step's and the exit-code output, also with -e.
    let output = run(&[
        ("COMMAND", "status"),
        ("TENANT", "acme"),
        ("OUTPUT_FILE", "result.txt"),
        ("FAKE_EXIT", "4"),
    ])
    .unwrap();
    assert_eq!(code(&output), 4, "{}", stderr(&output));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("result.txt")).unwrap(),
        "<status>\n<acme>\n<--no-input>\n"
    );
    assert!(
        std::fs::read_to_string(&outputs)
            .unwrap()
            .ends_with("exit_code=4\n")
    );

    // Refused before tenantctl runs: an unknown command, a tenant of two lines.
    for vars in [
        &[("COMMAND", "status; touch pwned")][..],
        &[("COMMAND", "completions")],
        &[("COMMAND", "status"), ("TENANT", "acme\n--force-protected")],
    ] {
        let output = run(vars).unwrap();
        assert_eq!(code(&output), 2, "{vars:?}: {}", stderr(&output));
        assert!(
            stdout(&output).contains("::error title=tenantctl action::"),
            "{vars:?}"
        );
        assert_eq!(std::fs::read_to_string(&outputs).unwrap(), "exit_code=2\n");
    }
    assert!(!dir.path().join("pwned").exists());
}

#[test]
fn the_shell_words_helper_splits_as_the_examples_need() {
    assert_eq!(
        words(r#"  tenantctl "${args[@]}" > provision.json || code=$?  # comment"#),
        [
            "tenantctl",
            "${args[@]}",
            ">",
            "provision.json",
            "||",
            "code=$?"
        ]
    );
    assert_eq!(
        words(r#"args=(--dry-run provision "$TENANT" --tier "$TIER")"#),
        [
            "args=",
            "(",
            "--dry-run",
            "provision",
            "$TENANT",
            "--tier",
            "$TIER",
            ")"
        ]
    );
    assert_eq!(
        words(r#"echo "app \`$(jq -r .app plan.json)\`" ''"#),
        ["echo", "app `$(jq -r .app plan.json)`", ""]
    );
    let found = invocations(
        "t",
        "args=(status \"$T\")\nif [ -n \"$R\" ]; then args+=(--region \"$R\"); fi\ntenantctl \"${args[@]}\" -q\ntrue && tenantctl list\n",
    );
    assert_eq!(
        found,
        [vec!["status", "$T", "--region", "$R", "-q"], vec!["list"]]
    );
}
