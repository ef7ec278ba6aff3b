//! E-mail addresses as we compare them: the bare address, lower-cased; lists of addresses and
//! `@domain` entries; addresses that never get an answer. Pure text, no mail library.

/// The address alone, lower-cased: `Anna <Anna@Firma.PL>` → `anna@firma.pl`.
pub fn bare(text: &str) -> String {
    let t = text.trim();
    let inner = match (t.rfind('<'), t.rfind('>')) {
        (Some(a), Some(b)) if a < b => &t[a + 1..b],
        _ => t,
    };
    inner.trim().to_lowercase()
}

/// The domain part of a bare address.
pub fn domain(address: &str) -> &str {
    address.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
}

/// Whether `address` is on a list of addresses and `@domain` entries (case-insensitive).
pub fn listed(list: &[String], address: &str) -> bool {
    let address = bare(address);
    list.iter().any(|entry| {
        let e = bare(entry);
        if let Some(d) = e.strip_prefix('@') {
            domain(&address) == d
        } else {
            e == address
        }
    })
}

/// Addresses that never get an answer, whatever the message says (RFC 3834 §2: do not respond to
/// list administrators and mailer daemons; a no-reply address cannot read the answer anyway).
pub fn is_unanswerable(address: &str) -> bool {
    let a = bare(address);
    let local = a.split('@').next().unwrap_or("");
    a.is_empty()
        || !a.contains('@')
        || matches!(
            local,
            "mailer-daemon" | "postmaster" | "listserv" | "majordomo"
        )
        || local.starts_with("owner-")
        || local.ends_with("-request")
        || local.ends_with("-bounces")
        || local.contains("noreply")
        || local.contains("no-reply")
        || local.contains("do-not-reply")
        || local.contains("donotreply")
        || local.contains("nie-odpowiadaj")
        || local.contains("nieodpowiadaj")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_addresses() {
        assert_eq!(bare("Anna Nowak <Anna@Firma.PL>"), "anna@firma.pl");
        assert_eq!(bare(" ksiegowosc@firma.pl "), "ksiegowosc@firma.pl");
        assert_eq!(bare("\"Nowak, Anna\" <a@b.pl>"), "a@b.pl");
    }

    #[test]
    fn listed_by_address_or_domain() {
        let list = vec![
            "ksiegowosc@firma.pl".to_string(),
            "@erp.firma.pl".to_string(),
        ];
        assert!(listed(&list, "KSIEGOWOSC@firma.pl"));
        assert!(listed(&list, "Eksport <noreply@erp.firma.pl>"));
        assert!(!listed(&list, "ksiegowosc@firma.pl.evil.test"));
        assert!(!listed(&list, "x@sub.erp.firma.pl"));
    }

    #[test]
    fn unanswerable_senders() {
        for a in [
            "MAILER-DAEMON@mx.firma.pl",
            "noreply@bank.pl",
            "no-reply@erp.pl",
            "lista-request@lists.pl",
            "owner-lista@lists.pl",
            "",
        ] {
            assert!(is_unanswerable(a), "{a}");
        }
        assert!(!is_unanswerable("anna@firma.pl"));
    }
}
