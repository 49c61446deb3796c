//! nanome-lib's 30-bit name hash: how a command or message kind is named on the wire.
//!
//! Six letters of the name, sampled at positions 0, 3, 6, 9, 12 and 15 (modulo its length),
//! five bits each (`a` = 1 … `z` = 26, anything else 0). Most characters are ignored, and a
//! request and its reply often share a hash (`presenter_info_request` and `_response`), so a
//! hash is read with its direction.

/// The hash of `name`, as nanome-lib computes it; 0 for an empty name.
pub const fn name_hash(name: &str) -> u32 {
    let b = name.as_bytes();
    if b.is_empty() {
        return 0;
    }
    let mut h = 0u32;
    let mut i = 0;
    while i < 6 {
        let c = b[(i * 3) % b.len()].to_ascii_lowercase();
        h <<= 5;
        if c.is_ascii_lowercase() {
            h |= (c - b'a' + 1) as u32;
        }
        i += 1;
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hashes read off captured packets (`tests/legacy-vectors`), and the reference's
    /// worked example.
    #[test]
    fn hashes_match_the_captured_packets() {
        for (name, hash) in [
            ("connect", 0x06ea_386f),
            ("run", 0x2529_4a52),
            ("presenter_info_request", 0x213a_00d2),
            ("presenter_info_response", 0x213a_00d2),
            ("presenter_change", 0x213a_0025),
            ("notification_send", 0x1c91_a40e),
            ("complex_list_request", 0x070c_2411),
            ("complex_list_response", 0x070c_2413),
            ("workspace_update", 0x2eb0_8085),
            ("workspace_updated", 0x2eb0_8085),
        ] {
            assert_eq!(name_hash(name), hash, "{name}");
        }
        assert_eq!(name_hash(""), 0);
        assert_eq!(
            name_hash("CONNECT"),
            name_hash("connect"),
            "case is ignored"
        );
    }
}
