//! Who paid: a known account of a client, a NIP in the title, the payer's name. And who did not
//! pay us for an invoice at all: a supplier sending money back, a refund.

use super::{Context, Evidence, Index, Payment, Rule, names, titles};

/// The payer, as far as the payment tells.
pub(super) enum Payer {
    /// Identified: the client, by which rule, and the evidence in words.
    Known {
        client: i64,
        rule: Rule,
        why: Evidence,
    },
    /// Several clients fit: why, and which.
    Ambiguous {
        why: Evidence,
        clients: Vec<i64>,
    },
    Unknown,
}

impl Payer {
    pub(super) fn client(&self) -> Option<i64> {
        match self {
            Payer::Known { client, .. } => Some(*client),
            _ => None,
        }
    }
}

/// Identifies the payer: by a known account, else a NIP in the title, else the payer's name.
pub(super) fn identify(ix: &Index<'_>, p: &Payment, ctx: &Context) -> Payer {
    if let Some(acc) = &p.counterparty_account {
        match ix.by_account.get(acc.as_str()).map(Vec::as_slice) {
            Some([id]) => {
                return Payer::Known {
                    client: *id,
                    rule: Rule::Account,
                    why: Evidence::PayerAccount {
                        account: acc.clone(),
                        client: ix.client_name(*id).into(),
                    },
                };
            }
            Some(ids) if ids.len() > 1 => {
                return Payer::Ambiguous {
                    why: Evidence::AccountOfSeveral {
                        account: acc.clone(),
                    },
                    clients: ids.to_vec(),
                };
            }
            _ => {}
        }
    }
    let nips: Vec<i64> = titles::nips(&p.title, ctx.our_nip.as_deref())
        .iter()
        .filter_map(|n| ix.by_nip.get(n.as_str()).copied())
        .collect();
    match nips.as_slice() {
        [id] => {
            return Payer::Known {
                client: *id,
                rule: Rule::Nip,
                why: Evidence::PayerNip {
                    client: ix.client_name(*id).into(),
                },
            };
        }
        [_, _, ..] => {
            return Payer::Ambiguous {
                why: Evidence::NipsOfSeveral,
                clients: nips,
            };
        }
        [] => {}
    }
    let texts = names::payer_texts(
        p.counterparty_name.as_deref(),
        p.counterparty_address.as_deref(),
    );
    match ix.names.find(&texts) {
        names::NameMatch::One(c) => Payer::Known {
            client: c,
            rule: Rule::Name,
            why: Evidence::PayerName {
                client: ix.client_name(c).into(),
            },
        },
        names::NameMatch::Several(ids) => {
            let clients = ids.iter().map(|c| ix.client_name(*c).to_string()).collect();
            Payer::Ambiguous {
                why: Evidence::NameOfSeveral { clients },
                clients: ids,
            }
        }
        names::NameMatch::None => Payer::Unknown,
    }
}

/// Words of a transfer that sends money back rather than paying an invoice.
const REFUND_WORDS: &[&str] = &["ZWROT", "REFUND", "STORNO", "CHARGEBACK", "ZWRACAMY"];

/// Why this payment is not a customer paying an invoice, if it is not: refund wording in the
/// title, or an account our outgoing transfers went to (a supplier) that no client pays from.
pub(super) fn not_a_customer(
    ix: &Index<'_>,
    p: &Payment,
    title: &titles::Title<'_>,
    ctx: &Context,
    payer: &Payer,
) -> Option<Evidence> {
    if let Some(w) = title
        .words()
        .find(|w| REFUND_WORDS.iter().any(|r| w.starts_with(r)))
    {
        return Some(Evidence::Refund {
            word: w.to_string(),
        });
    }
    let by_account = matches!(
        payer,
        Payer::Known {
            rule: Rule::Account,
            ..
        }
    );
    if let Some(acc) = &p.counterparty_account
        && ctx.supplier_accounts.contains(acc)
        && !by_account
        && !ix.by_account.contains_key(acc.as_str())
    {
        return Some(Evidence::SupplierAccount {
            account: acc.clone(),
        });
    }
    None
}
