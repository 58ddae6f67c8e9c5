//! `GET /v1/openapi.json`: the OpenAPI 3.1 document of `/v1`, made from the API's own types
//! (kyc-domain's `/v1` types with its feature `openapi`, the server's bodies and views) and
//! from the `#[utoipa::path]` of each handler of the route table (routes/mod.rs). Committed as
//! `docs/openapi.json`; tests/openapi.rs fails when the two differ, when a route has no
//! operation (or an operation no route), and when an answer does not match its schema.
//!
//! What every `/v1` route can answer whatever its handler does — `429` from the rate limit,
//! `403` from the origin check, `408` from the body deadline, `500` a caught panic, `503` at the
//! connection cap — is added to every operation here ([`CommonAnswers`]), as are the
//! `X-Request-Id` header and the credentials (auth.rs).

use std::sync::OnceLock;

use axum::http::header;
use axum::response::IntoResponse;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::{admin, applications, diagnostics, documents, handoff, sessions, staging, submit, webhook};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "KYC widget partner backend: /v1",
        version = env!("CARGO_PKG_VERSION"),
        description = "The seam between the KYC widget (and the partner's own server) and the partner \
backend, generated from the API's own types. The human description, with what each call means, is \
docs/api.md; staging and the phone handoff are specified in crates/kyc-server/STAGING.md.\n\n\
Every error has one JSON shape (`ErrorBody`), the HTTP status carrying its class and `error.code` \
its stable reason. Credentials: the partner's admin key (`adminKey`), an applicant's session token \
(`sessionToken`), a phone's handoff capability (`handoffCapability`), each as \
`Authorization: Bearer`, checked before a byte of the body is read. The provider's webhook is \
authorised by the secret segment of its path (`{secret}`: OpenAPI has no security scheme in a path); \
`POST /v1/handoff/claim` by the one-time token in its body.",
        license(name = "MIT", identifier = "MIT"),
    ),
    paths(
        sessions::create,
        applications::session_view,
        applications::create,
        applications::get,
        documents::put,
        submit::submit,
        staging::put_draft,
        staging::delete_draft,
        staging::put_photo,
        staging::get_photo,
        handoff::create,
        handoff::get,
        handoff::cancel,
        handoff::claim,
        handoff::put_photo,
        handoff::done,
        webhook::receive,
        admin::list,
        admin::one,
        admin::put_report,
        diagnostics::post,
        diagnostics::list,
        document,
    ),
    // Named only in a path parameter: the paths do not collect them.
    components(schemas(admin::ReportKind, kyc_domain::DocumentKind)),
    modifiers(&Credentials, &CommonAnswers),
    tags(
        (name = "partner", description = "The partner's own server, with its admin key."),
        (name = "applicant", description = "The widget in the applicant's browser, with a session token."),
        (name = "phone", description = "The widget on a phone that continues a signup (STAGING.md)."),
        (name = "provider", description = "The KYC provider's notifications."),
        (name = "meta", description = "This document."),
    ),
)]
struct ApiDoc;

/// The document, made once.
pub fn openapi() -> &'static utoipa::openapi::OpenApi {
    static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOC.get_or_init(ApiDoc::openapi)
}

/// The document as served and as committed in `docs/openapi.json`: pretty JSON, one newline at
/// the end.
pub fn openapi_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        let mut s = serde_json::to_string_pretty(openapi()).expect("the OpenAPI document serialises");
        s.push('\n');
        s
    })
}

/// This document
#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    operation_id = "getOpenApi",
    tag = "meta",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document of `/v1` (this one).", body = Object, content_type = "application/json"),
    )
)]
pub async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], openapi_json())
}

/// The three bearer credentials of auth.rs.
struct Credentials;

impl Modify for Credentials {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        for (name, description) in [
            (
                "adminKey",
                "The partner's admin key (`KYC_ADMIN_KEY`), sent by the partner's own server only. `demo` has \
                 none: there `POST /v1/sessions` is open to its loopback address and `/v1/admin/*` is closed.",
            ),
            (
                "sessionToken",
                "An applicant's session token (`sessionToken` of `POST /v1/sessions`), bound to one session \
                 of one partner user, at most 60 minutes.",
            ),
            (
                "handoffCapability",
                "A phone's handoff capability (`capability` of `POST /v1/handoff/claim`): it can only add \
                 photos to that one user's staging and say it is done, for at most 30 minutes.",
            ),
        ] {
            let mut scheme = Http::new(HttpAuthScheme::Bearer);
            scheme.description = Some(description.to_owned());
            components.add_security_scheme(name, SecurityScheme::Http(scheme));
        }
    }
}

/// What every `/v1` operation can answer whatever its handler does (layers of startup.rs and
/// http.rs), added where the operation does not say it already; and `X-Request-Id` on every
/// answer.
struct CommonAnswers;

fn error_answer(description: &str) -> RefOr<Response> {
    let body =
        ContentBuilder::new().schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("ErrorBody")))).build();
    RefOr::T(ResponseBuilder::new().description(description).content("application/json", body).build())
}

impl Modify for CommonAnswers {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        for (path, item) in &mut doc.paths.paths {
            let operations = [
                (true, item.get.as_mut()),
                (false, item.put.as_mut()),
                (false, item.post.as_mut()),
                (false, item.delete.as_mut()),
            ];
            for (is_get, op) in operations {
                if let Some(op) = op {
                    add_common(path, is_get, op);
                }
            }
        }
    }
}

fn add_common(path: &str, is_get: bool, op: &mut Operation) {
    let mut common = vec![
        ("429", "`rate_limited`: too many requests from this client (every `/v1` call counts; `Retry-After`)."),
        ("500", "`internal_error`: a fault of the server (no detail is shown)."),
        ("503", "`busy`: the server is at its connection cap; try again shortly."),
    ];
    // The origin check of state-changing calls from a browser (cors.rs); the provider's webhook
    // is outside it.
    if !is_get && !path.starts_with("/v1/webhooks/") {
        common.push(("403", "`forbidden`: a state-changing call from a browser origin not in `KYC_ALLOWED_ORIGINS`."));
    }
    if op.request_body.is_some() {
        common.push(("408", "`body_timeout`: the request body did not arrive in time."));
    }
    for (status, description) in common {
        op.responses.responses.entry(status.to_owned()).or_insert_with(|| error_answer(description));
    }
    let request_id = HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::String))
        .description(Some("The id of this request, as in the server's log lines (and `error.requestId`)."))
        .build();
    for answer in op.responses.responses.values_mut() {
        if let RefOr::T(answer) = answer {
            answer.headers.insert("X-Request-Id".to_owned(), request_id.clone());
        }
    }
}
