//! `amlReport` / `idvReport` for submit: from the partner (directory or pushed — a pushed one
//! is kept sealed with `KYC_DATA_KEY` until it is forwarded) or, in demo mode, a small
//! generated PDF that says plainly it is not an AML check.

use std::path::Path;

use crate::config::ReportSource;
use crate::state::AppState;

pub const REPORT_KINDS: [&str; 2] = ["amlReport", "idvReport"];

/// `externalUserId` as a path segment: `[A-Za-z0-9._-]{1,64}`, never `.` or `..`.
pub fn safe_segment(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s != "."
        && s != ".."
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The report's bytes, or `None` when the partner has not provided it. A pushed report is
/// stored sealed with the data key (admin.rs); one that does not open (sealed under a key no
/// longer configured, or altered) counts as absent — logged without any value.
pub async fn load(
    state: &AppState,
    app_id: &str,
    external_user_id: &str,
    kind: &str,
) -> anyhow::Result<Option<Vec<u8>>> {
    if let Some(sealed) = state.db.report(app_id, kind).await? {
        match state.config.data_key.open(&crate::staging::report_aad(app_id, kind), &sealed) {
            Some(b) => return Ok(Some(b)),
            None => tracing::warn!(
                event = "report_unreadable",
                kind,
                "a stored report does not open with the data key; counted as absent"
            ),
        }
    }
    match &state.config.reports {
        ReportSource::DemoGenerated => Ok(Some(demo_pdf(kind))),
        ReportSource::Partner { dir: Some(dir) } if safe_segment(external_user_id) => {
            let path = Path::new(dir).join(external_user_id).join(format!("{kind}.pdf"));
            match tokio::fs::read(&path).await {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e.into()),
            }
        }
        ReportSource::Partner { .. } => Ok(None),
    }
}

/// A one-page PDF with a single line of text.
pub fn demo_pdf(kind: &str) -> Vec<u8> {
    let text = format!("{kind}: sandbox report - not an AML check");
    let stream = format!("BT /F1 14 Tf 50 780 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    out
}
