//! Reading the request's cookies and writing Signpost's own.

/// Visitor id cookie: long-lived, first-party.
pub const VISITOR: &str = "sp_vid";
/// Consent cookie: `denied` turns personalization and storage off.
pub const CONSENT: &str = "sp_consent";
/// Signed session state (see `signpost::session`).
pub const SESSION: &str = "sp_s";

/// A visitor id lives a year from the last visit.
const VISITOR_MAX_AGE_S: u32 = 365 * 24 * 3600;

/// The value of cookie `name` in a `Cookie` request header, if present.
pub fn get<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k.trim() == name).then(|| v.trim())
    })
}

/// A visitor id we issued: 32 lowercase hex digits (a random UUID without dashes). Anything
/// else is ignored, so a hand-made cookie cannot smuggle a KV key of its choosing.
pub fn valid_visitor_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `Set-Cookie` for the visitor id. `Secure` only over https, so the local demo works.
pub fn visitor_cookie(id: &str, https: bool) -> String {
    format!(
        "{VISITOR}={id}; Path=/; Max-Age={VISITOR_MAX_AGE_S}; SameSite=Lax; HttpOnly{}",
        if https { "; Secure" } else { "" }
    )
}

/// `Set-Cookie` for the signed session state; it lives as long as the state is accepted.
pub fn session_cookie(value: &str, https: bool) -> String {
    let max_age = signpost::session::STATE_MAX_AGE / 1000;
    format!(
        "{SESSION}={value}; Path=/; Max-Age={max_age}; SameSite=Lax; HttpOnly{}",
        if https { "; Secure" } else { "" }
    )
}

/// `Set-Cookie` that makes the browser drop cookie `name`.
pub fn expired(name: &str, https: bool) -> String {
    format!(
        "{name}=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly{}",
        if https { "; Secure" } else { "" }
    )
}

/// Test journeys use readable visitor ids (`funnel-000`), allowed only with test hooks on.
pub fn valid_test_visitor_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_cookie_among_others() {
        let h = "a=1; sp_vid=0123456789abcdef0123456789abcdef;sp_consent=denied";
        assert_eq!(get(h, "sp_vid"), Some("0123456789abcdef0123456789abcdef"));
        assert_eq!(get(h, "sp_consent"), Some("denied"));
        assert_eq!(get(h, "missing"), None);
        assert_eq!(get("xsp_vid=1", "sp_vid"), None);
    }

    #[test]
    fn only_issued_ids_are_valid() {
        assert!(valid_visitor_id("0123456789abcdef0123456789abcdef"));
        assert!(!valid_visitor_id("0123456789ABCDEF0123456789abcdef"));
        assert!(!valid_visitor_id("../profile:someone-else"));
        assert!(!valid_visitor_id(""));
    }

    #[test]
    fn secure_only_over_https() {
        assert!(visitor_cookie("x", true).ends_with("; Secure"));
        assert!(!visitor_cookie("x", false).contains("Secure"));
        assert!(visitor_cookie("x", false).contains("HttpOnly"));
    }
}
