//! The resources a tenant is made of (app, secrets, IPs, volume, machine, hooks, health,
//! certificates), one module each: finding them, creating them once, changing them under the
//! machine's lease. Operations compose these into step graphs; nothing here knows which
//! operation it serves.

pub mod app;
pub mod certificates;
pub mod health;
pub mod hooks;
pub mod ips;
pub mod lock;
pub mod machine;
pub mod secrets;
pub mod volume;

use std::future::Future;

use fly_api::ApiError;

use crate::error::OpError;

/// Where a building block sends a note for people ("outcome unknown; looking it up"), shown
/// as progress of the step that called it.
pub type Note<'a> = &'a (dyn Fn(String) + Send + Sync);

/// Creates something exactly once even when a create's outcome is unknown (a timeout after
/// sending, 500, 504, 408): such a create is never blindly repeated; `look_up` is asked
/// whether it happened, and only when it did not is the create sent once more.
pub async fn create_once<T, C, CF, L, LF>(
    what: &str,
    note: Note<'_>,
    create: C,
    look_up: L,
    error: impl Fn(ApiError) -> OpError,
) -> Result<T, OpError>
where
    C: Fn() -> CF,
    CF: Future<Output = Result<T, ApiError>>,
    L: FnOnce() -> LF,
    LF: Future<Output = Result<Option<T>, OpError>>,
{
    match create().await {
        Ok(made) => Ok(made),
        Err(e) if e.is_ambiguous() => {
            note(format!("{what}: outcome unknown; looking it up"));
            match look_up().await? {
                Some(found) => Ok(found),
                None => create().await.map_err(error),
            }
        }
        Err(e) => Err(error(e)),
    }
}

/// Deletes something so that running it again is harmless: a 404 means it is already gone,
/// and a delete whose outcome is unknown is followed by `still_there` before it is sent again.
pub async fn remove_once<D, DF, L, LF>(
    what: &str,
    note: Note<'_>,
    delete: D,
    still_there: L,
) -> Result<(), OpError>
where
    D: Fn() -> DF,
    DF: Future<Output = Result<(), ApiError>>,
    L: FnOnce() -> LF,
    LF: Future<Output = Result<bool, OpError>>,
{
    let gone = |result: Result<(), ApiError>| match result {
        Err(e) if e.is_not_found() => Ok(()),
        other => other.map_err(|e| OpError::api(what, e)),
    };
    match delete().await {
        Err(e) if e.is_ambiguous() => {
            note(format!("{what}: outcome unknown; looking it up"));
            if still_there().await? {
                gone(delete().await)
            } else {
                Ok(())
            }
        }
        other => gone(other),
    }
}

/// The last `max_chars` characters of `text`, marked when cut.
pub fn tail(text: &str, max_chars: usize) -> String {
    let count = text.chars().count();
    if count <= max_chars {
        return text.to_string();
    }
    let skip = count - max_chars;
    format!("…{}", text.chars().skip(skip).collect::<String>())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::error::tests::api;

    fn no_notes(_: String) {}

    fn ambiguous() -> ApiError {
        ApiError::Ambiguous {
            source: Box::new(api(504, "gateway timeout")),
        }
    }

    #[tokio::test]
    async fn an_unknown_outcome_is_looked_up_before_creating_again() {
        let creates = AtomicUsize::new(0);
        let create = || async {
            match creates.fetch_add(1, Ordering::SeqCst) {
                0 => Err(ambiguous()),
                _ => Ok("second"),
            }
        };
        // Found: no second create.
        let found = create_once(
            "create x",
            &no_notes,
            create,
            || async { Ok(Some("found")) },
            |e| OpError::api("create x", e),
        )
        .await;
        assert_eq!(found, Ok("found"));
        assert_eq!(creates.load(Ordering::SeqCst), 1);

        // Not found: exactly one more create.
        creates.store(0, Ordering::SeqCst);
        let made = create_once(
            "create x",
            &no_notes,
            create,
            || async { Ok(None) },
            |e| OpError::api("create x", e),
        )
        .await;
        assert_eq!(made, Ok("second"));
        assert_eq!(creates.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_plain_failure_is_not_retried() {
        let creates = AtomicUsize::new(0);
        let result: Result<(), OpError> = create_once(
            "create x",
            &no_notes,
            || async {
                creates.fetch_add(1, Ordering::SeqCst);
                Err(api(422, "bad"))
            },
            || async { Ok(None) },
            |e| OpError::api("create x", e),
        )
        .await;
        assert!(result.is_err());
        assert_eq!(creates.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn tail_keeps_the_end() {
        assert_eq!(tail("abc", 5), "abc");
        assert_eq!(tail("abcdef", 3), "…def");
    }
}
