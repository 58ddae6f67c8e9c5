//! The OpenAPI document of `/v1` (src/routes/openapi.rs) stays true to the server: it is
//! OpenAPI 3.1 and served without credentials, `docs/openapi.json` is the document the server
//! generates, every `/v1` route of the router has its operation and every operation its route,
//! and the answers of a real flow against the real sandbox — errors included — match the
//! schemas the document gives for their path, method and status.
//!
//! `docs/openapi.json` out of date: `KYC_BLESS=1 cargo test -p kyc-server --test openapi` writes
//! it anew (then commit it).

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use reqwest::header::CONTENT_TYPE;
use reqwest::Method;
use serde_json::{json, Value};
use support::{jpeg, spawn_app_with, valid_draft, Options, TestApp};

const ADMIN_KEY: &str = "openapi-test-admin-key-0123456789abcdef";
const DEVICE: &str = "0123456789abcdef0123456789abcdef";

fn committed_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json")
}

fn document() -> Value {
    serde_json::from_str(kyc_server::openapi_json()).expect("the document is JSON")
}

async fn spawn() -> TestApp {
    spawn_app_with(Options {
        admin_key: Some(ADMIN_KEY.into()),
        // Every answer of these tests counts against one client's limit.
        rate_limit_per_minute: Some(100_000),
        ..Options::default()
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// The document

#[test]
fn the_committed_document_is_the_one_the_server_generates() {
    let generated = kyc_server::openapi_json();
    let path = committed_path();
    if std::env::var("KYC_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, generated).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or_else(|| committed.lines().count().min(generated.lines().count()) + 1, |i| i + 1);
        panic!(
            "docs/openapi.json is not the document the server generates (first difference at line {line}). \
             Regenerate it with `KYC_BLESS=1 cargo test -p kyc-server --test openapi` and commit it."
        );
    }
}

#[tokio::test]
async fn the_document_is_openapi_3_1_served_without_credentials() {
    let app = spawn().await;
    let r = app.http.get(format!("{}/v1/openapi.json", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()[CONTENT_TYPE], "application/json");
    let served: Value = r.json().await.unwrap();
    assert_eq!(served, document(), "served as generated");
    let version = served["openapi"].as_str().unwrap();
    assert!(version.starts_with("3.1."), "OpenAPI {version}");
    // The three bearer credentials of auth.rs; the webhook's secret is its path parameter.
    for scheme in ["adminKey", "sessionToken", "handoffCapability"] {
        let s = &served["components"]["securitySchemes"][scheme];
        assert_eq!((s["type"].as_str(), s["scheme"].as_str()), (Some("http"), Some("bearer")), "{scheme}");
    }
    let webhook = &served["paths"]["/v1/webhooks/kyc/{secret}"]["post"];
    assert!(webhook["parameters"].as_array().unwrap().iter().any(|p| p["name"] == "secret" && p["in"] == "path"));
    // What each operation asks for is what its route group's guard checks (routes/mod.rs).
    let security = |path: &str, method: &str| served["paths"][path][method]["security"].clone();
    assert_eq!(security("/v1/sessions", "post"), json!([{"adminKey": []}]));
    assert_eq!(security("/v1/admin/applications/{id}", "get"), json!([{"adminKey": []}]));
    assert_eq!(security("/v1/applications", "post"), json!([{"sessionToken": []}]));
    assert_eq!(security("/v1/handoff/photos/{kind}", "put"), json!([{"handoffCapability": []}]));
    for public in [("/v1/handoff/claim", "post"), ("/v1/webhooks/kyc/{secret}", "post"), ("/v1/openapi.json", "get")] {
        assert_eq!(security(public.0, public.1), Value::Null, "{public:?} is public");
    }
}

/// Every `$ref` in the document names a schema it has.
#[test]
fn every_reference_resolves() {
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                m.values().for_each(|v| refs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let doc = document();
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(found.len() > 50, "{found:?}");
    for r in found {
        let name = r.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("a reference elsewhere: {r}"));
        assert!(doc["components"]["schemas"][name].is_object(), "{r} is not in the document");
    }
}

// ---------------------------------------------------------------------------------------------
// Every route has its operation

/// The `/v1` routes of the real router: its paths (axum's `Debug` of the router lists them),
/// each with the methods the router itself says it has — a request with a method no route
/// uses is answered `405` with `Allow`, once the route group's guard let it through (a guard is
/// a route layer, so it runs first: each path is tried with every credential). The catch-all
/// `/v1` and `/v1/{*rest}` are left out.
async fn routed(app: &TestApp) -> BTreeSet<(String, String)> {
    let router = format!("{:?}", kyc_server::app(app.state.clone(), None));
    let paths: BTreeSet<String> =
        router.split('"').skip(1).step_by(2).filter(|s| s.starts_with("/v1")).map(str::to_owned).collect();
    assert!(
        paths.contains("/v1") && paths.contains("/v1/{*rest}") && paths.len() >= 15,
        "the router's paths could not be read from its Debug output: {paths:?}"
    );
    // Every credential: the admin key, a session token, a phone's capability (and the webhook's
    // path secret, in its path).
    let token = app.session().await;
    let h = app.post("/v1/handoff", &token, &json!({"url": format!("{}/signup", app.base)})).await;
    let link = h.json::<Value>().await.unwrap()["link"].as_str().unwrap().to_owned();
    let one_time = link.split_once("#kyc-handoff=").unwrap().1;
    let claim =
        app.http.post(format!("{}/v1/handoff/claim", app.base)).json(&json!({"token": one_time, "device": DEVICE}));
    let capability =
        claim.send().await.unwrap().json::<Value>().await.unwrap()["capability"].as_str().unwrap().to_owned();
    let secret = app.webhook_url().rsplit_once('/').unwrap().1.to_owned();
    let credentials = [None, Some(ADMIN_KEY), Some(token.as_str()), Some(capability.as_str())];
    let mut routes = BTreeSet::new();
    for path in paths.into_iter().filter(|p| p != "/v1" && p != "/v1/{*rest}") {
        let concrete = path.replace("{id}", &"0".repeat(32)).replace("{kind}", "idFront").replace("{secret}", &secret);
        assert!(!concrete.contains('{'), "a path parameter this test does not know: {path}");
        let mut answers = Vec::new();
        let mut allow = None;
        for credential in credentials {
            let mut req = app.http.request(Method::PATCH, format!("{}{concrete}", app.base));
            if let Some(c) = credential {
                req = req.bearer_auth(c);
            }
            let r = req.send().await.unwrap();
            answers.push(r.status().as_u16());
            if r.status() == 405 {
                allow = Some(r.headers()["allow"].to_str().unwrap().to_owned());
                break;
            }
        }
        let allow = allow.unwrap_or_else(|| panic!("PATCH {path} was never answered 405 with Allow: {answers:?}"));
        for method in allow.split(',').map(str::trim).filter(|m| *m != "HEAD") {
            routes.insert((method.to_owned(), path.clone()));
        }
    }
    routes
}

fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "put", "post", "delete", "patch", "head", "options", "trace"] {
            if item.get(method).is_some() {
                ops.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

#[tokio::test]
async fn every_route_has_its_operation_and_every_operation_its_route() {
    let app = spawn().await;
    let routes = routed(&app).await;
    assert!(routes.contains(&("GET".into(), "/v1/openapi.json".into())), "{routes:?}");
    assert!(routes.contains(&("DELETE".into(), "/v1/draft".into())), "{routes:?}");
    let ops = operations(&document());
    let undocumented: Vec<_> = routes.difference(&ops).collect();
    assert!(undocumented.is_empty(), "routes without an operation in the OpenAPI document: {undocumented:?}");
    let unrouted: Vec<_> = ops.difference(&routes).collect();
    assert!(unrouted.is_empty(), "operations of the OpenAPI document without a route: {unrouted:?}");
}

// ---------------------------------------------------------------------------------------------
// Answers match their schemas

/// Checks answers against the document: the status must be one its operation lists, the body
/// what that status's content says (JSON validated against its schema with the document's
/// components, formats included; no body where it lists none), and `X-Request-Id` is there.
/// Stricter than the document, which leaves objects open for clients: an answer with a
/// property its schema does not list fails too.
struct Checker {
    doc: Value,
    components: Value,
    seen: Mutex<BTreeSet<(String, String)>>,
}

impl Checker {
    fn new(doc: Value) -> Self {
        let components = strict(&doc["components"]);
        Self { doc, components, seen: Mutex::default() }
    }

    /// `method path` answered `r`: checked, its JSON body returned (`Null` for none or binary).
    async fn answer(&self, method: &Method, path: &str, r: reqwest::Response) -> (u16, Value) {
        let status = r.status().as_u16();
        let content_type = r.headers().get(CONTENT_TYPE).map(|v| v.to_str().unwrap().to_owned());
        assert!(r.headers().contains_key("x-request-id"), "{method} {path} {status}: no X-Request-Id");
        let bytes = r.bytes().await.unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let op = &self.doc["paths"][path][method.as_str().to_lowercase()];
        assert!(op.is_object(), "{method} {path}: no operation in the document");
        let answer = &op["responses"][status.to_string()];
        assert!(answer.is_object(), "{method} {path} answered {status}, a status its operation does not list: {text}");
        self.seen.lock().unwrap().insert((method.to_string(), path.to_owned()));
        let Some(content) = answer.get("content").and_then(Value::as_object) else {
            assert!(bytes.is_empty(), "{method} {path} {status}: a body where the document has none: {text}");
            return (status, Value::Null);
        };
        let media = content_type.as_deref().unwrap_or_default().split(';').next().unwrap_or_default().trim();
        let entry = content
            .get(media)
            .unwrap_or_else(|| panic!("{method} {path} {status}: {media:?} is not among {:?}", content.keys()));
        if media != "application/json" {
            assert!(!bytes.is_empty(), "{method} {path} {status}: an empty {media}");
            return (status, Value::Null);
        }
        let body: Value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("{method} {path} {status}: not JSON ({e}): {text}"));
        if let Err(errors) = self.validate(&entry["schema"], &body) {
            panic!("{method} {path} {status}: the answer does not match its schema:\n{}\n{body:#}", errors.join("\n"));
        }
        (status, body)
    }

    fn validate(&self, schema: &Value, instance: &Value) -> Result<(), Vec<String>> {
        let mut root = schema.clone();
        root.as_object_mut().expect("a schema object").insert("components".into(), self.components.clone());
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|e| panic!("not a valid JSON Schema: {e}"));
        let errors: Vec<String> =
            validator.iter_errors(instance).map(|e| format!("  at {:?}: {e}", e.instance_path().to_string())).collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Every operation of the document answered at least once.
    fn assert_every_operation_seen(&self) {
        let seen = self.seen.lock().unwrap();
        let unseen: Vec<_> = operations(&self.doc).into_iter().filter(|op| !seen.contains(op)).collect();
        assert!(unseen.is_empty(), "operations the flow never checked: {unseen:?}");
    }
}

/// The components, each object schema closed with `unevaluatedProperties: false` — except one
/// that is a member of an `allOf` (the whole is closed instead, seeing its members' properties).
fn strict(components: &Value) -> Value {
    let mut c = components.clone();
    let schemas = c["schemas"].as_object_mut().unwrap();
    let members: BTreeSet<String> = schemas
        .values()
        .filter_map(|s| s["allOf"].as_array())
        .flatten()
        .filter_map(|m| m["$ref"].as_str()?.strip_prefix("#/components/schemas/").map(str::to_owned))
        .collect();
    for (name, schema) in schemas.iter_mut() {
        let object = schema.get("properties").is_some() || schema.get("allOf").is_some();
        if object && schema.get("additionalProperties").is_none() && !members.contains(name) {
            schema["unevaluatedProperties"] = json!(false);
        }
    }
    c
}

/// The checker is not a rubber stamp: an answer its schema does not describe is refused.
#[test]
fn the_checker_refuses_what_the_schema_does_not_describe() {
    let doc = document();
    let schema = json!({"$ref": "#/components/schemas/ApplicationView"});
    let view = json!({"applicationId": "a1", "status": "draft", "updatedAt": "2026-01-02T03:04:05Z", "documents": ["idFront"]});
    let checker = Checker::new(doc.clone());
    assert_eq!(checker.validate(&schema, &view), Ok(()));
    let refused = |body: Value| checker.validate(&schema, &body).is_err();
    assert!(refused(json!({"applicationId": "a1", "status": "draft", "documents": []})), "a required field missing");
    assert!(
        refused(
            json!({"applicationId": "a1", "status": "creating", "updatedAt": "2026-01-02T03:04:05Z", "documents": []})
        ),
        "an internal status"
    );
    assert!(
        refused(json!({"applicationId": "a1", "status": "draft", "updatedAt": "yesterday", "documents": []})),
        "not a date-time"
    );
    let mut extra = view.clone();
    extra["requestNo"] = json!("secret");
    assert!(refused(extra), "a property the schema does not list");
    // A schema that says something else than the server does.
    let mut corrupted = doc;
    corrupted["components"]["schemas"]["ApplicationView"]["properties"]["updatedAt"] = json!({"type": "integer"});
    assert!(Checker::new(corrupted).validate(&schema, &view).is_err());
}

/// The flow's calls, each answer checked.
struct Flow<'a> {
    c: Checker,
    app: &'a TestApp,
}

impl Flow<'_> {
    /// `method concrete` (an instance of the document's `path`), with a JSON body or none.
    async fn json(
        &self,
        method: Method,
        path: &str,
        concrete: &str,
        token: Option<&str>,
        json: Option<&Value>,
    ) -> (u16, Value) {
        let mut req = self.app.http.request(method.clone(), format!("{}{concrete}", self.app.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(j) = json {
            req = req.json(j);
        }
        self.c.answer(&method, path, req.send().await.unwrap()).await
    }

    /// `method concrete` with a body of `content_type` (a photo from the camera, a report).
    async fn bytes(
        &self,
        method: Method,
        path: &str,
        concrete: &str,
        token: &str,
        (content_type, bytes): (&str, Vec<u8>),
    ) -> (u16, Value) {
        let r = self
            .app
            .http
            .request(method.clone(), format!("{}{concrete}", self.app.base))
            .bearer_auth(token)
            .header(CONTENT_TYPE, content_type)
            .header("x-photo-source", "camera")
            .body(bytes)
            .send()
            .await
            .unwrap();
        self.c.answer(&method, path, r).await
    }

    async fn session(&self, user: &str) -> String {
        let body = json!({"externalUserId": user});
        let (s, body) = self.json(Method::POST, "/v1/sessions", "/v1/sessions", Some(ADMIN_KEY), Some(&body)).await;
        assert_eq!(s, 201);
        body["sessionToken"].as_str().unwrap().to_owned()
    }
}

/// A whole signup and its partner's views, with its staging and its phone, and the error
/// answers on the way: every answer is checked against the document.
#[tokio::test]
async fn the_answers_of_a_real_flow_match_their_schemas() {
    let app = spawn().await;
    let f = Flow { c: Checker::new(document()), app: &app };
    let (get, put, post, delete) = (Method::GET, Method::PUT, Method::POST, Method::DELETE);

    // The partner's server mints sessions; without its key, 401.
    let (s, _) =
        f.json(post.clone(), "/v1/sessions", "/v1/sessions", None, Some(&json!({"externalUserId": "ann"}))).await;
    assert_eq!(s, 401);
    let odd = json!({"externalUserId": "../x"});
    let (s, body) = f.json(post.clone(), "/v1/sessions", "/v1/sessions", Some(ADMIN_KEY), Some(&odd)).await;
    assert_eq!((s, body["error"]["code"].as_str()), (400, Some("bad_request")));
    let ann = f.session("ann").await;

    // Where the user stands: nothing yet; without a token, 401.
    let (s, body) = f.json(get.clone(), "/v1/session", "/v1/session", Some(&ann), None).await;
    assert_eq!((s, &body["application"], &body["staged"]), (200, &Value::Null, &Value::Null));
    assert_eq!(f.json(get.clone(), "/v1/session", "/v1/session", None, None).await.0, 401);

    // Staging: a draft, a photo and its preview; the session view shows them.
    let staged = json!({"step": "address", "noExpiry": false, "draft": {"email": "ann@example.com", "individualInfo": {"gender": 2}}});
    assert_eq!(f.json(put.clone(), "/v1/draft", "/v1/draft", Some(&ann), Some(&staged)).await.0, 204);
    let mut bad = staged.clone();
    bad["draft"]["requestNo"] = json!("x");
    assert_eq!(f.json(put.clone(), "/v1/draft", "/v1/draft", Some(&ann), Some(&bad)).await.0, 400);
    let photo = "/v1/photos/{kind}";
    assert_eq!(f.bytes(put.clone(), photo, "/v1/photos/idFront", &ann, ("image/jpeg", jpeg(800, 600))).await.0, 204);
    let (s, body) =
        f.bytes(put.clone(), photo, "/v1/photos/idBack", &ann, ("image/png", b"not a picture".to_vec())).await;
    assert_eq!((s, body["error"]["code"].as_str()), (415, Some("unsupported_media_type")));
    let (s, _) = f.bytes(put.clone(), photo, "/v1/photos/passport", &ann, ("image/jpeg", jpeg(800, 600))).await;
    assert_eq!(s, 404);
    assert_eq!(f.json(get.clone(), photo, "/v1/photos/idFront", Some(&ann), None).await.0, 200);
    assert_eq!(f.json(get.clone(), photo, "/v1/photos/face", Some(&ann), None).await.0, 404);
    let (s, body) = f.json(get.clone(), "/v1/session", "/v1/session", Some(&ann), None).await;
    assert_eq!((s, body["staged"]["step"].as_str()), (200, Some("address")));

    // Continue on a phone: the link, the claim, a photo from the phone, done.
    let page = json!({"url": format!("{}/signup", app.base)});
    let (s, h) = f.json(post.clone(), "/v1/handoff", "/v1/handoff", Some(&ann), Some(&page)).await;
    assert_eq!(s, 201);
    let (s, _) = f.json(post.clone(), "/v1/handoff", "/v1/handoff", Some(&ann), Some(&json!({"url": "ftp://x"}))).await;
    assert_eq!(s, 400);
    let token = h["link"].as_str().unwrap().split_once("#kyc-handoff=").unwrap().1.to_owned();
    let claim = "/v1/handoff/claim";
    let (s, body) =
        f.json(post.clone(), claim, claim, None, Some(&json!({"token": "0".repeat(64), "device": DEVICE}))).await;
    assert_eq!((s, body["error"]["code"].as_str()), (404, Some("handoff_invalid")));
    let (s, claimed) = f.json(post.clone(), claim, claim, None, Some(&json!({"token": token, "device": DEVICE}))).await;
    assert_eq!(s, 200);
    let capability = claimed["capability"].as_str().unwrap().to_owned();
    let phone = "/v1/handoff/photos/{kind}";
    assert_eq!(
        f.bytes(put.clone(), phone, "/v1/handoff/photos/face", &capability, ("image/jpeg", jpeg(600, 800))).await.0,
        204
    );
    assert_eq!(
        f.bytes(put.clone(), phone, "/v1/handoff/photos/face", "nope", ("image/jpeg", jpeg(600, 800))).await.0,
        401
    );
    let (s, body) = f.json(get.clone(), "/v1/handoff", "/v1/handoff", Some(&ann), None).await;
    assert_eq!((s, body["state"].as_str()), (200, Some("connected")));
    assert_eq!(f.json(post.clone(), "/v1/handoff/done", "/v1/handoff/done", Some(&capability), None).await.0, 204);
    let (s, body) = f.json(get.clone(), "/v1/handoff", "/v1/handoff", Some(&ann), None).await;
    assert_eq!((s, body["state"].as_str(), body["photos"].as_array().map(Vec::len)), (200, Some("done"), Some(2)));
    assert_eq!(f.json(delete.clone(), "/v1/handoff", "/v1/handoff", Some(&ann), None).await.0, 204);
    let (s, body) = f.json(get.clone(), "/v1/handoff", "/v1/handoff", Some(&ann), None).await;
    assert_eq!((s, body["state"].as_str()), (200, Some("cancelled")));

    // The application: refused drafts (422, 400, 415), then created; a second one is 409.
    let apps = "/v1/applications";
    let mut invalid = valid_draft("ann@example.com");
    invalid["individualInfo"]["dob"] = json!("2015-01-01");
    invalid["address"]["zipCode"] = json!("1234");
    let (s, body) = f.json(post.clone(), apps, apps, Some(&ann), Some(&invalid)).await;
    assert_eq!((s, body["error"]["code"].as_str()), (422, Some("validation_failed")));
    assert_eq!(body["error"]["fields"][0]["params"]["min_age"], 18, "{body}");
    let r = app
        .http
        .post(format!("{}{apps}", app.base))
        .bearer_auth(&ann)
        .header(CONTENT_TYPE, "application/json")
        .body("{")
        .send()
        .await;
    assert_eq!(f.c.answer(&post, apps, r.unwrap()).await.0, 400);
    let r = app
        .http
        .post(format!("{}{apps}", app.base))
        .bearer_auth(&ann)
        .header(CONTENT_TYPE, "text/plain")
        .body("{}")
        .send()
        .await;
    assert_eq!(f.c.answer(&post, apps, r.unwrap()).await.0, 415);
    let (s, created) = f.json(post.clone(), apps, apps, Some(&ann), Some(&valid_draft("ann@example.com"))).await;
    assert_eq!(s, 201);
    let id = created["applicationId"].as_str().unwrap().to_owned();
    let (s, body) = f.json(post.clone(), apps, apps, Some(&ann), Some(&valid_draft("ann@example.com"))).await;
    assert_eq!((s, body["error"]["applicationId"].as_str()), (409, Some(id.as_str())));

    // Its view (404 for an unknown one, 403 for another user's), a photo, the partner's report.
    let one = "/v1/applications/{id}";
    assert_eq!(f.json(get.clone(), one, &format!("/v1/applications/{id}"), Some(&ann), None).await.0, 200);
    assert_eq!(
        f.json(get.clone(), one, &format!("/v1/applications/{}", "f".repeat(32)), Some(&ann), None).await.0,
        404
    );
    let bob = f.session("bob").await;
    assert_eq!(f.json(get.clone(), one, &format!("/v1/applications/{id}"), Some(&bob), None).await.0, 403);
    let docs = "/v1/applications/{id}/documents/{kind}";
    let idback = format!("/v1/applications/{id}/documents/idBack");
    assert_eq!(f.bytes(put.clone(), docs, &idback, &ann, ("image/jpeg", jpeg(800, 600))).await.0, 204);
    let (s, body) = f.bytes(put.clone(), docs, &idback, &ann, ("image/jpeg", jpeg(300, 200))).await;
    assert_eq!((s, body["error"]["fields"][0]["code"].as_str()), (422, Some("image_too_small")));
    let report = "/v1/admin/applications/{id}/reports/{kind}";
    let aml = format!("/v1/admin/applications/{id}/reports/amlReport");
    assert_eq!(
        f.bytes(put.clone(), report, &aml, ADMIN_KEY, ("application/pdf", b"%PDF-1.4 report".to_vec())).await.0,
        204
    );
    assert_eq!(f.bytes(put.clone(), report, &aml, ADMIN_KEY, ("application/pdf", b"no pdf".to_vec())).await.0, 415);
    assert_eq!(f.bytes(put.clone(), report, &aml, &ann, ("application/pdf", b"%PDF-1.4".to_vec())).await.0, 401);

    // Submit: bob's application has no photos (409 documents_missing); ann's goes (202).
    let submit = "/v1/applications/{id}/submit";
    let (s, bob_app) = f.json(post.clone(), apps, apps, Some(&bob), Some(&valid_draft("bob@example.com"))).await;
    assert_eq!(s, 201);
    let bob_submit = format!("/v1/applications/{}/submit", bob_app["applicationId"].as_str().unwrap());
    let (s, body) = f.json(post.clone(), submit, &bob_submit, Some(&bob), None).await;
    assert_eq!((s, body["error"]["code"].as_str()), (409, Some("documents_missing")));
    let (s, body) = f.json(post.clone(), submit, &format!("/v1/applications/{id}/submit"), Some(&ann), None).await;
    assert_eq!((s, body["status"].as_str()), (202, Some("reviewing")));
    assert_eq!(f.json(get.clone(), one, &format!("/v1/applications/{id}"), Some(&ann), None).await.0, 200);
    let (s, body) = f.json(get.clone(), "/v1/session", "/v1/session", Some(&ann), None).await;
    assert_eq!((s, body["application"]["applicationId"].as_str()), (200, Some(id.as_str())));
    let (s, body) = f.json(put.clone(), "/v1/draft", "/v1/draft", Some(&ann), Some(&staged)).await;
    assert_eq!((s, body["error"]["code"].as_str()), (409, Some("already_submitted")));
    assert_eq!(f.json(delete.clone(), "/v1/draft", "/v1/draft", Some(&bob), None).await.0, 204);

    // The provider's doorbell; a wrong secret is an unknown path.
    let hook = "/v1/webhooks/kyc/{secret}";
    let url = app.webhook_url();
    let concrete = url.strip_prefix(&app.base).unwrap();
    let rn = app.request_no_of("ann@example.com").await;
    let note = json!({"requestNo": rn, "kycStatus": "reviewing"});
    assert_eq!(f.json(post.clone(), hook, concrete, None, Some(&note)).await.0, 200);
    assert_eq!(f.json(post.clone(), hook, "/v1/webhooks/kyc/wrong", None, Some(&note)).await.0, 404);
    assert_eq!(f.json(post.clone(), hook, concrete, None, Some(&json!({"kycStatus": "x"}))).await.0, 400);

    // The partner's views, once the outcome is in (history, photos, document check).
    assert_eq!(app.wait_status(&ann, &id, "approved").await, "approved");
    // The widget's trace: stored (204), refused outside its vocabulary (400), then listed.
    let diag = "/v1/diagnostics";
    let trace = json!({
        "environment": {"engine": "blink", "os": "android", "inApp": "instagram", "webview": "none", "secure": true, "cameraApi": true},
        "events": [{"at": 10, "step": "photos", "kind": "camera", "code": "denied"}],
        "lastStep": "photos"
    });
    assert_eq!(f.json(post.clone(), diag, diag, Some(&ann), Some(&trace)).await.0, 204);
    let mut typed = trace.clone();
    typed["events"][0]["code"] = json!("ann@example.com");
    assert_eq!(f.json(post.clone(), diag, diag, Some(&ann), Some(&typed)).await.0, 400);
    let diag_list = "/v1/admin/diagnostics";
    let (s, body) =
        f.json(get.clone(), diag_list, "/v1/admin/diagnostics?externalUserId=ann", Some(ADMIN_KEY), None).await;
    assert_eq!((s, body["sessions"].as_array().map(Vec::len)), (200, Some(1)), "{body}");
    assert_eq!(f.json(get.clone(), diag_list, diag_list, Some(ADMIN_KEY), None).await.0, 400);
    let admin_one = "/v1/admin/applications/{id}";
    let (s, view) =
        f.json(get.clone(), admin_one, &format!("/v1/admin/applications/{id}"), Some(ADMIN_KEY), None).await;
    assert_eq!((s, view["status"].as_str()), (200, Some("approved")));
    assert!(view["documentCheck"].is_object(), "the ID photos were read: {view}");
    assert_eq!(view["diagnostics"]["lastStep"], "photos", "{view}");
    assert_eq!(f.json(get.clone(), admin_one, &format!("/v1/admin/applications/{id}"), Some(&ann), None).await.0, 401);
    assert_eq!(f.json(get.clone(), admin_one, "/v1/admin/applications/nope", Some(ADMIN_KEY), None).await.0, 404);
    let list = "/v1/admin/applications";
    let (s, body) = f.json(get.clone(), list, "/v1/admin/applications?externalUserId=ann", Some(ADMIN_KEY), None).await;
    assert_eq!((s, body["applications"].as_array().map(Vec::len)), (200, Some(1)));
    assert_eq!(f.json(get.clone(), list, list, Some(ADMIN_KEY), None).await.0, 400);

    // This document, and a photo upload after the submit.
    assert_eq!(f.json(get.clone(), "/v1/openapi.json", "/v1/openapi.json", None, None).await.0, 200);
    assert_eq!(f.bytes(put.clone(), docs, &idback, &ann, ("image/jpeg", jpeg(800, 600))).await.0, 409);

    f.c.assert_every_operation_seen();
}
