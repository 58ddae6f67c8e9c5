//! The end-to-end fixtures a person would call usable pass the quality rulebook's hard check on
//! the server's path; a near-black and a badly blurred photo are refused with their codes.

use kyc_domain::ErrorCode;
use kyc_photos::{plan_and_clean, quality_of, PhotoError};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../../tests/e2e/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn usable_fixtures_pass_and_their_measures_are_reported() {
    for name in ["id-front.jpg", "id-back.png", "face.jpg", "rotated-gps.jpg", "blurry.jpg"] {
        let img = image::load_from_memory(&fixture(name)).unwrap().to_rgb8();
        let m = quality_of(&img);
        eprintln!("{name}: {m:?}");
        // blurry.jpg is soft but readable: a guidance hint in the widget, never a refusal.
        assert!(plan_and_clean(&fixture(name)).is_ok(), "{name} is usable: {m:?}");
    }
}

fn encode(img: &image::RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(img).unwrap();
    out
}

#[test]
fn near_black_and_badly_blurred_photos_are_refused_with_their_codes() {
    let card = image::load_from_memory(&fixture("id-front.jpg")).unwrap().to_rgb8();
    let dark = image::RgbImage::from_fn(card.width(), card.height(), |x, y| {
        let p = card.get_pixel(x, y);
        image::Rgb([p[0] / 14, p[1] / 14, p[2] / 14])
    });
    let code = |r: Result<kyc_photos::CleanPhoto, PhotoError>| match r {
        Err(PhotoError::Invalid(v)) => Some(v.code),
        _ => None,
    };
    assert_eq!(code(plan_and_clean(&encode(&dark))), Some(ErrorCode::ImageTooDark));
    let blurred = image::imageops::blur(&card, 30.0);
    assert_eq!(code(plan_and_clean(&encode(&blurred))), Some(ErrorCode::ImageTooBlurry));
}

#[test]
fn a_sixteen_bit_png_is_measured_like_its_eight_bit_self() {
    // Larger than the upload size, so it is shrunk before it is measured.
    let img = image::ImageBuffer::<image::Rgba<u16>, Vec<u16>>::from_fn(8000, 5000, |x, y| {
        if (x / 64 + y / 64) % 2 == 0 {
            image::Rgba([1000, 30000, 65535, 65535])
        } else {
            image::Rgba([50000, 52000, 30000, 65535])
        }
    });
    let dynamic = image::DynamicImage::ImageRgba16(img);
    let m8 = quality_of(&dynamic.to_rgb8());
    let mut png = Vec::new();
    dynamic.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    let cleaned = plan_and_clean(&png);
    assert!(cleaned.is_ok(), "{m8:?} {:?}", cleaned.err());
    let m16 = cleaned.unwrap().metrics;
    assert!((m8.sharpness - m16.sharpness).abs() < 15.0, "{m8:?} vs {m16:?}");
}
