//! The rulebook's share of the hardening work: the JPEG walker only reports frames the server's
//! decoder decodes, and no type that holds applicant data prints it in `Debug`.

mod common;

use kyc_domain::{inspect_photo, parse_draft, DraftDto, ErrorCode};

/// A minimal JPEG header: SOI, an APP0, then `frames` frame headers (marker, w, h, components)
/// and a scan with a few entropy bytes, then EOI.
fn jpeg_with(frames: &[(u8, u16, u16, u8)], after_scan: &[u8]) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    b.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    let sof = |b: &mut Vec<u8>, (marker, w, h, n): (u8, u16, u16, u8)| {
        b.extend_from_slice(&[0xFF, marker]);
        b.extend_from_slice(&(8 + 3 * u16::from(n)).to_be_bytes());
        b.push(8);
        b.extend_from_slice(&h.to_be_bytes());
        b.extend_from_slice(&w.to_be_bytes());
        b.push(n);
        for c in 0..n {
            b.extend_from_slice(&[c + 1, 0x11, 0]);
        }
    };
    let mut it = frames.iter();
    if let Some(f) = it.next() {
        sof(&mut b, *f);
    }
    // SOS with one component, then entropy data with a stuffed byte and a restart marker.
    b.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    b.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
    for f in it {
        sof(&mut b, *f);
    }
    b.extend_from_slice(after_scan);
    // Enough entropy-coded bytes for every block of a 640 × 480 frame at one bit each.
    b.extend_from_slice(&[0x5A; 2048]);
    b.extend_from_slice(&[0xFF, 0xD9]);
    b
}

fn code(bytes: &[u8]) -> Result<(u32, u32), ErrorCode> {
    inspect_photo(bytes, bytes.len() as u64).map(|h| (h.width, h.height)).map_err(|v| v.code)
}

#[test]
fn baseline_extended_and_progressive_frames_are_read() {
    for marker in [0xC0, 0xC1, 0xC2] {
        assert_eq!(code(&jpeg_with(&[(marker, 640, 480, 3)], &[])), Ok((640, 480)), "SOF {marker:02X}");
    }
    assert_eq!(code(&jpeg_with(&[(0xC0, 800, 600, 1)], &[])), Ok((800, 600)));
}

#[test]
fn lossless_hierarchical_and_arithmetic_frames_are_refused() {
    for marker in [0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF] {
        assert_eq!(
            code(&jpeg_with(&[(marker, 640, 480, 3)], &[])),
            Err(ErrorCode::UnreadableImage),
            "SOF {marker:02X}"
        );
    }
}

#[test]
fn a_second_frame_header_anywhere_is_refused_even_after_the_scan() {
    // A small first frame and a huge second one: the walker must not answer the small one.
    let two = jpeg_with(&[(0xC0, 640, 480, 3), (0xC0, 6000, 6000, 3)], &[]);
    assert_eq!(code(&two), Err(ErrorCode::UnreadableImage));
    let two_progressive = jpeg_with(&[(0xC2, 640, 480, 3), (0xC2, 640, 480, 3)], &[]);
    assert_eq!(code(&two_progressive), Err(ErrorCode::UnreadableImage));
}

#[test]
fn a_file_smaller_than_its_pixels_can_compress_to_is_refused() {
    // 640 × 480 needs at least 80·60 + 2·(40·30) = 7200 blocks = 900 bytes at one bit each.
    let ok = jpeg_with(&[(0xC0, 640, 480, 3)], &[]);
    assert_eq!(code(&ok), Ok((640, 480)));
    // The same bytes claiming 6000 × 6000: 3 × 562 500 blocks, ~211 KB.
    let liar = jpeg_with(&[(0xC0, 6000, 6000, 3)], &[]);
    assert_eq!(code(&liar), Err(ErrorCode::UnreadableImage));
    // The widget passes only the head, with the file's real length.
    assert_eq!(inspect_photo(&liar, 300_000).map(|h| h.width), Ok(6000));
    // PNG: a 40 MP RGBA16 image cannot deflate below ~290 KB.
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    png.extend_from_slice(&8000u32.to_be_bytes());
    png.extend_from_slice(&5000u32.to_be_bytes());
    png.extend_from_slice(&[16, 6, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(inspect_photo(&png, 100_000).map_err(|v| v.code), Err(ErrorCode::UnreadableImage));
    assert_eq!(inspect_photo(&png, 300_000).map(|h| (h.samples, h.sample_bytes)), Ok((4, 2)));
}

#[test]
fn bytes_after_eoi_are_not_walked() {
    let mut b = jpeg_with(&[(0xC0, 640, 480, 3)], &[]);
    b.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 8, 0xFF, 0xFF, 0xFF, 0xFF, 3]);
    assert_eq!(code(&b), Ok((640, 480)));
}

#[test]
fn odd_precision_component_counts_and_lengths_are_refused() {
    let mut b = jpeg_with(&[(0xC0, 640, 480, 3)], &[]);
    let at = b.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    b[at + 4] = 12; // 12-bit precision
    assert_eq!(code(&b), Err(ErrorCode::UnreadableImage));
    assert_eq!(code(&jpeg_with(&[(0xC0, 640, 480, 5)], &[])), Err(ErrorCode::UnreadableImage));
    let mut b = jpeg_with(&[(0xC0, 640, 480, 3)], &[]);
    b[at + 3] += 3; // length that disagrees with the component count
    assert_eq!(code(&b), Err(ErrorCode::UnreadableImage));
}

#[test]
fn a_scan_before_the_frame_and_a_second_soi_are_refused() {
    let scan_first = jpeg_with(&[], &[]);
    assert_eq!(code(&scan_first), Err(ErrorCode::UnreadableImage));
    let mut nested = jpeg_with(&[(0xC0, 640, 480, 3)], &[]);
    let eoi = nested.len() - 2;
    nested.splice(eoi..eoi, [0xFF, 0xD8]);
    assert_eq!(code(&nested), Err(ErrorCode::UnreadableImage));
}

#[test]
fn the_head_of_a_file_is_enough_when_the_frame_is_in_it() {
    let full = jpeg_with(&[(0xC2, 4000, 3000, 3)], &[0u8; 64]);
    let sos = full.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    let head = &full[..sos + 12];
    let h = inspect_photo(head, 1_000_000).unwrap();
    assert_eq!((h.width, h.height), (4000, 3000));
}

const SENTINELS: [&str; 9] = [
    "Zzsentinel",
    "Qqtest",
    "sentinel@example.com",
    "1970-01-02",
    "X9Z8Y7W6",
    "123-45-6789",
    "Sentinelstreet",
    "94105",
    "Sentinelcity",
];

fn sentinel_draft() -> DraftDto {
    let mut d = common::valid_draft();
    d.email = Some("sentinel@example.com".into());
    d.individual_info.first_name = Some("Zzsentinel".into());
    d.individual_info.last_name = Some("Qqtest".into());
    d.individual_info.dob = Some("1970-01-02".into());
    d.individual_info.number = Some("X9Z8Y7W6".into());
    d.address.address = Some("1 Sentinelstreet".into());
    d.address.city = Some("Sentinelcity".into());
    d.address.zip_code = Some("94105".into());
    d.address.ssn = Some("123-45-6789".into());
    d
}

fn assert_redacted(what: &str, dbg: &str) {
    for s in SENTINELS {
        assert!(!dbg.contains(s), "{what} Debug shows {s}: {dbg}");
    }
}

#[test]
fn no_type_holding_applicant_data_prints_it_in_debug() {
    let draft = sentinel_draft();
    assert_redacted("DraftDto", &format!("{draft:?}"));
    assert_redacted("DraftDto (pretty)", &format!("{draft:#?}"));
    assert_redacted("IndividualInfoDto", &format!("{:?}", draft.individual_info));
    assert_redacted("AddressDto", &format!("{:?}", draft.address));
    let applicant = parse_draft(&draft, &common::rules()).expect("the sentinel draft is valid");
    assert_redacted("Applicant", &format!("{applicant:?}"));
    assert_redacted("Address", &format!("{:?}", applicant.address));
    // A free-text state outside the US.
    let mut foreign = sentinel_draft();
    foreign.address.country = Some("DE".into());
    foreign.address.state = Some("Sentinelstate".into());
    foreign.address.ssn = None;
    foreign.address.zip_code = Some("10115".into());
    let a = parse_draft(&foreign, &common::rules()).expect("valid German address");
    let dbg = format!("{a:?}");
    assert!(!dbg.contains("Sentinelstate") && !dbg.contains("10115"), "{dbg}");
    // The field names are still there, so Debug stays useful.
    assert!(format!("{draft:?}").contains("first_name: Some(<redacted>)"));
}
