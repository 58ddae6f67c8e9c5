//! The OpenAPI schemas of the `/v1` types (feature `openapi`: kyc-server's, never the widget's,
//! so the browser's wasm has no byte of utoipa). The structs of [`crate::api`] and
//! [`crate::draft`] derive theirs (`cfg_attr`); this module has the schemas written by hand:
//! the strings of a fixed set that travel as `String` (each listed from its own table, so a new
//! status is in the document the day it exists) and the types serde writes by hand.

use std::borrow::Cow;

use utoipa::openapi::schema::{AdditionalProperties, KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::api::ApiCode;
use crate::error::Params;
use crate::states::{ApplicationStatus, HandoffView};

/// A string of one of `words`.
fn words(description: &str, words: impl IntoIterator<Item = &'static str>) -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(words)).description(Some(description)).into()
}

/// Only the public statuses travel: `creating` is never shown and `submitting` is shown as
/// `reviewing`.
impl PartialSchema for ApplicationStatus {
    fn schema() -> RefOr<Schema> {
        words(
            "An application's status as the widget and the partner see it (a submit in flight is `reviewing`).",
            Self::PUBLIC.into_iter().map(Self::as_str),
        )
    }
}

impl ToSchema for ApplicationStatus {}

impl PartialSchema for HandoffView {
    fn schema() -> RefOr<Schema> {
        words(
            "A handoff as the desktop sees it: `none` (no handoff), its state, or `expired`.",
            Self::ALL.into_iter().map(Self::as_str),
        )
    }
}

impl ToSchema for HandoffView {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("HandoffState")
    }
}

impl PartialSchema for ApiCode {
    fn schema() -> RefOr<Schema> {
        words("The stable code of an error (docs/api.md \"Errors\").", Self::ALL.into_iter().map(Self::as_str))
    }
}

impl ToSchema for ApiCode {}

/// `{"min_age": 18}`: the numeric parameters of a violation, by name.
impl PartialSchema for Params {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .additional_properties(Some(AdditionalProperties::RefOr(RefOr::T(Schema::Object(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                    .build(),
            )))))
            .description(Some("The numeric parameters of the violation, by name (`max`, `min_age`, …)."))
            .into()
    }
}

impl ToSchema for Params {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ErrorParams")
    }
}

/// How a photo was obtained, as the widget claimed with `X-Photo-Source` (a hint, not verified).
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum PhotoSource {
    Camera,
    File,
}

/// Who moved an application to a status.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum HistorySource {
    Widget,
    Webhook,
    Poll,
    Admin,
}

/// The step of the signup the person was on when the draft was staged.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum DraftStep {
    Personal,
    Document,
    Address,
    Photos,
    Review,
}

/// The outline the phone's camera shows: `passport` when the staged draft's `idDocType` is 2.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum PhoneShape {
    Passport,
    Card,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values<T: PartialSchema>() -> Vec<String> {
        let json = serde_json::to_value(T::schema()).unwrap();
        json["enum"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
    }

    #[test]
    fn the_string_sets_come_from_their_tables() {
        assert_eq!(values::<ApplicationStatus>(), ["draft", "reviewing", "approved", "rejected"]);
        assert_eq!(values::<HandoffView>().len(), HandoffView::ALL.len());
        assert_eq!(values::<ApiCode>().len(), ApiCode::ALL.len());
        assert_eq!(values::<PhotoSource>(), ["camera", "file"]);
    }
}
