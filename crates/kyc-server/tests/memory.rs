//! Peak memory of one ~5 MB photo upload (docs/security.md UP-3 / UP-8): the whole process — backend,
//! sandbox and test client — stays well under 200 MB. Its own binary: VmHWM is process-wide.

mod support;

use support::spawn_app;

fn vm_hwm_kib() -> u64 {
    support::proc_status_kib("VmHWM")
}

/// A noisy JPEG just under 5,000,000 bytes (noise does not compress: the worst case).
fn big_jpeg() -> Vec<u8> {
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed & 0xFF) as u8
    };
    let img = image::RgbImage::from_fn(1800, 1350, |_, _| image::Rgb([next(), next(), next()]));
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img).unwrap();
    out
}

#[tokio::test]
async fn one_5_mb_upload_keeps_the_process_well_under_200_mb() {
    let jpeg = big_jpeg();
    assert!(jpeg.len() > 3_000_000 && jpeg.len() <= 5_000_000, "fixture is {} bytes", jpeg.len());
    let app = spawn_app().await;
    let (token, id) = app.application("mem@example.com").await;
    let r = app.put_photo(&token, &id, "face", jpeg).await;
    assert_eq!(r.status(), 204);
    let peak_mib = vm_hwm_kib() / 1024;
    assert!(peak_mib < 200, "peak resident memory {peak_mib} MiB");
    eprintln!("peak resident memory of the test process: {peak_mib} MiB");
}
