//! Typed client for the Fly.io Machines API: the only code in tenantctl that speaks HTTP to Fly.
//!
//! Build a [`FlyClient`] from a [`ClientConfig`] holding a [`Token`]; every call is async and
//! returns [`ApiError`] on failure. Request/response types live in [`types`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use fly_api::types::{CreateAppRequest, WaitParams};
//! use fly_api::{ClientConfig, FlyClient, Token};
//!
//! let token = Token::parse("FlyV1 fm2_...")?;
//! let client = FlyClient::new(ClientConfig::new(token).with_base_url("http://127.0.0.1:4280"))?;
//! if client.get_app("acme-t1").await?.is_none() {
//!     client
//!         .create_app(&CreateAppRequest::new("acme-t1", "acme").with_network("acme-t1"))
//!         .await?;
//! }
//! let params = WaitParams::new(&["started"], Duration::from_secs(120));
//! client.wait_for_state("acme-t1", "148e...", &params).await?;
//! # Ok(())
//! # }
//! ```

mod auth;
pub mod client;
pub mod error;
mod lease;
mod ratelimit;
mod retry;
pub mod types;

pub use auth::{Token, TokenError};
pub use client::{ClientConfig, DEFAULT_BASE_URL, DEFAULT_LOGS_BASE_URL, FlyClient, WaitNotifier};
pub use error::ApiError;
pub use lease::{LeaseGuard, LeaseOptions, host_name, owner_description};
pub use ratelimit::RateLimit;
pub use retry::{DEFAULT_RATE_LIMIT_BUDGET, RetryPolicy};
