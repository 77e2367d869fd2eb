//! A real S3 server for the backup tests: a single-node Garage on loopback, its configuration,
//! metadata and data in a temporary directory, its ports picked free at start. Each test may start
//! its own; the server is killed and waited on when the [`Garage`] is dropped.
//!
//! The binary is built once by `.ci/install-garage`; [`Garage::require_or_skip`] skips a test
//! locally when it is missing and fails it in CI, where a missing server must never pass silently.

use std::collections::hash_map::RandomState;
use std::fmt::Write as _;
use std::hash::{BuildHasher, Hasher};
use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The bucket every started Garage has, with the key granted read, write and owner on it.
pub const BUCKET: &str = "tenantctl-test";
/// The region Garage is configured with; SigV4 signatures must name it.
pub const REGION: &str = "garage";

const KEY_NAME: &str = "tenantctl-test";
/// Where `.ci/install-garage` puts the binary, under `$HOME`.
const CACHED_BINARY: &str = ".cache/tenantctl/garage-2.5.0/bin/garage";
/// How long the server may take to listen; it takes a fraction of a second when healthy.
const READY_TIMEOUT: Duration = Duration::from_secs(10);
/// Starts retried when the server dies before listening: another test may have taken a port
/// between our picking it and Garage binding it.
const START_ATTEMPTS: usize = 3;

/// A running single-node Garage; see the module documentation.
pub struct Garage {
    child: Child,
    binary: PathBuf,
    config: PathBuf,
    s3_port: u16,
    access_key_id: String,
    secret_access_key: String,
    // Declared last so the directory goes only after Drop has stopped the server.
    dir: TempDir,
}

impl Garage {
    /// The Garage binary: `$TENANTCTL_GARAGE_BIN`, else the one `.ci/install-garage` builds, else
    /// `garage` on `PATH`; `None` when none of them is a file.
    #[must_use]
    pub fn binary() -> Option<PathBuf> {
        if let Some(path) = std::env::var_os("TENANTCTL_GARAGE_BIN").filter(|p| !p.is_empty()) {
            // An explicit choice is not second-guessed by falling back to another binary.
            let path = PathBuf::from(path);
            return path.is_file().then_some(path);
        }
        if let Some(home) = std::env::var_os("HOME") {
            let cached = Path::new(&home).join(CACHED_BINARY);
            if cached.is_file() {
                return Some(cached);
            }
        }
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .map(|dir| dir.join("garage"))
            .find(|candidate| candidate.is_file())
    }

    /// Starts a Garage for `test`, or `None` (after saying so on stderr) when the binary is
    /// missing outside CI.
    ///
    /// # Panics
    ///
    /// When the binary is missing and `CI` is set, or when the server fails to start.
    #[must_use]
    pub fn require_or_skip(test: &str) -> Option<Garage> {
        if Self::binary().is_none() {
            assert!(
                std::env::var_os("CI").is_none(),
                "{test}: garage is not installed but CI is set; run .ci/install-garage and set \
                 TENANTCTL_GARAGE_BIN to the path it prints"
            );
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {test}: garage not installed (run .ci/install-garage)"
            );
            return None;
        }
        match Self::start() {
            Ok(garage) => Some(garage),
            Err(error) => panic!("{test}: garage did not start: {error}"),
        }
    }

    /// Starts a server, applies a one-node layout, creates bucket [`BUCKET`] and a key with
    /// read, write and owner on it.
    ///
    /// # Errors
    ///
    /// When the binary is missing, the server does not come up, or a setup command fails; the
    /// message carries the command's output or the server's log.
    pub fn start() -> Result<Garage, String> {
        let binary = Self::binary().ok_or("garage not installed (run .ci/install-garage)")?;
        let mut last_error = String::new();
        for _ in 0..START_ATTEMPTS {
            match Self::start_server(&binary)? {
                Ok(garage) => return garage.set_up(),
                Err(early_exit) => last_error = early_exit,
            }
        }
        Err(last_error)
    }

    /// The S3 endpoint, `http://127.0.0.1:PORT`.
    #[must_use]
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.s3_port)
    }

    /// The bucket created at start, [`BUCKET`].
    #[must_use]
    pub fn bucket(&self) -> &str {
        BUCKET
    }

    /// The region to sign for, [`REGION`].
    #[must_use]
    pub fn region(&self) -> &str {
        REGION
    }

    /// The id of the key created at start.
    #[must_use]
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret of the key created at start.
    #[must_use]
    pub fn secret_access_key(&self) -> &str {
        &self.secret_access_key
    }

    /// Creates another bucket and grants the key read, write and owner on it.
    ///
    /// # Errors
    ///
    /// When a `garage` command fails; the message carries its output.
    pub fn create_bucket(&self, name: &str) -> Result<(), String> {
        self.cli(&["bucket", "create", name])?;
        self.cli(&[
            "bucket", "allow", "--read", "--write", "--owner", name, "--key", KEY_NAME,
        ])?;
        Ok(())
    }

    /// Writes a configuration with fresh ports and starts the server. The outer error is fatal;
    /// the inner one is a server that died before listening, worth another try.
    fn start_server(binary: &Path) -> Result<Result<Garage, String>, String> {
        let dir = tempfile::Builder::new()
            .prefix("tenantctl-garage-")
            .tempdir()
            .map_err(|e| format!("creating a temporary directory: {e}"))?;
        let [s3_port, rpc_port] = free_ports()?;
        let config = dir.path().join("garage.toml");
        std::fs::write(&config, config_text(dir.path(), s3_port, rpc_port))
            .map_err(|e| format!("writing {}: {e}", config.display()))?;
        let log_path = dir.path().join("server.log");
        let log = std::fs::File::create(&log_path)
            .map_err(|e| format!("creating {}: {e}", log_path.display()))?;
        let log_err = log
            .try_clone()
            .map_err(|e| format!("opening {}: {e}", log_path.display()))?;
        let child = Command::new(binary)
            .arg("-c")
            .arg(&config)
            .arg("server")
            .env("RUST_LOG", "garage=warn")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|e| format!("running {}: {e}", binary.display()))?;
        let mut garage = Garage {
            child,
            binary: binary.to_path_buf(),
            config,
            s3_port,
            access_key_id: String::new(),
            secret_access_key: String::new(),
            dir,
        };
        // The CLI talks to the server over RPC and clients over S3: both must listen.
        let deadline = Instant::now() + READY_TIMEOUT;
        for port in [rpc_port, s3_port] {
            loop {
                if let Ok(Some(status)) = garage.child.try_wait() {
                    return Ok(Err(format!(
                        "garage server exited with {status} before listening:\n{}",
                        garage.log()
                    )));
                }
                if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
                    break;
                }
                if Instant::now() > deadline {
                    return Err(format!(
                        "garage server not listening on port {port} after {READY_TIMEOUT:?}:\n{}",
                        garage.log()
                    ));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Ok(Ok(garage))
    }

    fn set_up(mut self) -> Result<Garage, String> {
        let node = self.cli(&["node", "id", "-q"])?;
        // `node id -q` prints `<hex id>@<address>`; layout commands take the id.
        let node = node.trim().split('@').next().unwrap_or_default().to_owned();
        if node.is_empty() {
            return Err("garage node id printed nothing".to_owned());
        }
        self.cli(&["layout", "assign", "-z", "dc1", "-c", "1G", &node])?;
        self.cli(&["layout", "apply", "--version", "1"])?;
        self.cli(&["bucket", "create", BUCKET])?;
        let key = self.cli(&["key", "create", KEY_NAME])?;
        self.access_key_id = field(&key, "Key ID:")?;
        self.secret_access_key = field(&key, "Secret key:")?;
        self.cli(&[
            "bucket", "allow", "--read", "--write", "--owner", BUCKET, "--key", KEY_NAME,
        ])?;
        Ok(self)
    }

    /// Runs `garage -c CONFIG ARGS...` and returns its stdout.
    fn cli(&self, args: &[&str]) -> Result<String, String> {
        let output = Command::new(&self.binary)
            .arg("-c")
            .arg(&self.config)
            .args(args)
            .env("RUST_LOG", "garage=warn")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("running garage {}: {e}", args.join(" ")))?;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        if output.status.success() {
            Ok(stdout)
        } else {
            Err(format!(
                "garage {} exited with {}:\n{stdout}{}",
                args.join(" "),
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for Garage {
    fn drop(&mut self) {
        // Killed and reaped, so no test leaves a server running or a zombie behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Two distinct free loopback ports. All listeners are held until every port is picked so the
/// same one cannot come back twice.
fn free_ports() -> Result<[u16; 2], String> {
    let listeners = [(); 2].map(|()| TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))));
    let mut ports = [0; 2];
    for (port, listener) in ports.iter_mut().zip(listeners) {
        *port = listener
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("picking a free port: {e}"))?
            .port();
    }
    Ok(ports)
}

fn config_text(dir: &Path, s3_port: u16, rpc_port: u16) -> String {
    let meta = toml_string(&dir.join("meta"));
    let data = toml_string(&dir.join("data"));
    let secret = rpc_secret();
    format!(
        r#"metadata_dir = {meta}
data_dir = {data}
db_engine = "sqlite"
replication_factor = 1
rpc_bind_addr = "127.0.0.1:{rpc_port}"
rpc_public_addr = "127.0.0.1:{rpc_port}"
rpc_secret = "{secret}"

[s3_api]
s3_region = "{REGION}"
api_bind_addr = "127.0.0.1:{s3_port}"
root_domain = ".s3.garage.localhost"
"#
    )
}

/// A TOML basic string holding `path`.
fn toml_string(path: &Path) -> String {
    let text = path.to_string_lossy();
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// 32 random bytes in hex, from the standard library's randomly keyed hasher: every server gets
/// its own secret without a dependency on a random number crate.
fn rpc_secret() -> String {
    let mut secret = String::with_capacity(64);
    for _ in 0..4 {
        let _ = write!(
            secret,
            "{:016x}",
            RandomState::new().build_hasher().finish()
        );
    }
    secret
}

/// The value after `label` on its line of `garage key create` output.
fn field(output: &str, label: &str) -> Result<String, String> {
    output
        .lines()
        .find_map(|line| line.trim().strip_prefix(label))
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
        .ok_or_else(|| format!("no {label:?} in garage key create output:\n{output}"))
}
