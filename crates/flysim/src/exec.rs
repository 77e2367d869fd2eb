//! `exec`: run a command for real on the host, with the machine's environment and its
//! volumes bind-mounted at their mount paths in a private mount namespace.
//!
//! The command runs chrooted in a root assembled inside the namespace: a tmpfs on a
//! directory flysim owns, holding the host's top-level entries (rbind mounts and
//! symlinks), the machine's private layers and its volumes. Nothing is created on the
//! host's own filesystem, so the same script works as root and, for a non-root flysim,
//! inside a user namespace (`unshare --user --map-root-user`).

use std::os::unix::fs::MetadataExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

use crate::error::{ApiError, ApiResult};
use crate::store::MachineRow;

const DEFAULT_TIMEOUT_S: u64 = 30;
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const MOUNT_FAILED: i32 = 125;
const MOUNT_MARKER: &str = "flysim-mount-error:";

/// Body of `POST /machines/{id}/exec` (the spec's `command` array, fly-go's `cmd` string).
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ExecRequest {
    #[serde(default)]
    pub command: Option<Vec<String>>,
    #[serde(default)]
    pub cmd: Option<String>,
    #[serde(default)]
    pub timeout: Option<u64>,
    #[serde(default)]
    pub stdin: Option<String>,
    #[serde(default)]
    pub container: Option<String>,
    #[serde(default)]
    pub machine: Option<bool>,
}

impl ExecRequest {
    pub fn argv(&self) -> ApiResult<Vec<String>> {
        let argv = match (&self.command, &self.cmd) {
            (Some(c), _) if !c.is_empty() => c.clone(),
            (_, Some(s)) if !s.trim().is_empty() => shlex::split(s).ok_or_else(|| {
                ApiError::bad_request(format!("invalid cmd {s:?}: unbalanced quotes"))
            })?,
            _ => {
                return Err(ApiError::bad_request(
                    "a command is required (\"command\" or \"cmd\")",
                ));
            }
        };
        if argv[0].is_empty() {
            return Err(ApiError::bad_request("invalid command: empty program name"));
        }
        Ok(argv)
    }

    pub fn display(&self) -> String {
        match (&self.command, &self.cmd) {
            (Some(c), _) if !c.is_empty() => {
                shlex::try_join(c.iter().map(String::as_str)).unwrap_or_else(|_| c.join(" "))
            }
            (_, Some(s)) => s.clone(),
            _ => String::new(),
        }
    }
}

#[derive(Debug)]
pub struct ExecOutput {
    pub exit_code: i32,
    pub stdout: String,
    pub stderr: String,
}

fn find_tool(name: &str) -> Option<PathBuf> {
    ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.exists())
}

fn is_root() -> bool {
    // /proc/self is owned by the effective uid of the process.
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Host tools the isolation script runs, by absolute path.
struct Tools {
    unshare: PathBuf,
    mkdir: PathBuf,
    mount: PathBuf,
    ln: PathBuf,
    chroot: PathBuf,
}

impl Tools {
    fn find() -> Option<Tools> {
        Some(Tools {
            unshare: find_tool("unshare")?,
            mkdir: find_tool("mkdir")?,
            mount: find_tool("mount")?,
            ln: find_tool("ln")?,
            chroot: find_tool("chroot")?,
        })
    }
}

/// Whether this (non-root) process may create a user namespace in which it is root and
/// owns a private mount namespace. Probed once by trying it: kernels and distributions
/// disable unprivileged user namespaces in several ways.
fn user_namespaces_work(unshare: &Path) -> bool {
    static WORKS: OnceLock<bool> = OnceLock::new();
    *WORKS.get_or_init(|| {
        std::process::Command::new(unshare)
            .args([
                "--user",
                "--map-root-user",
                "--mount",
                "--propagation",
                "private",
                "--",
                "/bin/sh",
                "-c",
                "exit 0",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// The environment a machine's processes see: config env, then the secrets it booted with.
pub fn machine_env(m: &MachineRow) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = vec![
        ("PATH".into(), DEFAULT_PATH.into()),
        ("HOME".into(), "/root".into()),
        ("FLY_APP_NAME".into(), m.app.clone()),
        ("FLY_MACHINE_ID".into(), m.id.clone()),
        ("FLY_ALLOC_ID".into(), m.id.clone()),
        ("FLY_REGION".into(), m.region.clone()),
        ("FLY_PRIVATE_IP".into(), m.private_ip.clone()),
        ("FLY_MACHINE_VERSION".into(), m.instance_id.clone()),
        (
            "FLY_IMAGE_REF".into(),
            m.config
                .get("image")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        ),
    ];
    let memory = m
        .config
        .get("guest")
        .and_then(|g| g.get("memory_mb"))
        .and_then(Value::as_i64)
        .unwrap_or(256);
    env.push(("FLY_VM_MEMORY_MB".into(), memory.to_string()));
    if let Some(group) = m
        .config
        .get("metadata")
        .and_then(|md| md.get("fly_process_group"))
        .and_then(Value::as_str)
    {
        env.push(("FLY_PROCESS_GROUP".into(), group.to_string()));
    }
    if let Some(obj) = m.config.get("env").and_then(Value::as_object) {
        for (k, v) in obj {
            if let Some(v) = v.as_str() {
                env.push((k.clone(), v.to_string()));
            }
        }
    }
    for (k, v) in &m.boot_secrets {
        env.push((k.clone(), v.clone()));
    }
    env
}

/// One mount set up in the machine's private mount namespace.
#[derive(Debug, Clone, PartialEq)]
pub enum MountSpec {
    /// The (empty, flysim-owned) directory on which the machine's root is assembled.
    NewRoot { dir: PathBuf },
    /// Overlay the host directory `guest` with a per-boot writable layer; `layer` holds
    /// the overlay's `upper/` and `work/` directories.
    Overlay { layer: PathBuf, guest: String },
    /// Bind `src` onto `guest`.
    Bind { src: PathBuf, guest: String },
}

/// Top-level directories given a private copy-on-write layer: on Fly the root filesystem
/// is private to the machine and reset on every boot; only volumes persist.
const OVERLAID: &[&str] = &["etc", "home", "opt", "root", "srv", "usr", "var"];
/// Directories replaced by an empty private directory per boot.
const SCRATCH: &[(&str, &str, u32)] = &[("tmp", "/tmp", 0o1777), ("var_tmp", "/var/tmp", 0o1777)];
/// Never overlaid: kernel filesystems and the staging area.
const NEVER: &[&str] = &["proc", "sys", "dev", "run", "tmp", "boot", "lost+found"];

fn top_dir(path: &str) -> Option<&str> {
    let first = path.trim_start_matches('/').split('/').next()?;
    let ok = !first.is_empty()
        && first
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && first != "."
        && first != "..";
    ok.then_some(first)
}

/// Decode standard base64 (with or without padding).
pub fn base64_decode(input: &str) -> Option<Vec<u8>> {
    fn val(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32)
    }
    let clean: Vec<u8> = input
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b'=')
        .collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        if chunk.len() == 1 {
            return None;
        }
        let mut acc = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            acc |= val(*c)? << (18 - 6 * i);
        }
        out.push((acc >> 16) as u8);
        if chunk.len() > 2 {
            out.push((acc >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(acc as u8);
        }
    }
    Some(out)
}

/// The contents of `config.files` as (guest path, bytes, mode).
fn config_files(m: &MachineRow) -> Vec<(String, Vec<u8>, u32)> {
    let mut out = Vec::new();
    for f in m
        .config
        .get("files")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(path) = f.get("guest_path").and_then(Value::as_str) else {
            continue;
        };
        let data = if let Some(raw) = f.get("raw_value").and_then(Value::as_str) {
            base64_decode(raw)
        } else if let Some(secret) = f.get("secret_name").and_then(Value::as_str) {
            // The spec stores file contents base64-encoded in the secret; a value that is
            // not valid base64 is written as it is.
            m.boot_secrets.get(secret).map(|v| {
                let strict = !v.is_empty()
                    && v.len() % 4 == 0
                    && v.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
                strict
                    .then(|| base64_decode(v))
                    .flatten()
                    .unwrap_or_else(|| v.as_bytes().to_vec())
            })
        } else {
            None
        };
        let mode = f.get("mode").and_then(Value::as_u64).unwrap_or(0o644) as u32;
        if let Some(data) = data {
            out.push((path.to_string(), data, mode & 0o7777));
        }
    }
    out
}

/// Prepare the private filesystem of the machine's current boot (dropping those of
/// earlier boots): per-boot overlay layers, scratch directories, and `config.files`
/// written into the layers when the boot is new.
pub fn prepare_boot(
    rootfs_dir: &Path,
    state_dir: &Path,
    m: &MachineRow,
    boot_id: &str,
) -> std::io::Result<Vec<MountSpec>> {
    use std::os::unix::fs::PermissionsExt;
    let base = rootfs_dir.join(&m.id);
    let current = base.join(boot_id);
    if let Ok(entries) = std::fs::read_dir(&base) {
        for e in entries.flatten() {
            if e.path() != current {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let fresh = !current.exists();
    let files = config_files(m);
    let mut tops: Vec<String> = OVERLAID.iter().map(|s| s.to_string()).collect();
    for (path, _, _) in &files {
        if let Some(t) = top_dir(path)
            && !tops.iter().any(|x| x == t)
        {
            tops.push(t.to_string());
        }
    }
    let new_root = current.join("root");
    std::fs::create_dir_all(&new_root)?;
    let mut specs = vec![MountSpec::NewRoot { dir: new_root }];
    for top in tops {
        let host = Path::new("/").join(&top);
        // The state directory must stay outside every overlay (overlayfs refuses layers
        // nested in their lower directory); symlinks like /bin -> usr/bin are covered
        // by their target.
        if NEVER.contains(&top.as_str()) || state_dir.starts_with(&host) {
            continue;
        }
        let layer = current.join("layers").join(&top);
        let guest = format!("/{top}");
        match std::fs::symlink_metadata(&host) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => continue,
            // Not on the host: the layer alone is the directory (created in the new root).
            Err(_) => {
                let upper = layer.join("upper");
                std::fs::create_dir_all(&upper)?;
                specs.push(MountSpec::Bind { src: upper, guest });
                continue;
            }
        }
        std::fs::create_dir_all(layer.join("upper"))?;
        std::fs::create_dir_all(layer.join("work"))?;
        specs.push(MountSpec::Overlay { layer, guest });
    }
    for (dir, guest, mode) in SCRATCH {
        let src = current.join(dir);
        std::fs::create_dir_all(&src)?;
        std::fs::set_permissions(&src, std::fs::Permissions::from_mode(*mode))?;
        specs.push(MountSpec::Bind {
            src,
            guest: guest.to_string(),
        });
    }
    if fresh {
        for (path, data, mode) in files {
            let Some(top) = top_dir(&path) else { continue };
            let rest = path
                .trim_start_matches('/')
                .trim_start_matches(top)
                .trim_start_matches('/');
            let upper = current.join("layers").join(top).join("upper");
            let target = if top == "tmp" {
                current.join("tmp").join(rest)
            } else if upper.exists() {
                upper.join(rest)
            } else {
                continue;
            };
            if rest.split('/').any(|c| c == "..") {
                continue;
            }
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&target, &data)?;
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(mode))?;
        }
    }
    Ok(specs)
}

/// Whether exec can isolate commands in a private mount namespace here: as root, or
/// as any user where unprivileged user namespaces are enabled.
pub fn can_isolate() -> bool {
    Tools::find().is_some_and(|t| is_root() || user_namespaces_work(&t.unshare))
}

const CANNOT_ISOLATE: &str = "flysim needs unshare(1), mkdir(1), ln(1), mount(8) and chroot(8), and either root or unprivileged user namespaces (Linux), to run commands in a private mount namespace";

/// Run the command. `volumes` are (host volume dir, guest path) pairs; `boot` is the
/// machine's private filesystem (see `prepare_boot`), used when isolation is possible.
pub async fn run(
    m: &MachineRow,
    req: &ExecRequest,
    volumes: &[(PathBuf, String)],
    boot: &[MountSpec],
) -> ApiResult<ExecOutput> {
    let isolate = can_isolate();
    if !volumes.is_empty() && !isolate {
        return Err(ApiError::precondition(format!(
            "cannot run exec on a machine with volumes: {CANNOT_ISOLATE}"
        )));
    }
    // The private filesystem first, so volumes mounted below it stay visible.
    let mounts: Vec<MountSpec> = if isolate {
        boot.iter()
            .cloned()
            .chain(volumes.iter().map(|(src, guest)| MountSpec::Bind {
                src: src.clone(),
                guest: guest.clone(),
            }))
            .collect()
    } else {
        Vec::new()
    };
    let mounts = mounts.as_slice();
    let argv = req.argv()?;
    // `machine: true` (run in the machine's namespace) is what flysim always does.
    let _ = req.machine;
    if req.container.as_deref().is_some_and(|c| !c.is_empty()) {
        return Err(ApiError::bad_request(
            "this machine has no containers; omit \"container\"",
        ));
    }
    let timeout = Duration::from_secs(req.timeout.filter(|t| *t > 0).unwrap_or(DEFAULT_TIMEOUT_S));

    let mut work_dir: Option<String> = None;
    let mut cmd = if mounts.is_empty() {
        let mut c = Command::new(&argv[0]);
        c.args(&argv[1..]);
        c
    } else {
        let Some(tools) = Tools::find() else {
            return Err(ApiError::precondition(format!(
                "cannot isolate exec: {CANNOT_ISOLATE}"
            )));
        };
        create_overlay_mountpoints(mounts)?;
        work_dir = Some(next_work_dir());
        let script = mount_script(mounts, &tools, work_dir.as_deref().unwrap_or("work"))?;
        let mut c = Command::new(&tools.unshare);
        if !is_root() {
            c.args(["--user", "--map-root-user"]);
        }
        c.args([
            "--mount",
            "--propagation",
            "private",
            "--",
            "/bin/sh",
            "-c",
            &script,
            "sh",
        ]);
        c.args(&argv);
        c
    };
    cmd.env_clear()
        .envs(machine_env(m))
        .current_dir("/")
        .stdin(if req.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);

    let _work_dirs = work_dir.map(|name| WorkDirs::new(mounts, name));
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(ExecOutput {
                exit_code: 127,
                stdout: String::new(),
                stderr: format!("exec: {:?}: executable file not found in $PATH\n", argv[0]),
            });
        }
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return Ok(ExecOutput {
                exit_code: 126,
                stdout: String::new(),
                stderr: format!("exec: {:?}: permission denied\n", argv[0]),
            });
        }
        Err(e) => return Err(ApiError::internal(format!("failed to start command: {e}"))),
    };
    let pgid = child.id();
    if let (Some(mut stdin), Some(input)) = (child.stdin.take(), req.stdin.clone()) {
        tokio::spawn(async move {
            let _ = stdin.write_all(input.as_bytes()).await;
        });
    }
    let mut out_pipe = child.stdout.take();
    let mut err_pipe = child.stderr.take();
    let out_task = tokio::spawn(async move {
        let mut buf = Vec::new();
        if let Some(p) = out_pipe.as_mut() {
            let _ = p.read_to_end(&mut buf).await;
        }
        buf
    });
    let err_task = tokio::spawn(async move {
        let mut buf = Vec::new();
        if let Some(p) = err_pipe.as_mut() {
            let _ = p.read_to_end(&mut buf).await;
        }
        buf
    });

    let status = tokio::time::timeout(timeout, child.wait()).await;
    // Background children may keep the pipes open: give them a moment, then kill the group.
    let linger = if status.is_ok() {
        Duration::from_millis(500)
    } else {
        Duration::ZERO
    };
    let drained = tokio::time::timeout(linger, async {
        while !(out_task.is_finished() && err_task.is_finished()) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .is_ok();
    if !drained && let Some(pgid) = pgid {
        kill_group(pgid).await;
    }
    let _ = child.kill().await;
    let stdout = out_task.await.unwrap_or_default();
    let stderr = err_task.await.unwrap_or_default();
    let status = match status {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            return Err(ApiError::internal(format!(
                "failed to wait for command: {e}"
            )));
        }
        Err(_) => {
            return Err(ApiError::timeout(format!(
                "command timed out after {}s and was killed",
                timeout.as_secs()
            )));
        }
    };
    let exit_code = status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
    let stderr = String::from_utf8_lossy(&stderr).into_owned();
    if !mounts.is_empty() && exit_code == MOUNT_FAILED && stderr.contains(MOUNT_MARKER) {
        return Err(ApiError::precondition(format!(
            "cannot set up the machine's filesystem: {}",
            stderr.trim()
        )));
    }
    Ok(ExecOutput {
        exit_code,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr,
    })
}

/// A name for this exec's overlay workdirs, unique in the process.
fn next_work_dir() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("work-{n}")
}

/// One exec's overlay workdirs, removed when it is done (the kernel leaves a `work/` inside
/// with no permissions, so it is opened up first).
struct WorkDirs(Vec<PathBuf>);

impl WorkDirs {
    fn new(mounts: &[MountSpec], name: String) -> WorkDirs {
        WorkDirs(
            mounts
                .iter()
                .filter_map(|m| match m {
                    MountSpec::Overlay { layer, .. } => Some(layer.join(&name)),
                    _ => None,
                })
                .collect(),
        )
    }
}

impl Drop for WorkDirs {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        for dir in &self.0 {
            let inner = dir.join("work");
            let _ = std::fs::set_permissions(&inner, std::fs::Permissions::from_mode(0o700));
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn quote(p: &str) -> ApiResult<String> {
    shlex::try_quote(p)
        .map(|q| q.into_owned())
        .map_err(|_| ApiError::bad_request(format!("invalid path {p:?}")))
}

fn quote_path(p: &Path) -> ApiResult<String> {
    match p.to_str() {
        Some(s) => quote(s),
        None => Err(ApiError::internal(format!(
            "path {} is not valid UTF-8",
            p.display()
        ))),
    }
}

/// A guest path as a clean absolute path: no `.`/`..` components (they would reach
/// outside the new root), no empty name.
fn clean_guest(guest: &str) -> ApiResult<String> {
    let parts: Vec<&str> = guest.split('/').filter(|c| !c.is_empty()).collect();
    if !guest.starts_with('/') || parts.is_empty() || parts.iter().any(|c| *c == "." || *c == "..")
    {
        return Err(ApiError::bad_request(format!(
            "invalid mount path {guest:?}: it must be an absolute path below /"
        )));
    }
    Ok(format!("/{}", parts.join("/")))
}

/// A mount point missing below an overlaid directory (a volume at /var/lib/app) cannot be
/// created through the overlay by a non-root flysim (the host's directories are not its
/// own), so it is created in the overlay's upper layer, which flysim owns.
fn create_overlay_mountpoints(mounts: &[MountSpec]) -> ApiResult<()> {
    for spec in mounts {
        let MountSpec::Bind { guest, .. } = spec else {
            continue;
        };
        let guest = clean_guest(guest)?;
        if Path::new(&guest).exists() {
            continue;
        }
        let Some((top, rest)) = guest.trim_start_matches('/').split_once('/') else {
            continue;
        };
        let layer = mounts.iter().find_map(|s| match s {
            MountSpec::Overlay { layer, guest } if guest.trim_start_matches('/') == top => {
                Some(layer)
            }
            _ => None,
        });
        if let Some(layer) = layer {
            std::fs::create_dir_all(layer.join("upper").join(rest)).map_err(|e| {
                ApiError::internal(format!("cannot create the mount point {guest}: {e}"))
            })?;
        }
    }
    Ok(())
}

/// Shell script run in the private mount namespace: mount a tmpfs on the new-root
/// directory, recreate the host's top-level entries in it (directories as recursive
/// bind mounts, symlinks as symlinks), mount the machine's layers and volumes there,
/// then chroot into it and exec the command's own argv.
fn mount_script(mounts: &[MountSpec], tools: &Tools, work: &str) -> ApiResult<String> {
    let mkdir = quote_path(&tools.mkdir)?;
    let mount = quote_path(&tools.mount)?;
    let ln = quote_path(&tools.ln)?;
    let chroot = quote_path(&tools.chroot)?;
    let Some(root) = mounts.iter().find_map(|s| match s {
        MountSpec::NewRoot { dir } => Some(dir),
        _ => None,
    }) else {
        return Err(ApiError::internal(
            "the machine's filesystem has no root directory",
        ));
    };
    let root = quote_path(root)?;
    let mut s = format!(
        "fail() {{ echo \"{MOUNT_MARKER} $1\" >&2; exit {MOUNT_FAILED}; }}\n\
         R={root}\n\
         {mount} -t tmpfs -o mode=0755 flysim-root \"$R\" || fail 'cannot mount the root tmpfs'\n"
    );
    // Top-level directories the machine's own mounts replace.
    let covered: Vec<String> = mounts
        .iter()
        .filter_map(|s| match s {
            MountSpec::Overlay { guest, .. } | MountSpec::Bind { guest, .. } => {
                top_dir(guest).filter(|t| guest.trim_matches('/') == *t)
            }
            MountSpec::NewRoot { .. } => None,
        })
        .map(str::to_string)
        .collect();
    let mut entries: Vec<(String, std::fs::Metadata)> = std::fs::read_dir("/")
        .map_err(|e| ApiError::internal(format!("cannot list /: {e}")))?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let meta = std::fs::symlink_metadata(e.path()).ok()?;
            Some((name, meta))
        })
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, meta) in entries {
        let Ok(q) = quote(&name) else { continue };
        if covered.contains(&name) {
            s.push_str(&format!(
                "{mkdir} \"$R\"/{q} || fail 'cannot create /'{q}\n"
            ));
        } else if meta.file_type().is_symlink() {
            let Some(target) = std::fs::read_link(Path::new("/").join(&name))
                .ok()
                .and_then(|t| t.to_str().and_then(|t| quote(t).ok()))
            else {
                continue;
            };
            s.push_str(&format!(
                "{ln} -s -- {target} \"$R\"/{q} || fail 'cannot link /'{q}\n"
            ));
        } else if meta.is_dir() {
            s.push_str(&format!(
                "{mkdir} \"$R\"/{q} && {mount} --rbind /{q} \"$R\"/{q} || fail 'cannot mount /'{q}\n"
            ));
        } else {
            // Plain files at / (marker files such as /.dockerenv): best effort.
            s.push_str(&format!(
                "{{ : > \"$R\"/{q} && {mount} --bind /{q} \"$R\"/{q}; }} 2>/dev/null\n"
            ));
        }
    }
    for spec in mounts {
        match spec {
            MountSpec::NewRoot { .. } => {}
            MountSpec::Overlay { layer, guest } => {
                let g = quote(&clean_guest(guest)?)?;
                let upper = quote_path(&layer.join("upper"))?;
                // Each exec its own overlay workdir: the kernel refuses a workdir another mount
                // uses, and a machine takes several execs at once.
                let work = quote_path(&layer.join(work))?;
                s.push_str(&format!(
                    "{mkdir} -p \"$R\"{g} {work} && {mount} -t overlay flysim-rootfs -o lowerdir={g},upperdir={upper},workdir={work} \"$R\"{g} || fail 'cannot overlay '{g}\n"
                ));
            }
            MountSpec::Bind { src, guest } => {
                let g = quote(&clean_guest(guest)?)?;
                let src = quote_path(src)?;
                s.push_str(&format!(
                    "{mkdir} -p \"$R\"{g} && {mount} --bind {src} \"$R\"{g} || fail 'cannot mount a volume at '{g}\n"
                ));
            }
        }
    }
    s.push_str(&format!(
        "exec {chroot} \"$R\" /bin/sh -c 'cd / && exec \"$@\"' sh \"$@\"\n"
    ));
    Ok(s)
}

async fn kill_group(pgid: u32) {
    if let Some(kill) = find_tool("kill") {
        let _ = Command::new(kill)
            .args(["-KILL", "--", &format!("-{pgid}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64() {
        assert_eq!(
            base64_decode("aGVsbG8gdGVuYW50Cg==").as_deref(),
            Some(&b"hello tenant\n"[..])
        );
        assert_eq!(base64_decode("YQ").as_deref(), Some(&b"a"[..]));
        assert_eq!(base64_decode("a"), None);
        assert_eq!(base64_decode("@@@@"), None);
    }

    #[test]
    fn top_dirs() {
        assert_eq!(top_dir("/etc/tenant/motd"), Some("etc"));
        assert_eq!(top_dir("/../x"), None);
        assert_eq!(top_dir("/"), None);
    }

    #[test]
    fn argv_forms() {
        let r = ExecRequest {
            cmd: Some("echo 'a b' c".into()),
            ..Default::default()
        };
        assert_eq!(
            r.argv().ok(),
            Some(vec!["echo".into(), "a b".into(), "c".into()])
        );
        let r = ExecRequest {
            command: Some(vec!["ls".into(), "-l".into()]),
            cmd: Some("ignored".into()),
            ..Default::default()
        };
        assert_eq!(r.argv().ok(), Some(vec!["ls".into(), "-l".into()]));
        assert!(ExecRequest::default().argv().is_err());
        let r = ExecRequest {
            cmd: Some("echo 'open".into()),
            ..Default::default()
        };
        assert!(r.argv().is_err());
    }
}
