//! Tokens and their scopes: org (full), read-only (org, reads only), app (one app).

use std::collections::HashMap;
use std::sync::RwLock;

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{ApiError, ApiResult};
use crate::store::{AppRow, Store, get_app};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Org { org: String },
    ReadOnly { org: String },
    App { org: String, app: String },
}

impl Scope {
    pub fn org(&self) -> &str {
        match self {
            Scope::Org { org } | Scope::ReadOnly { org } | Scope::App { org, .. } => org,
        }
    }

    /// The label used in the request log.
    pub fn label(&self) -> String {
        match self {
            Scope::Org { .. } => "org".into(),
            Scope::ReadOnly { .. } => "readonly".into(),
            Scope::App { app, .. } => format!("app:{app}"),
        }
    }

    /// Owner string shown on leases.
    pub fn owner(&self) -> String {
        match self {
            Scope::Org { org } | Scope::ReadOnly { org } => format!("{org}@flysim.local"),
            Scope::App { app, .. } => format!("deploy-token-{app}@flysim.local"),
        }
    }

    /// Refuse writes the way Fly's macaroon check does: 401 naming the action.
    pub fn require_write(&self, action: &str) -> ApiResult<()> {
        if let Scope::ReadOnly { .. } = self {
            return Err(ApiError::unauthorized(format!(
                "unauthorized: token is read-only and does not permit action {action:?} (requires write access)"
            )));
        }
        Ok(())
    }

    /// Resolve an app for this token. `write` requests refuse read-only tokens with 401.
    /// Apps in other orgs (or other apps for app tokens) are invisible: 404.
    pub fn app_access(
        &self,
        conn: &Connection,
        app: &str,
        action: &str,
        write: bool,
    ) -> ApiResult<AppRow> {
        let row = get_app(conn, app)?;
        let Some(row) = row else {
            return Err(ApiError::app_not_found(app));
        };
        if !self.may_see(&row) {
            if let Scope::App { org, app: own } = self
                && org == &row.org
            {
                return Err(ApiError::forbidden(format!(
                    "unauthorized: token is scoped to app {own:?} and cannot access app {app:?}"
                )));
            }
            return Err(ApiError::app_not_found(app));
        }
        if write {
            self.require_write(action)?;
        }
        Ok(row)
    }

    pub fn may_see(&self, app: &AppRow) -> bool {
        match self {
            Scope::Org { org } | Scope::ReadOnly { org } => &app.org == org,
            Scope::App { org, app: name } => &app.org == org && &app.name == name,
        }
    }
}

fn lookup(store: &Store, token: &str) -> Option<Scope> {
    // Only well-formed tokens reach the database.
    if !token.starts_with("fm2_") || token.len() > 200 {
        return None;
    }
    store
        .read(|conn| {
            Ok(conn
                .prepare_cached("SELECT org, app, read_only FROM tokens WHERE token = ?1")?
                .query_row([token], |r| {
                    let org: String = r.get(0)?;
                    let app: Option<String> = r.get(1)?;
                    let ro: i64 = r.get(2)?;
                    Ok(match (app, ro != 0) {
                        (Some(app), _) => Scope::App { org, app },
                        (None, true) => Scope::ReadOnly { org },
                        (None, false) => Scope::Org { org },
                    })
                })
                .optional()?)
        })
        .ok()
        .flatten()
}

/// In-memory cache of the tokens table (tokens are few and read on every request).
pub struct Tokens {
    cache: RwLock<HashMap<String, Scope>>,
}

impl Tokens {
    pub fn load(store: &Store) -> ApiResult<Tokens> {
        let map = store.read(|conn| {
            let mut stmt = conn.prepare("SELECT token, org, app, read_only FROM tokens")?;
            let rows = stmt.query_map([], |r| {
                let token: String = r.get(0)?;
                let org: String = r.get(1)?;
                let app: Option<String> = r.get(2)?;
                let ro: i64 = r.get(3)?;
                let scope = match (app, ro != 0) {
                    (Some(app), _) => Scope::App { org, app },
                    (None, true) => Scope::ReadOnly { org },
                    (None, false) => Scope::Org { org },
                };
                Ok((token, scope))
            })?;
            Ok(rows.collect::<Result<HashMap<_, _>, _>>()?)
        })?;
        Ok(Tokens {
            cache: RwLock::new(map),
        })
    }

    /// Find the scope of an `Authorization` header value: optional scheme
    /// (`Bearer`, `FlyV1`, repeated), then a comma-separated token list.
    pub fn resolve(&self, header: Option<&str>, store: Option<&Store>) -> Option<Scope> {
        let mut value = header?.trim();
        loop {
            let lower = value.to_ascii_lowercase();
            if lower.starts_with("bearer ") {
                value = value[7..].trim_start();
            } else if lower.starts_with("flyv1 ") {
                value = value[6..].trim_start();
            } else {
                break;
            }
        }
        let cache = self.cache.read().unwrap_or_else(|e| e.into_inner());
        let mut found: Option<Scope> = None;
        for tok in value.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let scope = match cache.get(tok) {
                Some(s) => Some(s.clone()),
                // Minted by another process sharing the state directory?
                None => store.and_then(|st| lookup(st, tok)),
            };
            if let Some(scope) = &scope {
                // With several tokens, the broadest wins (org > app > read-only).
                found = match (found, scope) {
                    (None, s) => Some(s.clone()),
                    (Some(Scope::Org { org }), _) => Some(Scope::Org { org }),
                    (Some(_), Scope::Org { org }) => Some(Scope::Org { org: org.clone() }),
                    (Some(Scope::ReadOnly { .. }), s @ Scope::App { .. }) => Some(s.clone()),
                    (Some(prev), _) => Some(prev),
                };
            }
        }
        found
    }

    /// Find or create the token of a given kind ("org", "readonly", "app") for org/app.
    pub fn ensure(
        &self,
        store: &Store,
        kind: &str,
        org: &str,
        app: Option<&str>,
    ) -> ApiResult<String> {
        let token = store.tx(|tx| {
            tx.execute(
                "INSERT OR IGNORE INTO orgs (slug, name, numeric_id) VALUES (?1, ?2, ?3)",
                params![org, org_display_name(org), crate::store::numeric_id()],
            )?;
            let existing: Option<String> = tx
                .query_row(
                    "SELECT token FROM tokens WHERE kind = ?1 AND org = ?2 AND app IS ?3",
                    params![kind, org, app],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(t) = existing {
                return Ok(t);
            }
            let token = format!("fm2_{}", crate::util::token_secret());
            tx.execute(
                "INSERT INTO tokens (token, org, app, read_only, kind) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![token, org, app, (kind == "readonly") as i64, kind],
            )?;
            Ok(token)
        })?;
        let scope = match (kind, app) {
            (_, Some(app)) => Scope::App {
                org: org.to_string(),
                app: app.to_string(),
            },
            ("readonly", None) => Scope::ReadOnly {
                org: org.to_string(),
            },
            _ => Scope::Org {
                org: org.to_string(),
            },
        };
        self.cache
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(token.clone(), scope);
        Ok(token)
    }
}

pub fn org_display_name(slug: &str) -> String {
    if slug == "personal" {
        "Personal".to_string()
    } else {
        slug.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_schemes_and_lists() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("db")).expect("store");
        let tokens = Tokens::load(&store).expect("tokens");
        let org = tokens
            .ensure(&store, "org", "personal", None)
            .expect("org token");
        let ro = tokens
            .ensure(&store, "readonly", "personal", None)
            .expect("ro");
        assert_eq!(
            tokens.ensure(&store, "org", "personal", None).ok(),
            Some(org.clone())
        );
        let want = Some(Scope::Org {
            org: "personal".into(),
        });
        let resolve = |h: &str| tokens.resolve(Some(h), None);
        assert_eq!(resolve(&format!("Bearer {org}")), want);
        assert_eq!(resolve(&format!("FlyV1 {org}")), want);
        assert_eq!(resolve(&format!("Bearer FlyV1 {org}")), want);
        assert_eq!(resolve(&org), want);
        assert_eq!(resolve(&format!("FlyV1 fm2_nope,{org}")), want);
        assert_eq!(
            resolve(&format!("FlyV1 {ro}")),
            Some(Scope::ReadOnly {
                org: "personal".into()
            })
        );
        assert_eq!(resolve("Bearer fm2_unknown"), None);
        // A token minted by another process is found in the database.
        let other = Tokens::load(&store).expect("tokens");
        let app = other
            .ensure(&store, "app", "personal", Some("a1"))
            .expect("app token");
        assert_eq!(resolve(&app), None, "not in this process's cache");
        assert_eq!(
            tokens.resolve(Some(&app), Some(&store)),
            Some(Scope::App {
                org: "personal".into(),
                app: "a1".into()
            })
        );
        assert_eq!(tokens.resolve(None, None), None);
    }
}
