//! Zip archives of reports: each member becomes a report of its own. Hostile archives are refused
//! before they cost anything: too many members, members or a total larger than the limits (counted
//! while inflating, never trusted from the headers), and names that try to escape (`../`, absolute
//! paths). A zip inside a zip is refused as a member; the other members still go through.
//!
//! An XLSX or ODS file is a zip too: those are spreadsheets, not archives (see [`is_archive`]).

use crate::domain::Said;
use std::io::{Cursor, Read};

/// Limits on one archive.
/// Most a member may inflate relative to its compressed size, past [`RATIO_FREE_BYTES`].
const MAX_RATIO: u64 = 200;
/// Inflated size below which the ratio is not checked (a small file of blanks compresses well).
const RATIO_FREE_BYTES: u64 = 16 << 20;

#[derive(Debug, Clone, Copy)]
pub struct ArchiveLimits {
    pub max_members: usize,
    pub max_member_bytes: u64,
    pub max_total_bytes: u64,
}

/// One member: its bytes, or why it was refused.
#[derive(Debug)]
pub struct Member {
    pub name: String,
    pub content: Result<Body, Said>,
}

/// A member's bytes: inflated, or — a large one — where they lie in the archive, to be inflated
/// as they are read, so a statement of hundreds of MiB in a zip never sits in memory whole.
#[derive(Debug)]
pub enum Body {
    Inflated(Vec<u8>),
    Packed(Packed),
}

/// A member left compressed: its data's place in the archive, how it is compressed, the most it
/// may inflate to, and the checksum its bytes must have.
#[derive(Debug, Clone, Copy)]
pub struct Packed {
    pub start: usize,
    pub len: usize,
    pub deflated: bool,
    pub cap: u64,
    /// Whether the cap comes from [`MAX_RATIO`] rather than the size limit (it says which).
    pub cap_by_ratio: bool,
    pub crc32: u32,
    pub size: u64,
}

/// Members compressed to more than this are streamed ([`Body::Packed`]).
const STREAM_FROM_BYTES: u64 = 1 << 20;

impl Packed {
    /// A reader of the member's inflated bytes out of `archive`. Reading past the cap, or to an
    /// end whose checksum differs, is an error saying so.
    pub fn reader<'a>(&self, archive: &'a [u8], name: &str) -> Box<dyn Read + Send + 'a> {
        let data = archive
            .get(self.start..self.start + self.len)
            .unwrap_or(&[]);
        let inner: Box<dyn Read + Send + 'a> = if self.deflated {
            Box::new(flate2::read::DeflateDecoder::new(data))
        } else {
            Box::new(data)
        };
        Box::new(Capped {
            inner,
            read: 0,
            cap: self.cap,
            by_ratio: self.cap_by_ratio,
            crc: crc32fast::Hasher::new(),
            want: self.crc32,
            name: name.to_string(),
        })
    }
}

struct Capped<'a> {
    inner: Box<dyn Read + Send + 'a>,
    read: u64,
    cap: u64,
    by_ratio: bool,
    crc: crc32fast::Hasher,
    want: u32,
    name: String,
}

impl Read for Capped<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.cap {
            let said = if self.by_ratio {
                ratio_bomb(&self.name)
            } else {
                member_bomb(&self.name, self.cap)
            };
            return Err(said.into_io());
        }
        self.crc.update(&buf[..n]);
        if n == 0 && !buf.is_empty() && self.crc.clone().finalize() != self.want {
            let name = &self.name;
            return Err(crate::said!(
                "plik {name} w archiwum jest uszkodzony: suma kontrolna się nie zgadza",
                "member {name} is damaged: its checksum does not match"
            )
            .into_io());
        }
        Ok(n)
    }
}

/// A member, in memory or streamed, that inflates past the size limit `max`.
fn member_bomb(name: &str, max: u64) -> Said {
    let (pl, en) = if max.is_multiple_of(1 << 20) {
        let mib = max >> 20;
        (format!("{mib} MiB"), format!("{mib} MiB"))
    } else {
        (format!("{max} bajtów"), format!("{max} bytes"))
    };
    crate::said!(
        "plik {name:?} po rozpakowaniu ma więcej niż {pl}; archiwum odrzucone jako bomba zip",
        "member {name:?} inflates to more than {en}; the archive is refused as a zip bomb"
    )
}

fn ratio_bomb(name: &str) -> Said {
    crate::said!(
        "plik {name:?} rozpakowuje się ponad {MAX_RATIO} razy bardziej, niż zajmuje w archiwum; archiwum odrzucone jako bomba zip",
        "member {name:?} inflates more than {MAX_RATIO} times its compressed size; the archive is refused as a zip bomb"
    )
}

/// True for a zip that is not an office document (no `[Content_Types].xml`, no ODF `mimetype`).
pub fn is_archive(bytes: &[u8]) -> bool {
    if !bytes.starts_with(b"PK\x03\x04") {
        return false;
    }
    match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(z) => !z
            .file_names()
            .flatten()
            .any(|n| n == "[Content_Types].xml" || n == "mimetype" || n == "xl/workbook.xml"),
        Err(_) => false,
    }
}

/// A member name that would leave the archive if written to disk: absolute (`/x`, `\\x`, a
/// Windows drive `C:x`, a UNC `\\\\host`), with a `..` component under either separator, or
/// with a NUL. Such an archive is hostile or broken; it is refused whole.
fn leaves_archive(name: &str) -> bool {
    let b = name.as_bytes();
    name.starts_with(['/', '\\'])
        || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
        || name.contains('\0')
        || name.split(['/', '\\']).any(|part| part.trim() == "..")
}

/// Unpacks the members, in archive order. `Err` refuses the whole archive.
pub fn unpack(bytes: &[u8], limits: ArchiveLimits) -> Result<Vec<Member>, Said> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        crate::said!(
            "to nie jest czytelne archiwum zip",
            "not a readable zip archive: {e}"
        )
    })?;
    if zip.len() > limits.max_members {
        let (n, max) = (zip.len(), limits.max_members);
        return Err(crate::said!(
            "archiwum ma {n} plików, więcej niż limit {max}",
            "the archive has {n} members, more than the limit of {max}"
        ));
    }
    let mut members = Vec::new();
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).map_err(|e| {
            let k = i + 1;
            crate::said!(
                "plik {k} archiwum jest uszkodzony",
                "member {k} is damaged: {e}"
            )
        })?;
        let name = f
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| format!("member {}", i + 1));
        if f.is_dir() {
            continue;
        }
        // The name must stay inside the archive: no absolute paths, no "..".
        if f.enclosed_name().is_none() || leaves_archive(&name) {
            return Err(crate::said!(
                "plik {name:?} ma ścieżkę wychodzącą poza archiwum; archiwum odrzucono",
                "member {name:?} has a path that leaves the archive; the archive is refused"
            ));
        }
        let base = name.rsplit(['/', '\\']).next().unwrap_or(&name);
        if name.starts_with("__MACOSX/") || base.starts_with('.') || base.is_empty() {
            continue;
        }
        if f.encrypted() {
            members.push(Member {
                name,
                content: Err(crate::said!(
                    "plik w archiwum jest zaszyfrowany",
                    "the member is encrypted"
                )),
            });
            continue;
        }
        // Inflate with a cap: declared sizes in a zip bomb lie.
        let budget = limits
            .max_member_bytes
            .min(limits.max_total_bytes.saturating_sub(total));
        // Real reports shrink five to twenty times in a zip; a bomb, a thousand times. Past a
        // few MiB, a member may not inflate more than MAX_RATIO times its compressed size.
        let by_ratio = f
            .compressed_size()
            .saturating_mul(MAX_RATIO)
            .max(RATIO_FREE_BYTES);
        let cap = budget.min(by_ratio);
        if f.compressed_size() > STREAM_FROM_BYTES
            && let Some(start) = f.data_start()
            && matches!(
                f.compression(),
                zip::CompressionMethod::Stored | zip::CompressionMethod::Deflated
            )
        {
            let packed = Packed {
                start: start as usize,
                len: f.compressed_size() as usize,
                deflated: f.compression() == zip::CompressionMethod::Deflated,
                cap: limits.max_member_bytes.min(by_ratio),
                cap_by_ratio: by_ratio < limits.max_member_bytes,
                crc32: f.crc32(),
                size: f.size(),
            };
            let mut magic = [0u8; 4];
            let got = packed.reader(bytes, &name).read(&mut magic).unwrap_or(0);
            // A zip inside (or an XLSX) is inflated below and looked at whole.
            if !magic[..got].starts_with(b"PK") {
                members.push(Member {
                    name,
                    content: Ok(Body::Packed(packed)),
                });
                continue;
            }
        }
        let mut content = Vec::new();
        let read = (&mut f).take(cap + 1).read_to_end(&mut content);
        if let Err(e) = read {
            members.push(Member {
                name,
                content: Err(crate::said!(
                    "plik w archiwum jest uszkodzony i nie da się go rozpakować",
                    "the member is damaged and cannot be inflated: {e}"
                )),
            });
            continue;
        }
        if content.len() as u64 > cap {
            let total_max = limits.max_total_bytes;
            if cap == by_ratio && by_ratio < budget {
                return Err(ratio_bomb(&name));
            }
            return Err(if cap < limits.max_member_bytes {
                crate::said!(
                    "archiwum po rozpakowaniu ma łącznie więcej niż {total_max} bajtów; odrzucone jako bomba zip",
                    "the archive inflates to more than {total_max} bytes in total; refused as a zip bomb"
                )
            } else {
                member_bomb(&name, limits.max_member_bytes)
            });
        }
        total += content.len() as u64;
        if content.starts_with(b"PK\x03\x04") && is_archive(&content) {
            members.push(Member {
                name,
                content: Err(crate::said!(
                    "archiwum zip wewnątrz archiwum nie jest rozpakowywane",
                    "a zip inside a zip is not unpacked"
                )),
            });
            continue;
        }
        members.push(Member {
            name,
            content: Ok(Body::Inflated(content)),
        });
    }
    Ok(members)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const LIMITS: ArchiveLimits = ArchiveLimits {
        max_members: 10,
        max_member_bytes: 256 << 20,
        max_total_bytes: 256 << 20,
    };

    fn zip_of(name: &str, bytes: &[u8], method: zip::CompressionMethod) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default().compression_method(method);
        w.start_file(name, opts).unwrap();
        w.write_all(bytes).unwrap();
        w.finish().unwrap().into_inner()
    }

    /// Bytes that do not compress: a member of this size is streamed, not inflated in memory.
    fn noise(len: usize) -> Vec<u8> {
        let mut x: u32 = 0x9E37_79B9;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x >> 24) as u8
            })
            .collect()
    }

    fn packed(members: &[Member]) -> Packed {
        match &members[0].content {
            Ok(Body::Packed(p)) => *p,
            other => panic!("a large member is streamed: {other:?}"),
        }
    }

    #[test]
    fn a_large_member_streams_and_checks_its_crc() {
        let data = noise(3 << 20);
        let zip = zip_of("rok.csv", &data, zip::CompressionMethod::Deflated);
        let p = packed(&unpack(&zip, LIMITS).unwrap());
        let mut out = Vec::new();
        p.reader(&zip, "rok.csv").read_to_end(&mut out).unwrap();
        assert!(out == data, "the streamed member reads back as written");

        // One byte of a stored member changed: its checksum no longer matches.
        let mut zip = zip_of("rok.csv", &data, zip::CompressionMethod::Stored);
        let p = packed(&unpack(&zip, LIMITS).unwrap());
        zip[p.start + (2 << 20)] ^= 0x55;
        let e = p
            .reader(&zip, "rok.csv")
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        let said = Said::io(&e);
        assert!(said.contains("checksum does not match"), "{said:?}");
        assert!(
            said.pl.contains("suma kontrolna się nie zgadza"),
            "{said:?}"
        );
        assert!(said.pl.contains("rok.csv"), "{said:?}");
    }

    #[test]
    fn a_streamed_member_past_its_cap_is_a_bomb_by_ratio_or_by_size() {
        let data = noise(3 << 20);
        let zip = zip_of("rok.csv", &data, zip::CompressionMethod::Stored);
        let mut p = packed(&unpack(&zip, LIMITS).unwrap());
        assert!(!p.cap_by_ratio);
        p.cap = 2 << 20;
        let e = p
            .reader(&zip, "rok.csv")
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        let said = Said::io(&e);
        assert!(said.contains("more than 2 MiB"), "{said:?}");
        // The same words as a member inflated in memory past the limit.
        assert!(said.pl.contains("więcej niż 2 MiB"), "{said:?}");
        assert!(said.pl.contains("bomba zip"), "{said:?}");
        p.cap_by_ratio = true;
        let e = p
            .reader(&zip, "rok.csv")
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        let said = Said::io(&e);
        assert!(said.contains("more than 200 times"), "{said:?}");
        assert!(said.pl.contains("ponad 200 razy"), "{said:?}");
    }

    #[test]
    fn an_unreadable_archive_and_a_damaged_member_are_named_in_plain_polish() {
        let e = unpack(b"PK\x03\x04 not really a zip", LIMITS).unwrap_err();
        assert_eq!(e.pl, "to nie jest czytelne archiwum zip");
        assert!(e.en.starts_with("not a readable zip archive"), "{e:?}");
        // A small member whose compressed bytes were damaged: refused alone, in Polish.
        let data = noise(64 << 10);
        let mut zip = zip_of("a.csv", &data, zip::CompressionMethod::Stored);
        let at = zip
            .windows(16)
            .position(|w| w == &data[1000..1016])
            .unwrap();
        zip[at] ^= 0x55;
        let members = unpack(&zip, LIMITS).unwrap();
        let Err(e) = &members[0].content else {
            panic!("a damaged member is refused");
        };
        assert_eq!(
            e.pl,
            "plik w archiwum jest uszkodzony i nie da się go rozpakować"
        );
        assert!(e.en.starts_with("the member is damaged"), "{e:?}");
    }

    #[test]
    fn a_member_that_inflates_too_far_for_its_size_is_refused_by_ratio() {
        // 20 MiB of blanks compress to some 20 KiB: a thousand times, past the free 16 MiB.
        let zip = zip_of(
            "a.csv",
            &vec![b' '; 20 << 20],
            zip::CompressionMethod::Deflated,
        );
        let e = unpack(&zip, LIMITS).unwrap_err();
        assert!(
            e.contains("more than 200 times its compressed size"),
            "{e:?}"
        );
        assert!(e.pl.contains("bomba zip"), "{e:?}");
        // Under the free size, blanks are fine.
        let zip = zip_of(
            "a.csv",
            &vec![b' '; 1 << 20],
            zip::CompressionMethod::Deflated,
        );
        assert!(matches!(
            unpack(&zip, LIMITS).unwrap()[0].content,
            Ok(Body::Inflated(_))
        ));
    }
}
