//! The backend client (contract.md §1): JSON calls through `gloo-net`; what the widget sends
//! (the draft, event details) is moved into JS values by `serde` + `serde-wasm-bindgen`;
//! answers are parsed by the browser's `JSON.parse` and read field by field here. (Reading them
//! through `serde-wasm-bindgen` too was measured: its deserialisers for the answers' nine types
//! cost about 10 KB of gzip, more than the first-load budget has left.) The session token
//! travels only in the `Authorization` header, never in a URL.

use gloo_net::http::{Method, RequestBuilder};
use js_sys::{Object, Reflect};
use kyc_domain::{DraftDto, ErrorCode, Field, FieldError, Params};
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
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
}

/// Where this session's user stands (`GET /v1/session`): their application, if any, and what
/// the backend has staged of the unsubmitted signup (typed values, photos).
#[derive(Debug, Clone, PartialEq)]
pub struct Resume {
    pub application: Option<Application>,
    pub staged: Option<Staged>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Application {
    pub application_id: String,
    pub status: String,
    /// The photo kinds the backend already has.
    pub documents: Vec<String>,
}

/// The staged draft: the step the person was on, the values as typed, the staged photos.
#[derive(Debug, Clone, PartialEq)]
pub struct Staged {
    pub step: String,
    pub no_expiry: bool,
    /// `(field, value)` for every field the draft holds.
    pub values: Vec<(Field, String)>,
    pub photos: Vec<StagedPhoto>,
}

/// A photo the backend has staged.
#[derive(Debug, Clone, PartialEq)]
pub struct StagedPhoto {
    pub kind: String,
    /// `camera` or `file`.
    pub source: String,
    /// When it was staged (a retake is a new photo).
    pub at: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Created {
    pub application_id: String,
    pub status: String,
}

/// A property of a JS object (`undefined` when absent).
pub(crate) fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn get_str(v: &JsValue, key: &str) -> Option<String> {
    get(v, key).as_string()
}

fn array(v: &JsValue) -> Vec<JsValue> {
    v.clone().dyn_into::<js_sys::Array>().map(|a| a.iter().collect()).unwrap_or_default()
}

/// `[{"kind", "source", "uploadedAt"}]`.
fn photo_list(v: &JsValue) -> Vec<StagedPhoto> {
    array(v)
        .iter()
        .filter_map(|p| {
            Some(StagedPhoto {
                kind: get_str(p, "kind")?,
                source: get_str(p, "source").unwrap_or_default(),
                at: get_str(p, "uploadedAt").unwrap_or_default(),
            })
        })
        .collect()
}

/// A draft as JSON (the contract's shape) → the value of each field it holds.
fn draft_values(draft: &JsValue) -> Vec<(Field, String)> {
    Field::ALL
        .into_iter()
        .filter_map(|f| {
            let v = f.path().split('.').fold(draft.clone(), |v, k| if v.is_object() { get(&v, k) } else { v });
            let text = v.as_string().or_else(|| v.as_f64().map(|n| (n as i64).to_string()))?;
            Some((f, text))
        })
        .collect()
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

/// `error.fields` of an error answer, keeping only fields and codes this build knows.
pub fn field_errors(body: &JsValue) -> Vec<FieldError> {
    let list = get(&get(body, "error"), "fields");
    let Ok(arr) = list.dyn_into::<js_sys::Array>() else {
        return Vec::new();
    };
    arr.iter()
        .filter_map(|item| {
            let field = Field::from_path(&get_str(&item, "field")?)?;
            let code = ErrorCode::parse(&get_str(&item, "code")?)?;
            let params_js = get(&item, "params");
            let mut params = Params::default();
            if params_js.is_object() {
                for key in Object::keys(params_js.unchecked_ref::<Object>()).iter().filter_map(|k| k.as_string()) {
                    if let Some(n) = get(&params_js, &key).as_f64() {
                        params.insert(&key, n as i64);
                    }
                }
            }
            Some(FieldError { field, code, params })
        })
        .collect()
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
        let fields = field_errors(&json);
        if !fields.is_empty() {
            return Err(ApiFailure::Fields(fields));
        }
        let code = get_str(&get(&json, "error"), "code").unwrap_or_else(|| format!("http_{status}"));
        Err(ApiFailure::Other { status, code })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url.trim_end_matches('/'))
    }

    /// Stages the typed values and the step (`PUT /v1/draft`), encrypted on the backend.
    pub async fn save_draft(&self, step: &str, no_expiry: bool, draft: &DraftDto) -> Result<(), ApiFailure> {
        let body = to_js(&DraftBody { step, no_expiry, draft });
        self.send(Method::PUT, "/v1/draft", Some(body)).await.map(|_| ())
    }

    /// Forgets everything staged (the person left).
    pub async fn delete_draft(&self) -> Result<(), ApiFailure> {
        self.send(Method::DELETE, "/v1/draft", None).await.map(|_| ())
    }

    pub async fn submit(&self, id: &str) -> Result<String, ApiFailure> {
        let v = self.send(Method::POST, &format!("/v1/applications/{id}/submit"), Some(Object::new().into())).await?;
        Ok(get_str(&v, "status").unwrap_or_default())
    }

    pub async fn status(&self, id: &str) -> Result<String, ApiFailure> {
        let v = self.send(Method::GET, &format!("/v1/applications/{id}"), None).await?;
        Ok(get_str(&v, "status").unwrap_or_default())
    }

    /// Where this session's user stands (a reload, a new token): their application and what is
    /// staged, if anything.
    pub async fn session(&self) -> Result<Resume, ApiFailure> {
        let v = self.send(Method::GET, "/v1/session", None).await?;
        let app = get(&v, "application");
        let application = get_str(&app, "applicationId").map(|application_id| Application {
            application_id,
            status: get_str(&app, "status").unwrap_or_default(),
            documents: array(&get(&app, "documents")).iter().filter_map(JsValue::as_string).collect(),
        });
        let st = get(&v, "staged");
        let staged = st.is_object().then(|| Staged {
            step: get_str(&st, "step").unwrap_or_default(),
            no_expiry: get(&st, "noExpiry").as_bool().unwrap_or(false),
            values: draft_values(&get(&st, "draft")),
            photos: photo_list(&get(&st, "photos")),
        });
        Ok(Resume { application, staged })
    }

    pub async fn create_application(&self, draft: &DraftDto) -> Result<Created, ApiFailure> {
        let v = self.send(Method::POST, "/v1/applications", Some(to_js(draft))).await?;
        Ok(Created {
            application_id: get_str(&v, "applicationId").unwrap_or_default(),
            status: get_str(&v, "status").unwrap_or_default(),
        })
    }
}
