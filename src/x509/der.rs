//! The little DER btpcert reads and writes by hand: elements with
//! single-byte tags and definite lengths (at most four length bytes), where
//! calling OpenSSL's decoders would cost more than the answer is worth
//! (an RSA key's numbers, a PKCS#7 content type, JKS and PKCS#12 framing).
//! Anything else reads as `None`.

/// The element at the start of `b`: its tag, its content and what follows.
pub fn split(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = b.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |a, &x| (a << 8) | usize::from(x));
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// The element with `tag` and `content`.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|&b| b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// The DER content octets of a dotted object identifier
/// (`1.2.840.113549.1.1.1`); arcs that are no number count as 0.
pub fn encode_oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').map(|a| a.parse().unwrap_or(0)).collect();
    let mut out = Vec::new();
    let mut push = |v: u64| {
        let groups = (64 - v.leading_zeros()).div_ceil(7).max(1);
        for g in (0..groups).rev() {
            let more = if g > 0 { 0x80 } else { 0 };
            out.push(((v >> (7 * g)) & 0x7f) as u8 | more);
        }
    };
    if let [first, second, rest @ ..] = arcs.as_slice() {
        push(first * 40 + second);
        rest.iter().for_each(|&a| push(a));
    }
    out
}

/// Object identifiers btpcert compares, as DER content octets (the bytes
/// after the tag and length): comparing bytes costs nothing, writing an
/// OID out as text does.
pub mod oid {
    /// rsaEncryption, 1.2.840.113549.1.1.1.
    pub const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    /// prime256v1, 1.2.840.10045.3.1.7.
    pub const P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    /// prime192v1, 1.2.840.10045.3.1.1.
    pub const P192: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x01];
    /// secp224r1, 1.3.132.0.33.
    pub const P224: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x21];
    /// secp384r1, 1.3.132.0.34.
    pub const P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
    /// secp521r1, 1.3.132.0.35.
    pub const P521: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];
    /// Ed25519, 1.3.101.112.
    pub const ED25519: &[u8] = &[0x2b, 0x65, 0x70];
    /// Ed448, 1.3.101.113.
    pub const ED448: &[u8] = &[0x2b, 0x65, 0x71];
    /// PKCS#7 data, 1.2.840.113549.1.7.1.
    pub const PKCS7_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
    /// PKCS#7 SignedData, 1.2.840.113549.1.7.2.
    pub const PKCS7_SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
    /// PBMAC1 (RFC 9579), 1.2.840.113549.1.5.14.
    pub const PBMAC1: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0e];
    /// PBES2 (RFC 8018), 1.2.840.113549.1.5.13.
    pub const PBES2: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d];
    /// PKCS#7 encryptedData, 1.2.840.113549.1.7.6.
    pub const PKCS7_ENCRYPTED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x06];
    /// PKCS#12 pkcs8ShroudedKeyBag, 1.2.840.113549.1.12.10.1.2.
    pub const PKCS12_SHROUDED_KEY_BAG: &[u8] = &[
        0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x02,
    ];
    /// PKCS#12 certBag, 1.2.840.113549.1.12.10.1.3.
    pub const PKCS12_CERT_BAG: &[u8] = &[
        0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x03,
    ];
    /// PKCS#9 x509Certificate (a certBag's type), 1.2.840.113549.1.9.22.1.
    pub const PKCS9_X509_CERTIFICATE: &[u8] =
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x16, 0x01];
}

/// Reads elements one after the other.
pub struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    /// A reader of `b`.
    pub fn new(b: &'a [u8]) -> Reader<'a> {
        Reader(b)
    }

    /// What is not read yet.
    pub fn rest(&self) -> &'a [u8] {
        self.0
    }

    /// The tag and content of the next element, whatever its tag.
    pub fn read_any(&mut self) -> Option<(u8, Reader<'a>)> {
        let (t, content, rest) = split(self.0)?;
        self.0 = rest;
        Some((t, Reader(content)))
    }

    /// The content of the next element, which must have `tag`.
    pub fn read(&mut self, tag: u8) -> Option<Reader<'a>> {
        let (t, content, rest) = split(self.0)?;
        if t != tag {
            return None;
        }
        self.0 = rest;
        Some(Reader(content))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_written_is_read_back() {
        for n in [0, 1, 0x7f, 0x80, 0xff, 0x100, 70_000] {
            let content = vec![7u8; n];
            let mut b = tlv(0x04, &content);
            b.push(0x05);
            let (tag, c, rest) = split(&b).unwrap();
            assert_eq!((tag, c, rest), (0x04, &content[..], &[0x05][..]), "{n}");
        }
        // Truncated, indefinite or five-byte lengths: nothing.
        assert!(split(&[0x30, 0x82, 0x01]).is_none());
        assert!(split(&[0x30, 0x03, 0x01]).is_none());
        assert!(split(&[0x30, 0x80, 0x00, 0x00]).is_none());
        assert!(split(&[0x30, 0x85, 1, 0, 0, 0, 0]).is_none());
        let mut r = Reader::new(&[0x30, 0x03, 0x02, 0x01, 0x05]);
        let mut seq = r.read(0x30).unwrap();
        assert!(r.rest().is_empty());
        assert!(seq.read(0x04).is_none());
        assert_eq!(seq.read(0x02).unwrap().rest(), &[0x05]);
    }
}
