//! Development PKI: a CA and a server certificate for `localhost`, made with `rcgen`.
//!
//! Keys are written with mode 0600 into the state directory and never leave it. Clients
//! trust only this CA (the system roots are not consulted).

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};

/// Paths of the dev PKI files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevPki {
    /// CA certificate (PEM): what clients verify the server against.
    pub ca_cert: PathBuf,
    /// Server certificate (PEM).
    pub server_cert: PathBuf,
    /// Server private key (PEM).
    pub server_key: PathBuf,
}

/// Why the PKI could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    /// Certificate generation failed.
    #[error("generating the dev certificates failed: {0}")]
    Generate(#[from] rcgen::Error),
    /// Writing the files failed.
    #[error("writing {path}: {source}")]
    Write {
        /// File being written.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
}

crate::error::error_kind!(PkiError => PkiErrorKind {
    /// Certificate generation failed.
    Generate,
    /// Writing the files failed.
    Write,
});

impl DevPki {
    /// The file paths inside `dir` (whether or not they exist).
    pub fn paths(dir: &Path) -> Self {
        DevPki {
            ca_cert: dir.join("ca.pem"),
            server_cert: dir.join("server.pem"),
            server_key: dir.join("server-key.pem"),
        }
    }

    /// Reuses the PKI in `dir` if complete, otherwise generates a new one there.
    pub fn ensure(dir: &Path) -> Result<Self, PkiError> {
        let pki = Self::paths(dir);
        if pki.ca_cert.exists() && pki.server_cert.exists() && pki.server_key.exists() {
            return Ok(pki);
        }
        Self::generate(dir)
    }

    /// Generates a fresh CA and server certificate (SANs `localhost`, `127.0.0.1`, `::1`,
    /// plus `extra_names`) into `dir`.
    pub fn generate(dir: &Path) -> Result<Self, PkiError> {
        Self::generate_with_names(dir, &[])
    }

    /// Like [`generate`](Self::generate), with extra DNS names (e.g. container hostnames).
    pub fn generate_with_names(dir: &Path, extra_names: &[&str]) -> Result<Self, PkiError> {
        let pki = Self::paths(dir);
        let write = |path: &Path, data: &str| -> Result<(), PkiError> {
            write_private(path, data).map_err(|source| PkiError::Write {
                path: path.into(),
                source,
            })
        };
        std::fs::create_dir_all(dir).map_err(|source| PkiError::Write {
            path: dir.into(),
            source,
        })?;

        let mut ca = CertificateParams::new(Vec::<String>::new())?;
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(DnType::CommonName, "nts dev CA");
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_key = KeyPair::generate()?;
        let ca_cert = ca.self_signed(&ca_key)?;
        let issuer = Issuer::new(ca, ca_key);

        let mut names = vec!["localhost".to_string()];
        names.extend(extra_names.iter().map(|s| s.to_string()));
        let mut server = CertificateParams::new(names)?;
        server
            .subject_alt_names
            .push(SanType::IpAddress([127, 0, 0, 1].into()));
        server
            .subject_alt_names
            .push(SanType::IpAddress(std::net::Ipv6Addr::LOCALHOST.into()));
        server
            .distinguished_name
            .push(DnType::CommonName, "nts broker");
        // ClientAuth too: cluster nodes present this certificate on their TLS routes.
        server.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        server.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        server.use_authority_key_identifier_extension = true;
        let server_key = KeyPair::generate()?;
        let server_cert = server.signed_by(&server_key, &issuer)?;

        // Certificates are public; only the key is private.
        let public = |path: &Path, data: &str| -> Result<(), PkiError> {
            std::fs::write(path, data).map_err(|source| PkiError::Write {
                path: path.into(),
                source,
            })
        };
        public(&pki.ca_cert, &ca_cert.pem())?;
        public(&pki.server_cert, &server_cert.pem())?;
        write(&pki.server_key, &server_key.serialize_pem())?;
        Ok(pki)
    }
}

pub use crate::sys::write_private;
