//! Bodies in flight (issue 22 §1): request bodies are bounded by the memory they take, not by
//! how many requests there are.
//!
//! One server-wide byte budget (`KYC_BODY_BUDGET_MIB`) covers every request body being read.
//! A request takes its share — its declared `Content-Length`, or its route's cap when it
//! declares none — *before* a single body byte is read (the layer sits under authorisation),
//! and gives it back when its answer is made, or earlier when the handler is done with the
//! bytes ([`BodyLease::release`]: a photo's body is released once it is cleaned). A request that
//! cannot get its share at once is answered `503 busy` with `Retry-After`, its body unread; one
//! that declares more than its route's cap is answered `413` at once, taking nothing.
//!
//! Photo uploads are also capped per person and per client: one upload at a time per partner
//! user (whatever the number of tokens or devices the user has — `429 session_busy`, which the
//! widget sends again after a pause) and a few at a time per client IP ([`DEFAULT_UPLOADS_PER_IP`],
//! `KYC_UPLOADS_PER_IP`; IPv6: per /64; `429 uploads_busy`). A partner user's other bodies
//! (drafts, applications, submits — at most 64 KiB each) may hold at most [`BODY_KIB_PER_USER`]
//! of the budget at once (`429 session_busy`): one token stalling thousands of drafts from many
//! addresses would otherwise hold the whole budget, and every body of everyone else, the
//! partner's session requests included, would be `503`. A stalled upload holds its share at
//! most for the body deadline (http.rs). Together with the connection caps (http.rs) this
//! bounds what a patient client with valid tokens can pin.

use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, Method, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::auth::Capability;
use crate::db::SessionRow;
use crate::error::ApiError;
use crate::state::AppState;

/// The default body budget: with the decode budget (384 MiB) and the process's own baseline,
/// the whole server stays within 512 MiB resident.
pub const DEFAULT_BODY_BUDGET_MIB: u32 = 96;
/// Photo uploads one client IP may have in flight at once, unless configured
/// (`KYC_UPLOADS_PER_IP`: a partner whose applicants share one egress IP raises it).
pub const DEFAULT_UPLOADS_PER_IP: u32 = 3;
/// Photo uploads one partner user may have in flight at once (desktop and phone together).
pub const UPLOADS_PER_USER: u32 = 1;
/// KiB of the budget one partner user's other request bodies may hold at once: four stalled
/// 64 KiB drafts, or hundreds of small requests in flight (the widget sends one or two).
pub const BODY_KIB_PER_USER: u32 = 256;

/// What a route group's bodies are, as the route table says (routes/mod.rs): the largest body
/// its routes read, and whether it is a photo upload (which takes the upload places).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bodies {
    /// JSON of at most this many bytes.
    Json(usize),
    /// A photo upload (`kyc_domain::photo::MAX_PHOTO_BYTES`).
    Photo,
    /// A partner's report (`kyc_domain::photo::MAX_PHOTO_BYTES`, no upload places).
    Report,
}

impl Bodies {
    /// The route's cap and whether it takes upload places; `None` for methods without a body.
    fn cap(self, method: &Method) -> Option<(u64, bool)> {
        if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
            return None;
        }
        Some(match self {
            Self::Json(n) => (n as u64, false),
            Self::Photo => (kyc_domain::photo::MAX_PHOTO_BYTES, true),
            Self::Report => (kyc_domain::photo::MAX_PHOTO_BYTES, false),
        })
    }
}

/// The server-wide budget and the per-user and per-IP upload places.
pub struct Intake {
    budget: Arc<Semaphore>,
    budget_kib: u32,
    uploads_per_ip: u32,
    places: Mutex<Places>,
}

#[derive(Default)]
struct Places {
    users: HashMap<String, u32>,
    ips: HashMap<String, u32>,
    /// KiB of bodies other than photos in flight, per user.
    bodies: HashMap<String, u32>,
}

/// `n` less of `key` in `map` (entries at zero are removed).
fn give_back(map: &mut HashMap<String, u32>, key: &str, n: u32) {
    if let Some(held) = map.get_mut(key) {
        *held = held.saturating_sub(n);
        if *held == 0 {
            map.remove(key);
        }
    }
}

impl Intake {
    pub fn new(budget_mib: u32, uploads_per_ip: u32) -> Arc<Self> {
        let budget_kib = budget_mib.saturating_mul(1024).max(1);
        Arc::new(Self {
            budget: Arc::new(Semaphore::new(budget_kib as usize)),
            budget_kib,
            uploads_per_ip: uploads_per_ip.max(1),
            places: Mutex::default(),
        })
    }

    /// KiB of the budget free right now.
    pub fn free_kib(&self) -> usize {
        self.budget.available_permits()
    }

    /// Bytes of the whole budget (`GET /metrics`).
    pub fn budget_bytes(&self) -> u64 {
        u64::from(self.budget_kib) * 1024
    }

    /// Bytes of the budget held by bodies in flight right now (`GET /metrics`).
    pub fn in_use_bytes(&self) -> u64 {
        let free = u64::try_from(self.free_kib()).unwrap_or(u64::MAX);
        u64::from(self.budget_kib).saturating_sub(free) * 1024
    }

    /// Reserves `bytes` of the budget at once, or `None`.
    pub fn try_reserve(&self, bytes: u64) -> Option<OwnedSemaphorePermit> {
        let kib = u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX).min(self.budget_kib);
        if kib == 0 {
            return None;
        }
        self.budget.clone().try_acquire_many_owned(kib).ok()
    }

    /// Takes an upload place for `user` and for `ip`, or says which is full.
    fn take_places(self: &Arc<Self>, user: &str, ip: &str) -> Result<UploadPlaces, ApiError> {
        let mut p = self.places.lock().unwrap_or_else(PoisonError::into_inner);
        if p.users.get(user).copied().unwrap_or(0) >= UPLOADS_PER_USER {
            return Err(ApiError::SessionBusy);
        }
        if p.ips.get(ip).copied().unwrap_or(0) >= self.uploads_per_ip {
            return Err(ApiError::UploadsBusy);
        }
        *p.users.entry(user.to_owned()).or_default() += 1;
        *p.ips.entry(ip.to_owned()).or_default() += 1;
        Ok(UploadPlaces { intake: self.clone(), user: user.to_owned(), held: Held::Upload(ip.to_owned()) })
    }

    /// Takes `bytes` of `user`'s share for bodies other than photos, or `session_busy`.
    fn take_body_share(self: &Arc<Self>, user: &str, bytes: u64) -> Result<UploadPlaces, ApiError> {
        let kib = u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX);
        let mut p = self.places.lock().unwrap_or_else(PoisonError::into_inner);
        let held = p.bodies.get(user).copied().unwrap_or(0);
        if held.saturating_add(kib) > BODY_KIB_PER_USER {
            return Err(ApiError::SessionBusy);
        }
        p.bodies.insert(user.to_owned(), held + kib);
        Ok(UploadPlaces { intake: self.clone(), user: user.to_owned(), held: Held::Body(kib) })
    }
}

/// What [`UploadPlaces`] holds.
enum Held {
    /// A photo upload's place for the user and for this IP.
    Upload(String),
    /// KiB of the user's share for other bodies.
    Body(u32),
}

/// A user's and an IP's upload place, or a user's share for other bodies; given back when
/// dropped.
struct UploadPlaces {
    intake: Arc<Intake>,
    user: String,
    held: Held,
}

impl Drop for UploadPlaces {
    fn drop(&mut self) {
        let mut guard = self.intake.places.lock().unwrap_or_else(PoisonError::into_inner);
        let p = &mut *guard;
        match &self.held {
            Held::Upload(ip) => {
                give_back(&mut p.users, &self.user, 1);
                give_back(&mut p.ips, ip, 1);
            }
            Held::Body(kib) => give_back(&mut p.bodies, &self.user, *kib),
        }
    }
}

/// A request's share of the body budget: given back when its answer is made, or earlier by a
/// handler done with the body's bytes ([`release_body`]).
#[derive(Clone, Default)]
struct BodyLease(Arc<Mutex<Option<OwnedSemaphorePermit>>>);

impl BodyLease {
    fn release(&self) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take();
    }
}

tokio::task_local! {
    /// The body lease of the request being handled (handlers run in the layer's task).
    static BODY_LEASE: BodyLease;
}

/// The current request is done with its body's bytes: its share of the body budget goes back.
pub fn release_body() {
    let _ = BODY_LEASE.try_with(BodyLease::release);
}

/// The request's declared `Content-Length` (HTTP/1.1 drops it when the body is chunked).
fn declared_length(req: &Request<Body>) -> Option<u64> {
    req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok())
}

/// How many bytes a request's body will take at most: its declared length (at most the route's
/// cap: a larger one is refused before this), nothing when it has no body, the cap otherwise.
fn expected_bytes(req: &Request<Body>, cap: u64) -> u64 {
    match declared_length(req) {
        Some(n) => n.min(cap),
        None if http_body::Body::is_end_stream(req.body()) => 0,
        None => cap,
    }
}

/// The layer of a route group (under its guard, over the handlers: routes/mod.rs): the places,
/// then the body's share.
pub async fn bodies_in_flight(
    State((state, bodies)): State<(AppState, Bodies)>,
    req: Request<Body>,
    next: Next,
) -> Response {
    let Some((cap, photo)) = bodies.cap(req.method()) else {
        return next.run(req).await;
    };
    // A declared length over the route's cap is refused here, before any share or place is
    // taken and before a byte is read (a full budget must not turn it into a 503 to retry).
    if declared_length(&req).is_some_and(|n| n > cap) {
        return ApiError::TooLarge(cap).into_response();
    }
    let bytes = expected_bytes(&req, cap);
    let user = req
        .extensions()
        .get::<SessionRow>()
        .map(|s| s.external_user_id.clone())
        .or_else(|| req.extensions().get::<Capability>().map(|c| c.external_user_id.clone()));
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let taken = match (user, peer) {
        (Some(user), Some(peer)) if photo => {
            let ip = crate::client_ip::rate_key(crate::client_ip::client_ip_from(
                &state.config.trusted_proxies,
                peer,
                req.headers(),
            ));
            Some(state.intake.take_places(&user, &ip))
        }
        (Some(user), _) if !photo && bytes > 0 => Some(state.intake.take_body_share(&user, bytes)),
        _ => None,
    };
    let places = match taken.transpose() {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(
                event = "upload_refused_busy",
                code = e.code(),
                photo,
                "a request body was refused: too many of this user or address in flight"
            );
            return e.into_response();
        }
    };
    // The partner's own small requests (sessions, admin views) are not held up by bodies in
    // flight: they carry a valid admin key (marked by the rate-limit layer above: PartnerKey)
    // and at most a JSON body, which the budget need not cover (their number is bounded by the
    // partner, and by the admin bucket).
    let partner =
        !photo && cap <= crate::body::JSON_LIMIT as u64 && req.extensions().get::<crate::auth::PartnerKey>().is_some();
    let lease = BodyLease::default();
    if bytes > 0 && !partner {
        let Some(permit) = state.intake.try_reserve(bytes) else {
            tracing::warn!(event = "body_budget_full", "a request body was refused: the body budget is in use");
            return ApiError::Busy.into_response();
        };
        *lease.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(permit);
    }
    let resp = BODY_LEASE.scope(lease.clone(), next.run(req)).await;
    drop(places);
    lease.release();
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_counted_in_kib_and_given_back() {
        let intake = Intake::new(1, 3);
        let a = intake.try_reserve(600 * 1024).unwrap();
        assert!(intake.try_reserve(600 * 1024).is_none(), "1 MiB holds one 600 KiB body");
        assert!(intake.try_reserve(100 * 1024).is_some());
        drop(a);
        assert_eq!(intake.free_kib(), 1024);
        // A body larger than the whole budget takes all of it (and then runs alone).
        assert!(intake.try_reserve(5_000_000).is_some());
    }

    #[test]
    fn places_are_per_user_and_per_ip() {
        let intake = Intake::new(8, 3);
        let u1 = intake.take_places("u1", "ip1").unwrap();
        assert!(matches!(intake.take_places("u1", "ip2"), Err(ApiError::SessionBusy)));
        let u2 = intake.take_places("u2", "ip1").unwrap();
        let u3 = intake.take_places("u3", "ip1").unwrap();
        assert!(matches!(intake.take_places("u4", "ip1"), Err(ApiError::UploadsBusy)));
        assert!(intake.take_places("u4", "ip2").is_ok());
        // Other bodies: four of 64 KiB per user, or many small ones, besides the user's photo.
        let drafts: Vec<_> = (0..4).map(|_| intake.take_body_share("u1", 65_536).unwrap()).collect();
        assert!(matches!(intake.take_body_share("u1", 1), Err(ApiError::SessionBusy)));
        let small: Vec<_> = (0..256).map(|_| intake.take_body_share("u2", 2).unwrap()).collect();
        assert!(matches!(intake.take_body_share("u2", 2), Err(ApiError::SessionBusy)));
        drop((u1, u2, u3, drafts, small));
        assert!(intake.take_places("u1", "ip1").is_ok());
        assert!(intake.take_body_share("u1", 65_536).is_ok());
        let p = intake.places.lock().unwrap();
        assert!(p.users.is_empty() && p.ips.is_empty() && p.bodies.is_empty(), "nothing is left behind");
    }

    #[test]
    fn bodies_have_their_caps() {
        let photo = kyc_domain::photo::MAX_PHOTO_BYTES;
        assert_eq!(Bodies::Photo.cap(&Method::PUT), Some((photo, true)));
        assert_eq!(Bodies::Report.cap(&Method::PUT), Some((photo, false)));
        assert_eq!(Bodies::Json(1024).cap(&Method::POST), Some((1024, false)));
        assert_eq!(Bodies::Photo.cap(&Method::GET), None);
        assert_eq!(Bodies::Json(1024).cap(&Method::HEAD), None);
    }
}
