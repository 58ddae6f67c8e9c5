//! How a worker runs and stops: [`Stop`], set with the server's shutdown, and [`worker_loop`],
//! the one loop of the queue workers (jobs and partner notifications).

use std::time::Duration;

use super::POLL;

/// Tells the workers to stop. A worker finishes the item in hand and takes no other.
#[derive(Clone)]
pub struct Stop(tokio::sync::watch::Receiver<bool>);

impl Stop {
    /// A stop set by `true` on `rx`'s sender, or by dropping it.
    pub fn new(rx: tokio::sync::watch::Receiver<bool>) -> Self {
        Self(rx)
    }

    fn is_set(&self) -> bool {
        *self.0.borrow() || self.0.has_changed().is_err()
    }

    /// Resolves once the stop is set.
    pub async fn wait(&mut self) {
        let _ = self.0.wait_for(|s| *s).await;
    }

    /// Sleeps `d`, or less when `wake` is notified; `false` when the stop was set meanwhile.
    pub(crate) async fn pause(&mut self, d: Duration, wake: Option<&tokio::sync::Notify>) -> bool {
        let woken = async {
            match wake {
                Some(n) => n.notified().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = self.wait() => false,
            () = woken => true,
            () = tokio::time::sleep(d) => true,
        }
    }
}

/// The one loop of the queue workers (jobs, partner notifications): claims a due item and
/// handles it, again and again; with none due, waits `POLL` (or for `wake`); between items,
/// `stop` ends it.
pub(crate) async fn worker_loop<T, C, CF, H, HF>(
    what: &'static str,
    mut stop: Stop,
    wake: Option<&tokio::sync::Notify>,
    mut claim: C,
    mut handle: H,
) where
    C: FnMut() -> CF,
    CF: std::future::Future<Output = sqlx::Result<Option<T>>>,
    H: FnMut(T) -> HF,
    HF: std::future::Future<Output = ()>,
{
    while !stop.is_set() {
        match claim().await {
            Ok(Some(item)) => {
                handle(item).await;
                continue;
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, worker = what, "claiming work failed"),
        }
        if !stop.pause(POLL, wake).await {
            return;
        }
    }
}
