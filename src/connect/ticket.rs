//! Tickets: the credentials nts issues (to users, to plugins, to room members), signed
//! with the deployment's ticket key and checked without any state but the public keys.
//!
//! A ticket is `nts1.<claims>.<signature>`: the claims as JSON and the Ed25519 signature
//! of `nts1.<claims>`, both base64url without padding. The signing key is an nkeys
//! account key (the same primitive `nats-server` uses for its JWTs), so its seed and
//! public key are text an operator can store and rotate: a verifier takes several public
//! keys, so tickets signed with the previous key stay valid while the new one rolls out.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use data_encoding::BASE64URL_NOPAD;
use serde::{Deserialize, Serialize};

use crate::wire::subject::Token;

/// The format tag every ticket starts with.
const TAG: &str = "nts1";
/// Longest ticket accepted: bounded before anything is decoded.
pub const MAX_TICKET: usize = 4096;

/// Who a ticket is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketKind {
    /// A person: lists plugins, opens sessions, joins with an invitation.
    User,
    /// A plugin's hosts: register and serve the plugin named in the ticket.
    Plugin,
    /// One member of one room (issued by the coordinator when it opens or joins a room).
    Member,
}

impl TicketKind {
    /// The kind's name in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketKind::User => "user",
            TicketKind::Plugin => "plugin",
            TicketKind::Member => "member",
        }
    }
}

/// What a ticket says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Who it is for.
    pub kind: TicketKind,
    /// The user's or the plugin's name (for a member: the user's name).
    pub name: String,
    /// This ticket's id, for revocation.
    pub id: Token,
    /// Issued at, seconds since the Unix epoch.
    pub iat: u64,
    /// Expires at, seconds since the Unix epoch.
    pub exp: u64,
    /// A member's room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<Token>,
    /// A member's id in its room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Token>,
}

impl Claims {
    /// Claims of `kind` for `name`, valid from now for `valid`.
    pub fn new(kind: TicketKind, name: impl Into<String>, valid: Duration) -> Claims {
        let now = unix_now();
        Claims {
            kind,
            name: name.into(),
            id: Token::random(),
            iat: now,
            exp: now.saturating_add(valid.as_secs()),
            session_id: None,
            user_id: None,
        }
    }
}

/// Why a ticket was refused. The messages never echo the ticket.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    /// Not a ticket at all (wrong shape, size or encoding).
    #[error("the credential is not an nts ticket ({0})")]
    Malformed(&'static str),
    /// No trusted key made the signature.
    #[error("the ticket's signature is not from this deployment")]
    BadSignature,
    /// Past its expiry.
    #[error("the ticket expired; ask the operator for a new one")]
    Expired,
    /// A ticket of another kind than the one needed here.
    #[error("a {got} ticket cannot be used here (a {want} ticket is needed)")]
    WrongKind {
        /// What the ticket is.
        got: &'static str,
        /// What was needed.
        want: &'static str,
    },
    /// The key could not be read or used.
    #[error("the ticket key is unusable: {0}")]
    Key(String),
}

crate::error::error_kind!(TicketError => TicketErrorKind {
    /// Not a ticket at all.
    Malformed,
    /// No trusted key made the signature.
    BadSignature,
    /// Past its expiry.
    Expired,
    /// Another kind than needed.
    WrongKind,
    /// The key could not be read or used.
    Key,
});

/// The deployment's ticket key: signs tickets. Its seed is a secret of the coordinator
/// (and of `nts user add` / `nts plugin add`, which run where the secrets are).
pub struct TicketKey(nkeys::KeyPair);

impl std::fmt::Debug for TicketKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the seed.
        write!(f, "TicketKey({})", self.public_key())
    }
}

impl TicketKey {
    /// A new random key.
    pub fn generate() -> Self {
        TicketKey(nkeys::KeyPair::new_account())
    }

    /// The key of a seed (`SA…`).
    pub fn from_seed(seed: &str) -> Result<Self, TicketError> {
        nkeys::KeyPair::from_seed(seed.trim())
            .map(TicketKey)
            .map_err(|e| TicketError::Key(e.to_string()))
    }

    /// The seed, to store in a 0600 file.
    pub fn seed(&self) -> String {
        self.0.seed().unwrap_or_default()
    }

    /// The public key (`A…`), which verifiers trust.
    pub fn public_key(&self) -> String {
        self.0.public_key()
    }

    /// A verifier trusting this key alone.
    pub fn verifier(&self) -> Verifier {
        Verifier(vec![
            nkeys::KeyPair::from_public_key(&self.public_key()).expect("own public key"),
        ])
    }

    /// Signs `claims` into a ticket.
    pub fn issue(&self, claims: &Claims) -> String {
        let json = serde_json::to_vec(claims).unwrap_or_default();
        let signed = format!("{TAG}.{}", BASE64URL_NOPAD.encode(&json));
        // Signing with a seed-bearing key pair does not fail.
        let sig = self.0.sign(signed.as_bytes()).unwrap_or_default();
        format!("{signed}.{}", BASE64URL_NOPAD.encode(&sig))
    }
}

/// The public keys tickets are checked against (the current one and, while a rotation
/// runs, the previous ones).
#[derive(Clone)]
pub struct Verifier(Vec<nkeys::KeyPair>);

impl Verifier {
    /// Trusts the tickets of these public keys (`A…`).
    pub fn new<'a>(public_keys: impl IntoIterator<Item = &'a str>) -> Result<Self, TicketError> {
        let keys = public_keys
            .into_iter()
            .map(|k| {
                nkeys::KeyPair::from_public_key(k.trim())
                    .map_err(|e| TicketError::Key(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Verifier(keys))
    }

    /// The claims of `ticket` if a trusted key signed it and it has not expired at `now`
    /// (seconds since the Unix epoch).
    pub fn verify_at(&self, ticket: &str, now: u64) -> Result<Claims, TicketError> {
        let (signed, sig, claims) = split(ticket)?;
        if !self
            .0
            .iter()
            .any(|k| k.verify(signed.as_bytes(), &sig).is_ok())
        {
            return Err(TicketError::BadSignature);
        }
        if claims.exp <= now {
            return Err(TicketError::Expired);
        }
        Ok(claims)
    }

    /// [`Verifier::verify_at`] now, requiring `kind`.
    pub fn verify(&self, ticket: &str, kind: TicketKind) -> Result<Claims, TicketError> {
        let claims = self.verify_at(ticket, unix_now())?;
        if claims.kind != kind {
            return Err(TicketError::WrongKind {
                got: claims.kind.as_str(),
                want: kind.as_str(),
            });
        }
        Ok(claims)
    }
}

/// A ticket's parts: the signed text, the signature and the claims (not yet verified).
fn split(ticket: &str) -> Result<(&str, Vec<u8>, Claims), TicketError> {
    if ticket.len() > MAX_TICKET {
        return Err(TicketError::Malformed("too long"));
    }
    let (signed, sig) = ticket
        .rsplit_once('.')
        .ok_or(TicketError::Malformed("no signature"))?;
    let payload = signed
        .strip_prefix("nts1.")
        .ok_or(TicketError::Malformed("no nts1 tag"))?;
    let sig = BASE64URL_NOPAD
        .decode(sig.as_bytes())
        .ok()
        .filter(|s| s.len() == 64)
        .ok_or(TicketError::Malformed("bad signature encoding"))?;
    let json = BASE64URL_NOPAD
        .decode(payload.as_bytes())
        .map_err(|_| TicketError::Malformed("bad claims encoding"))?;
    let claims: Claims =
        serde_json::from_slice(&json).map_err(|_| TicketError::Malformed("bad claims"))?;
    Ok((signed, sig, claims))
}

/// What a ticket says, read without checking its signature: for its holder, who needs
/// its own name and kind to pick its connection name. Never a basis for trust.
pub fn peek(ticket: &str) -> Result<Claims, TicketError> {
    split(ticket.trim()).map(|(_, _, claims)| claims)
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(valid: u64) -> Claims {
        Claims::new(TicketKind::User, "ada", Duration::from_secs(valid))
    }

    #[test]
    fn a_ticket_verifies_with_its_key_and_only_with_it() {
        let key = TicketKey::generate();
        let ticket = key.issue(&user(60));
        assert!(ticket.starts_with("nts1."));
        let ok = Verifier::new([key.public_key().as_str()]).unwrap();
        assert_eq!(ok.verify(&ticket, TicketKind::User).unwrap().name, "ada");
        let other = Verifier::new([TicketKey::generate().public_key().as_str()]).unwrap();
        assert_eq!(
            other.verify(&ticket, TicketKind::User),
            Err(TicketError::BadSignature)
        );
    }

    #[test]
    fn rotation_trusts_old_and_new_keys() {
        let (old, new) = (TicketKey::generate(), TicketKey::generate());
        let v = Verifier::new([new.public_key().as_str(), old.public_key().as_str()]).unwrap();
        for key in [&old, &new] {
            assert!(v.verify(&key.issue(&user(60)), TicketKind::User).is_ok());
        }
    }

    #[test]
    fn expiry_kind_and_tampering_are_refused() {
        let key = TicketKey::generate();
        let v = Verifier::new([key.public_key().as_str()]).unwrap();
        let t = key.issue(&user(60));
        let exp = v.verify_at(&t, 0).unwrap().exp;
        assert_eq!(v.verify_at(&t, exp), Err(TicketError::Expired));
        assert_eq!(
            v.verify(&t, TicketKind::Plugin).unwrap_err().kind(),
            TicketErrorKind::WrongKind
        );
        // Claims changed after signing (a member ticket rewritten for another room).
        let (signed, sig) = t.rsplit_once('.').unwrap();
        let mut claims: Claims = serde_json::from_slice(
            &BASE64URL_NOPAD
                .decode(signed.strip_prefix("nts1.").unwrap().as_bytes())
                .unwrap(),
        )
        .unwrap();
        claims.name = "eve".into();
        let forged = format!(
            "nts1.{}.{sig}",
            BASE64URL_NOPAD.encode(&serde_json::to_vec(&claims).unwrap())
        );
        assert_eq!(
            v.verify(&forged, TicketKind::User),
            Err(TicketError::BadSignature)
        );
        for junk in ["", "nts1", "nts1..", "x.y.z", &"a".repeat(MAX_TICKET + 1)] {
            assert_eq!(
                v.verify(junk, TicketKind::User).unwrap_err().kind(),
                TicketErrorKind::Malformed,
                "{junk:.20}"
            );
        }
    }

    #[test]
    fn a_seed_round_trips() {
        let key = TicketKey::generate();
        let again = TicketKey::from_seed(&key.seed()).unwrap();
        assert_eq!(again.public_key(), key.public_key());
        assert!(TicketKey::from_seed("not a seed").is_err());
    }
}
