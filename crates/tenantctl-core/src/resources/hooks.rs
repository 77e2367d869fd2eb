//! Post-provision hooks: commands run in the machine, each recorded in its metadata once it
//! succeeded so a re-run skips it.

use fly_api::FlyClient;
use fly_api::types::{ExecRequest, Machine, SecretValue};

use super::{Note, secrets, tail};
use crate::config::Hook;
use crate::error::OpError;
use crate::metadata;

/// Longest hook stderr shown in an error.
const STDERR_TAIL_CHARS: usize = 2000;

/// The hooks of `hooks` (metadata key, hook) the machine has not recorded as done.
pub fn pending<'h>(hooks: &'h [(String, Hook)], machine: &Machine) -> Vec<&'h (String, Hook)> {
    hooks
        .iter()
        .filter(|(key, _)| !metadata::has(machine, key))
        .collect()
}

/// Runs the hooks in order and records each one that succeeded; returns their names. A
/// failing hook stops the run with its exit code and the end of its stderr, with `redact`
/// values hidden (hooks see the tenant's secrets in their environment).
pub async fn run(
    client: &FlyClient,
    app: &str,
    machine_id: &str,
    hooks: &[(String, Hook)],
    redact: &[SecretValue],
    note: Note<'_>,
) -> Result<Vec<String>, OpError> {
    let mut ran = Vec::new();
    for (key, hook) in hooks {
        let name = hook.display_name();
        note(format!("running hook `{name}`"));
        let mut request = ExecRequest::new(hook.command.iter().cloned());
        request.timeout = Some(hook.timeout.as_secs());
        let output = client
            .exec(app, machine_id, &request)
            .await
            .map_err(|e| OpError::api(format!("run hook `{name}`"), e))?;
        if output.exit_code != 0 {
            let stderr = secrets::redact(&output.stderr, redact);
            let stderr = tail(stderr.trim(), STDERR_TAIL_CHARS);
            let shown = if stderr.is_empty() {
                "(no stderr)".to_string()
            } else {
                stderr
            };
            return Err(OpError::failed(format!(
                "hook `{name}` exited with code {}; stderr:\n{shown}",
                output.exit_code
            )));
        }
        client
            .set_metadata(app, machine_id, key, "done")
            .await
            .map_err(|e| OpError::api(format!("record that hook `{name}` ran"), e))?;
        ran.push(name.to_string());
    }
    Ok(ran)
}
