//! # kyc-server — the partner backend
//!
//! The trust boundary between the browser and the KYC Sharing API. It mints session tokens,
//! re-validates every draft with `kyc-domain` (the same code as the widget), sets the
//! server-only fields, cleans photos, signs and forwards requests, and learns outcomes from
//! webhooks it confirms with a signed query.
//!
//! ## Layout (top to bottom: a module imports only those below it)
//! - [`startup`]: the HTTP app and its layer stack, and [`run`]: HTTP and the workers under one
//!   shutdown. [`telemetry`]: logging.
//! - `routes`: the `/v1` handlers, one leaf file per resource; the route table is also the
//!   authorisation table and the body table. Each handler carries its OpenAPI operation:
//!   [`openapi`] is the document of `/v1` (`GET /v1/openapi.json`, `docs/openapi.json`).
//! - Below the routes, what they share: [`auth`] (who may call what: the route groups'
//!   guards, tokens, capabilities, ownership), [`cors`] (CORS, origin, security headers, the
//!   demo's host check), [`client_ip`], [`rate_limit`], [`intake`] (the body budget and the
//!   upload places), [`body`] (JSON and capped reads), [`photo_intake`] (the one way a photo is
//!   taken in), [`views`] (what the widget and the partner see), [`document_check`] (the
//!   document photo read and the draft cross-checked against it), [`staging`] (an applicant's
//!   unsubmitted data, sealed; the phone handoff's secrets, match code and QR code).
//! - [`work`]: the submit, the provider's view, the job worker, the reconciler and the partner
//!   notifications; [`retention`].
//! - At the bottom: [`state`] ([`AppState`]), [`config`], [`db`] (SQLite / PostgreSQL, no PII
//!   in the clear at rest), [`upstream`] (the signed, retrying client of the KYC API),
//!   [`photos`] (header check, bounded decode, orientation, re-encode), [`reports`], [`error`]
//!   (the one `/v1` error type), [`http`] (the listener: connection limits, timeouts, request
//!   ids), [`metrics`] (the numbers `GET /metrics` shows, one registry per app), [`random`]
//!   (the server's own randomness), [`clock`].
//!
//! Binaries are thin: [`run`] takes a bound listener and a shutdown future, so tests run the
//! real app on port 0.

// A panic in a handler is caught and answered 500 (http.rs): the server must unwind. The
// workspace's release profile aborts (it is the browser's size profile); the server is built
// with the `server` profile. Built with `panic = "abort"`, it does not compile at all.
#[cfg(panic = "abort")]
compile_error!("kyc-server must be built with panic = \"unwind\" (use `--profile server`, not `--release`)");

pub mod auth;
pub mod body;
pub mod client_ip;
pub mod clock;
pub mod config;
pub mod cors;
pub mod db;
pub mod document_check;
pub mod error;
pub mod http;
pub mod intake;
pub mod metrics;
pub mod photo_intake;
pub mod photos;
pub mod random;
pub mod rate_limit;
pub mod reports;
pub mod retention;
mod routes;
pub mod staging;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod upstream;
pub mod views;
pub mod work;

pub use clock::{now_ms, now_secs, rfc3339};
pub use http::{serve as serve_with, serve_limited};
pub use routes::openapi::{openapi, openapi_json};
pub use startup::{app, layered, run, run_with_metrics, serve, shutdown_signal};
pub use state::AppState;
pub use telemetry::init_logging;
