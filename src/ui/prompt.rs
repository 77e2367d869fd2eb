//! Prompts, only where someone can answer: stdin and stderr are terminals and --no-input is not
//! set. Everywhere else a prompt is a typed error that names the flag to pass instead, so CI
//! fails fast instead of hanging.

use dialoguer::theme::{ColorfulTheme, SimpleTheme, Theme};
use dialoguer::{Confirm, Input, Select};

use crate::error::Exit;

/// Whether tenantctl may ask, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interactivity {
    Interactive,
    NoInputFlag,
    NotATerminal,
}

impl Interactivity {
    fn reason(self) -> &'static str {
        match self {
            Interactivity::Interactive => "",
            Interactivity::NoInputFlag => "--no-input is set",
            Interactivity::NotATerminal => "stdin is not a terminal",
        }
    }
}

/// A prompt that could not be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromptError {
    #[error("no {what} given, and tenantctl cannot ask for one: {reason}")]
    NotInteractive {
        what: String,
        reason: &'static str,
        hint: String,
    },
    #[error("{what}: not confirmed, nothing was changed")]
    Declined { what: String },
    #[error("prompt cancelled")]
    Interrupted,
    #[error("prompt failed: {0}")]
    Terminal(String),
}

impl PromptError {
    pub fn exit(&self) -> Exit {
        match self {
            PromptError::NotInteractive { .. } => Exit::Usage,
            PromptError::Declined { .. } | PromptError::Terminal(_) => Exit::Failed,
            PromptError::Interrupted => Exit::Interrupted,
        }
    }

    pub fn hint(&self) -> Option<String> {
        match self {
            PromptError::NotInteractive { hint, .. } => Some(hint.clone()),
            PromptError::Declined { .. } => Some("pass --yes to skip the confirmation".into()),
            PromptError::Interrupted | PromptError::Terminal(_) => None,
        }
    }
}

fn from_dialoguer(error: dialoguer::Error) -> PromptError {
    let dialoguer::Error::IO(io) = error;
    if io.kind() == std::io::ErrorKind::Interrupted {
        PromptError::Interrupted
    } else {
        PromptError::Terminal(io.to_string())
    }
}

/// Asks questions on stderr, or explains which flag answers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prompter {
    interactivity: Interactivity,
    assume_yes: bool,
    color: bool,
}

impl Prompter {
    pub fn new(interactivity: Interactivity, assume_yes: bool, color: bool) -> Prompter {
        Prompter {
            interactivity,
            assume_yes,
            color,
        }
    }

    pub fn interactivity(&self) -> Interactivity {
        self.interactivity
    }

    fn gate(&self, what: &str, hint: &str) -> Result<(), PromptError> {
        match self.interactivity {
            Interactivity::Interactive => Ok(()),
            other => Err(PromptError::NotInteractive {
                what: what.to_string(),
                reason: other.reason(),
                hint: hint.to_string(),
            }),
        }
    }

    fn theme(&self) -> Box<dyn Theme> {
        if self.color {
            Box::new(ColorfulTheme::default())
        } else {
            Box::new(SimpleTheme)
        }
    }

    /// Picks one of `items`; `hint` names the flag that answers it without a prompt.
    pub fn select(&self, what: &str, items: &[String], hint: &str) -> Result<usize, PromptError> {
        self.gate(what, hint)?;
        let theme = self.theme();
        Select::with_theme(theme.as_ref())
            .with_prompt(format!("Choose the {what}"))
            .items(items)
            .default(0)
            .interact()
            .map_err(from_dialoguer)
    }

    /// Yes/no, default no; --yes answers yes.
    pub fn confirm(&self, question: &str, hint: &str) -> Result<bool, PromptError> {
        if self.assume_yes {
            return Ok(true);
        }
        self.gate(&format!("answer to `{question}`"), hint)?;
        let theme = self.theme();
        Confirm::with_theme(theme.as_ref())
            .with_prompt(question)
            .default(false)
            .interact()
            .map_err(from_dialoguer)
    }

    /// For destructive actions: the user types `expected` (a tenant id) to go on; --yes skips it.
    pub fn confirm_name(&self, action: &str, expected: &str) -> Result<(), PromptError> {
        if self.assume_yes {
            return Ok(());
        }
        self.type_to_confirm(action, expected, "pass --yes to confirm without a prompt")
    }

    /// The user types `expected` to go on, whatever --yes says: for the actions where a broad
    /// `--yes` is not consent enough; `hint` names the flags that confirm without a prompt.
    pub fn type_to_confirm(
        &self,
        action: &str,
        expected: &str,
        hint: &str,
    ) -> Result<(), PromptError> {
        self.gate(&format!("confirmation to {action}"), hint)?;
        let theme = self.theme();
        let typed: String = Input::with_theme(theme.as_ref())
            .with_prompt(format!("Type `{expected}` to {action}"))
            .allow_empty(true)
            .interact_text()
            .map_err(from_dialoguer)?;
        if typed.trim() == expected {
            Ok(())
        } else {
            Err(PromptError::Declined {
                what: action.to_string(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_prompt_without_a_terminal() {
        for (interactivity, reason) in [
            (Interactivity::NoInputFlag, "--no-input is set"),
            (Interactivity::NotATerminal, "stdin is not a terminal"),
        ] {
            let prompter = Prompter::new(interactivity, false, false);
            let err = prompter
                .select("tier", &["free".into()], "pass --tier free")
                .unwrap_err();
            assert_eq!(
                err,
                PromptError::NotInteractive {
                    what: "tier".into(),
                    reason,
                    hint: "pass --tier free".into()
                }
            );
            assert_eq!(err.exit(), Exit::Usage);
            assert!(prompter.confirm("destroy?", "pass --yes").is_err());
            assert!(prompter.confirm_name("destroy acme", "acme").is_err());
        }
    }

    #[test]
    fn yes_answers_confirmations_but_not_choices() {
        let prompter = Prompter::new(Interactivity::NotATerminal, true, false);
        assert_eq!(prompter.confirm("go?", "pass --yes"), Ok(true));
        assert_eq!(prompter.confirm_name("destroy acme", "acme"), Ok(()));
        assert!(
            prompter
                .select("tier", &["free".into()], "pass --tier")
                .is_err()
        );
    }
}
