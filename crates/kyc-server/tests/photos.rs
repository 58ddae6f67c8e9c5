//! Photo cleaning end to end: what arrives upstream is upright, carries no EXIF / GPS /
//! comments / trailing bytes, and pixel floods are refused before decoding.

mod support;

use serde_json::Value;
use std::time::Instant;
use support::spawn_app;

const SENTINEL: &[u8] = b"Zzsentinel-GPS-comment";

/// A TIFF/EXIF block (little-endian): Orientation = 6, an ImageDescription holding the
/// sentinel, and a GPS IFD with a latitude.
fn exif_block() -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(b"II*\0");
    t.extend_from_slice(&8u32.to_le_bytes());
    let entry = |t: &mut Vec<u8>, tag: u16, typ: u16, count: u32, value: u32| {
        t.extend_from_slice(&tag.to_le_bytes());
        t.extend_from_slice(&typ.to_le_bytes());
        t.extend_from_slice(&count.to_le_bytes());
        t.extend_from_slice(&value.to_le_bytes());
    };
    // IFD0 at 8: 3 entries (sorted by tag), ends at 8 + 2 + 36 + 4 = 50.
    t.extend_from_slice(&3u16.to_le_bytes());
    entry(&mut t, 0x010E, 2, SENTINEL.len() as u32 + 1, 104); // ImageDescription → 104
    entry(&mut t, 0x0112, 3, 1, 6); // Orientation = 6 (rotate 90° clockwise to display)
    entry(&mut t, 0x8825, 4, 1, 50); // GPS IFD → 50
    t.extend_from_slice(&0u32.to_le_bytes());
    // GPS IFD at 50: 2 entries, ends at 80.
    t.extend_from_slice(&2u16.to_le_bytes());
    entry(&mut t, 0x0001, 2, 2, u32::from_le_bytes(*b"N\0\0\0")); // GPSLatitudeRef "N"
    entry(&mut t, 0x0002, 5, 3, 80); // GPSLatitude → 80
    t.extend_from_slice(&0u32.to_le_bytes());
    for (num, den) in [(48u32, 1u32), (51, 1), (2964, 100)] {
        t.extend_from_slice(&num.to_le_bytes());
        t.extend_from_slice(&den.to_le_bytes());
    }
    assert_eq!(t.len(), 104);
    t.extend_from_slice(SENTINEL);
    t.push(0);
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&((t.len() + 8) as u16).to_be_bytes());
    app1.extend_from_slice(b"Exif\0\0");
    app1.extend_from_slice(&t);
    app1
}

/// An 800 × 600 JPEG (as stored by a phone held upright) with a red block at the stored
/// top-left, EXIF Orientation 6 + GPS + a comment, and a ZIP appended after EOI.
fn phone_jpeg() -> Vec<u8> {
    let img = image::RgbImage::from_fn(800, 600, |x, y| {
        if x < 120 && y < 120 {
            image::Rgb([220, 20, 20])
        } else {
            image::Rgb([128, 128, 128])
        }
    });
    let mut plain = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90).encode_image(&img).unwrap();
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&exif_block());
    out.extend_from_slice(&plain[2..]);
    out.extend_from_slice(b"PK\x03\x04 appended zip payload ");
    out.extend_from_slice(SENTINEL);
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn a_jpeg_with_gps_exif_and_orientation_6_arrives_upright_and_without_metadata() {
    let app = spawn_app().await;
    let (token, id) = app.application("exif@example.com").await;
    let input = phone_jpeg();
    assert!(contains(&input, b"Exif") && contains(&input, SENTINEL));
    assert_eq!(app.put_photo(&token, &id, "face", input.clone()).await.status(), 204);

    let rn = app.request_no_of("exif@example.com").await;
    let detail = app.sandbox_app(&rn).await;
    let file = &detail["files"][0];
    assert_eq!(file["type"], "face");
    assert_eq!(file["mediaType"], "image/jpeg");
    let bytes = app.sandbox_file(&rn, "face").await;
    // The inspection's SHA-256 is of exactly these bytes.
    use sha2::Digest;
    assert_eq!(file["sha256"], Value::String(hex::encode(sha2::Sha256::digest(&bytes))));
    assert!(!contains(&bytes, b"Exif"), "no EXIF APP1 segment");
    assert!(!contains(&bytes, SENTINEL), "no comment, GPS or trailing payload");
    assert!(!contains(&bytes, b"PK\x03\x04"));
    assert!(bytes.ends_with(&[0xFF, 0xD9]), "nothing after EOI");
    let out = image::load_from_memory(&bytes).unwrap().to_rgb8();
    assert_eq!(out.dimensions(), (600, 800), "rotated to upright");
    // Orientation 6: the stored top-left is displayed at the top-right.
    let tr = out.get_pixel(600 - 40, 40);
    let tl = out.get_pixel(40, 40);
    assert!(tr[0] > 180 && tr[1] < 80, "red block at the top-right, got {tr:?}");
    assert!(tl[0] < 160 && tl[1] > 100, "grey at the top-left, got {tl:?}");
}

/// A tiny PNG whose header declares 50 000 × 50 000 pixels (a pixel flood).
fn pixel_flood_png() -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&50_000u32.to_be_bytes());
    ihdr.extend_from_slice(&50_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[1, 0, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    // A stored (uncompressed) zlib stream start: enough to look like image data.
    chunk(&mut png, b"IDAT", &[0x78, 0x01, 0x01, 0x00, 0x00, 0xFF, 0xFF]);
    chunk(&mut png, b"IEND", &[]);
    png
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[tokio::test]
async fn a_pixel_flood_png_is_refused_422_in_under_a_second() {
    let app = spawn_app().await;
    let (token, id) = app.application("flood@example.com").await;
    let png = pixel_flood_png();
    assert!(png.len() < 100);
    let started = Instant::now();
    let r = app.put_photo(&token, &id, "idFront", png).await;
    let elapsed = started.elapsed();
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["fields"][0]["code"], "image_too_large");
    assert!(elapsed.as_millis() < 1000, "took {elapsed:?}");
}

#[tokio::test]
async fn a_jpeg_whose_sof_declares_65000_square_is_refused_before_decoding() {
    let app = spawn_app().await;
    let (token, id) = app.application("sof@example.com").await;
    let mut j = support::jpeg(800, 600);
    // Patch the SOF0 dimensions to 65 000 × 65 000.
    let sof = j.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    j[sof + 5..sof + 7].copy_from_slice(&65_000u16.to_be_bytes());
    j[sof + 7..sof + 9].copy_from_slice(&65_000u16.to_be_bytes());
    let r = app.put_photo(&token, &id, "idFront", j).await;
    assert_eq!(r.status(), 422);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["fields"][0]["code"], "image_too_large");
}

#[tokio::test]
async fn a_png_is_accepted_and_forwarded_as_a_clean_jpeg() {
    let app = spawn_app().await;
    let (token, id) = app.application("png@example.com").await;
    // Green with dark bars (a blank picture would be refused as showing nothing).
    let img = image::RgbaImage::from_fn(640, 480, |x, y| {
        if (y / 24) % 3 == 0 && (x / 40) % 2 == 0 {
            image::Rgba([20, 40, 30, 255])
        } else {
            image::Rgba([10, 200, 30, 255])
        }
    });
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    assert_eq!(app.put_photo(&token, &id, "idBack", png).await.status(), 204);
    let rn = app.request_no_of("png@example.com").await;
    let bytes = app.sandbox_file(&rn, "idBack").await;
    assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF]));
    assert_eq!(image::load_from_memory(&bytes).unwrap().width(), 640);
}

#[tokio::test]
async fn a_near_black_photo_sent_straight_to_the_api_is_refused_image_too_dark() {
    let app = spawn_app().await;
    let (token, id) = app.application("dark@example.com").await;
    // A card-like picture at 5 % of its light: shapes are there, nothing can be read.
    let img = image::RgbImage::from_fn(800, 600, |x, y| {
        let v = if (y / 30) % 2 == 0 && (x / 20) % 3 != 0 { 2 } else { 11 };
        image::Rgb([v, v, v])
    });
    let mut dark = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut dark, 90).encode_image(&img).unwrap();
    let r = app.put_photo(&token, &id, "face", dark).await;
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["fields"][0]["field"], "documents.face");
    assert_eq!(v["error"]["fields"][0]["code"], "image_too_dark");
}
