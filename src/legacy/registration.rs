//! The registration a nanome-lib plugin opens its connection with: a `plugin_connection`
//! packet whose payload is JSON (`name`, `description`, `category`, `tags`, `hasAdvanced`,
//! `auth`, `permissions`, `integrations`), and whose header's plugin id is the id it had
//! before (0: none).

use super::hash::name_hash;
use serde::Deserialize;
use thiserror::Error;

/// Largest registration payload accepted.
pub const MAX_REGISTRATION: usize = 64 << 10;

/// Most tags, permissions or integrations one registration may list.
pub const MAX_LIST: usize = 64;

/// What a plugin says of itself when it connects.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registration {
    /// Display name (`-n` / `PLUGIN_NAME` override the plugin's own).
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Category: the first tag, or empty.
    #[serde(default)]
    pub category: String,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Whether it has an "Advanced Settings" button.
    #[serde(default)]
    pub has_advanced: bool,
    /// Its key (`null` when it has none, or when nanome-lib could not read its key file).
    #[serde(default)]
    pub auth: Option<String>,
    /// Permissions asked for, as name hashes.
    #[serde(default)]
    pub permissions: Vec<u32>,
    /// Integrations offered, as name hashes.
    #[serde(default)]
    pub integrations: Vec<u32>,
}

/// Why a registration was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RegistrationError {
    /// Larger than [`MAX_REGISTRATION`].
    #[error("the registration is {0} bytes; at most {MAX_REGISTRATION} are accepted")]
    TooLarge(usize),
    /// Not the JSON nanome-lib sends.
    #[error("the registration is not nanome-lib's JSON: {0}")]
    Malformed(String),
    /// A field out of bounds.
    #[error("the registration's {0}")]
    Invalid(String),
}

/// What kind of [`RegistrationError`] it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationErrorKind {
    /// Too many bytes.
    TooLarge,
    /// Not JSON of the expected shape, or out of bounds.
    Malformed,
}

impl RegistrationError {
    /// What kind of error it is.
    pub fn kind(&self) -> RegistrationErrorKind {
        match self {
            RegistrationError::TooLarge(_) => RegistrationErrorKind::TooLarge,
            RegistrationError::Malformed(_) | RegistrationError::Invalid(_) => {
                RegistrationErrorKind::Malformed
            }
        }
    }
}

/// The integrations nanome-lib declares, by name (`Integrations` in `nanome.util.enums`).
pub const INTEGRATIONS: [&str; 11] = [
    "hydrogen",
    "structure_prep",
    "calculate_esp",
    "minimization",
    "export_file",
    "export_locations",
    "generate_molecule_image",
    "import_file",
    "analysis",
    "interactions",
    "smiles",
];

/// The permissions nanome-lib asks for, by name.
pub const PERMISSIONS: [&str; 1] = ["local_files_access"];

/// The name whose hash is `hash` among `names`, if one is.
pub fn named(hash: u32, names: &[&'static str]) -> Option<&'static str> {
    names.iter().copied().find(|n| name_hash(n) == hash)
}

impl Registration {
    /// Reads a registration payload, bounded.
    pub fn parse(payload: &[u8]) -> Result<Registration, RegistrationError> {
        if payload.len() > MAX_REGISTRATION {
            return Err(RegistrationError::TooLarge(payload.len()));
        }
        let r: Registration = serde_json::from_slice(payload)
            .map_err(|e| RegistrationError::Malformed(e.to_string()))?;
        if r.name.trim().is_empty() || r.name.len() > 256 {
            return Err(RegistrationError::Invalid(
                "name must be 1 to 256 bytes".into(),
            ));
        }
        let lists = [
            ("tags", r.tags.len()),
            ("permissions", r.permissions.len()),
            ("integrations", r.integrations.len()),
        ];
        if let Some((what, n)) = lists.into_iter().find(|(_, n)| *n > MAX_LIST) {
            return Err(RegistrationError::Invalid(format!(
                "{what} list has {n} entries; at most {MAX_LIST} are accepted"
            )));
        }
        Ok(r)
    }

    /// What sessions show of the plugin: nts's metadata, its hashes named (unknown ones
    /// left out; nanome-lib sends no version).
    pub fn metadata(&self) -> crate::api::PluginMetadata {
        crate::api::PluginMetadata {
            name: self.name.clone(),
            description: self.description.clone(),
            category: self.category.clone(),
            tags: self.tags.clone(),
            has_advanced: self.has_advanced,
            permissions: self
                .permissions
                .iter()
                .filter_map(|h| named(*h, &PERMISSIONS))
                .map(String::from)
                .collect(),
            integrations: self
                .integration_names()
                .into_iter()
                .map(String::from)
                .collect(),
            version: String::new(),
        }
    }

    /// The integrations it offers that nts knows, by name; unknown hashes are left out.
    pub fn integration_names(&self) -> Vec<&'static str> {
        self.integrations
            .iter()
            .filter_map(|h| named(*h, &INTEGRATIONS))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_of_the_declared_names_are_nanome_libs() {
        // From the reference's registration table.
        for (name, hash) in [
            ("local_files_access", 403_903_525),
            ("hydrogen", 287_499_758),
            ("structure_prep", 660_242_612),
            ("calculate_esp", 103_842_316),
            ("minimization", 446_506_409),
            ("export_file", 183_513_874),
            ("export_locations", 183_504_179),
            ("generate_molecule_image", 240_792_748),
            ("import_file", 317_731_250),
            ("analysis", 46_447_411),
            ("interactions", 307_346_725),
            ("smiles", 650_752_620),
        ] {
            assert_eq!(name_hash(name), hash, "{name}");
        }
    }

    #[test]
    fn bad_registrations_are_refused_by_kind() {
        let big = vec![b' '; MAX_REGISTRATION + 1];
        assert_eq!(
            Registration::parse(&big).unwrap_err().kind(),
            RegistrationErrorKind::TooLarge
        );
        for bad in [
            &b"not json"[..],
            br#"{"description": "no name"}"#,
            br#"{"name": "  "}"#,
            br#"{"name": "x", "tags": 5}"#,
        ] {
            assert_eq!(
                Registration::parse(bad).unwrap_err().kind(),
                RegistrationErrorKind::Malformed,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let many = format!(
            r#"{{"name": "x", "tags": [{}]}}"#,
            vec!["\"t\""; 65].join(",")
        );
        let e = Registration::parse(many.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("at most 64"), "{e}");
    }
}
