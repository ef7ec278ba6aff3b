//! Bytes → text for text reports. Banks differ even between export types of one bank: detect the
//! encoding from the bytes, never from the file name or the sender.

use encoding_rs::{Encoding, ISO_8859_2, UTF_8, WINDOWS_1250};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the file is empty (0 bytes)")]
    Empty,
    #[error("the file is binary data, not text (byte 0x{byte:02X} at offset {offset})")]
    Binary { byte: u8, offset: usize },
    #[error(
        "the file looks like UTF-16 text without a byte-order mark; export it as UTF-8 or Windows-1250"
    )]
    Utf16WithoutBom,
    #[error(
        "the file is in an unexpected encoding: byte 0x{byte:02X} at offset {offset} is not text in Windows-1250 or ISO-8859-2 (a DOS/CP852 export?); export it as UTF-8 or Windows-1250"
    )]
    UnexpectedEncoding { byte: u8, offset: usize },
}

impl DecodeError {
    /// In both languages.
    pub fn said(&self) -> crate::domain::Said {
        match self {
            DecodeError::Empty => {
                crate::said!("plik jest pusty (0 bajtów)", "the file is empty (0 bytes)")
            }
            DecodeError::Binary { byte, offset } => crate::said!(
                "plik zawiera dane binarne, a nie tekst (bajt 0x{byte:02X} na pozycji {offset})",
                "the file is binary data, not text (byte 0x{byte:02X} at offset {offset})"
            ),
            DecodeError::Utf16WithoutBom => crate::said!(
                "plik wygląda na tekst UTF-16 bez znacznika kolejności bajtów; proszę wyeksportować go jako UTF-8 albo Windows-1250",
                "the file looks like UTF-16 text without a byte-order mark; export it as UTF-8 or Windows-1250"
            ),
            DecodeError::UnexpectedEncoding { byte, offset } => crate::said!(
                "plik ma nieoczekiwane kodowanie: bajt 0x{byte:02X} na pozycji {offset} nie jest tekstem w Windows-1250 ani ISO-8859-2 (eksport DOS/CP852?); proszę wyeksportować go jako UTF-8 albo Windows-1250",
                "the file is in an unexpected encoding: byte 0x{byte:02X} at offset {offset} is not text in Windows-1250 or ISO-8859-2 (a DOS/CP852 export?); export it as UTF-8 or Windows-1250"
            ),
        }
    }
}

/// Text and the name of the encoding it was decoded from.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub text: String,
    pub encoding: &'static str,
}

/// Detects the encoding (BOM, valid UTF-8, else a single-byte Central European code page chosen by
/// chardetng with the Polish TLD hint) and decodes. Binary data is refused: a spreadsheet or an
/// image renamed `.csv` must not be "read" as garbage rows.
pub fn decode_text(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        if enc == UTF_8 {
            check_text(&text)?;
        }
        return Ok(Decoded {
            text: text.into_owned(),
            encoding: enc.name(),
        });
    }
    if looks_like_utf16(bytes) {
        return Err(DecodeError::Utf16WithoutBom);
    }
    if let Some((offset, &byte)) = bytes.iter().enumerate().find(|(_, b)| {
        **b == 0 || (**b < 0x20 && !matches!(**b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1A))
    }) {
        return Err(DecodeError::Binary { byte, offset });
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(Decoded {
            text: s.to_string(),
            encoding: UTF_8.name(),
        });
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(&detection_sample(bytes), true);
    let guess = detector.guess(Some(b"pl"), chardetng::Utf8Detection::Deny);
    // Polish exports are Windows-1250 or ISO-8859-2; anything else chardetng proposes for a Polish
    // file (e.g. windows-1252 when there are few diacritics) is read as Windows-1250.
    let mut enc = if guess == ISO_8859_2 {
        ISO_8859_2
    } else {
        WINDOWS_1250
    };
    // 0x80-0x9F are controls in ISO-8859-2 but letters (Ś ś Ź ź Š š...) in Windows-1250.
    if enc == ISO_8859_2 && bytes.iter().any(|b| is_foreign(ISO_8859_2, *b)) {
        enc = WINDOWS_1250;
    }
    // Bytes these code pages leave unassigned (or map to C1 controls) never occur in a real
    // Polish export; they do in CP852 ("DOS") files, whose Polish letters sit at 0x80-0x9F.
    // Refusing is better than importing names with garbage letters.
    if let Some((offset, &byte)) = bytes.iter().enumerate().find(|(_, b)| is_foreign(enc, **b)) {
        return Err(DecodeError::UnexpectedEncoding { byte, offset });
    }
    let (text, _, _) = enc.decode(bytes);
    Ok(Decoded {
        text: text.into_owned(),
        encoding: enc.name(),
    })
}

/// Every other byte NUL in the first KiB: UTF-16 written without a BOM.
fn looks_like_utf16(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    if head.len() < 8 {
        return false;
    }
    let nul_even = head.iter().step_by(2).filter(|b| **b == 0).count();
    let nul_odd = head.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
    let half = head.len() / 2;
    nul_even * 10 >= half * 8 || nul_odd * 10 >= half * 8
}

/// Bytes that are not text in this code page: C1 controls in ISO-8859-2, and the five bytes
/// Windows-1250 leaves unassigned (0x81 0x83 0x88 0x90 0x98).
pub(crate) fn is_foreign(enc: &'static encoding_rs::Encoding, b: u8) -> bool {
    if enc == ISO_8859_2 {
        (0x80..=0x9F).contains(&b)
    } else {
        matches!(b, 0x81 | 0x83 | 0x88 | 0x90 | 0x98)
    }
}

/// A file read as UTF-8 so far, with bytes at `offset` that are not: it is refused, not read
/// half in one encoding and half in another.
pub(crate) fn mixed_encodings(offset: u64) -> crate::domain::Said {
    crate::said!(
        "bajty na pozycji {offset} nie są tekstem UTF-8, choć wcześniejsza część pliku nim była; plik ma pomieszane kodowania",
        "the bytes at offset {offset} are not UTF-8 text although the file before them was; the file mixes encodings"
    )
}

/// What chardetng needs to see: the lines with non-ASCII bytes, up to 64 KiB of them. Feeding a
/// whole 20 MB statement costs a third of the import time and decides nothing more.
pub(crate) fn detection_sample(bytes: &[u8]) -> Vec<u8> {
    const LIMIT: usize = 64 * 1024;
    let mut sample = Vec::with_capacity(LIMIT.min(bytes.len()));
    for line in bytes.split(|b| *b == b'\n') {
        if line.iter().any(|b| *b >= 0x80) {
            sample.extend_from_slice(line);
            sample.push(b'\n');
            if sample.len() >= LIMIT {
                break;
            }
        }
    }
    sample
}

fn check_text(text: &str) -> Result<(), DecodeError> {
    match text.char_indices().find(|(_, c)| *c == '\0') {
        Some((offset, _)) => Err(DecodeError::Binary { byte: 0, offset }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom() {
        let d = decode_text("\u{FEFF}Kwota;Tytuł".as_bytes()).unwrap();
        assert_eq!(d.text, "Kwota;Tytuł");
        assert_eq!(d.encoding, "UTF-8");
        assert_eq!(decode_text("Tytuł".as_bytes()).unwrap().text, "Tytuł");
    }

    #[test]
    fn windows_1250_and_iso_8859_2() {
        let sample =
            "Data księgowania;Tytuł;Kwota\n2026-03-12;Zapłata za fakturę, źródło: Łódź;12,00\n";
        let (cp, _, _) = WINDOWS_1250.encode(sample);
        let d = decode_text(&cp).unwrap();
        assert_eq!(d.text, sample);
        assert_eq!(d.encoding, "windows-1250");
        let (iso, _, _) = ISO_8859_2.encode(sample);
        let d = decode_text(&iso).unwrap();
        assert_eq!(d.text, sample);
    }

    #[test]
    fn cp852_is_refused_not_garbled() {
        // "Zażółć gęślą jaźń, Łódź" in CP852 (DOS Latin-2).
        let cp852: &[u8] =
            b"Tytu\x88;Kwota\nZa\xbe\xa2\x88\x86 g\xa9\x98l\xa5 ja\xab\xe4, \x9d\xa2d\xab;12,00\n";
        let e = decode_text(cp852).unwrap_err();
        // Windows-1250's own letters in 0x80-0x9F are not mistaken for it.
        let cp1250 = WINDOWS_1250
            .encode("Śląsk;źródło;Świętość\n")
            .0
            .into_owned();
        assert_eq!(
            decode_text(&cp1250).unwrap().text,
            "Śląsk;źródło;Świętość\n"
        );
        assert!(
            matches!(
                e,
                DecodeError::UnexpectedEncoding {
                    byte: 0x88,
                    offset: 4
                }
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("CP852"), "{e}");
    }

    #[test]
    fn utf16_without_bom_is_named() {
        let utf16: Vec<u8> = "Data;Kwota\n2026-03-01;12,00\n"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert_eq!(
            decode_text(&utf16).unwrap_err(),
            DecodeError::Utf16WithoutBom
        );
        let mut with_bom = vec![0xFF, 0xFE];
        with_bom.extend(&utf16);
        assert_eq!(
            decode_text(&with_bom).unwrap().text,
            "Data;Kwota\n2026-03-01;12,00\n"
        );
    }

    #[test]
    fn binary_and_empty_refused() {
        assert_eq!(decode_text(b"").unwrap_err(), DecodeError::Empty);
        assert!(matches!(
            decode_text(b"PK\x03\x04\x00\x00garbage"),
            Err(DecodeError::Binary {
                byte: 0x03,
                offset: 2
            })
        ));
    }
}
