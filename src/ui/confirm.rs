//! The typed confirmation of destructive commands (destroy, restore): the operator types the
//! tenant id; unattended, `--yes --confirm <tenant>` repeats it, and `--yes` alone is not
//! consent enough.

use crate::context::Context;
use crate::error::{CliError, Exit};
use crate::ui::prompt::{Interactivity, PromptError};

/// What is being confirmed, in the command's words.
pub struct Typed<'a> {
    pub tenant: &'a str,
    /// "destroy tenant `acme` and delete its data".
    pub action: String,
    /// "destroying tenant `acme`": what needs the id repeated.
    pub doing: String,
    /// "destroy it": completes "pass --yes --confirm acme to ... without a prompt".
    pub short: &'a str,
    /// "nothing was deleted".
    pub nothing_done: &'a str,
}

/// A `--confirm` value that names another tenant.
pub fn check_flag(confirm: Option<&str>, tenant: &str, typed: &Typed<'_>) -> Result<(), CliError> {
    match confirm {
        Some(c) if c != tenant => Err(CliError::usage(format!(
            "--confirm `{}` does not match the tenant `{tenant}`; {}",
            c.escape_debug(),
            typed.nothing_done
        ))
        .with_hint(format!("pass --confirm {tenant} to {}", typed.short))),
        _ => Ok(()),
    }
}

/// Asks for the tenant id to be typed, unless `--yes --confirm <tenant>` was given.
pub async fn typed(ctx: &Context, confirmed: bool, typed: Typed<'_>) -> anyhow::Result<()> {
    if confirmed {
        return Ok(());
    }
    let prompter = ctx.prompter;
    let tenant = typed.tenant.to_string();
    let hint = format!(
        "pass --yes --confirm {tenant} to {} without a prompt",
        typed.short
    );
    if prompter.interactivity() != Interactivity::Interactive && ctx.assume_yes {
        // --yes without the id repeated: say what is missing rather than "cannot ask".
        return Err(CliError::usage(format!(
            "{} needs the tenant id repeated: --yes alone does not confirm it",
            typed.doing
        ))
        .with_hint(hint)
        .into());
    }
    let (action, expected, hint_text) = (typed.action.clone(), tenant.clone(), hint.clone());
    let answer = tokio::task::spawn_blocking(move || {
        prompter.type_to_confirm(&action, &expected, &hint_text)
    })
    .await
    .map_err(|e| CliError::new(Exit::Failed, format!("prompt failed: {e}")))?;
    match answer {
        Ok(()) => Ok(()),
        Err(PromptError::Declined { .. }) => Err(CliError::new(
            Exit::Failed,
            format!(
                "the typed id does not match `{tenant}`: {}",
                typed.nothing_done
            ),
        )
        .with_hint(format!("type `{tenant}` exactly, or {hint}"))
        .into()),
        Err(other) => Err(other.into()),
    }
}
