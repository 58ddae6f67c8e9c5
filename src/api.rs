//! The backend client (contract.md §1) over the browser's `fetch` and `JSON` (no serde in the
//! wasm: it would ship a JSON parser and float formatting the browser already has). The
//! session token travels only in the `Authorization` header, never in a URL.

use js_sys::{Object, Reflect, JSON};
use kyc_domain::{DraftDto, ErrorCode, Field, FieldError, Params};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

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
pub fn photo_list(v: &JsValue) -> Vec<StagedPhoto> {
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

/// A draft as JSON (`draft_to_js`'s shape) → the value of each field it holds.
pub fn draft_values(draft: &JsValue) -> Vec<(Field, String)> {
    Field::ALL
        .into_iter()
        .filter_map(|f| {
            let v = f.path().split('.').fold(draft.clone(), |v, k| if v.is_object() { get(&v, k) } else { v });
            let text = v.as_string().or_else(|| v.as_f64().map(|n| (n as i64).to_string()))?;
            Some((f, text))
        })
        .collect()
}

fn set(o: &Object, key: &str, value: Option<&str>) {
    if let Some(v) = value {
        let _ = Reflect::set(o, &JsValue::from_str(key), &JsValue::from_str(v));
    }
}

/// The draft as a JS object (absent values left out; `gender` as a number, as the contract shows).
pub fn draft_to_js(d: &DraftDto) -> Object {
    let root = Object::new();
    set(&root, "email", d.email.as_deref());
    let i = &d.individual_info;
    let info = Object::new();
    set(&info, "firstName", i.first_name.as_deref());
    set(&info, "lastName", i.last_name.as_deref());
    set(&info, "dob", i.dob.as_deref());
    set(&info, "country", i.country.as_deref());
    if let Some(g) = &i.gender {
        let text = g.as_text();
        let value = text.parse::<u8>().map_or_else(|_| JsValue::from_str(&text), JsValue::from);
        let _ = Reflect::set(&info, &JsValue::from_str("gender"), &value);
    }
    set(&info, "idDocType", i.id_doc_type.as_ref().map(kyc_domain::draft::NumOrText::as_text).as_deref());
    set(&info, "number", i.number.as_deref());
    set(&info, "validUntil", i.valid_until.as_deref());
    let _ = Reflect::set(&root, &JsValue::from_str("individualInfo"), &info);
    let a = &d.address;
    let addr = Object::new();
    set(&addr, "country", a.country.as_deref());
    set(&addr, "state", a.state.as_deref());
    set(&addr, "city", a.city.as_deref());
    set(&addr, "address", a.address.as_deref());
    set(&addr, "zipCode", a.zip_code.as_deref());
    set(&addr, "ssn", a.ssn.as_deref());
    let _ = Reflect::set(&root, &JsValue::from_str("address"), &addr);
    root
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
    async fn send(&self, method: &str, path: &str, body: Option<&JsValue>) -> Result<JsValue, ApiFailure> {
        let init = RequestInit::new();
        init.set_method(method);
        if let Some(b) = body {
            let text = JSON::stringify(b).map_err(|_| ApiFailure::Network)?;
            init.set_body(&text.into());
        }
        let req = Request::new_with_str_and_init(&self.url(path), &init).map_err(|_| ApiFailure::Network)?;
        let h = req.headers();
        if !self.token.is_empty() {
            let _ = h.set("Authorization", &format!("Bearer {}", self.token));
        }
        if body.is_some() {
            let _ = h.set("Content-Type", "application/json");
        }
        let window = web_sys::window().ok_or(ApiFailure::Network)?;
        let resp: Response = JsFuture::from(window.fetch_with_request(&req))
            .await
            .map_err(|_| ApiFailure::Network)?
            .dyn_into()
            .map_err(|_| ApiFailure::Network)?;
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

    /// URL of a staged photo: `PUT` as soon as it is taken (submit forwards what is staged),
    /// `GET` for its preview — with the token in a header, never in the URL. (A phone's photos
    /// go to its handoff from the lazily loaded module's phone page.)
    pub fn photo_url(&self, kind: &str) -> String {
        self.url(&format!("/v1/photos/{kind}"))
    }

    /// Stages the typed values and the step (`PUT /v1/draft`), encrypted on the backend.
    pub async fn save_draft(&self, step: &str, no_expiry: bool, draft: &DraftDto) -> Result<(), ApiFailure> {
        let body = Object::new();
        set(&body, "step", Some(step));
        let _ = Reflect::set(&body, &"noExpiry".into(), &no_expiry.into());
        let _ = Reflect::set(&body, &"draft".into(), &draft_to_js(draft));
        self.send("PUT", "/v1/draft", Some(&body.into())).await.map(|_| ())
    }

    /// Forgets everything staged (the person left).
    pub async fn delete_draft(&self) -> Result<(), ApiFailure> {
        self.send("DELETE", "/v1/draft", None).await.map(|_| ())
    }

    pub async fn submit(&self, id: &str) -> Result<String, ApiFailure> {
        let v = self.send("POST", &format!("/v1/applications/{id}/submit"), Some(&Object::new().into())).await?;
        Ok(get_str(&v, "status").unwrap_or_default())
    }

    pub async fn status(&self, id: &str) -> Result<String, ApiFailure> {
        let v = self.send("GET", &format!("/v1/applications/{id}"), None).await?;
        Ok(get_str(&v, "status").unwrap_or_default())
    }

    /// Where this session's user stands (a reload, a new token): their application and what is
    /// staged, if anything.
    pub async fn session(&self) -> Result<Resume, ApiFailure> {
        let v = self.send("GET", "/v1/session", None).await?;
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
        let v = self.send("POST", "/v1/applications", Some(&draft_to_js(draft).into())).await?;
        Ok(Created {
            application_id: get_str(&v, "applicationId").unwrap_or_default(),
            status: get_str(&v, "status").unwrap_or_default(),
        })
    }
}
