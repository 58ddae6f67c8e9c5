//! The partner notifications (docs/notifications.md): signed, delivered at least once, in
//! order per application, retried with a backoff for as long as the event exists.

use std::sync::Arc;
use std::time::Duration;

use crate::{now_secs, AppState};

use super::{LEASE_SECS, POLL};

/// `KYC-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` (docs/notifications.md).
pub fn partner_signature(secret: &[u8], t: i64, body: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Seconds before the `attempts`-th redelivery: 5, 10, 20 … capped at one hour, retried for
/// as long as the event exists (retention keeps undelivered events).
fn notify_backoff(attempts: i64) -> i64 {
    (5i64.saturating_mul(2i64.saturating_pow(u32::try_from(attempts.clamp(0, 20)).unwrap_or(20)))).min(3600)
}

/// The partner notifier of this instance (when `KYC_PARTNER_WEBHOOK_URL` is set).
pub fn spawn_notifier(state: AppState) {
    let (Some(url), Some(secret)) =
        (state.config.partner_webhook_url.clone(), state.config.partner_webhook_secret.clone())
    else {
        return;
    };
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .build()
        .expect("reqwest client");
    let secret = Arc::new(secret);
    tokio::spawn(async move {
        loop {
            match state.db.claim_event(now_secs(), LEASE_SECS).await {
                Ok(Some(ev)) => {
                    let t = now_secs();
                    let sig = partner_signature(secrecy::ExposeSecret::expose_secret(&*secret).as_bytes(), t, &ev.body);
                    let sent = http
                        .post(&url)
                        .header("content-type", "application/json")
                        .header("KYC-Signature", sig)
                        .body(ev.body.clone())
                        .send()
                        .await;
                    let ok = sent.as_ref().is_ok_and(|r| r.status().is_success());
                    if ok {
                        let _ = state.db.event_delivered(ev.id, now_secs()).await;
                    } else {
                        let why = match &sent {
                            Ok(r) => format!("HTTP {}", r.status().as_u16()),
                            Err(e) => e.without_url_ref(),
                        };
                        tracing::warn!(event = "partner_notification_failed", attempts = ev.attempts + 1, reason = %why, "partner notification will be retried");
                        let _ = state.db.event_failed(ev.id, now_secs() + notify_backoff(ev.attempts)).await;
                    }
                    continue;
                }
                Ok(None) => {}
                Err(e) => tracing::error!(error = %e, "claiming a notification failed"),
            }
            tokio::time::sleep(POLL).await;
        }
    });
}

trait WithoutUrl {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    fn without_url_ref(&self) -> String {
        if self.is_timeout() {
            "timeout".into()
        } else if self.is_connect() {
            "connection failed".into()
        } else {
            "request failed".into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoffs_start_small_and_are_capped() {
        assert_eq!((notify_backoff(0), notify_backoff(1), notify_backoff(2)), (5, 10, 20));
        assert_eq!(notify_backoff(100), 3600);
    }

    #[test]
    fn the_partner_signature_is_hmac_sha256_of_t_dot_body() {
        // Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret
        let sig = partner_signature(b"secret", 1_700_000_000, r#"{"a":1}"#);
        assert_eq!(sig, "t=1700000000,v1=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686");
    }
}
