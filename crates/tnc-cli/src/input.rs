//! Input decoding: hex text (whitespace ignored) or raw binary.

/// Interprets `raw` as hex when it consists only of hex digits and whitespace
/// (with at least one digit); otherwise returns it unchanged as binary.
/// Hex with an odd number of digits is an error.
pub fn parse(raw: &[u8]) -> Result<Vec<u8>, String> {
    let looks_hex = raw.iter().any(u8::is_ascii_hexdigit)
        && raw
            .iter()
            .all(|c| c.is_ascii_hexdigit() || c.is_ascii_whitespace());
    if !looks_hex {
        return Ok(raw.to_vec());
    }
    let digits: Vec<u8> = raw.iter().copied().filter(u8::is_ascii_hexdigit).collect();
    if digits.len() % 2 != 0 {
        return Err(format!(
            "hex input has an odd number of digits ({})",
            digits.len()
        ));
    }
    Ok(digits
        .chunks_exact(2)
        .map(|p| (nibble(p[0]) << 4) | nibble(p[1]))
        .collect())
}

fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c.wrapping_sub(b'A').wrapping_add(10) & 15,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_binary() {
        assert_eq!(parse(b"01 0a\nFF\t"), Ok(vec![1, 10, 255]));
        assert_eq!(parse(&[1, 2, 0xff]), Ok(vec![1, 2, 0xff]));
        assert!(parse(b"abc").is_err());
        assert_eq!(parse(b""), Ok(vec![]));
        assert_eq!(parse(b"  \n"), Ok(b"  \n".to_vec()));
    }
}
