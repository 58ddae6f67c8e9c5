//! What a person may choose (the source) versus what the server accepts (the upload): a 12 MP
//! phone photo of 6.9 MB is a fine source; the widget shrinks it to the upload form.

mod common;

use common::jpeg_header;
use kyc_domain::photo::{check_source_dimensions, inspect_source, SourceFormat, MAX_SOURCE_BYTES};
use kyc_domain::{inspect_photo, ErrorCode};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_12_mp_phone_photo_of_6_9_mb_is_a_fine_source_but_not_an_upload() {
    let head = jpeg_header(4032, 3024);
    let s = inspect_source(&head, 6_900_000).unwrap();
    assert_eq!((s.format, s.dimensions), (SourceFormat::Jpeg, Some((4032, 3024))));
    let v = inspect_photo(&head, 6_900_000).unwrap_err();
    assert_eq!((v.code, v.param("max_mb")), (ErrorCode::FileTooLarge, Some(5)));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_48_mp_source_is_accepted_and_over_50_mp_or_30_mb_is_not() {
    assert!(inspect_source(&jpeg_header(8000, 6000), 12_000_000).is_ok(), "48 MP");
    let v = inspect_source(&jpeg_header(9000, 6000), 12_000_000).unwrap_err();
    assert_eq!((v.code, v.param("max_megapixels")), (ErrorCode::ImageTooLarge, Some(50)));
    let v = inspect_source(&jpeg_header(4032, 3024), MAX_SOURCE_BYTES + 1).unwrap_err();
    assert_eq!((v.code, v.param("max_mb")), (ErrorCode::FileTooLarge, Some(30)));
    assert_eq!(inspect_source(&jpeg_header(479, 4000), 1_000_000).unwrap_err().code, ErrorCode::ImageTooSmall);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn webp_and_heic_are_sources_whose_size_the_browser_decode_tells() {
    let webp = b"RIFF\x10\0\0\0WEBPVP8 ".to_vec();
    assert_eq!(
        inspect_source(&webp, 2_000_000).unwrap(),
        kyc_domain::photo::SourceHeader { format: SourceFormat::Webp, dimensions: None }
    );
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec();
    assert_eq!(inspect_source(&heic, 3_000_000).unwrap().format, SourceFormat::Heic);
    assert!(check_source_dimensions(4032, 3024).is_ok());
    assert_eq!(check_source_dimensions(400, 300).unwrap_err().code, ErrorCode::ImageTooSmall);
    assert_eq!(check_source_dimensions(10_000, 10_000).unwrap_err().code, ErrorCode::ImageTooLarge);
    // Still never accepted by the server: the upload is JPEG or PNG only.
    assert_eq!(inspect_photo(&webp, 2_000_000).unwrap_err().code, ErrorCode::UnsupportedFileType);
    for bad in [&b"GIF89a......"[..], b"%PDF-1.4", b"<svg xmlns=", b"\0\0\0\x18ftypavif\0\0\0\0"] {
        assert_eq!(inspect_source(bad, 100).unwrap_err().code, ErrorCode::UnsupportedFileType);
    }
}
