//! The partner notifications (docs/notifications.md): signed, delivered at least once, in
//! order per application, retried with a backoff for as long as the event exists.

use kyc_domain::ApplicationStatus;
use std::time::Duration;

use crate::clock::now_secs;
use crate::state::AppState;

use super::worker_loop::{worker_loop, Stop};
use super::LEASE_SECS;

/// `KYC-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` (docs/notifications.md).
pub fn partner_signature(secret: &[u8], t: i64, body: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// The body of an `application.status_changed` notification (docs/notifications.md): the new
/// status, the previous one as the partner saw it (`null` for the first) and the time (`at`,
/// unix seconds, written as RFC 3339). The database stores it with the status change
/// ([`crate::db::Transition::notify`]); the notifier sends it as stored.
pub fn status_changed_body(
    event_id: &str,
    application_id: &str,
    external_user_id: &str,
    status: ApplicationStatus,
    previous: Option<ApplicationStatus>,
    at_secs: i64,
) -> String {
    let previous = previous.map_or(serde_json::Value::Null, |p| p.as_str().into());
    serde_json::json!({
        "eventId": event_id,
        "type": "application.status_changed",
        "applicationId": application_id,
        "externalUserId": external_user_id,
        "status": status.as_str(),
        "previousStatus": previous,
        "at": crate::clock::rfc3339(at_secs),
    })
    .to_string()
}

/// The body of an `application.document_checked` notification (docs/notifications.md): the
/// application's `documentCheck` as its view shows it (field paths and codes, never a value) and
/// the time. Stored with the check ([`crate::db::CheckRecord::notify`]); sent as stored.
pub fn document_checked_body(
    event_id: &str,
    application_id: &str,
    external_user_id: &str,
    document_check: &str,
    at_secs: i64,
) -> String {
    let check = serde_json::from_str::<serde_json::Value>(document_check).unwrap_or(serde_json::Value::Null);
    serde_json::json!({
        "eventId": event_id,
        "type": "application.document_checked",
        "applicationId": application_id,
        "externalUserId": external_user_id,
        "documentCheck": check,
        "at": crate::clock::rfc3339(at_secs),
    })
    .to_string()
}

/// Seconds before the `attempts`-th redelivery: 5, 10, 20 … capped at one hour, retried for
/// as long as the event exists (retention keeps undelivered events).
fn notify_backoff(attempts: i64) -> i64 {
    (5i64.saturating_mul(2i64.saturating_pow(u32::try_from(attempts.clamp(0, 20)).unwrap_or(20)))).min(3600)
}

/// The partner notifier of this instance (when `KYC_PARTNER_WEBHOOK_URL` is set), until `stop`.
pub(crate) async fn notifier(state: AppState, stop: Stop) {
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
    let claim = || state.db.claim_event(now_secs(), LEASE_SECS);
    let handle = |ev: crate::db::Event| {
        let (state, http, url, secret) = (&state, &http, &url, &secret);
        async move {
            let t = now_secs();
            let sig = partner_signature(secrecy::ExposeSecret::expose_secret(secret).as_bytes(), t, &ev.body);
            let sent = http
                .post(url)
                .header("content-type", "application/json")
                .header("KYC-Signature", sig)
                .body(ev.body.clone())
                .send()
                .await;
            if sent.as_ref().is_ok_and(|r| r.status().is_success()) {
                let _ = state.db.event_delivered(ev.id, now_secs()).await;
            } else {
                let why = match &sent {
                    Ok(r) => format!("HTTP {}", r.status().as_u16()),
                    Err(e) => e.without_url_ref(),
                };
                tracing::warn!(event = "partner_notification_failed", attempts = ev.attempts + 1, reason = %why, "partner notification will be retried");
                let _ = state.db.event_failed(ev.id, now_secs() + notify_backoff(ev.attempts)).await;
            }
        }
    };
    worker_loop("notifications", stop, None, claim, handle).await;
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
    fn the_status_changed_body_is_pinned() {
        // serde_json without `preserve_order`: the keys are written in alphabetical order.
        let body = status_changed_body(
            "e1",
            "app-1",
            "user-1",
            ApplicationStatus::Approved,
            Some(ApplicationStatus::Reviewing),
            1_700_000_000,
        );
        assert_eq!(
            body,
            r#"{"applicationId":"app-1","at":"2023-11-14T22:13:20Z","eventId":"e1","externalUserId":"user-1","previousStatus":"reviewing","status":"approved","type":"application.status_changed"}"#
        );
        let first = status_changed_body("e2", "app-2", "user \"2\"", ApplicationStatus::Draft, None, 0);
        assert_eq!(
            first,
            r#"{"applicationId":"app-2","at":"1970-01-01T00:00:00Z","eventId":"e2","externalUserId":"user \"2\"","previousStatus":null,"status":"draft","type":"application.status_changed"}"#
        );
    }

    #[test]
    fn the_document_checked_body_is_pinned() {
        let check = r#"{"at":"2023-11-14T22:13:20Z","matched":["individualInfo.lastName"],"mismatched":[{"code":"differs_from_document","field":"individualInfo.dob"}],"read":"pdf417"}"#;
        let body = document_checked_body("e1", "app-1", "user-1", check, 1_700_000_000);
        assert_eq!(
            body,
            format!(
                r#"{{"applicationId":"app-1","at":"2023-11-14T22:13:20Z","documentCheck":{check},"eventId":"e1","externalUserId":"user-1","type":"application.document_checked"}}"#
            )
        );
    }

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
