//! Shared fixtures: a valid draft and a fixed "today".
#![allow(dead_code)]

use kyc_domain::draft::{AddressDto, IndividualInfoDto, NumOrText};
use kyc_domain::{Date, DraftDto, Rules};

pub fn today() -> Date {
    Date::from_ymd(2026, 11, 26).unwrap()
}

pub fn rules() -> Rules {
    Rules::new(today())
}

pub fn valid_draft() -> DraftDto {
    DraftDto {
        email: Some("jane@example.com".into()),
        individual_info: IndividualInfoDto {
            first_name: Some("Jane".into()),
            last_name: Some("Doe".into()),
            dob: Some("1990-04-01".into()),
            country: Some("US".into()),
            gender: Some(NumOrText::Num(2)),
            id_doc_type: Some(NumOrText::Text("2".into())),
            number: Some("X1234567".into()),
            valid_until: Some("2031-01-01".into()),
        },
        address: AddressDto {
            country: Some("US".into()),
            state: Some("CA".into()),
            city: Some("San Francisco".into()),
            address: Some("1 Market St".into()),
            zip_code: Some("94105".into()),
            ssn: Some("123-45-6789".into()),
        },
    }
}

/// A JPEG header: SOI, an APP0 segment, then SOF0 declaring `w` × `h`.
pub fn jpeg_header(w: u16, h: u16) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    b.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    b.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08]);
    b.extend_from_slice(&h.to_be_bytes());
    b.extend_from_slice(&w.to_be_bytes());
    b.extend_from_slice(&[0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
    b
}
