//! The three JWTs of `nats-server`'s auth callout (ADR-26), without I/O: the server's
//! authorization request (read and verified), and the authorization response wrapping a
//! user JWT with the connection's permissions (built and signed with the issuer key).
//!
//! Encoding as nats-io/jwt v2 does it: header `{"typ":"JWT","alg":"ed25519-nkey"}`,
//! claims as JSON, both base64url without padding, and the nkey (Ed25519) signature of
//! `header.claims`. `docs/design/auth-callout.md` records each field and rule, checked
//! against nats-server 2.15.1.

use data_encoding::BASE64URL_NOPAD;
use serde::{Deserialize, Serialize};

use crate::wire::subject::Token;

/// The only header nats-server writes and accepts.
const HEADER: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ";
/// Longest request accepted (a client certificate chain can make it a few KiB).
pub const MAX_REQUEST: usize = 64 * 1024;
/// The account callout-issued users are placed in.
pub const ACCOUNT: &str = "NTS";

/// Why a request could not be read or an answer made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// Not a JWT of the expected shape.
    #[error("malformed authorization request: {0}")]
    Malformed(&'static str),
    /// The signature is not from the key the claims name.
    #[error("the authorization request's signature does not verify")]
    BadSignature,
    /// Signed, but not an authorization request for this issuer.
    #[error("not an authorization request for this callout: {0}")]
    Unexpected(&'static str),
}

crate::error::error_kind!(JwtError => JwtErrorKind {
    /// Not a JWT of the expected shape.
    Malformed,
    /// The signature is not from the key the claims name.
    BadSignature,
    /// Signed, but not an authorization request for this issuer.
    Unexpected,
});

/// The parts of the server's request the callout uses; every field is optional on the
/// wire (the server omits empty ones).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct AuthRequest {
    /// The server asking.
    pub server_id: ServerId,
    /// The key the user JWT must be issued to (`sub`).
    pub user_nkey: String,
    /// The connection.
    pub client_info: ClientInfo,
    /// What the client sent in CONNECT.
    pub connect_opts: ConnectOpts,
    /// `authorization_request`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// The server that asks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ServerId {
    /// Its name.
    pub name: String,
    /// Its public key (`N…`): the response's audience.
    pub id: String,
}

/// The connection as the server sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ClientInfo {
    /// Remote address.
    pub host: String,
    /// The server's id for the connection (for a later KICK).
    pub id: u64,
}

/// CONNECT fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ConnectOpts {
    /// The token: an nts ticket.
    pub auth_token: String,
    /// The connection name the client chose.
    pub name: String,
    /// A user name, if the client sent one.
    pub user: String,
}

#[derive(Deserialize)]
struct RequestClaims {
    #[serde(default)]
    iss: String,
    #[serde(default)]
    aud: String,
    #[serde(default)]
    sub: String,
    #[serde(default)]
    nats: AuthRequest,
}

/// Reads and verifies a request JWT: signed by the server key it names, addressed to
/// `issuer` (the callout's account key).
pub fn read_request(token: &[u8], issuer: &str) -> Result<AuthRequest, JwtError> {
    if token.len() > MAX_REQUEST {
        return Err(JwtError::Malformed("too large"));
    }
    let token = std::str::from_utf8(token).map_err(|_| JwtError::Malformed("not text"))?;
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed("not three parts"));
    };
    if header != HEADER {
        return Err(JwtError::Malformed("unexpected header"));
    }
    let json = BASE64URL_NOPAD
        .decode(payload.as_bytes())
        .map_err(|_| JwtError::Malformed("bad claims encoding"))?;
    let claims: RequestClaims =
        serde_json::from_slice(&json).map_err(|_| JwtError::Malformed("bad claims"))?;
    let sig = BASE64URL_NOPAD
        .decode(sig.as_bytes())
        .map_err(|_| JwtError::Malformed("bad signature encoding"))?;
    let server = nkeys::KeyPair::from_public_key(&claims.iss)
        .map_err(|_| JwtError::Malformed("issuer is not a key"))?;
    server
        .verify(format!("{header}.{payload}").as_bytes(), &sig)
        .map_err(|_| JwtError::BadSignature)?;
    if claims.aud != "nats-authorization-request" || claims.nats.kind != "authorization_request" {
        return Err(JwtError::Unexpected("wrong audience or type"));
    }
    if claims.sub != issuer {
        return Err(JwtError::Unexpected("addressed to another issuer"));
    }
    if claims.nats.server_id.id != claims.iss || claims.nats.user_nkey.is_empty() {
        return Err(JwtError::Unexpected("server or user key missing"));
    }
    Ok(claims.nats)
}

/// Subjects a connection may publish to or subscribe to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Subjects {
    /// Allowed (never empty: an empty list means "everything" to the server).
    pub allow: Vec<String>,
    /// Denied, even if allowed.
    pub deny: Vec<String>,
}

/// What one connection may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The connection's user name on the broker (shown in advisories and CONNZ).
    pub name: String,
    /// Publish permissions.
    pub publish: Subjects,
    /// Subscribe permissions.
    pub subscribe: Subjects,
    /// Whether it may answer requests it receives (once each).
    pub respond: bool,
    /// When the broker closes the connection (seconds since the Unix epoch), if ever.
    pub expires: Option<u64>,
}

#[derive(Serialize)]
struct Resp {
    max: u32,
    ttl: u64,
}

#[derive(Serialize)]
struct UserNats<'a> {
    #[serde(rename = "pub")]
    publish: &'a Subjects,
    #[serde(rename = "sub")]
    subscribe: &'a Subjects,
    #[serde(skip_serializing_if = "Option::is_none")]
    resp: Option<Resp>,
    #[serde(rename = "type")]
    kind: &'static str,
    version: u8,
}

#[derive(Serialize)]
struct Claims<'a, N: Serialize> {
    jti: String,
    iat: u64,
    iss: String,
    sub: &'a str,
    aud: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exp: Option<u64>,
    nats: N,
}

#[derive(Serialize)]
struct ResponseNats<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    jwt: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'static str,
    version: u8,
}

fn encode(claims: &impl Serialize, key: &nkeys::KeyPair) -> String {
    let json = serde_json::to_vec(claims).unwrap_or_default();
    let signed = format!("{HEADER}.{}", BASE64URL_NOPAD.encode(&json));
    let sig = key.sign(signed.as_bytes()).unwrap_or_default();
    format!("{signed}.{}", BASE64URL_NOPAD.encode(&sig))
}

/// The response admitting the connection of `req` with `grant`, signed by `issuer`.
pub fn allow(req: &AuthRequest, grant: &Grant, issuer: &nkeys::KeyPair, now: u64) -> String {
    let user = encode(
        &Claims {
            jti: Token::random().to_string(),
            iat: now,
            iss: issuer.public_key(),
            sub: &req.user_nkey,
            aud: ACCOUNT,
            name: Some(&grant.name),
            exp: grant.expires,
            nats: UserNats {
                publish: &grant.publish,
                subscribe: &grant.subscribe,
                resp: grant.respond.then_some(Resp { max: 1, ttl: 0 }),
                kind: "user",
                version: 2,
            },
        },
        issuer,
    );
    respond(req, Some(&user), None, issuer, now)
}

/// The response refusing the connection of `req`; `why` reaches the server's log only
/// (the client sees "Authorization Violation").
pub fn refuse(req: &AuthRequest, why: &str, issuer: &nkeys::KeyPair, now: u64) -> String {
    respond(req, None, Some(why), issuer, now)
}

fn respond(
    req: &AuthRequest,
    jwt: Option<&str>,
    error: Option<&str>,
    issuer: &nkeys::KeyPair,
    now: u64,
) -> String {
    encode(
        &Claims {
            jti: Token::random().to_string(),
            iat: now,
            iss: issuer.public_key(),
            sub: &req.user_nkey,
            aud: &req.server_id.id,
            name: None,
            exp: None,
            nats: ResponseNats {
                jwt,
                error,
                kind: "authorization_response",
                version: 2,
            },
        },
        issuer,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request as the server makes it, for `issuer`.
    fn request(server: &nkeys::KeyPair, issuer: &str, token: &str) -> String {
        let claims = serde_json::json!({
            "aud": "nats-authorization-request", "iat": 1, "exp": 4_000_000_000u64,
            "iss": server.public_key(), "sub": issuer, "jti": "x",
            "nats": {
                "server_id": { "name": "n1", "host": "127.0.0.1", "id": server.public_key() },
                "user_nkey": "UBIGCGYGOZZUZJ42Y7LEX3REFLHVHPNGOMUMN7LTU7SL3ISAXIF26FEN",
                "client_info": { "host": "127.0.0.1", "id": 7, "kind": "Client" },
                "connect_opts": { "auth_token": token, "name": "lobby/abc", "protocol": 1 },
                "type": "authorization_request", "version": 2
            }
        });
        encode(&claims, server)
    }

    fn decode(token: &str) -> serde_json::Value {
        let payload = token.split('.').nth(1).unwrap();
        serde_json::from_slice(&BASE64URL_NOPAD.decode(payload.as_bytes()).unwrap()).unwrap()
    }

    #[test]
    fn a_captured_request_parses() {
        // Captured from nats-server 2.15.1 (its signature is not checked here: only
        // the claims are kept in the fixture).
        let text = include_str!("../../../tests/fixtures/auth-callout-request.json");
        let claims: RequestClaims = serde_json::from_str(text).unwrap();
        assert_eq!(claims.nats.kind, "authorization_request");
        assert_eq!(claims.nats.client_info.id, 10);
        assert_eq!(claims.nats.connect_opts.name, "test/nolimits");
        assert_eq!(claims.nats.server_id.id, claims.iss);
    }

    #[test]
    fn requests_are_verified_and_answers_are_signed_by_the_issuer() {
        let server = nkeys::KeyPair::new_server();
        let issuer = nkeys::KeyPair::new_account();
        let req = read_request(
            request(&server, &issuer.public_key(), "nts1.t").as_bytes(),
            &issuer.public_key(),
        )
        .unwrap();
        assert_eq!(req.connect_opts.auth_token, "nts1.t");
        assert_eq!(req.client_info.id, 7);

        let grant = Grant {
            name: "lobby/abc".into(),
            publish: Subjects {
                allow: vec!["a.b".into()],
                deny: vec![],
            },
            subscribe: Subjects {
                allow: vec!["_INBOX_lobby.abc.>".into()],
                deny: vec!["$JS.>".into()],
            },
            respond: false,
            expires: Some(99),
        };
        let response = allow(&req, &grant, &issuer, 5);
        let outer = decode(&response);
        assert_eq!(outer["aud"], server.public_key());
        assert_eq!(outer["sub"], req.user_nkey);
        assert_eq!(outer["nats"]["type"], "authorization_response");
        assert_eq!(outer["nats"]["version"], 2);
        let user = outer["nats"]["jwt"].as_str().unwrap();
        let inner = decode(user);
        assert_eq!(inner["iss"], issuer.public_key());
        assert_eq!(inner["aud"], ACCOUNT);
        assert_eq!(inner["name"], "lobby/abc");
        assert_eq!(inner["exp"], 99);
        assert_eq!(inner["nats"]["pub"]["allow"][0], "a.b");
        assert_eq!(inner["nats"]["sub"]["deny"][0], "$JS.>");
        assert!(inner["nats"].get("resp").is_none());
        // The user JWT's signature is the issuer's.
        let (signed, sig) = user.rsplit_once('.').unwrap();
        issuer
            .verify(
                signed.as_bytes(),
                &BASE64URL_NOPAD.decode(sig.as_bytes()).unwrap(),
            )
            .unwrap();

        let no = decode(&refuse(&req, "bad ticket", &issuer, 5));
        assert_eq!(no["nats"]["error"], "bad ticket");
        assert!(no["nats"].get("jwt").is_none());
    }

    #[test]
    fn forged_or_misaddressed_requests_are_refused() {
        let server = nkeys::KeyPair::new_server();
        let issuer = nkeys::KeyPair::new_account().public_key();
        let good = request(&server, &issuer, "t");
        // Claims re-signed by another key than the one they name.
        let (signed, _) = good.rsplit_once('.').unwrap();
        let other = nkeys::KeyPair::new_server();
        let forged = format!(
            "{signed}.{}",
            BASE64URL_NOPAD.encode(&other.sign(signed.as_bytes()).unwrap())
        );
        assert_eq!(
            read_request(forged.as_bytes(), &issuer),
            Err(JwtError::BadSignature)
        );
        let elsewhere = nkeys::KeyPair::new_account().public_key();
        assert_eq!(
            read_request(good.as_bytes(), &elsewhere)
                .unwrap_err()
                .kind(),
            JwtErrorKind::Unexpected
        );
        for junk in [
            &b""[..],
            b"a.b",
            b"a.b.c",
            &[0xff; 10],
            &vec![b'a'; MAX_REQUEST + 1],
        ] {
            assert_eq!(
                read_request(junk, &issuer).unwrap_err().kind(),
                JwtErrorKind::Malformed
            );
        }
    }
}
