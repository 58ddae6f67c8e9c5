//! The server's own randomness: every id, token, secret and `requestNo` it makes comes from the
//! operating system's CSPRNG through here — never from the sandbox crate, which is a simulator.

use rand::RngCore;

/// `bytes` random bytes from the OS CSPRNG, as lowercase hex (`2 × bytes` characters).
pub fn hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_has_the_asked_length_and_differs_each_time() {
        let (a, b) = (super::hex(16), super::hex(16));
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
    }
}
