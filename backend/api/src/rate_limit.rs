//! Fixed-window rate limiting (login attempts). Redis when configured, so every replica
//! counts together; an in-process map otherwise (the embedded single-process mode).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;

pub enum RateLimiter {
    Memory(Mutex<HashMap<String, (Instant, u32)>>),
    /// Keys are `<prefix>:rl:<key>`, so deployments (or test apps) sharing a Redis count
    /// apart.
    Redis {
        conn: ConnectionManager,
        prefix: String,
    },
}

/// The answer for one hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    Limited { retry_after_secs: u64 },
}

const INCR_WITH_TTL: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('TTL', KEYS[1])
return {n, ttl}
";

impl RateLimiter {
    pub fn memory() -> Self {
        RateLimiter::Memory(Mutex::new(HashMap::new()))
    }

    /// Counts one hit against `key`; limited when more than `max` fall in `window`.
    pub async fn hit(&self, key: &str, max: u32, window: Duration) -> anyhow::Result<Verdict> {
        match self {
            RateLimiter::Memory(map) => {
                let now = Instant::now();
                let mut map = map
                    .lock()
                    .map_err(|_| anyhow::anyhow!("rate limiter poisoned"))?;
                if map.len() > 100_000 {
                    map.retain(|_, (start, _)| now.duration_since(*start) < window);
                }
                let entry = map.entry(key.to_owned()).or_insert((now, 0));
                if now.duration_since(entry.0) >= window {
                    *entry = (now, 0);
                }
                entry.1 += 1;
                if entry.1 > max {
                    let left = window.saturating_sub(now.duration_since(entry.0));
                    return Ok(Verdict::Limited {
                        retry_after_secs: left.as_secs().max(1),
                    });
                }
                Ok(Verdict::Allowed)
            }
            RateLimiter::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                let (n, ttl): (u32, i64) = redis::Script::new(INCR_WITH_TTL)
                    .key(format!("{prefix}:rl:{key}"))
                    .arg(window.as_secs().max(1))
                    .invoke_async(&mut conn)
                    .await?;
                if n > max {
                    return Ok(Verdict::Limited {
                        retry_after_secs: ttl.max(1) as u64,
                    });
                }
                Ok(Verdict::Allowed)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_limiter_blocks_after_max() {
        let rl = RateLimiter::memory();
        let w = Duration::from_secs(60);
        for _ in 0..3 {
            assert_eq!(rl.hit("k", 3, w).await.unwrap(), Verdict::Allowed);
        }
        assert!(matches!(
            rl.hit("k", 3, w).await.unwrap(),
            Verdict::Limited { .. }
        ));
        assert_eq!(rl.hit("other", 3, w).await.unwrap(), Verdict::Allowed);
    }
}
