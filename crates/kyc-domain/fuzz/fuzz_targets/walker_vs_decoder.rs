//! Arbitrary bytes → the rulebook's header walker and the server's decode path: the decoder
//! never works with dimensions the walker did not report, and nothing the walker refused is
//! ever cleaned. (The same property runs on stable over the seeds and their mutations in
//! `crates/kyc-photos/tests/walker_vs_decoder.rs`.)
#![no_main]

use kyc_domain::inspect_photo;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let walker = inspect_photo(data, data.len() as u64);
    if let (Ok(h), Some(d)) = (&walker, kyc_photos::decoder_dimensions(data)) {
        assert_eq!((h.width, h.height), d, "the walker reported {}x{}, the decoder {}x{}", h.width, h.height, d.0, d.1);
    }
    if let Ok(plan) = kyc_photos::plan(data) {
        if let Ok(photo) = kyc_photos::clean(data, &plan) {
            let h = walker.as_ref().expect("clean() accepted a photo the walker refused");
            // One downscale of the walker's dimensions (EXIF orientation may swap the edges).
            let (w, hh) = kyc_photos::final_size(h.width, h.height);
            assert!(
                (photo.width, photo.height) == (w, hh) || (photo.width, photo.height) == (hh, w),
                "cleaned to {}x{} from a {}x{} header",
                photo.width,
                photo.height,
                h.width,
                h.height
            );
        }
    }
});
