//! The request's URL, read from the string the runtime gives, without the `url` crate.
//!
//! workers-rs's `Request::url()` parses the URL again with `url` (WHATWG parsing, IDNA, IPv6
//! hosts, file URLs): about 45 KB of the Worker's wasm for the few parts the Worker reads. The
//! runtime's `request.url` is already parsed and serialized by the same standard, absolute,
//! with a path that starts with `/` and no fragment, so its parts can be cut out of the string.
//! What each method answers is what `url::Url` answers for such a string.

use worker::Request;

/// The URL of a request, as the runtime serialized it.
pub(crate) struct RequestUrl(String);

impl RequestUrl {
    /// The URL of `req`.
    pub(crate) fn of(req: &Request) -> RequestUrl {
        RequestUrl(req.inner().url())
    }

    /// `https`, `http`.
    pub(crate) fn scheme(&self) -> &str {
        self.0.split_once(':').map_or("", |(s, _)| s)
    }

    /// `scheme://host[:port]` (`Url::origin().ascii_serialization()` for http and https: the
    /// runtime's host is ASCII, its default port left out).
    pub(crate) fn origin(&self) -> &str {
        let (_, after) = self.0.split_once("://").unwrap_or(("", &self.0));
        let host_end = after.find(['/', '?', '#']).unwrap_or(after.len());
        &self.0[..self.0.len() - after.len() + host_end]
    }

    /// What follows the origin, up to a fragment: the path and the query.
    fn rest(&self) -> &str {
        let rest = &self.0[self.origin().len()..];
        rest.split('#').next().unwrap_or("")
    }

    /// The path, `/` at least (`Url::path`).
    pub(crate) fn path(&self) -> &str {
        match self.rest().split('?').next().unwrap_or("") {
            "" => "/",
            p => p,
        }
    }

    /// The path, then `?` and the query when there is one (even an empty one, as `Url::query`
    /// tells `?` from no query).
    pub(crate) fn path_and_query(&self) -> String {
        match self.rest().split_once('?') {
            Some((_, q)) => format!("{}?{q}", self.path()),
            None => self.path().to_string(),
        }
    }

    /// The value of the first query parameter named `name`, decoded as a form does it (`+` is
    /// a space, `%xx` a byte, invalid UTF-8 replaced): `Url::query_pairs`.
    pub(crate) fn param(&self, name: &str) -> Option<String> {
        let (_, query) = self.rest().split_once('?')?;
        query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
            .find(|(k, _)| signpost::request::decode(k, true) == name)
            .map(|(_, v)| signpost::request::decode(v, true))
    }

    /// The URL of `path` (one that starts with a single `/`) on this origin: `Url::join` for
    /// such a path, which the runtime normalizes when it parses the request made from it.
    pub(crate) fn with_path(&self, path: &str) -> String {
        format!("{}{path}", self.origin())
    }
}

#[cfg(test)]
mod tests {
    use super::RequestUrl;

    fn url(s: &str) -> RequestUrl {
        RequestUrl(s.to_string())
    }

    #[test]
    fn parts_as_the_url_crate_reads_them() {
        let u = url("https://shop.example:8443/a/b?x=1&y=a+b%21&x=2&e&=v&%78=3");
        assert_eq!(u.scheme(), "https");
        assert_eq!(u.origin(), "https://shop.example:8443");
        assert_eq!(u.path(), "/a/b");
        assert_eq!(u.path_and_query(), "/a/b?x=1&y=a+b%21&x=2&e&=v&%78=3");
        assert_eq!(u.param("x").as_deref(), Some("1"));
        assert_eq!(u.param("y").as_deref(), Some("a b!"));
        assert_eq!(u.param("e").as_deref(), Some(""));
        assert_eq!(u.param("z"), None);
        assert_eq!(u.with_path("/p?q"), "https://shop.example:8443/p?q");

        let bare = url("http://localhost/");
        assert_eq!(bare.path(), "/");
        assert_eq!(bare.path_and_query(), "/");
        assert_eq!(bare.param("x"), None);
        assert_eq!(url("http://h/p?").path_and_query(), "/p?");
        assert_eq!(url("http://h/p?a=%zz%").param("a").as_deref(), Some("%zz%"));
        assert_eq!(url("http://h/p#f?x=1").param("x"), None);
    }

    #[test]
    fn a_key_is_decoded_before_it_is_compared() {
        let u = url("https://h/?%78=3&x=4");
        assert_eq!(u.param("x").as_deref(), Some("3"));
    }
}
