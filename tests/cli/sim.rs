//! flysim in the test process (tenantctl-test-support's [`BlockingSim`]): the binary under test
//! talks to it through TENANTCTL_API_URL with the sim's tokens, and the test inspects its
//! request log and state.

use std::ops::Deref;
use std::sync::LazyLock;

use tenantctl_test_support::BlockingSim;
pub use tenantctl_test_support::show;

use crate::harness::TestEnv;

/// A tenantctl.toml whose tiers `starter` and `pro` render the built-in `local` template, in
/// flysim's `personal` org, with a hook that writes to the volume and a health gate on Fly's
/// checks.
pub static CONFIG: LazyLock<String> = LazyLock::new(tenantctl_test_support::cli_config);

pub struct Sim(BlockingSim);

impl Deref for Sim {
    type Target = BlockingSim;
    fn deref(&self) -> &BlockingSim {
        &self.0
    }
}

impl Sim {
    pub fn start() -> Sim {
        Sim(BlockingSim::start())
    }

    /// Zero latency, with Fly's per-action rate limits (`flysim serve --rate-limit`).
    pub fn start_rate_limited() -> Sim {
        Sim(BlockingSim::start_with(flysim::Profile {
            rate_limit: true,
            ..flysim::Profile::zero()
        }))
    }

    /// A TestEnv with [`CONFIG`], the API URL variable and the org token set.
    pub fn env(&self) -> TestEnv {
        self.env_with_token(&self.org_token())
    }

    pub fn env_with_token(&self, token: &str) -> TestEnv {
        TestEnv::with_config(&CONFIG)
            .var("TENANTCTL_API_URL", &self.url())
            .var("FLY_API_TOKEN", token)
    }
}
