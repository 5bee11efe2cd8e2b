//! A profile to and from its JSON: serde's derive for this build's own version (feature
//! `typed-profile`), the tree reader (tree.rs) for every version and every malformed input.

use super::*;

impl Serialize for Profile {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Profile::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for Profile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        Profile::from_value(v).map_err(serde::de::Error::custom)
    }
}

impl Profile {
    /// Compact JSON for KV.
    pub fn to_json(&self) -> String {
        // Not `expect`: its Debug form of the error would bring Debug formatting of strings
        // (and its Unicode tables) into the browser's wasm.
        serde_json::to_string(self)
            .unwrap_or_else(|e| unreachable!("a profile always serializes: {e}"))
    }

    /// The compact JSON as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_json().into_bytes()
    }

    /// Reads any format version this build knows.
    pub fn from_json(s: &str) -> Result<Profile, ProfileError> {
        Profile::from_bytes(s.as_bytes())
    }

    /// Reads any format version this build knows, from bytes.
    pub fn from_bytes(b: &[u8]) -> Result<Profile, ProfileError> {
        #[cfg(feature = "typed-profile")]
        if let Some(p) = Profile::read_typed(b) {
            return Ok(p);
        }
        Profile::read_tree(b)
    }

    /// The common case, a well-formed profile of this build's version, read straight into the
    /// structs by serde's derive: several times faster than a tree, and the Worker reads a
    /// profile on every page. Anything else (another version, a malformed profile, a
    /// duplicate key) is left to [`Profile::read_tree`], which reads every version and names
    /// what is wrong.
    #[cfg(feature = "typed-profile")]
    pub(super) fn read_typed(b: &[u8]) -> Option<Profile> {
        let mut de = serde_json::Deserializer::from_slice(b);
        // The derive's own function (`remote = "Self"`), not the `Deserialize` impl below.
        let p = Profile::deserialize(&mut de).ok()?;
        de.end().ok()?;
        (p.version == FORMAT_VERSION).then_some(p)
    }

    /// Any version, through a JSON tree and the hand-written reader (tree.rs).
    pub(super) fn read_tree(b: &[u8]) -> Result<Profile, ProfileError> {
        let v: Value = serde_json::from_slice(b).map_err(|e| ProfileError::Json(e.to_string()))?;
        Profile::from_value(v)
    }

    fn version_of(v: &Value) -> Result<u64, ProfileError> {
        match v.get("v") {
            None => Ok(0),
            Some(n) => n.as_u64().ok_or(ProfileError::Malformed {
                version: 0,
                problem: LayoutError::Version,
            }),
        }
    }

    /// A profile already parsed into a tree, any format version this build reads.
    fn from_value(v: Value) -> Result<Profile, ProfileError> {
        match Profile::version_of(&v)? {
            0 => Ok(Profile::from_v0(&v)),
            version @ 1 => super::tree::read_v1(&v)
                .map_err(|problem| ProfileError::Malformed { version, problem }),
            n => Err(ProfileError::TooNew(n)),
        }
    }

    /// The walking skeleton's format: `{id, traits, page_views}`.
    fn from_v0(v: &Value) -> Profile {
        let mut p = Profile::new(v.get("id").and_then(Value::as_str).unwrap_or(""));
        p.page_views = v.get("page_views").and_then(Value::as_u64).unwrap_or(0);
        if let Some(Value::Object(t)) = v.get("traits") {
            p.merge_traits(t);
        }
        p
    }
}

/// A build without feature `actions` (the browser's, which never stores a profile for a host)
/// has no binary form (binary.rs): its stored form is the JSON.
#[cfg(not(feature = "actions"))]
impl Profile {
    /// The stored form: JSON in this build.
    pub fn to_stored(&self) -> Vec<u8> {
        self.to_bytes()
    }

    /// A stored profile: JSON of any version in this build.
    pub fn from_stored(b: &[u8]) -> Result<Profile, ProfileError> {
        Profile::from_bytes(b)
    }
}
