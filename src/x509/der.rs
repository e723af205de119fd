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
