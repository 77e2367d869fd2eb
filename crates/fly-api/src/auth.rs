//! Fly API tokens and the `Authorization` header built from them.

use std::fmt;

/// Why a token string could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the Fly API token is empty")]
    Empty,
    #[error("the Fly API token contains characters that cannot be sent in an HTTP header")]
    InvalidCharacters,
}

/// A Fly API credential: one or more macaroons (`fm1r_`, `fm1a_`, `fm2_` prefixes, e.g. from
/// `fly tokens create`) and/or OAuth/user tokens.
///
/// `Debug` and `Display` never show the token itself.
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    macaroons: Vec<String>,
    user_tokens: Vec<String>,
}

const MACAROON_PREFIXES: [&str; 3] = ["fm1r", "fm1a", "fm2"];

impl Token {
    /// Parses token input as users paste it: an optional scheme (`Bearer`/`FlyV1`, any case,
    /// possibly repeated, e.g. `Bearer FlyV1 fm2_…`) followed by one or more comma-separated
    /// tokens.
    pub fn parse(input: &str) -> Result<Token, TokenError> {
        let stripped = strip_schemes(input);
        let mut macaroons = Vec::new();
        let mut user_tokens = Vec::new();
        for part in stripped.split(',') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            if part.chars().any(|c| c.is_control() || c == ' ') || !part.is_ascii() {
                return Err(TokenError::InvalidCharacters);
            }
            let prefix = part.split('_').next().unwrap_or_default();
            if part.contains('_') && MACAROON_PREFIXES.contains(&prefix) {
                macaroons.push(part.to_owned());
            } else {
                user_tokens.push(part.to_owned());
            }
        }
        if macaroons.is_empty() && user_tokens.is_empty() {
            return Err(TokenError::Empty);
        }
        Ok(Token {
            macaroons,
            user_tokens,
        })
    }

    /// True when the token set holds at least one macaroon (sent with the `FlyV1` scheme).
    pub fn has_macaroons(&self) -> bool {
        !self.macaroons.is_empty()
    }

    /// The header scheme this token is sent with: `FlyV1` or `Bearer`.
    pub fn scheme(&self) -> &'static str {
        if self.has_macaroons() {
            "FlyV1"
        } else {
            "Bearer"
        }
    }

    /// The `Authorization` header value. Macaroons win: user tokens are not sent to the Machines
    /// API when any macaroon is present.
    pub(crate) fn authorization_value(&self) -> String {
        let tokens = if self.has_macaroons() {
            &self.macaroons
        } else {
            &self.user_tokens
        };
        format!("{} {}", self.scheme(), tokens.join(","))
    }
}

fn strip_schemes(input: &str) -> &str {
    let mut rest = input.trim();
    loop {
        let Some((first, after)) = rest.split_once(char::is_whitespace) else {
            // A bare scheme with nothing after it carries no token.
            if rest.eq_ignore_ascii_case("bearer") || rest.eq_ignore_ascii_case("flyv1") {
                return "";
            }
            return rest;
        };
        if first.eq_ignore_ascii_case("bearer") || first.eq_ignore_ascii_case("flyv1") {
            rest = after.trim_start();
        } else {
            return rest;
        }
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("scheme", &self.scheme())
            .field("macaroons", &self.macaroons.len())
            .field("user_tokens", &self.user_tokens.len())
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} token (redacted)", self.scheme())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_token_uses_bearer() {
        let t = Token::parse("abc123").unwrap();
        assert_eq!(t.authorization_value(), "Bearer abc123");
        assert!(!t.has_macaroons());
    }

    #[test]
    fn strips_schemes_repeatedly_and_case_insensitively() {
        for input in [
            "Bearer abc123",
            "bearer  abc123",
            "Bearer FlyV1 abc123",
            "FLYV1 bearer abc123",
        ] {
            let t = Token::parse(input).unwrap();
            assert_eq!(t.authorization_value(), "Bearer abc123", "input {input:?}");
        }
    }

    #[test]
    fn macaroons_use_flyv1_and_drop_user_tokens() {
        let t = Token::parse("FlyV1 fm2_aaa, fm2_bbb,oauthtok,fm1r_ccc").unwrap();
        assert_eq!(t.authorization_value(), "FlyV1 fm2_aaa,fm2_bbb,fm1r_ccc");
        let t = Token::parse("fm1a_x").unwrap();
        assert_eq!(t.authorization_value(), "FlyV1 fm1a_x");
    }

    #[test]
    fn prefix_must_be_before_first_underscore() {
        let t = Token::parse("fm2x_abc").unwrap();
        assert_eq!(t.authorization_value(), "Bearer fm2x_abc");
        let t = Token::parse("fm2").unwrap();
        assert_eq!(t.authorization_value(), "Bearer fm2");
    }

    #[test]
    fn several_user_tokens_are_comma_joined() {
        let t = Token::parse("a,b").unwrap();
        assert_eq!(t.authorization_value(), "Bearer a,b");
    }

    #[test]
    fn rejects_empty_and_bad_input() {
        assert_eq!(Token::parse("  "), Err(TokenError::Empty));
        assert_eq!(Token::parse("Bearer"), Err(TokenError::Empty));
        assert_eq!(Token::parse("FlyV1 , ,"), Err(TokenError::Empty));
        assert_eq!(Token::parse("abc\ndef"), Err(TokenError::InvalidCharacters));
    }

    #[test]
    fn debug_and_display_redact() {
        let t = Token::parse("FlyV1 fm2_topsecretvalue").unwrap();
        let shown = format!("{t:?} {t} {t:#?}");
        assert!(!shown.contains("topsecretvalue"), "{shown}");
        assert!(shown.contains("FlyV1"));
    }
}
