//! Shards (`--shard i/n`) split a fleet across runners, e.g. a GitHub Actions matrix: a
//! tenant's shard comes from a hash of its id alone, so every tenant is in exactly one shard
//! and stays there as the fleet grows.

use sha2::{Digest, Sha256};

use crate::error::OpError;

/// Shard `index` of `count` (1-based, as people count matrix jobs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Parses `i/n` with 1 <= i <= n.
    pub fn parse(text: &str) -> Result<Shard, OpError> {
        let bad = || {
            OpError::invalid(format!(
                "`{}` is not a shard: write i/n with 1 <= i <= n, e.g. 2/4",
                text.escape_debug()
            ))
        };
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    pub fn contains(&self, tenant: &str) -> bool {
        let digest = Sha256::digest(tenant.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first) % u64::from(self.count) == u64::from(self.index - 1)
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_tenant_exactly_once() {
        let tenants: Vec<String> = (0..500).map(|i| format!("t{i}")).collect();
        for count in 1..=7 {
            for t in &tenants {
                let hits = (1..=count)
                    .filter(|&i| Shard { index: i, count }.contains(t))
                    .count();
                assert_eq!(hits, 1, "{t} in {count} shards");
            }
        }
    }

    #[test]
    fn bad_shards_are_refused() {
        for bad in ["", "1", "0/3", "4/3", "a/b", "1/0"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Shard::parse("2/4").unwrap(), Shard { index: 2, count: 4 });
        assert_eq!(Shard::parse("2/4").unwrap().to_string(), "2/4");
    }
}
