//! Identity verification: the site's backend signs the user id it renders into its page, so a
//! visitor cannot claim to be another customer (and read their profile) by calling
//! `signpost.identify` with someone else's id. The signature is the lowercase hex HMAC-SHA256
//! of the user id under the `SIGNPOST_IDENTITY_SECRET` secret, the pattern sites know from chat
//! widgets' identity verification.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The signature of `user` under `secret`, in lowercase hex (what the site's backend renders).
pub fn sign(secret: &[u8], user: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(user.as_bytes());
    let digest = mac.finalize().into_bytes();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `signature` (hex, either case) is `user`'s under `secret`, compared in constant
/// time. An empty secret signs nothing.
pub fn verify(secret: &[u8], user: &str, signature: &str) -> bool {
    if secret.is_empty() {
        return false;
    }
    let expected = sign(secret, user);
    crate::session::constant_time_eq(
        signature.trim().to_ascii_lowercase().as_bytes(),
        expected.as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_as_the_site_backend_would() {
        // `printf cust-1001 | openssl dgst -sha256 -hmac identity-secret`
        assert_eq!(
            sign(b"identity-secret", "cust-1001"),
            "3d7fbc0b2a509a7ffda93cbee8fedd034ccefceab537206e15f93f829fc9e6b5"
        );
    }

    #[test]
    fn only_the_right_signature_verifies() {
        let s = sign(b"k", "cust-1");
        assert!(verify(b"k", "cust-1", &s));
        assert!(verify(b"k", "cust-1", &s.to_uppercase()));
        assert!(!verify(b"k", "cust-2", &s));
        assert!(!verify(b"other", "cust-1", &s));
        assert!(!verify(b"k", "cust-1", &s[..60]));
        assert!(!verify(b"", "cust-1", &sign(b"", "cust-1")));
    }
}
