//! Durable work shared by every instance (issue "at scale"): the submit as a state machine,
//! status confirmation with the provider, the job worker (webhook confirmations,
//! reconciliations), the reconciler that asks the provider about applications without news,
//! and the partner notifier. All of it lives in the database: any instance claims any job,
//! a kill -9 loses nothing (a claimed job's lease runs out and another instance takes it).
//!
//! Work once (issue 22): a submit's upstream work (staged photos, reports, `merchantProcess`)
//! is done only by the holder of the application's lease ([`SubmitLease`], renewed while it
//! works, however slow the provider); the reconciler completes a half-done submit only after
//! taking that lease over once it ran out. An upload marks itself in flight
//! ([`UploadMark`]) only while the application is `draft`, and the submit's claim waits for it.

use kyc_domain::photo::DocumentKind;
use kyc_domain::{missing_documents, ApplicationStatus, FieldError, ProviderStatus};
use reqwest::Method;
use serde_json::json;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::db::{ApplicationRow, Claim, Transition};
use crate::reports::{self, REPORT_KINDS};
use crate::upstream::{Payload, UpstreamError};
use crate::{now_secs, AppState};
use ApplicationStatus::{Approved, Creating, Draft, Rejected, Reviewing, Submitting};

/// How long a claimed job or notification is leased before another instance may take it.
pub const LEASE_SECS: i64 = 60;
/// The job worker and the notifier look for due work this often.
pub const POLL: Duration = Duration::from_millis(250);
/// Job kinds.
pub const JOB_WEBHOOK: &str = "webhook";
pub const JOB_RECONCILE: &str = "reconcile";

/// How long a submit's lease lasts unless renewed. Its holder renews it every third of that
/// while it works, so a live submit keeps it however slow the provider is, and a dead
/// instance's lease runs out within this time (the reconciler then completes the submit).
pub const SUBMIT_LEASE_SECS: i64 = 30;
/// How long an upload in flight holds back a submit's claim unless renewed (every third of it
/// while the upload runs): a dead instance's mark runs out within this time.
pub const UPLOAD_MARK_SECS: i64 = 10;

/// Why a submit did not reach `reviewing`.
#[derive(Debug)]
pub enum SubmitError {
    /// A required photo is neither uploaded nor forwardable from staging
    /// (`409 documents_missing` with these fields).
    DocumentsMissing(Vec<FieldError>),
    /// The partner has not provided a report yet (`409 reports_missing`).
    ReportsMissing,
    /// The submit's lease is not this holder's any more (it stalled past it, or lost the
    /// database for that long): whoever took it over goes on, this one calls the provider no
    /// more.
    LeaseLost,
    Upstream(UpstreamError),
    Database(sqlx::Error),
    Other(anyhow::Error),
}

impl From<sqlx::Error> for SubmitError {
    fn from(e: sqlx::Error) -> Self {
        Self::Database(e)
    }
}

fn notify(state: &AppState) -> bool {
    state.config.partner_webhook_url.is_some()
}

/// A status change the server asks for: from any of `from` to `to`. Every one is in
/// kyc-domain's `APPLICATION_TRANSITIONS` (asserted by [`transition`] and by a test).
#[derive(Debug, Clone, Copy)]
pub struct Move {
    pub from: &'static [ApplicationStatus],
    pub to: ApplicationStatus,
}

/// The provider accepted the applicant's data (routes/applications.rs).
pub const CREATED: Move = Move { from: &[Creating], to: Draft };
/// A submit's claim ([`claim_submit`], one conditional update in `Db::claim_submit`).
pub const CLAIMED: Move = Move { from: &[Draft], to: Submitting };
/// `merchantProcess` went through ([`complete_submit`]).
pub const SUBMITTED: Move = Move { from: &[Submitting], to: Reviewing };
/// A submit that did not go through: the person submits again.
pub const SUBMIT_FAILED: Move = Move { from: &[Submitting], to: Draft };
/// The provider says `reviewing` (webhook or poll).
const PROVIDER_REVIEWING: Move = Move { from: &[Draft, Submitting], to: Reviewing };
/// The provider's decision (webhook or poll).
const PROVIDER_APPROVED: Move = Move { from: &[Draft, Submitting, Reviewing], to: Approved };
const PROVIDER_REJECTED: Move = Move { from: &[Draft, Submitting, Reviewing], to: Rejected };

/// What the provider's status moves ours to (`init` moves nothing).
fn provider_move(upstream: ProviderStatus) -> Option<Move> {
    match upstream {
        ProviderStatus::Init => None,
        ProviderStatus::Reviewing => Some(PROVIDER_REVIEWING),
        ProviderStatus::Approved => Some(PROVIDER_APPROVED),
        ProviderStatus::Rejected => Some(PROVIDER_REJECTED),
    }
}

/// Moves `app` to `to` from one of `from`, recording `source`; `true` when it moved.
pub async fn transition(
    state: &AppState,
    app_id: &str,
    from: &[ApplicationStatus],
    to: ApplicationStatus,
    source: &str,
) -> sqlx::Result<bool> {
    let t = Transition { id: app_id, from, to, source, now: now_secs(), notify: notify(state) };
    let moved = state.db.transition(&t).await?;
    if let Some(previous) = moved {
        tracing::info!(
            event = "status_changed",
            from = previous.as_str(),
            to = to.as_str(),
            source,
            "application status changed"
        );
    }
    Ok(moved.is_some())
}

/// [`transition`] along `m`.
pub async fn step(state: &AppState, app_id: &str, m: Move, source: &str) -> sqlx::Result<bool> {
    transition(state, app_id, m.from, m.to, source).await
}

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
async fn take_over_submit(state: &AppState, app_id: &str) -> sqlx::Result<Option<SubmitLease>> {
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

/// The provider's view of an application (`queryMerchantKyc`): `init`, `reviewing`,
/// `approved` or `rejected` (`None`: missing or unknown).
pub async fn provider_status(state: &AppState, app: &ApplicationRow) -> Result<Option<ProviderStatus>, UpstreamError> {
    let path = format!("/open/api/kyc/share/queryMerchantKyc/{}", app.request_no);
    let body = kyc_domain::canonical_json(&json!({"requestNo": app.request_no}));
    let model = state.upstream.call(Method::POST, &path, &[], Payload::Json(&body)).await?;
    Ok(model.as_ref().and_then(|m| m.get("kycStatus")).and_then(|s| s.as_str()).and_then(ProviderStatus::parse))
}

/// Applies what the provider says to our record. Final states stay final: a provider reversal
/// after `approved` / `rejected` is recorded in the history, notified and logged as a security
/// event, but the status stays.
pub async fn apply_provider_status(
    state: &AppState,
    app: &ApplicationRow,
    upstream: ProviderStatus,
    source: &str,
) -> sqlx::Result<()> {
    let Some(m) = provider_move(upstream) else { return Ok(()) };
    let current = state.db.application(&app.id).await?.map(|a| a.status);
    if let Some(current) = current.filter(|c| c.is_final()) {
        // Recorded once, in order, however many webhooks and polls bring it at once: the
        // "already the last entry" check runs in the recording transaction (Db::record_reversal).
        if m.to.is_final()
            && m.to != current
            && state.db.record_reversal(&app.id, m.to, current, source, now_secs(), notify(state)).await?
        {
            tracing::warn!(
                event = "security_provider_reversal",
                from = current.as_str(),
                to = m.to.as_str(),
                "the provider reversed a final decision; the recorded status stays"
            );
        }
        return Ok(());
    }
    step(state, &app.id, m, source).await?;
    Ok(())
}

/// A widget poll re-uses a provider answer this recent.
pub const POLL_FRESH_MS: i64 = 2_000;

/// Confirms an application's status with the provider and stores it; single flight per
/// application on this instance (the provider is asked once for callers that arrive while a
/// query is in flight). Returns the status now stored.
pub async fn confirm_status(
    state: &AppState,
    app: &ApplicationRow,
    source: &str,
) -> Result<Option<ApplicationStatus>, UpstreamError> {
    let flight = state.status_flight(&app.id);
    let arrived = crate::now_ms();
    let mut last_answered = match flight.try_lock() {
        Ok(g) => g,
        Err(_) => flight.lock().await,
    };
    // A query answered after this caller arrived is its answer too; a widget poll also takes
    // one answered within the last POLL_FRESH_MS (a webhook is news: it always asks).
    let fresh_since = if source == "poll" { arrived - POLL_FRESH_MS } else { arrived };
    if *last_answered >= fresh_since {
        return Ok(state.db.application(&app.id).await.ok().flatten().map(|a| a.status));
    }
    let r = provider_status(state, app).await;
    *last_answered = crate::now_ms();
    let Some(upstream) = r? else {
        return Ok(state.db.application(&app.id).await.ok().flatten().map(|a| a.status));
    };
    apply_provider_status(state, app, upstream, source)
        .await
        .map_err(|e| UpstreamError::Unavailable(format!("database: {e}")))?;
    Ok(state.db.application(&app.id).await.ok().flatten().map(|a| a.status))
}

/// Reconciles one application without news: asks the provider and applies the answer. A submit
/// left half-done (`submitting`, the provider still says `init`) is completed only by whoever
/// takes its lease over, which happens only once the lease ran out (its holder died or gave
/// it back): a submit under way, however slow, is never submitted a second time.
async fn reconcile(state: &AppState, app: &ApplicationRow) -> Result<(), SubmitError> {
    if app.status == Submitting {
        if let Some(lease) = take_over_submit(state, &app.id).await? {
            let r = reconcile_submit(state, app, &lease).await;
            lease.release(state).await;
            return r;
        }
    }
    if let Some(upstream) = provider_status(state, app).await.map_err(SubmitError::Upstream)? {
        apply_provider_status(state, app, upstream, "poll").await?;
    }
    Ok(())
}

/// The reconciler holds a half-done submit's lease: completes it if the provider never got it.
async fn reconcile_submit(state: &AppState, app: &ApplicationRow, lease: &SubmitLease) -> Result<(), SubmitError> {
    match provider_status(state, app).await.map_err(SubmitError::Upstream)? {
        Some(ProviderStatus::Init) => {}
        Some(upstream) => {
            apply_provider_status(state, app, upstream, "poll").await?;
            return Ok(());
        }
        // Missing or unknown: nothing is applied, nothing completed.
        None => return Ok(()),
    }
    tracing::warn!(event = "submit_completed_by_reconciler", "a submit left half-done is completed");
    match complete_submit(state, app, lease, "poll").await {
        Err(SubmitError::DocumentsMissing(_) | SubmitError::ReportsMissing) => {
            // It cannot go through as it stands: the person submits again.
            tracing::warn!(event = "submit_returned_to_draft", "a half-done submit lacks documents or reports");
            step(state, &app.id, SUBMIT_FAILED, "poll").await?;
            Ok(())
        }
        Err(SubmitError::LeaseLost) => Ok(()),
        r => r,
    }
}

async fn run_job(state: &AppState, kind: &str, target: &str) -> Result<(), SubmitError> {
    let app = match kind {
        JOB_WEBHOOK => state.db.application_by_request_no(target).await?,
        JOB_RECONCILE => state.db.application(target).await?,
        _ => None,
    };
    let Some(app) = app else {
        if kind == JOB_WEBHOOK {
            tracing::info!(event = "webhook_unknown_request", "webhook for an unknown application ignored");
        }
        return Ok(());
    };
    match kind {
        JOB_WEBHOOK => confirm_status(state, &app, "webhook").await.map(|_| ()).map_err(SubmitError::Upstream),
        _ => reconcile(state, &app).await,
    }
}

/// Seconds before the `attempts`-th retry: 2, 4, 8 … capped at 5 minutes.
fn job_backoff(attempts: i64) -> i64 {
    2i64.saturating_pow(u32::try_from(attempts.clamp(0, 20)).unwrap_or(20) + 1).min(300)
}

/// The job worker of this instance: one job at a time.
pub fn spawn_job_worker(state: AppState) {
    tokio::spawn(async move {
        loop {
            let claimed = state.db.claim_job(now_secs(), LEASE_SECS).await;
            match claimed {
                Ok(Some(job)) => {
                    match run_job(&state, &job.kind, &job.target).await {
                        Ok(()) => {
                            let _ = state.db.finish_job(&job).await;
                        }
                        Err(e) => {
                            tracing::warn!(event = "job_failed", kind = job.kind.as_str(), attempts = job.attempts + 1, error = ?e, "job will be retried");
                            let _ = state.db.retry_job(&job, now_secs() + job_backoff(job.attempts)).await;
                        }
                    }
                    continue;
                }
                Ok(None) => {}
                Err(e) => tracing::error!(error = %e, "claiming a job failed"),
            }
            tokio::select! {
                () = state.work_signal.notified() => {}
                () = tokio::time::sleep(POLL) => {}
            }
        }
    });
}

/// The reconciler: applications `submitting` or `reviewing` without news for
/// `KYC_RECONCILE_AFTER_SECS` get a reconcile job (one instance marks each).
pub fn spawn_reconciler(state: AppState) {
    tokio::spawn(async move {
        let every = Duration::from_secs(u64::try_from(state.config.reconcile_after_secs / 2).unwrap_or(1).clamp(1, 10));
        loop {
            tokio::time::sleep(every).await;
            let now = now_secs();
            match state.db.stale_applications(now - state.config.reconcile_after_secs, now).await {
                Ok(ids) => {
                    for id in ids {
                        if state.db.enqueue(JOB_RECONCILE, &id, now, now).await.is_ok() {
                            state.work_signal.notify_one();
                        }
                    }
                }
                Err(e) => tracing::error!(error = %e, "reconciler scan failed"),
            }
        }
    });
}

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
    fn every_move_the_server_makes_is_in_the_table() {
        let provider: Vec<Move> = ProviderStatus::ALL.into_iter().filter_map(provider_move).collect();
        assert_eq!(provider.len(), 3);
        for m in [CREATED, CLAIMED, SUBMITTED, SUBMIT_FAILED].into_iter().chain(provider) {
            for &from in m.from {
                assert!(ApplicationStatus::allowed(from, m.to), "{from} → {} is not in the table", m.to);
            }
        }
    }

    #[test]
    fn backoffs_start_small_and_are_capped() {
        assert_eq!((notify_backoff(0), notify_backoff(1), notify_backoff(2)), (5, 10, 20));
        assert_eq!(notify_backoff(100), 3600);
        assert_eq!((job_backoff(0), job_backoff(1)), (2, 4));
        assert_eq!(job_backoff(50), 300);
    }

    #[test]
    fn the_partner_signature_is_hmac_sha256_of_t_dot_body() {
        // Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret
        let sig = partner_signature(b"secret", 1_700_000_000, r#"{"a":1}"#);
        assert_eq!(sig, "t=1700000000,v1=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686");
    }
}
