//! The sandbox's in-memory state: applications, their files and webhook attempts. Lives for
//! the life of the process; one mutex keeps it consistent under concurrency.

use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;

/// kyc-api: `kycStatus` (the rulebook's [`ProviderStatus`], shared with the server).
pub use kyc_domain::ProviderStatus;

#[derive(Debug, Clone)]
pub struct StoredFile {
    pub media_type: &'static str,
    pub sha256: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WebhookAttempt {
    #[serde(rename = "kycStatus")]
    pub kyc_status: ProviderStatus,
    pub attempt: u32,
    /// `None` when the connection failed (no HTTP answer).
    #[serde(rename = "httpStatus")]
    pub http_status: Option<u16>,
    pub at: String,
}

#[derive(Debug, Clone)]
pub struct Application {
    pub request: Value,
    pub email: String,
    pub last_name: String,
    pub callback_url: String,
    pub status: ProviderStatus,
    pub created_at: String,
    /// Insertion order of the upload types, for a stable listing.
    pub file_order: Vec<String>,
    pub files: HashMap<String, StoredFile>,
    pub webhooks: Vec<WebhookAttempt>,
    /// Authenticated calls per endpoint (`information`, `fileUpload`, `merchantProcess`,
    /// `queryMerchantKyc`), so tests can see how often a client called.
    pub calls: std::collections::BTreeMap<&'static str, u32>,
}

#[derive(Debug, Default)]
pub struct Store {
    pub apps: HashMap<String, Application>,
    /// Creation order of `requestNo`s, for the listing.
    pub order: Vec<String>,
}
