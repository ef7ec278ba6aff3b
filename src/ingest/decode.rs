//! Bytes → text for text reports. Banks differ even between export types of one bank: detect the
//! encoding from the bytes, never from the file name or the sender.

use encoding_rs::{Encoding, ISO_8859_2, UTF_8, WINDOWS_1250};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the file is empty (0 bytes)")]
    Empty,
    #[error("the file is binary data, not text (byte 0x{byte:02X} at offset {offset})")]
    Binary { byte: u8, offset: usize },
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
    let enc = if guess == ISO_8859_2 {
        ISO_8859_2
    } else {
        WINDOWS_1250
    };
    let (text, _, _) = enc.decode(bytes);
    Ok(Decoded {
        text: text.into_owned(),
        encoding: enc.name(),
    })
}

/// What chardetng needs to see: the lines with non-ASCII bytes, up to 64 KiB of them. Feeding a
/// whole 20 MB statement costs a third of the import time and decides nothing more.
fn detection_sample(bytes: &[u8]) -> Vec<u8> {
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
