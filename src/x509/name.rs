//! Distinguished names in the form RFC 5280 7.1 compares them: two names
//! match when each relative distinguished name holds the same attributes,
//! and string values match after folding: converted to UTF-8, leading and
//! trailing white space removed, inner runs of white space collapsed to one
//! space, ASCII letters lower-cased. That is what OpenSSL's `X509_NAME_cmp`
//! does (it folds the case of ASCII letters only), so a chain btpcert links
//! by name is one a TLS stack links too.

use std::borrow::Cow;

use x509_parser::asn1_rs::{Any, Tag};
use x509_parser::x509::{AttributeTypeAndValue, X509Name};

/// The canonical form of `name`: equal for names RFC 5280 7.1 calls equal.
/// Only compared, never printed.
pub fn canonical(name: &X509Name<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.as_raw().len() + 32);
    for rdn in name.iter_rdn() {
        // A relative distinguished name is a SET: its order carries no meaning.
        let count = rdn.iter().count();
        out.push(0x31);
        out.extend_from_slice(&(count as u32).to_be_bytes());
        if count == 1 {
            // The common case: no attributes to sort, written in place.
            for a in rdn.iter() {
                prefixed(&mut out, |o| ava(o, a));
            }
            continue;
        }
        let mut avas: Vec<Vec<u8>> = rdn
            .iter()
            .map(|a| {
                let mut v = Vec::new();
                ava(&mut v, a);
                v
            })
            .collect();
        avas.sort();
        for a in &avas {
            push_prefixed(&mut out, a);
        }
    }
    out
}

/// One attribute: its type, then its folded text (marked 1) or, for a
/// value that is no string, its tag and bytes (marked 0).
fn ava(v: &mut Vec<u8>, a: &AttributeTypeAndValue<'_>) {
    push_prefixed(v, a.attr_type().as_bytes());
    match decode(a.attr_value()) {
        Some(text) => {
            v.push(1);
            prefixed(v, |o| fold_into(o, &text));
        }
        None => {
            v.push(0);
            v.extend_from_slice(&a.attr_value().tag().0.to_be_bytes());
            push_prefixed(v, a.attr_value().data);
        }
    }
}

/// Writes what `write` writes, preceded by its length (four bytes, big
/// endian), as [`push_prefixed`] would.
fn prefixed(out: &mut Vec<u8>, write: impl FnOnce(&mut Vec<u8>)) {
    let at = out.len();
    out.extend_from_slice(&[0; 4]);
    write(out);
    let len = (out.len() - at - 4) as u32;
    out[at..at + 4].copy_from_slice(&len.to_be_bytes());
}

/// Appends `bytes` preceded by their length, so that concatenations
/// cannot collide.
fn push_prefixed(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// The folded form of a string value: leading and trailing white space
/// removed, inner runs collapsed to one space, ASCII letters lower-cased.
fn fold_into(out: &mut Vec<u8>, text: &str) {
    let mut first = true;
    for word in text.split(|c: char| c.is_ascii_whitespace()) {
        if word.is_empty() {
            continue;
        }
        if !first {
            out.push(b' ');
        }
        first = false;
        out.extend(word.bytes().map(|b| b.to_ascii_lowercase()));
    }
}

/// The string types OpenSSL converts to UTF-8 before comparing; `None`
/// for values that are no string (those compare byte for byte) or do not
/// decode.
fn decode<'a>(v: &'a Any<'_>) -> Option<Cow<'a, str>> {
    let d = v.data;
    match v.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::VisibleString => {
            std::str::from_utf8(d).ok().map(Cow::Borrowed)
        }
        // T.61 as OpenSSL reads it: one byte, one Latin-1 character.
        Tag::TeletexString => Some(Cow::Owned(d.iter().map(|&b| b as char).collect())),
        Tag::BmpString if d.len().is_multiple_of(2) => {
            let units: Vec<u16> = d
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok().map(Cow::Owned)
        }
        Tag::UniversalString if d.len().is_multiple_of(4) => d
            .chunks_exact(4)
            .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
            .collect::<Option<String>>()
            .map(Cow::Owned),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::x509::X509NameBuilder;
    use x509_parser::prelude::FromDer;

    /// A name of `(field, value, ASN.1 string type)` entries, canonical.
    fn canon(entries: &[(&str, &str, openssl::asn1::Asn1Type)]) -> Vec<u8> {
        let mut b = X509NameBuilder::new().unwrap();
        for (f, v, t) in entries {
            b.append_entry_by_text_with_type(f, v, *t).unwrap();
        }
        let der = b.build().to_der().unwrap();
        let (_, n) = X509Name::from_der(&der).unwrap();
        canonical(&n)
    }

    #[test]
    fn case_white_space_and_string_type_do_not_count() {
        use openssl::asn1::Asn1Type as T;
        let a = canon(&[
            ("C", "DE", T::PRINTABLESTRING),
            ("O", "SAP  SE", T::UTF8STRING),
            ("CN", " Client CA ", T::UTF8STRING),
        ]);
        let b = canon(&[
            ("C", "de", T::PRINTABLESTRING),
            ("O", "sap se", T::PRINTABLESTRING),
            ("CN", "CLIENT   CA", T::UTF8STRING),
        ]);
        assert_eq!(a, b);
        // Another value, another order of the same attributes: not equal.
        let c = canon(&[("C", "DE", T::PRINTABLESTRING), ("O", "SAP", T::UTF8STRING)]);
        let d = canon(&[("O", "SAP", T::UTF8STRING), ("C", "DE", T::PRINTABLESTRING)]);
        assert_ne!(c, d);
        assert_ne!(
            canon(&[("CN", "Client CA", T::UTF8STRING)]),
            canon(&[("CN", "ClientCA", T::UTF8STRING)])
        );
    }

    #[test]
    fn bmp_strings_fold_like_utf8() {
        use openssl::asn1::Asn1Type as T;
        // "Root  CA" in UTF-16BE, as a BMPString holds it.
        let bmp: String = "Root  CA".chars().flat_map(|c| ['\0', c]).collect();
        assert_eq!(
            canon(&[("CN", &bmp, T::BMPSTRING)]),
            canon(&[("CN", "root ca", T::UTF8STRING)])
        );
    }
}
