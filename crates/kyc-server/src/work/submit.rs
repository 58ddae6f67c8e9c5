//! The submit: its claim (`draft → submitting`), the lease of its one worker, the marks of
//! uploads in flight, and its upstream work (staged photos, reports, `merchantProcess`).

use kyc_domain::missing_documents;
use kyc_domain::photo::DocumentKind;
use reqwest::Method;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::clock::now_secs;
use crate::db::{ApplicationRow, Claim};
use crate::reports::{self, REPORT_KINDS};
use crate::state::AppState;
use crate::upstream::Payload;

use super::{notify, step, SubmitError, CLAIMED, SUBMITTED};

/// How long a submit's lease lasts unless renewed. Its holder renews it every third of that
/// while it works, so a live submit keeps it however slow the provider is, and a dead
/// instance's lease runs out within this time (the reconciler then completes the submit).
pub const SUBMIT_LEASE_SECS: i64 = 30;
/// How long an upload in flight holds back a submit's claim unless renewed (every third of it
/// while the upload runs): a dead instance's mark runs out within this time.
pub const UPLOAD_MARK_SECS: i64 = 10;

/// A background task renewing a mark in the database every `every` while it answers `true`;
/// stopped when dropped (a cancelled or crashed holder's mark then runs out).
struct Renewal(tokio::task::JoinHandle<()>);

impl Renewal {
    fn spawn<F, Fut>(every: Duration, mut tick: F) -> Self
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: std::future::Future<Output = bool> + Send,
    {
        Self(tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                if !tick().await {
                    return;
                }
            }
        }))
    }
}

impl Drop for Renewal {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A third of `secs`, the renewal period of a mark that lasts `secs`.
fn third_of(secs: i64) -> Duration {
    Duration::from_millis(u64::try_from(secs.max(1) * 1000 / 3).unwrap_or(1000))
}

/// The lease of the one caller — on any instance — that works on an application's submit
/// (forwarding the staged photos and the reports, `merchantProcess`). Renewed in the
/// background while held; [`SubmitLease::release`] gives it back. Dropped without a release
/// (the holder was cancelled), its renewal stops and it runs out.
pub struct SubmitLease {
    app_id: String,
    owner: String,
    /// Unix seconds until which the lease is known to be this holder's.
    valid_until: Arc<AtomicI64>,
    renewal: Renewal,
}

/// What a submit's claim came to.
pub enum SubmitClaim {
    /// `draft → submitting`: this caller submits.
    Won(SubmitLease),
    /// Still `draft`, with an upload in flight: claim again shortly.
    UploadsInFlight,
    /// Another caller has it, or it is past `draft`.
    Lost,
}

impl SubmitLease {
    fn hold(state: &AppState, app_id: &str, owner: String, until: i64) -> Self {
        let valid_until = Arc::new(AtomicI64::new(until));
        let (st, id, who, valid) = (state.clone(), app_id.to_owned(), owner.clone(), valid_until.clone());
        let renewal = Renewal::spawn(third_of(SUBMIT_LEASE_SECS), move || {
            let (st, id, who, valid) = (st.clone(), id.clone(), who.clone(), valid.clone());
            async move {
                let now = now_secs();
                if now >= valid.load(Ordering::SeqCst) {
                    // Not renewed in time (the database was away): it may be someone else's now.
                    return false;
                }
                match st.db.renew_submit_lease(&id, &who, now + SUBMIT_LEASE_SECS).await {
                    Ok(true) => {
                        valid.store(now + SUBMIT_LEASE_SECS, Ordering::SeqCst);
                        true
                    }
                    Ok(false) => {
                        valid.store(0, Ordering::SeqCst);
                        tracing::warn!(event = "submit_lease_lost", "a submit's lease was taken over");
                        false
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "renewing a submit lease failed; trying again");
                        true
                    }
                }
            }
        });
        Self { app_id: app_id.to_owned(), owner, valid_until, renewal }
    }

    /// Whether the lease is still this holder's (checked before every upstream call).
    pub fn held(&self) -> bool {
        now_secs() < self.valid_until.load(Ordering::SeqCst)
    }

    fn check(&self) -> Result<(), SubmitError> {
        if self.held() {
            Ok(())
        } else {
            Err(SubmitError::LeaseLost)
        }
    }

    /// Gives the lease back: the renewal stops, and an application left `submitting` can be
    /// taken over by the reconciler at once.
    pub async fn release(self, state: &AppState) {
        let Self { app_id, owner, renewal, .. } = self;
        drop(renewal);
        if let Err(e) = state.db.release_submit_lease(&app_id, &owner).await {
            tracing::warn!(error = %e, "giving a submit lease back failed; it runs out");
        }
    }
}

/// The submit's claim: `draft → submitting` with this caller's lease, unless an upload to the
/// application is in flight (a conditional update: of any number of callers one wins).
pub async fn claim_submit(state: &AppState, app_id: &str, source: &str) -> sqlx::Result<SubmitClaim> {
    let owner = crate::random::hex(16);
    let now = now_secs();
    let until = now + SUBMIT_LEASE_SECS;
    Ok(match state.db.claim_submit(app_id, &owner, now, until, source, notify(state)).await? {
        Claim::Won => {
            tracing::info!(
                event = "status_changed",
                from = CLAIMED.from[0].as_str(),
                to = CLAIMED.to.as_str(),
                source,
                "application status changed"
            );
            SubmitClaim::Won(SubmitLease::hold(state, app_id, owner, until))
        }
        Claim::UploadsInFlight => SubmitClaim::UploadsInFlight,
        Claim::Lost => SubmitClaim::Lost,
    })
}

/// Takes over the lease of a submit left half-done (`submitting`, its lease run out).
pub(super) async fn take_over_submit(state: &AppState, app_id: &str) -> sqlx::Result<Option<SubmitLease>> {
    let owner = crate::random::hex(16);
    let now = now_secs();
    let until = now + SUBMIT_LEASE_SECS;
    Ok(state
        .db
        .take_submit_lease(app_id, &owner, now, until)
        .await?
        .then(|| SubmitLease::hold(state, app_id, owner, until)))
}

/// An upload to an application in flight, marked in the database from right before its
/// `fileUpload` until it is over, so a submit's claim waits for it; renewed while it runs.
pub struct UploadMark {
    app_id: String,
    renewal: Renewal,
}

impl UploadMark {
    /// Marks an upload in flight, only while the application is still `draft`; `None` when a
    /// submit began (the upload must not go out: `409 already_submitted`).
    pub async fn begin(state: &AppState, app_id: &str) -> sqlx::Result<Option<Self>> {
        let now = now_secs();
        if !state.db.begin_upload(app_id, now, now + UPLOAD_MARK_SECS).await? {
            return Ok(None);
        }
        let (st, id) = (state.clone(), app_id.to_owned());
        let renewal = Renewal::spawn(third_of(UPLOAD_MARK_SECS), move || {
            let (st, id) = (st.clone(), id.clone());
            async move {
                if let Err(e) = st.db.renew_upload(&id, now_secs() + UPLOAD_MARK_SECS).await {
                    tracing::warn!(error = %e, "renewing an upload mark failed");
                }
                true
            }
        });
        Ok(Some(Self { app_id: app_id.to_owned(), renewal }))
    }

    /// The upload is over (forwarded or failed).
    pub async fn end(self, state: &AppState) {
        let Self { app_id, renewal } = self;
        drop(renewal);
        if let Err(e) = state.db.end_upload(&app_id).await {
            tracing::warn!(error = %e, "ending an upload mark failed; it runs out");
        }
    }
}

/// The submit of an application whose lease `lease` this caller holds (`submitting`): the
/// staged photos it has not received go first, then the missing-documents check, the reports
/// and `merchantProcess`; on success it is `reviewing`. Used by the submit handler after its
/// claim and, for a submit whose instance died, by the reconciler after taking the lease over.
/// Nothing here goes upstream unless the lease is still held.
pub async fn complete_submit(
    state: &AppState,
    app: &ApplicationRow,
    lease: &SubmitLease,
    source: &str,
) -> Result<(), SubmitError> {
    forward_staged_photos(state, app, lease).await?;
    let present: Vec<DocumentKind> =
        state.db.documents(&app.id).await?.iter().filter_map(|k| DocumentKind::parse(k)).collect();
    let missing = missing_documents(&present);
    if !missing.is_empty() {
        return Err(SubmitError::DocumentsMissing(missing));
    }
    let mut pdfs = Vec::new();
    for kind in REPORT_KINDS {
        match reports::load(state, &app.id, &app.external_user_id, kind).await.map_err(SubmitError::Other)? {
            Some(pdf) => pdfs.push((kind, pdf)),
            None => {
                tracing::error!(event = "report_missing", kind, "no report available for submit");
                return Err(SubmitError::ReportsMissing);
            }
        }
    }
    for (kind, pdf) in &pdfs {
        lease.check()?;
        state.upstream.upload(&app.request_no, kind, pdf, "application/pdf").await.map_err(SubmitError::Upstream)?;
    }
    lease.check()?;
    state
        .upstream
        .call(Method::GET, "/open/api/kyc/share/merchantProcess", &[("requestNo", &app.request_no)], Payload::Empty)
        .await
        .map_err(SubmitError::Upstream)?;
    // The move to `reviewing` also deletes the user's staged draft, photos and handoff, in the
    // same transaction (Db::transition), so this path and the reconciler's leave none behind.
    step(state, &app.id, SUBMITTED, source).await?;
    state.db.delete_reports(&app.id).await?;
    tracing::info!(event = "application_submitted", "application submitted for review");
    Ok(())
}

/// Forwards the user's staged photos that the application has not received (STAGING.md) with
/// `fileUpload` and records them as documents with their source. "Received" means this very
/// photo: a staged retake after an earlier forward goes again, and a document uploaded
/// directly after the photo was staged is not overwritten by the older staged one. Only by
/// the submit's lease holder: staging is closed from the claim on, so what is staged now is
/// what is forwarded, once.
async fn forward_staged_photos(state: &AppState, app: &ApplicationRow, lease: &SubmitLease) -> Result<(), SubmitError> {
    use sha2::{Digest, Sha256};
    let user = &app.external_user_id;
    // In the rulebook's order (front, back, face), as the widget always sent them.
    let mut photos = state.db.staged_photos(user).await?;
    photos.sort_by_key(|p| kyc_domain::photo::DocumentKind::ALL.iter().position(|k| k.as_str() == p.kind));
    for staged in photos {
        let kind = staged.kind.as_str();
        let Some((_, sealed)) = state.db.staged_photo(user, kind).await? else { continue };
        let aad = crate::staging::photo_aad(user, kind);
        let Some(jpeg) = state.config.data_key.open(&aad, &sealed) else {
            tracing::warn!(
                event = "staged_unreadable",
                what = "photo",
                kind,
                "a staged photo does not open; not forwarded"
            );
            continue;
        };
        let sha = hex::encode(Sha256::digest(&jpeg));
        if let Some((have, at)) = state.db.document_hash(&app.id, kind).await? {
            if have == sha || at > staged.uploaded_at {
                continue;
            }
        }
        lease.check()?;
        state.upstream.upload(&app.request_no, kind, &jpeg, "image/jpeg").await.map_err(SubmitError::Upstream)?;
        state.db.record_document(&app.id, kind, &sha, &staged.source, now_secs()).await?;
        tracing::info!(
            event = "staged_photo_forwarded",
            kind,
            source = staged.source.as_str(),
            "staged photo forwarded"
        );
    }
    Ok(())
}
