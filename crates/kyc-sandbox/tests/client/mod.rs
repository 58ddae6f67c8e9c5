//! A KYC Sharing API client written only from docs/upstream.md — deliberately not using our signing
//! code — plus a webhook receiver, for black-box tests of the sandbox.
#![allow(dead_code)]

use base64::Engine;
use hmac::{Hmac, Mac};
use kyc_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Map, Value};
use sha1::Digest;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const KEY: &str = "test-key";
pub const SECRET: &str = "test-secret";

pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

/// kyc-api: keys sorted recursively, null / "" / [] / {} dropped, no whitespace.
pub fn canonical(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .into_iter()
                .filter_map(|k| canonical(&m[k]).map(|c| format!("{}:{c}", Value::String(k.clone()))))
                .collect();
            (!parts.is_empty()).then(|| format!("{{{}}}", parts.join(",")))
        }
        Value::Array(a) => {
            let parts: Vec<String> = a.iter().filter_map(canonical).collect();
            (!parts.is_empty()).then(|| format!("[{}]", parts.join(",")))
        }
        other => Some(other.to_string()),
    }
}

#[derive(Clone, Copy, PartialEq)]
pub enum Scheme {
    Hmac,
    Sha1,
}

pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
    pub key: String,
    pub secret: String,
    pub scheme: Scheme,
    /// Added to the timestamp (to provoke 200005).
    pub skew_ms: i64,
}

impl Client {
    pub fn headers(&self, method: &str, path_and_query: &str, body: &str) -> Vec<(String, String)> {
        let ts = (now_ms() + self.skew_ms).to_string();
        match self.scheme {
            Scheme::Hmac => {
                let mut mac = Hmac::<sha2::Sha256>::new_from_slice(self.secret.as_bytes()).unwrap();
                mac.update(format!("{ts}{method}{path_and_query}{body}").as_bytes());
                let sign = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
                vec![
                    ("ach-access-key".into(), self.key.clone()),
                    ("ach-access-timestamp".into(), ts),
                    ("ach-access-sign".into(), sign),
                ]
            }
            Scheme::Sha1 => {
                let digest = sha1::Sha1::digest(format!("{}{}{ts}", self.key, self.secret).as_bytes());
                let sign: String = digest.iter().map(|b| format!("{b:02x}")).collect();
                vec![("appId".into(), self.key.clone()), ("timestamp".into(), ts), ("sign".into(), sign)]
            }
        }
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Value {
        let text = canonical(body).unwrap_or_default();
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(text.clone());
        for (k, v) in self.headers("POST", path, &text) {
            req = req.header(k, v);
        }
        req.send().await.unwrap().json().await.unwrap()
    }

    pub async fn get(&self, path_and_query: &str) -> Value {
        let mut req = self.http.get(format!("{}{path_and_query}", self.base));
        for (k, v) in self.headers("GET", path_and_query, "") {
            req = req.header(k, v);
        }
        req.send().await.unwrap().json().await.unwrap()
    }

    pub async fn upload(&self, request_no: &str, kind: &str, file: Vec<u8>) -> Value {
        let fields = canonical(&json!({"requestNo": request_no, "type": kind})).unwrap();
        let form = reqwest::multipart::Form::new()
            .text("requestNo", request_no.to_owned())
            .text("type", kind.to_owned())
            .part("file", reqwest::multipart::Part::bytes(file).file_name("f.bin"));
        let path = "/open/api/kyc/share/fileUpload";
        let mut req = self.http.post(format!("{}{path}", self.base)).multipart(form);
        for (k, v) in self.headers("POST", path, &fields) {
            req = req.header(k, v);
        }
        req.send().await.unwrap().json().await.unwrap()
    }

    pub async fn information(&self, body: &Value) -> Value {
        self.post_json("/open/api/kyc/share/information", body).await
    }

    pub async fn merchant_process(&self, request_no: &str) -> Value {
        self.get(&format!("/open/api/kyc/share/merchantProcess?requestNo={request_no}")).await
    }

    pub async fn query(&self, request_no: &str) -> Value {
        self.post_json(&format!("/open/api/kyc/share/queryMerchantKyc/{request_no}"), &json!({"requestNo": request_no}))
            .await
    }

    pub async fn inspect(&self, request_no: &str) -> Value {
        self.http
            .get(format!("{}/__sandbox/applications/{request_no}", self.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

pub struct Running {
    pub base: String,
    pub sandbox: Sandbox,
}

pub async fn start(scheme: Scheme, review_delay_ms: u64) -> Running {
    let mut c = SandboxConfig::new(KEY, SECRET);
    c.scheme = if scheme == Scheme::Sha1 {
        kyc_domain::signing::SignatureScheme::Sha1
    } else {
        kyc_domain::signing::SignatureScheme::HmacSha256
    };
    c.review_delay = Duration::from_millis(review_delay_ms);
    c.webhook_backoff = Duration::from_millis(30);
    let sandbox = Sandbox::new(c);
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    let router = sandbox.router();
    tokio::spawn(async move { axum::serve(l, router).await.unwrap() });
    Running { base, sandbox }
}

pub fn client(base: &str, scheme: Scheme) -> Client {
    Client {
        base: base.to_owned(),
        http: reqwest::Client::new(),
        key: KEY.into(),
        secret: SECRET.into(),
        scheme,
        skew_ms: 0,
    }
}

/// A webhook receiver answering the scripted statuses in turn (200 once the script runs out).
pub struct Receiver {
    pub url: String,
    pub received: Arc<Mutex<Vec<Value>>>,
}

pub async fn receiver(script: Vec<u16>) -> Receiver {
    use axum::http::StatusCode;
    let received = Arc::new(Mutex::new(Vec::new()));
    let script = Arc::new(Mutex::new(script.into_iter()));
    let rec = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(v): axum::Json<Value>| {
            let (rec, script) = (rec.clone(), script.clone());
            async move {
                rec.lock().unwrap().push(v);
                let code = script.lock().unwrap().next().unwrap_or(200);
                StatusCode::from_u16(code).unwrap()
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    Receiver { url, received }
}

pub fn body(request_no: &str, email: &str, last_name: &str, callback: &str) -> Value {
    json!({
        "requestNo": request_no, "email": email, "kycPlatform": "sumsub", "holderType": "1", "callbackUrl": callback,
        "individualInfo": {
            "firstName": "Jane", "lastName": last_name, "dob": "1990-04-01", "country": "USA", "gender": 2,
            "idDocType": "2", "number": "X1234567", "validUntil": "2031-01-01", "ipAddress": "203.0.113.7",
            "address": {"country": "USA", "state": "CA", "city": "San Francisco", "address": "1 Market St",
                        "zipCode": "94105", "ssn": "123456789"}
        }
    })
}

pub const JPEG: &[u8] =
    &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xFF, 0xD9];
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x02\x80\0\0\x01\xe0\x08\x02\0\0\0";
pub const PDF: &[u8] = b"%PDF-1.4\n%%EOF\n";

pub fn code(v: &Value) -> String {
    match &v["code"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub fn set(v: &mut Value, pointer: &str, value: Value) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let obj: &mut Map<String, Value> = v.pointer_mut(parent).unwrap().as_object_mut().unwrap();
    obj.insert(key.to_owned(), value);
}

pub fn remove(v: &mut Value, pointer: &str) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    v.pointer_mut(parent).unwrap().as_object_mut().unwrap().remove(key);
}
