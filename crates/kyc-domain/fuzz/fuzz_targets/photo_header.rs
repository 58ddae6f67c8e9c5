//! Arbitrary bytes → the photo header check: never panics, never reports a flood as valid.
#![no_main]

use kyc_domain::inspect_photo;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(h) = inspect_photo(data, data.len() as u64) {
        assert!(u64::from(h.width) * u64::from(h.height) <= kyc_domain::photo::MAX_PIXELS);
    }
});
