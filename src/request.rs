//! What the core knows about an HTTP request, and the `request.*` facts derived from it.

use crate::text;
use crate::time::Millis;
use crate::timezone::Tz;

/// What the host passes in for a request.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RequestInfo {
    /// Path and query (`/products/x?utm_source=email`), or an absolute URL.
    pub url: String,
    /// Header names in lower case.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// ISO 3166-1 alpha-2 (Workers' `cf.country`).
    #[serde(default)]
    pub country: Option<String>,
    /// ISO 3166-2 subdivision code (Workers' `cf.regionCode`), e.g. `CO`.
    #[serde(default)]
    pub region: Option<String>,
}

/// What is wrong with a request handed over as JSON ([`RequestInfo::from_value`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// No `url`.
    #[error("missing field `url`")]
    NoUrl,
    /// A field that must be a string is not.
    #[error("\"{0}\" must be a string")]
    NotAString(&'static str),
    /// `headers` is not an array.
    #[error("\"headers\" must be an array")]
    HeadersNotAnArray,
    /// A header is not a `[name, value]` pair of strings.
    #[error("\"headers\" holds [name, value] pairs of strings")]
    BadHeader,
}

impl RequestInfo {
    /// The serde form (`{"url", "headers": [[name, value]], "country", "region"}`) read from
    /// a tree by hand: the browser's wasm already has the tree reader, not this struct's.
    pub fn from_value(v: &serde_json::Value) -> Result<RequestInfo, RequestError> {
        use serde_json::Value;
        let text = |key: &'static str| match v.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(RequestError::NotAString(key)),
        };
        let url = text("url")?.ok_or(RequestError::NoUrl)?;
        let mut headers = Vec::new();
        match v.get("headers") {
            None => {}
            Some(Value::Array(a)) => {
                for h in a {
                    match h.as_array().map(Vec::as_slice) {
                        Some([Value::String(k), Value::String(v)]) => {
                            headers.push((k.clone(), v.clone()))
                        }
                        _ => return Err(RequestError::BadHeader),
                    }
                }
            }
            Some(_) => return Err(RequestError::HeadersNotAnArray),
        }
        Ok(RequestInfo {
            url,
            headers,
            country: text("country")?,
            region: text("region")?,
        })
    }

    /// A request for `url` with no headers, country or region.
    pub fn new(url: impl Into<String>) -> RequestInfo {
        RequestInfo {
            url: url.into(),
            ..Default::default()
        }
    }

    /// A header's value (names compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A cookie's value from the `cookie` header(s).
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("cookie"))
            .flat_map(|(_, v)| v.split(';'))
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| k.trim() == name)
            .map(|(_, v)| v.trim().trim_matches('"'))
    }
}

/// Mobile, tablet or desktop, from the User-Agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    /// A phone.
    Mobile,
    /// A tablet.
    Tablet,
    /// Anything else.
    Desktop,
}

impl Device {
    /// The fact's value: `mobile`, `tablet` or `desktop`.
    pub fn as_str(self) -> &'static str {
        match self {
            Device::Mobile => "mobile",
            Device::Tablet => "tablet",
            Device::Desktop => "desktop",
        }
    }

    /// Classifies a User-Agent; `ch_mobile` is the `Sec-CH-UA-Mobile` client hint.
    pub fn detect(ua: &str, ch_mobile: Option<&str>) -> Device {
        let has = |s: &str| text::contains(ua, s);
        // Tablets first: their UAs often also say "Mobile" (iPad) or "Android".
        if has("iPad") || has("Tablet") || has("Kindle") || has("Silk/") || has("PlayBook") {
            return Device::Tablet;
        }
        if has("Android") && !has("Mobile") {
            return Device::Tablet;
        }
        if has("Mobi")
            || has("iPhone")
            || has("iPod")
            || has("Windows Phone")
            || has("Opera Mini")
            || ch_mobile == Some("?1")
        {
            return Device::Mobile;
        }
        Device::Desktop
    }
}

/// The `request.*` facts, computed once per request.
#[derive(Clone, Debug)]
pub struct RequestFacts {
    /// The whole URL.
    pub url: String,
    /// The host name (empty when the URL has none).
    pub host: String,
    /// The path.
    pub path: String,
    /// Decoded query parameters, in order (the first wins on lookup).
    pub query: Vec<(String, String)>,
    /// `utm_*` parameters without the prefix (`utm.source`).
    pub utm: Vec<(String, String)>,
    /// The Referer header.
    pub referrer: Option<String>,
    /// ISO 3166-1 alpha-2 country code (the runtime's geolocation).
    pub country: Option<String>,
    /// ISO 3166-2 subdivision code (the runtime's geolocation).
    pub region: Option<String>,
    /// Mobile, tablet or desktop.
    pub device: Device,
    /// Local hour 0-23 in the config's timezone.
    pub hour: u32,
    /// Local weekday, 0 = Sunday.
    pub weekday: u32,
    /// The primary language of `Accept-Language`, lower case (`en-us`).
    pub language: Option<String>,
}

impl RequestFacts {
    /// Computes the facts of a request at `now`, in the config's timezone `tz`.
    pub fn new(req: &RequestInfo, tz: &Tz, now: Millis) -> RequestFacts {
        let (host, path, query_str) = split_url(&req.url);
        let query: Vec<(String, String)> = query_str
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (decode(k, true), decode(v, true)),
                None => (decode(p, true), String::new()),
            })
            .collect();
        let utm = query
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("utm_")?.to_string(), v.clone())))
            .collect();
        let local = tz.local(now);
        let nonempty = |s: &Option<String>| s.as_ref().filter(|s| !s.is_empty()).cloned();
        RequestFacts {
            url: req.url.clone(),
            host: host
                .map(str::to_string)
                .or_else(|| req.header("host").map(str::to_string))
                .unwrap_or_default(),
            path: if path.is_empty() {
                "/".into()
            } else {
                path.to_string()
            },
            query,
            utm,
            referrer: req.header("referer").map(str::to_string),
            country: nonempty(&req.country),
            region: nonempty(&req.region),
            device: Device::detect(
                req.header("user-agent").unwrap_or(""),
                req.header("sec-ch-ua-mobile"),
            ),
            hour: local.hour,
            weekday: local.weekday,
            language: req.header("accept-language").and_then(|l| {
                let first = l.split(',').next()?.split(';').next()?.trim();
                (!first.is_empty() && first != "*").then(|| first.to_ascii_lowercase())
            }),
        }
    }

    /// A query parameter's decoded value (the first, when repeated).
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A `utm_*` parameter's value, by its name without the prefix.
    pub fn utm_param(&self, name: &str) -> Option<&str> {
        self.utm
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Splits a URL or path into (host, path, query), dropping any fragment.
pub fn split_url(url: &str) -> (Option<&str>, &str, &str) {
    let url = url.split('#').next().unwrap_or("");
    // Absolute only when a scheme comes first: `/login?next=https://x` is a path.
    let (host, rest) = match text::split_once(url, "://") {
        Some((scheme, after))
            if !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) =>
        {
            match after.find(['/', '?']) {
                Some(end) => (Some(text::slice(after, ..end)), text::slice(after, end..)),
                None => (Some(after), ""),
            }
        }
        _ => (None, url),
    };
    match rest.split_once('?') {
        Some((p, q)) => (host, p, q),
        None => (host, rest, ""),
    }
}

/// Percent-decoding (and `+` as space in query strings); invalid UTF-8 is replaced.
pub fn decode(s: &str, plus_is_space: bool) -> String {
    if !s.contains(['%', '+']) {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(b[i + 1]), hex(b[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 3;
                        continue;
                    }
                    _ => out.push(b'%'),
                }
            }
            b'+' if plus_is_space => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_timestamp;

    #[test]
    fn a_url_in_the_query_does_not_make_the_path_absolute() {
        assert_eq!(
            split_url("/login?next=https://example.com/a"),
            (None, "/login", "next=https://example.com/a")
        );
        assert_eq!(
            split_url("https://shop.example/a?b=c#d"),
            (Some("shop.example"), "/a", "b=c")
        );
        assert_eq!(split_url("//x://y"), (None, "//x://y", ""));
    }

    #[test]
    fn parses_paths_queries_and_utm() {
        let req = RequestInfo::new(
            "https://shop.example/search?q=rain+jacket&utm_source=email&x=%C3%A9#top",
        );
        let f = RequestFacts::new(&req, &Tz::utc(), 0);
        assert_eq!(f.host, "shop.example");
        assert_eq!(f.path, "/search");
        assert_eq!(f.query_param("q"), Some("rain jacket"));
        assert_eq!(f.query_param("x"), Some("é"));
        assert_eq!(f.utm_param("source"), Some("email"));
        let bare = RequestFacts::new(&RequestInfo::new("?a=1"), &Tz::utc(), 0);
        assert_eq!(bare.path, "/");
        assert_eq!(decode("100%", false), "100%");
        assert_eq!(decode("%zz", false), "%zz");
    }

    #[test]
    fn local_hour_and_weekday_follow_the_timezone() {
        let tz = Tz::lookup("America/Denver").unwrap();
        let now = parse_timestamp("2026-11-21T03:30:00Z", None).unwrap();
        let f = RequestFacts::new(&RequestInfo::new("/"), &tz, now);
        assert_eq!((f.hour, f.weekday), (20, 5)); // Friday 20:30 in Denver, Saturday in UTC
    }

    #[test]
    fn devices() {
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148";
        let ipad =
            "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148";
        let android_phone =
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/120.0 Mobile Safari/537.36";
        let android_tab = "Mozilla/5.0 (Linux; Android 14; SM-X700) Chrome/120.0 Safari/537.36";
        let mac =
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Safari/605.1.15";
        assert_eq!(Device::detect(iphone, None), Device::Mobile);
        assert_eq!(Device::detect(ipad, None), Device::Tablet);
        assert_eq!(Device::detect(android_phone, None), Device::Mobile);
        assert_eq!(Device::detect(android_tab, None), Device::Tablet);
        assert_eq!(Device::detect(mac, None), Device::Desktop);
        assert_eq!(Device::detect("", Some("?1")), Device::Mobile);
    }

    #[test]
    fn cookies_and_headers() {
        let req = RequestInfo {
            url: "/".into(),
            headers: vec![("cookie".into(), "a=1; sp_consent=denied".into())],
            ..Default::default()
        };
        assert_eq!(req.cookie("sp_consent"), Some("denied"));
        assert_eq!(req.cookie("b"), None);
        assert_eq!(req.header("Cookie"), Some("a=1; sp_consent=denied"));
    }
}
