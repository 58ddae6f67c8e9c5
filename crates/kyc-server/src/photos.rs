//! Fair, bounded photo processing (issue "holds under attack", point 3).
//!
//! Decoding is the one costly thing a session token buys, so it is rationed by what it really
//! costs: each decode reserves the bytes its [`kyc_photos::Plan`] says the decoder allocates
//! from one server-wide budget (a fair, first-come-first-served semaphore counted in MiB). A
//! decode waits in a bounded queue for its share instead of failing at once; when the queue is
//! full, or the wait outlasts [`QUEUE_WAIT`], the answer is `503` with `Retry-After`. One session
//! holds at most one place (waiting or decoding): a second concurrent upload of the same session
//! is `429`. The reservation is released as soon as the photo is cleaned — before the upstream
//! call.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub use kyc_photos::{clean, plan, CleanPhoto, PhotoError, Plan};

/// The server-wide decode budget, equal to the most one decode may take
/// ([`kyc_photos::MAX_DECODE_BYTES`]): with 8 concurrent 40 MP uploads the process stays under
/// 512 MiB (two baseline 40 MP decodes fit at once; a progressive one runs alone).
pub const DECODE_BUDGET_MIB: u32 = (kyc_photos::MAX_DECODE_BYTES >> 20) as u32;
/// At most this many photos wait for the budget (each holds its ≤ 5 MB body while waiting).
pub const MAX_WAITING: usize = 24;
/// A photo waits at most this long for its turn.
pub const QUEUE_WAIT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueError {
    /// The queue is full or the wait timed out: `503` with `Retry-After`.
    Busy,
    /// This session already has a photo in the queue or decoding: `429`.
    SessionBusy,
}

pub struct DecodeQueue {
    budget: Arc<Semaphore>,
    budget_mib: u32,
    waiting: AtomicUsize,
    max_waiting: usize,
    wait: Duration,
    sessions: Mutex<HashSet<String>>,
    /// How long photos waited and which were refused (`GET /metrics`).
    metrics: crate::metrics::DecodeMetrics,
}

/// A place in the budget; dropping it releases the bytes and the session's place.
pub struct DecodeTicket {
    _permit: OwnedSemaphorePermit,
    _place: SessionPlace,
}

struct SessionPlace {
    queue: Arc<DecodeQueue>,
    session: String,
}

impl Drop for SessionPlace {
    fn drop(&mut self) {
        self.queue.sessions.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&self.session);
    }
}

struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl DecodeQueue {
    pub fn new(budget_mib: u32, max_waiting: usize, wait: Duration) -> Arc<Self> {
        Arc::new(Self {
            budget: Arc::new(Semaphore::new(budget_mib as usize)),
            budget_mib,
            waiting: AtomicUsize::new(0),
            max_waiting,
            wait,
            sessions: Mutex::default(),
            metrics: crate::metrics::DecodeMetrics::default(),
        })
    }

    /// MiB reserved for a decode of `bytes` (at least 1; a decode larger than the whole budget
    /// takes the whole budget and runs alone).
    pub fn cost_mib(&self, bytes: u64) -> u32 {
        u32::try_from(bytes.div_ceil(1 << 20)).unwrap_or(u32::MAX).clamp(1, self.budget_mib)
    }

    /// Photos waiting for their turn right now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// The queue's numbers, for the registry of `GET /metrics` (metrics.rs).
    pub fn metrics(&self) -> &crate::metrics::DecodeMetrics {
        &self.metrics
    }

    /// Waits for `bytes` of the budget on behalf of `session`.
    pub async fn acquire(self: &Arc<Self>, session: &str, bytes: u64) -> Result<DecodeTicket, QueueError> {
        let r = self.wait_for_budget(session, bytes).await;
        match &r {
            Err(QueueError::Busy) => self.metrics.refused("busy"),
            Err(QueueError::SessionBusy) => self.metrics.refused("session_busy"),
            Ok(_) => {}
        }
        r
    }

    async fn wait_for_budget(self: &Arc<Self>, session: &str, bytes: u64) -> Result<DecodeTicket, QueueError> {
        {
            let mut s = self.sessions.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if !s.insert(session.to_owned()) {
                return Err(QueueError::SessionBusy);
            }
        }
        let place = SessionPlace { queue: self.clone(), session: session.to_owned() };
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(QueueError::Busy);
        }
        let waiting = Waiting(&self.waiting);
        let cost = self.cost_mib(bytes);
        let started = std::time::Instant::now();
        let permit = tokio::time::timeout(self.wait, self.budget.clone().acquire_many_owned(cost)).await;
        // Only the photos that took a place in the queue: a refusal at the door waited nothing.
        self.metrics.waited(started.elapsed());
        let permit = permit.map_err(|_| QueueError::Busy)?.map_err(|_| QueueError::Busy)?;
        drop(waiting);
        Ok(DecodeTicket { _permit: permit, _place: place })
    }
}
