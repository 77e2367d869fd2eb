//! Reading the trail: `--since`, the tenant filter, and merging what several sinks hold.

use std::collections::BTreeSet;

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time};

use super::Record;

/// A lower bound on record times, as `--since` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Since(pub OffsetDateTime);

impl Since {
    /// `2026-01-02T03:04:05Z` (RFC 3339), `2026-01-02` (midnight UTC), or an age counted back
    /// from `now`: `90m`, `24h`, `7d`, `2w`, `1d12h`.
    pub fn parse(text: &str, now: OffsetDateTime) -> Result<Since, String> {
        let text = text.trim();
        if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
            return Ok(Since(at));
        }
        if let Ok(day) = Date::parse(text, format_description!("[year]-[month]-[day]")) {
            return Ok(Since(
                PrimitiveDateTime::new(day, Time::MIDNIGHT).assume_utc(),
            ));
        }
        let age = parse_age(text).ok_or_else(|| {
            format!(
                "`{}` is not a time: give a date (2026-01-02), an RFC 3339 time (2026-01-02T15:04:05Z) or an age (90m, 24h, 7d, 2w)",
                text.escape_debug()
            )
        })?;
        Ok(Since(now - age))
    }
}

/// `1d12h` → 36 hours. Units: s, m, h, d, w.
fn parse_age(text: &str) -> Option<Duration> {
    if text.is_empty() {
        return None;
    }
    let mut total = Duration::ZERO;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit: i64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return None,
        };
        let n: i64 = number.parse().ok()?;
        number.clear();
        total = total.checked_add(Duration::seconds(n.checked_mul(unit)?))?;
    }
    number.is_empty().then_some(total)
}

/// Which records to show.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub tenant: Option<String>,
    pub since: Option<Since>,
}

impl Filter {
    pub fn matches(&self, record: &Record) -> bool {
        if let Some(tenant) = &self.tenant
            && record.tenant.as_deref() != Some(tenant.as_str())
        {
            return false;
        }
        match (&self.since, record.parsed_time()) {
            (Some(Since(since)), Some(at)) => at >= *since,
            // A record whose time does not parse cannot be placed after a bound.
            (Some(_), None) => false,
            (None, _) => true,
        }
    }
}

/// The records of every source that match `filter`, each once (by id), oldest first.
pub fn merge(sources: impl IntoIterator<Item = Vec<Record>>, filter: &Filter) -> Vec<Record> {
    let mut seen = BTreeSet::new();
    let mut out: Vec<Record> = sources
        .into_iter()
        .flatten()
        .filter(|r| filter.matches(r))
        .filter(|r| seen.insert(r.id.clone()))
        .collect();
    out.sort_by(|a, b| {
        a.parsed_time()
            .cmp(&b.parsed_time())
            .then_with(|| a.id.cmp(&b.id))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::record::tests::sample;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-03-10 12:00:00 UTC);

    #[test]
    fn since_takes_dates_times_and_ages() {
        let at = |t: &str| Since::parse(t, NOW).map(|s| s.0);
        assert_eq!(at("2026-03-01"), Ok(datetime!(2026-03-01 0:00 UTC)));
        assert_eq!(
            at("2026-03-01T10:00:00+02:00"),
            Ok(datetime!(2026-03-01 8:00 UTC))
        );
        assert_eq!(at("24h"), Ok(datetime!(2026-03-09 12:00 UTC)));
        assert_eq!(at("1d12h"), Ok(datetime!(2026-03-09 0:00 UTC)));
        assert_eq!(at("2w"), Ok(datetime!(2026-02-24 12:00 UTC)));
        for bad in ["", "yesterday", "5", "3x", "2026-13-01"] {
            let err = at(bad).unwrap_err();
            assert!(err.contains("is not a time"), "{bad}: {err}");
        }
    }

    #[test]
    fn merge_filters_dedupes_and_orders_by_time() {
        let old = sample(Some("acme"), "2026-03-01T00:00:00.000000Z");
        let new = sample(Some("acme"), "2026-03-09T00:00:00.000000Z");
        let other = sample(Some("other"), "2026-03-05T00:00:00.000000Z");
        let file = vec![new.clone(), old.clone(), other.clone()];
        let bucket = vec![old.clone(), new.clone()];
        let all = merge([file.clone(), bucket.clone()], &Filter::default());
        assert_eq!(all, [old.clone(), other.clone(), new.clone()]);
        let filter = Filter {
            tenant: Some("acme".into()),
            since: Some(Since::parse("2026-03-02", NOW).unwrap()),
        };
        assert_eq!(merge([file, bucket], &filter), [new]);
    }
}
