//! "This asset changed" announcements from the media workers (`media::events_channel`),
//! heard on one Redis pub/sub connection per server process and fanned out in memory to
//! every Server-Sent Events viewer on that process, instead of one Redis connection per
//! viewer. The connection is re-established with backoff when Redis goes away; meanwhile
//! viewers fall back on their slow poll.

use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::broadcast;

/// Every asset's channel, `lms:asset:{id}`.
const PATTERN: &str = "lms:asset:*";

/// The process's listener; cheap to clone.
#[derive(Clone)]
pub struct AssetEvents {
    tx: broadcast::Sender<i64>,
}

impl AssetEvents {
    /// Starts listening on Redis at `url` in the background, for as long as this value (or a
    /// clone) lives.
    pub fn start(url: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)?;
        let (tx, _) = broadcast::channel(1024);
        tokio::spawn(listen(client, tx.downgrade()));
        Ok(Self { tx })
    }

    /// The ids of assets announced from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<i64> {
        self.tx.subscribe()
    }
}

/// Waits until `asset_id` is announced, or announcements were missed (a burst larger than
/// the buffer): either way the caller reads the asset again.
pub async fn changed(rx: &mut broadcast::Receiver<i64>, asset_id: i64) {
    loop {
        match rx.recv().await {
            Ok(id) if id == asset_id => return,
            Ok(_) => {}
            Err(broadcast::error::RecvError::Lagged(_)) => return,
            Err(broadcast::error::RecvError::Closed) => {
                tokio::time::sleep(Duration::from_millis(500)).await;
                return;
            }
        }
    }
}

async fn listen(client: redis::Client, tx: broadcast::WeakSender<i64>) {
    let mut backoff = Duration::from_secs(1);
    while tx.upgrade().is_some() {
        match subscribed(&client).await {
            Ok(mut pubsub) => {
                backoff = Duration::from_secs(1);
                let mut messages = pubsub.on_message();
                while let Some(message) = messages.next().await {
                    let Some(tx) = tx.upgrade() else { return };
                    let id = message
                        .get_channel_name()
                        .strip_prefix("lms:asset:")
                        .and_then(|id| id.parse::<i64>().ok());
                    if let Some(id) = id {
                        let _ = tx.send(id);
                    }
                }
                tracing::warn!("asset events: Redis connection lost; reconnecting");
            }
            Err(e) => tracing::warn!(error = %e, "asset events: Redis unavailable; retrying"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(30));
    }
}

async fn subscribed(client: &redis::Client) -> redis::RedisResult<redis::aio::PubSub> {
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.psubscribe(PATTERN).await?;
    Ok(pubsub)
}
