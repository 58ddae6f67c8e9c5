//! Webhook delivery: `POST {"requestNo","kycStatus"}` to the callback URL; anything but 200
//! is retried with capped exponential backoff; every attempt is recorded.

use std::time::Duration;

use crate::store::{ProviderStatus, WebhookAttempt};
use crate::Sandbox;

const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The wait before attempt `n + 1` (n ≥ 1): base · 2^(n−1), at most 30 s.
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    base.saturating_mul(1u32 << attempt.saturating_sub(1).min(16)).min(MAX_BACKOFF)
}

/// Delivers one status change in the background.
pub fn spawn_delivery(sb: &Sandbox, request_no: String, status: ProviderStatus) {
    let sb = sb.clone();
    tokio::spawn(async move {
        let Some(url) = sb.lock().apps.get(&request_no).map(|a| a.callback_url.clone()) else {
            return;
        };
        let body = serde_json::json!({"requestNo": request_no, "kycStatus": status.as_str()});
        let max = sb.config().webhook_max_attempts.max(1);
        for attempt in 1..=max {
            let result = sb.inner.http.post(&url).json(&body).send().await;
            let http_status = result.as_ref().ok().map(|r| r.status().as_u16());
            if let Some(app) = sb.lock().apps.get_mut(&request_no) {
                app.webhooks.push(WebhookAttempt {
                    kyc_status: status,
                    attempt,
                    http_status,
                    at: crate::now_rfc3339(),
                });
            }
            tracing::info!(attempt, http_status, kyc_status = status.as_str(), "sandbox webhook delivery");
            if http_status == Some(200) {
                return;
            }
            if attempt < max {
                tokio::time::sleep(backoff(sb.config().webhook_backoff, attempt)).await;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let b = Duration::from_secs(1);
        let waits: Vec<u64> = (1..=7).map(|n| backoff(b, n).as_secs()).collect();
        assert_eq!(waits, vec![1, 2, 4, 8, 16, 30, 30]);
    }
}
