//! STATES.md (in the crate docs) is generated here from the transition tables in
//! `src/states.rs`, so the document is what the server asserts against. Run with
//! `UPDATE_STATES=1` to rewrite STATES.md after changing a table.
#![cfg(not(target_arch = "wasm32"))]

use kyc_domain::states::{APPLICATION_TRANSITIONS, HANDOFF_TRANSITIONS};
use kyc_domain::{ApplicationStatus, HandoffState, HandoffView, ProviderStatus};

fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> String {
    all.iter().map(|s| format!("`{}`", name(*s))).collect::<Vec<_>>().join(", ")
}

fn shown(s: Option<ApplicationStatus>) -> String {
    s.map_or_else(|| "never".to_owned(), |s| format!("`{s}`"))
}

fn render() -> String {
    let mut out = String::new();
    out.push_str("### Application status\n\n");
    out.push_str("| Status | Widget and admin API show | Partner notifications name |\n|---|---|---|\n");
    for s in ApplicationStatus::ALL {
        out.push_str(&format!("| `{s}` | {} | {} |\n", shown(s.for_widget()), shown(s.for_partner())));
    }
    out.push_str(&format!(
        "\nPast `draft` (no uploads, no staging): {}. Final (never moves; a provider reversal is \
         recorded and notified only): {}. Notified to the partner: {}.\n\n",
        names(&ApplicationStatus::PAST_DRAFT, ApplicationStatus::as_str),
        names(&ApplicationStatus::FINAL, ApplicationStatus::as_str),
        names(&ApplicationStatus::PUBLIC, ApplicationStatus::as_str),
    ));
    out.push_str("| From | To | Why |\n|---|---|---|\n");
    for (from, to, why) in APPLICATION_TRANSITIONS {
        out.push_str(&format!("| `{from}` | `{to}` | {why} |\n"));
    }
    out.push_str("\n### Handoff state\n\n");
    out.push_str(&format!(
        "Stored: {}; created `waiting`. Shown to the desktop: {} (`expired` from the times, \
         `none` without a handoff).\n\n",
        names(&HandoffState::ALL, HandoffState::as_str),
        names(&HandoffView::ALL, HandoffView::as_str),
    ));
    out.push_str("| From | To | Why |\n|---|---|---|\n");
    for (from, to, why) in HANDOFF_TRANSITIONS {
        out.push_str(&format!("| `{from}` | `{to}` | {why} |\n"));
    }
    out.push_str("\n### Provider status (`kycStatus`)\n\n| Provider | Application status it means |\n|---|---|\n");
    for p in ProviderStatus::ALL {
        let means = p.application_status().map_or_else(|| "none (ignored)".to_owned(), |s| format!("`{s}`"));
        out.push_str(&format!("| `{p}` | {means} |\n"));
    }
    out
}

#[test]
fn states_md_matches_the_generated_tables() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/STATES.md");
    let want = render();
    if std::env::var_os("UPDATE_STATES").is_some() {
        std::fs::write(path, &want).unwrap();
    }
    let have = std::fs::read_to_string(path).unwrap();
    assert_eq!(have, want, "STATES.md is stale: run `UPDATE_STATES=1 cargo test -p kyc-domain --test states_table`");
}
