//! Small parsers flyctl borrows from Go libraries, reproduced so fly.toml means the same here:
//! shell splitting (google/shlex), size strings (docker/go-units), `%v` of floats, base64.

/// Splits a command line the way `github.com/google/shlex` does: whitespace separates words,
/// `'...'` quotes literally, `"..."` quotes with `\` escaping any character, `\` outside quotes
/// escapes the next character, and `#` at the start of a word begins a comment to end of line.
pub fn shell_split(input: &str) -> Result<Vec<String>, String> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Start,
        InWord,
        Escaping,
        EscapingQuoted,
        QuotingEscaping,
        Quoting,
        Comment,
    }
    let is_space = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    let mut words = Vec::new();
    let mut word = String::new();
    let mut state = State::Start;
    let mut chars = input.chars();
    loop {
        let next = chars.next();
        match state {
            State::Start => match next {
                None => return Ok(words),
                Some(c) if is_space(c) => {}
                Some('"') => {
                    state = State::QuotingEscaping;
                }
                Some('\'') => {
                    state = State::Quoting;
                }
                Some('\\') => {
                    state = State::Escaping;
                }
                Some('#') => {
                    state = State::Comment;
                }
                Some(c) => {
                    word.push(c);
                    state = State::InWord;
                }
            },
            State::InWord => match next {
                None => {
                    words.push(std::mem::take(&mut word));
                    return Ok(words);
                }
                Some(c) if is_space(c) => {
                    words.push(std::mem::take(&mut word));
                    state = State::Start;
                }
                Some('"') => state = State::QuotingEscaping,
                Some('\'') => state = State::Quoting,
                Some('\\') => state = State::Escaping,
                Some(c) => word.push(c),
            },
            State::Escaping => match next {
                None => return Err("EOF found after escape character".to_owned()),
                Some(c) => {
                    word.push(c);
                    state = State::InWord;
                }
            },
            State::EscapingQuoted => match next {
                None => return Err("EOF found after escape character".to_owned()),
                Some(c) => {
                    word.push(c);
                    state = State::QuotingEscaping;
                }
            },
            State::QuotingEscaping => match next {
                None => return Err("EOF found when expecting closing quote".to_owned()),
                Some('"') => state = State::InWord,
                Some('\\') => state = State::EscapingQuoted,
                Some(c) => word.push(c),
            },
            State::Quoting => match next {
                None => return Err("EOF found when expecting closing quote".to_owned()),
                Some('\'') => state = State::InWord,
                Some(c) => word.push(c),
            },
            State::Comment => match next {
                None => return Ok(words),
                Some('\n') => state = State::Start,
                Some(_) => {}
            },
        }
    }
}

/// Go's `fmt.Sprintf("%v", f)` for a float64: the shortest digits that round-trip, in
/// exponent form when the exponent is below -4 or at least 6 (`1e+06`, `1.5`, `2`).
pub fn go_format_float(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    if value == 0.0 {
        return if value.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    let scientific = format!("{value:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if !(-4..6).contains(&exponent) {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs())
    } else {
        format!("{value}")
    }
}

/// Go's `strconv.Atoi`: optional sign, decimal digits, no overflow.
pub fn go_atoi(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Go's `strconv.ParseFloat` for the decimal forms size strings use.
fn go_parse_float(text: &str) -> Result<f64, String> {
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    let plain = !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    match text.parse::<f64>() {
        Ok(v) if plain => Ok(v),
        _ => Err(format!(
            "strconv.ParseFloat: parsing \"{text}\": invalid syntax"
        )),
    }
}

/// docker/go-units (v0.5.0) size parsing. `binary` selects `RAMInBytes` (k = 1024),
/// otherwise `FromHumanSize` (k = 1000). Returns bytes.
pub fn parse_units_size(text: &str, binary: bool) -> Result<i64, String> {
    let Some(sep) = text
        .bytes()
        .rposition(|b| b.is_ascii_digit() || b == b'.' || b == b' ')
    else {
        return Err(format!("invalid size: '{text}'"));
    };
    let (number, suffix) = if text.as_bytes()[sep] == b' ' {
        (&text[..sep], &text[sep + 1..])
    } else {
        (&text[..=sep], &text[sep + 1..])
    };
    let size = go_parse_float(number)?;
    if size < 0.0 {
        return Err(format!("invalid size: '{text}'"));
    }
    if suffix.is_empty() {
        return Ok(size as i64);
    }
    if suffix.len() > 3 {
        return Err(format!("invalid suffix: '{suffix}'"));
    }
    let lower = suffix.to_lowercase();
    let bytes = lower.as_bytes();
    if bytes[0] == b'b' {
        if bytes.len() > 1 {
            return Err(format!("invalid suffix: '{lower}'"));
        }
        return Ok(size as i64);
    }
    let base: f64 = if binary { 1024.0 } else { 1000.0 };
    let power = match bytes[0] {
        b'k' => 1,
        b'm' => 2,
        b'g' => 3,
        b't' => 4,
        b'p' => 5,
        _ => return Err(format!("invalid suffix: '{lower}'")),
    };
    let valid_tail = match bytes.len() {
        2 => bytes[1] == b'b',
        3 => &bytes[1..] == b"ib",
        _ => true,
    };
    if !valid_tail {
        return Err(format!("invalid suffix: '{lower}'"));
    }
    Ok((size * base.powi(power)) as i64)
}

/// Size units flyctl divides by.
pub const MIB: i64 = 1024 * 1024;
pub const GB: i64 = 1000 * 1000 * 1000;

/// flyctl's `helpers.ParseSize`: a bare integer is taken as already in the target unit,
/// anything else is parsed as a size string and divided by `quotient`.
pub fn parse_size(text: &str, binary: bool, quotient: i64) -> Result<i64, String> {
    if let Some(n) = go_atoi(text) {
        return Ok(n);
    }
    parse_units_size(text, binary)
        .map(|bytes| bytes / quotient)
        .map_err(|err| format!("invalid size: {err}"))
}

/// Memory string of a `[[vm]]` section to MB: bare integers are MB, units are binary.
pub fn parse_memory_mb(text: &str) -> Result<i64, String> {
    parse_size(text, true, MIB)
}

/// Volume size string to GB: bare integers are GB, units are decimal.
pub fn parse_volume_gb(text: &str) -> Result<i64, String> {
    parse_size(text, false, GB)
}

/// Standard base64 with padding.
pub fn base64_encode(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let sextets = [(n >> 18) & 63, (n >> 12) & 63, (n >> 6) & 63, n & 63];
        for (i, s) in sextets.iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[*s as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_split_matches_google_shlex() {
        let ok = |s: &str| shell_split(s).unwrap();
        assert_eq!(ok("one \"two three\" four"), ["one", "two three", "four"]);
        assert_eq!(ok("echo 'Hello'"), ["echo", "Hello"]);
        assert_eq!(ok("keep me alive"), ["keep", "me", "alive"]);
        assert_eq!(ok("a\\ b c"), ["a b", "c"]);
        assert_eq!(ok("\"a\\b\""), ["ab"]);
        assert_eq!(ok("x # comment\ny"), ["x", "y"]);
        assert_eq!(ok("a#b"), ["a#b"]);
        assert_eq!(ok("''"), [""]);
        assert!(ok("   ").is_empty());
        assert_eq!(
            shell_split("echo 'bye :(").unwrap_err(),
            "EOF found when expecting closing quote"
        );
        assert_eq!(
            shell_split("trailing\\").unwrap_err(),
            "EOF found after escape character"
        );
    }

    #[test]
    fn floats_print_like_go_v() {
        assert_eq!(go_format_float(2.0), "2");
        assert_eq!(go_format_float(2.5), "2.5");
        assert_eq!(go_format_float(123456.0), "123456");
        assert_eq!(go_format_float(1e6), "1e+06");
        assert_eq!(go_format_float(1234567.0), "1.234567e+06");
        assert_eq!(go_format_float(0.0001), "0.0001");
        assert_eq!(go_format_float(0.00001), "1e-05");
    }

    #[test]
    fn memory_strings() {
        assert_eq!(parse_memory_mb("64gb"), Ok(65536));
        assert_eq!(parse_memory_mb("512mb"), Ok(512));
        assert_eq!(parse_memory_mb("1GB"), Ok(1024));
        assert_eq!(parse_memory_mb("1gb"), Ok(1024));
        assert_eq!(parse_memory_mb("8g"), Ok(8192));
        assert_eq!(parse_memory_mb("4G"), Ok(4096));
        assert_eq!(parse_memory_mb("2GiB"), Ok(2048));
        assert_eq!(parse_memory_mb("1.5gb"), Ok(1536));
        assert_eq!(parse_memory_mb("512"), Ok(512));
        assert_eq!(parse_memory_mb("0"), Ok(0));
        assert_eq!(
            parse_memory_mb("lots").unwrap_err(),
            "invalid size: invalid size: 'lots'"
        );
        assert_eq!(
            parse_memory_mb("1gi").unwrap_err(),
            "invalid size: invalid suffix: 'gi'"
        );
    }

    #[test]
    fn volume_sizes() {
        assert_eq!(parse_volume_gb("30gb"), Ok(30));
        assert_eq!(parse_volume_gb("1GB"), Ok(1));
        assert_eq!(parse_volume_gb("15Mb"), Ok(0));
        assert_eq!(parse_volume_gb("200"), Ok(200));
        assert!(parse_volume_gb("unparseable").is_err());
    }

    #[test]
    fn base64() {
        assert_eq!(base64_encode(b""), "");
        assert_eq!(base64_encode(b"f"), "Zg==");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert_eq!(base64_encode(b"foo"), "Zm9v");
        assert_eq!(base64_encode(b"hello world\n"), "aGVsbG8gd29ybGQK");
    }
}
