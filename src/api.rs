//! The backend client (docs/api.md): JSON calls through `gloo-net`; what goes out (the draft,
//! event details) and what comes back (each answer, in the types below) crosses the JS boundary
//! through `serde` and `serde-wasm-bindgen`. The session token travels only in the
//! `Authorization` header, never in a URL.

use gloo_net::http::{Method, RequestBuilder};
use js_sys::{Object, Reflect};
use kyc_domain::api;
use kyc_domain::{DraftDto, ErrorCode, Field, FieldError, Params};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

#[derive(Debug, Clone, PartialEq)]
pub struct Backend {
    pub base_url: String,
    /// The session token (empty on a phone, whose page claims its own capability).
    pub token: String,
    /// A phone continuing a desktop's signup: nothing of the session is restored or staged here.
    pub phone: bool,
}

/// What went wrong with a call, in terms the UI can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiFailure {
    /// No answer (offline, DNS, CORS refusal): safe to retry.
    Network,
    /// 422 / 409 with field errors: shown on the fields.
    Fields(Vec<FieldError>),
    /// Any other error answer, with its code.
    Other { status: u16, code: String },
    /// `409 application_exists`: this user's application (`applicationId`) already exists.
    Exists(String),
}

/// Where this session's user stands (`GET /v1/session`): their application, if any, and what
/// the backend has staged of the unsubmitted signup (typed values, photos). Each part is read
/// as well as it can be: a broken one does not take the others with it. The answers are
/// `kyc_domain::api`'s types, the ones the server writes.
pub type Resume = api::SessionView;
pub type Application = api::ApplicationView;
/// The staged draft: the step the person was on, the values as typed, the staged photos.
pub type Staged = api::StagedView;
/// `201` of `POST /v1/applications`.
pub type Created = api::ApplicationCreated;
/// An error answer: `{"error": {"code", "fields": [...]}}`, its field errors as sent.
type ErrorBody = api::ErrorBody<WireFieldError>;

/// A field error as sent; its field and code are kept only when this build knows them (a newer
/// backend may add codes), its parameters when they are readable.
#[derive(Deserialize)]
struct WireFieldError {
    field: String,
    code: String,
    #[serde(default, deserialize_with = "api::forgiving")]
    params: Params,
}

/// The code of an error answer, and the field errors whose field and code this build knows.
fn known(error: api::ErrorInfo<WireFieldError>) -> (String, Vec<FieldError>) {
    let fields = error
        .fields
        .into_iter()
        .filter_map(|e| {
            Some(FieldError { field: Field::from_path(&e.field)?, code: ErrorCode::parse(&e.code)?, params: e.params })
        })
        .collect();
    (error.code, fields)
}

/// The field errors of an error answer (an upload's, passed on by the capture module).
pub fn field_errors(body: JsValue) -> Vec<FieldError> {
    from_js::<ErrorBody>(body).map(|b| known(b.error).1).unwrap_or_default()
}

/// A property of a JS object (`undefined` when absent).
pub(crate) fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// An answer (`serde-wasm-bindgen`) in one of our types.
pub fn from_js<T: DeserializeOwned>(v: JsValue) -> Option<T> {
    serde_wasm_bindgen::from_value(v).ok()
}

/// A value of ours as a plain JS object (`serde-wasm-bindgen`; absent options left out).
pub fn to_js<T: Serialize + ?Sized>(v: &T) -> JsValue {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap_or(JsValue::UNDEFINED)
}

/// The body of `PUT /v1/draft`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DraftBody<'a> {
    step: &'a str,
    no_expiry: bool,
    draft: &'a DraftDto,
}

impl Backend {
    /// A JSON call (`gloo-net`): `Ok(answer)` on 2xx, else what went wrong.
    async fn send(&self, method: Method, path: &str, body: Option<JsValue>) -> Result<JsValue, ApiFailure> {
        let mut req = RequestBuilder::new(&self.url(path)).method(method);
        if !self.token.is_empty() {
            req = req.header("Authorization", &format!("Bearer {}", self.token));
        }
        let req = match body {
            Some(b) => {
                let text = js_sys::JSON::stringify(&b).map_err(|_| ApiFailure::Network)?;
                req.header("Content-Type", "application/json").body(text).map_err(|_| ApiFailure::Network)?
            }
            None => req.build().map_err(|_| ApiFailure::Network)?,
        };
        let resp: web_sys::Response = req.send().await.map_err(|_| ApiFailure::Network)?.into();
        let status = resp.status();
        let json = match resp.json() {
            Ok(p) => JsFuture::from(p).await.unwrap_or(JsValue::NULL),
            Err(_) => JsValue::NULL,
        };
        if resp.ok() {
            return Ok(json);
        }
        let Some(ErrorBody { error }) = from_js(json) else {
            return Err(ApiFailure::Other { status, code: format!("http_{status}") });
        };
        if let (Some(id), true) = (&error.application_id, error.code == api::ApiCode::ApplicationExists.as_str()) {
            return Err(ApiFailure::Exists(id.clone()));
        }
        let (code, fields) = known(error);
        if fields.is_empty() {
            Err(ApiFailure::Other { status, code })
        } else {
            Err(ApiFailure::Fields(fields))
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url.trim_end_matches('/'))
    }

    /// The body of `PUT /v1/draft`: the typed values and the step, staged (encrypted on the
    /// backend) by [`crate::trace::Trace::stage`] as the person types and at each step.
    pub fn draft_body(step: &str, no_expiry: bool, draft: &DraftDto) -> JsValue {
        to_js(&DraftBody { step, no_expiry, draft })
    }

    /// Forgets everything staged (the person left).
    pub async fn delete_draft(&self) -> Result<(), ApiFailure> {
        self.send(Method::DELETE, "/v1/draft", None).await.map(drop)
    }

    pub async fn submit(&self, id: &str) -> Result<String, ApiFailure> {
        let body = Some(Object::new().into());
        self.send(Method::POST, &format!("/v1/applications/{id}/submit"), body)
            .await
            .and_then(answer::<api::StatusView>)
            .map(|s| s.status)
    }

    pub async fn status(&self, id: &str) -> Result<String, ApiFailure> {
        self.send(Method::GET, &format!("/v1/applications/{id}"), None)
            .await
            .and_then(answer::<api::StatusView>)
            .map(|s| s.status)
    }

    /// Where this session's user stands (a reload, a new token): their application and what is
    /// staged, if anything.
    pub async fn session(&self) -> Result<Resume, ApiFailure> {
        self.send(Method::GET, "/v1/session", None).await.and_then(answer)
    }

    /// Creates the application. One that already exists — an earlier attempt whose answer was
    /// lost or unreadable, another tab — is carried on with.
    pub async fn create_application(&self, draft: &DraftDto) -> Result<Created, ApiFailure> {
        match self.send(Method::POST, "/v1/applications", Some(to_js(draft))).await {
            Ok(v) => answer(v),
            Err(ApiFailure::Exists(application_id)) => Ok(Created { application_id, status: String::new() }),
            Err(e) => Err(e),
        }
    }
}

/// A successful answer in its type. One not of the contract's shape is the backend's fault, not
/// the network's.
fn answer<T: DeserializeOwned>(json: JsValue) -> Result<T, ApiFailure> {
    from_js(json).ok_or(ApiFailure::Other { status: 200, code: "invalid_answer".into() })
}
