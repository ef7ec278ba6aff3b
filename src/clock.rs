//! The wall clock, in one place. `SKARBNIK_NOW` (RFC 3339) pins it for tests and demos: the
//! dunning's "today" and send window then follow it; mail timestamps and retries keep the real
//! time.

use chrono::{DateTime, Utc};

pub const ENV_VAR: &str = "SKARBNIK_NOW";

pub fn now() -> DateTime<Utc> {
    std::env::var(ENV_VAR)
        .ok()
        .and_then(|v| DateTime::parse_from_rfc3339(v.trim()).ok())
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(Utc::now)
}
