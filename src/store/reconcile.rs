//! Reconciliation against the store: load what is open, let the pure rules decide, write the
//! decisions in one transaction. Manual `match` and `unmatch` live here too.

use super::{Store, Tx, now_text};
use crate::domain::{Currency, InvoiceNumber};
use crate::reconcile::{self, Client, Decision, Invoice, Outcome, Payment, Rule};
use anyhow::{Context, Result, anyhow, bail};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use std::collections::HashMap;

/// What a reconciliation run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReconcileSummary {
    pub considered: usize,
    pub matched: usize,
    pub review: usize,
    pub unmatched: usize,
    /// Per matched payment: (payment id, invoice numbers, rule).
    pub matches: Vec<(i64, Vec<String>, String)>,
}

impl Store {
    /// Runs the rules over every incoming payment that has no allocation and is not held by a person.
    /// Running it again changes nothing.
    pub fn reconcile(&mut self, our_nip: Option<&str>, actor: &str) -> Result<ReconcileSummary> {
        let (payments, invoices, clients) = self.reconcile_inputs()?;
        let decisions = reconcile::reconcile(&payments, &invoices, &clients, our_nip);
        let numbers: HashMap<i64, &str> = invoices
            .iter()
            .map(|i| (i.id, i.number.original()))
            .collect();
        let accounts: HashMap<i64, Option<&str>> = payments
            .iter()
            .map(|p| (p.id, p.counterparty_account.as_deref()))
            .collect();
        let client_of: HashMap<i64, i64> = invoices.iter().map(|i| (i.id, i.client_id)).collect();
        let tx = self.transaction()?;
        let mut summary = ReconcileSummary {
            considered: payments.len(),
            ..Default::default()
        };
        let now = now_text();
        for d in &decisions {
            tx.apply(d, &numbers, &now, actor, &mut summary)?;
            // A number in the title identified the client: remember the account it paid from.
            if let Outcome::Matched { allocations } = &d.outcome {
                let clients: std::collections::BTreeSet<i64> = allocations
                    .iter()
                    .filter_map(|a| client_of.get(&a.invoice_id).copied())
                    .collect();
                if let (Some(Some(acc)), [client]) = (
                    accounts.get(&d.payment_id),
                    clients.iter().copied().collect::<Vec<_>>().as_slice(),
                ) && allocations.iter().all(|a| a.rule == Rule::InvoiceNumber)
                {
                    tx.add_client_account(*client, acc, &format!("payment:{}", d.payment_id))?;
                }
            }
        }
        tx.commit()?;
        Ok(summary)
    }

    fn reconcile_inputs(&self) -> Result<(Vec<Payment>, Vec<Invoice>, Vec<Client>)> {
        let mut stmt = self.conn.prepare(
            "SELECT p.id, p.amount_minor, p.currency, p.title, p.counterparty_name, p.counterparty_address,
                    CASE WHEN p.account_valid = 1 THEN p.counterparty_account END
             FROM payments p
             WHERE p.kind = 'incoming' AND p.hold = 0
               AND NOT EXISTS (SELECT 1 FROM allocations a WHERE a.payment_id = p.id)
             ORDER BY p.booking_date, p.id",
        )?;
        let payments = stmt
            .query_map([], |r| {
                let cur: String = r.get(2)?;
                Ok(Payment {
                    id: r.get(0)?,
                    amount: r.get(1)?,
                    currency: Currency::parse(&cur).unwrap_or(Currency::PLN),
                    title: r.get(3)?,
                    counterparty_name: r.get(4)?,
                    counterparty_address: r.get(5)?,
                    counterparty_account: r.get(6)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let invoices = self.reconcile_invoices()?;
        let mut accounts: HashMap<i64, Vec<String>> = HashMap::new();
        let mut stmt = self.conn.prepare(
            "SELECT client_id, account FROM client_accounts ORDER BY client_id, account",
        )?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
            let (c, a) = row?;
            accounts.entry(c).or_default().push(a);
        }
        let mut stmt = self.conn.prepare(
            "SELECT id, name, CASE WHEN nip_valid = 1 THEN nip END FROM clients ORDER BY id",
        )?;
        let clients = stmt
            .query_map([], |r| {
                let id: i64 = r.get(0)?;
                Ok(Client {
                    id,
                    name: r.get(1)?,
                    nip: r.get(2)?,
                    accounts: Vec::new(),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .map(|mut c| {
                c.accounts = accounts.remove(&c.id).unwrap_or_default();
                c
            })
            .collect();
        Ok((payments, invoices, clients))
    }

    /// Every invoice with what is still outstanding on it (0 for a paid one, which can still
    /// receive an overpayment): allocations, or the ERP's own figure if it says more is paid.
    fn reconcile_invoices(&self) -> Result<Vec<Invoice>> {
        reconcile_invoices(&self.conn)
    }
}

fn reconcile_invoices(conn: &rusqlite::Connection) -> Result<Vec<Invoice>> {
    {
        let mut stmt = conn.prepare(
            "SELECT i.id, i.number, i.client_id, i.due_date, i.currency, i.gross_minor, i.reported_outstanding_minor,
                    (SELECT COALESCE(SUM(a.amount_minor), 0) FROM allocations a WHERE a.invoice_id = i.id)
             FROM invoices i",
        )?;
        let mut invoices = Vec::new();
        for row in stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, Option<i64>>(6)?,
                r.get::<_, i64>(7)?,
            ))
        })? {
            let (id, number, client_id, due, cur, gross, reported, allocated) = row?;
            let paid = allocated.max(reported.map(|o| gross - o).unwrap_or(0));
            let Ok(number) = InvoiceNumber::parse(&number) else {
                continue;
            };
            invoices.push(Invoice {
                id,
                number,
                client_id,
                due_date: due.and_then(|d| d.parse().ok()),
                currency: Currency::parse(&cur).unwrap_or(Currency::PLN),
                outstanding: (gross - paid).max(0),
            });
        }
        Ok(invoices)
    }
}

fn payment_ref(conn: &rusqlite::Connection, id: i64) -> Result<(i64, String, Option<String>)> {
    {
        conn
            .query_row(
                "SELECT amount_minor, kind, CASE WHEN account_valid = 1 THEN counterparty_account END FROM payments WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?
            .ok_or_else(|| anyhow!("no payment #{id}"))
    }
}

impl Store {
    /// See [`Tx::manual_match`]; in a transaction of its own.
    pub fn manual_match(
        &mut self,
        payment: i64,
        numbers: &[String],
        actor: &str,
    ) -> Result<Vec<(String, i64)>> {
        let tx = self.transaction()?;
        let done = tx.manual_match(payment, numbers, actor)?;
        tx.commit()?;
        Ok(done)
    }

    /// See [`Tx::unmatch`]; in a transaction of its own.
    pub fn unmatch(&mut self, payment: i64, actor: &str) -> Result<usize> {
        let tx = self.transaction()?;
        let n = tx.unmatch(payment, actor)?;
        tx.commit()?;
        Ok(n)
    }
}

impl Tx<'_> {
    /// A person decides: the payment pays these invoices, oldest due first, up to each one's
    /// outstanding; any surplus stays on the last one. The payer's account is remembered for the client.
    pub fn manual_match(
        &self,
        payment: i64,
        numbers: &[String],
        actor: &str,
    ) -> Result<Vec<(String, i64)>> {
        let (amount, kind, account) = payment_ref(&self.tx, payment)?;
        if kind != "incoming" {
            bail!("payment #{payment} is {kind}, not a customer payment");
        }
        let invoices = reconcile_invoices(&self.tx)?;
        let mut chosen = Vec::new();
        for n in numbers {
            let key = InvoiceNumber::parse(n).with_context(|| format!("invoice {n:?}"))?;
            let inv = invoices
                .iter()
                .find(|i| i.number.canonical() == key.canonical())
                .ok_or_else(|| anyhow!("no invoice {n}"))?;
            chosen.push(inv.clone());
        }
        chosen.sort_by(|a, b| {
            (a.due_date.is_none(), a.due_date, a.id).cmp(&(b.due_date.is_none(), b.due_date, b.id))
        });
        let already: i64 = self.tx.query_row(
            "SELECT COALESCE(SUM(amount_minor), 0) FROM allocations WHERE payment_id = ?1",
            [payment],
            |r| r.get(0),
        )?;
        if already > 0 {
            bail!("payment #{payment} is already allocated; unmatch it first");
        }
        let tx = self;
        let now = now_text();
        let mut left = amount;
        let mut done = Vec::new();
        for (k, inv) in chosen.iter().enumerate() {
            let take = if k + 1 == chosen.len() {
                left
            } else {
                left.min(inv.outstanding)
            };
            if take <= 0 {
                continue;
            }
            left -= take;
            tx.insert_allocation(
                payment,
                inv.id,
                take,
                Rule::Manual,
                &format!("matched by {actor}"),
                &now,
                actor,
            )?;
            done.push((inv.number.original().to_string(), take));
        }
        tx.tx.execute("UPDATE payments SET hold = 0, review_reason = NULL, review_candidates = NULL WHERE id = ?1", [payment])?;
        if let Some(acc) = account {
            let clients: std::collections::BTreeSet<i64> =
                chosen.iter().map(|i| i.client_id).collect();
            if clients.len() == 1
                && let Some(c) = clients.first()
            {
                tx.add_client_account(*c, &acc, &format!("manual:{payment}"))?;
            }
        }
        let detail = done
            .iter()
            .map(|(n, m)| format!("{n} {}", rust_decimal::Decimal::new(*m, 2)))
            .collect::<Vec<_>>()
            .join(", ");
        tx.audit(
            actor,
            "payment.matched.manual",
            Some(&format!("payment:{payment}")),
            Some(&detail),
        )?;
        Ok(done)
    }

    /// A person undoes a payment's allocations; automatic reconciliation then leaves it alone.
    pub fn unmatch(&self, payment: i64, actor: &str) -> Result<usize> {
        let (_, kind, _) = payment_ref(&self.tx, payment)?;
        if kind != "incoming" {
            bail!("payment #{payment} is {kind}, not a customer payment");
        }
        let tx = self;
        let n = tx
            .tx
            .execute("DELETE FROM allocations WHERE payment_id = ?1", [payment])?;
        tx.tx.execute(
            "UPDATE payments SET hold = 1, review_reason = ?2, review_candidates = NULL WHERE id = ?1",
            params![payment, format!("unmatched by {actor}; waiting for a manual match")],
        )?;
        tx.audit(
            actor,
            "payment.unmatched",
            Some(&format!("payment:{payment}")),
            Some(&format!("{n} allocations removed")),
        )?;
        Ok(n)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn insert_allocation(
        &self,
        payment: i64,
        invoice: i64,
        amount: i64,
        rule: Rule,
        reason: &str,
        now: &str,
        actor: &str,
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO allocations (payment_id, invoice_id, amount_minor, rule, reason, created_at, created_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![payment, invoice, amount, rule.as_str(), reason, now, actor])?;
        Ok(())
    }

    fn apply(
        &self,
        d: &Decision,
        numbers: &HashMap<i64, &str>,
        now: &str,
        actor: &str,
        summary: &mut ReconcileSummary,
    ) -> Result<()> {
        let subject = format!("payment:{}", d.payment_id);
        match &d.outcome {
            Outcome::Matched { allocations } => {
                for a in allocations {
                    self.insert_allocation(
                        d.payment_id,
                        a.invoice_id,
                        a.amount,
                        a.rule,
                        &a.reason,
                        now,
                        actor,
                    )?;
                }
                self.tx.prepare_cached("UPDATE payments SET review_reason = NULL, review_candidates = NULL WHERE id = ?1")?.execute([d.payment_id])?;
                let invoices: Vec<String> = allocations
                    .iter()
                    .map(|a| {
                        numbers
                            .get(&a.invoice_id)
                            .copied()
                            .unwrap_or("?")
                            .to_string()
                    })
                    .collect();
                let rule = allocations
                    .first()
                    .map(|a| a.rule.as_str())
                    .unwrap_or("?")
                    .to_string();
                let detail = allocations
                    .iter()
                    .map(|a| {
                        format!(
                            "{} {} ({}: {})",
                            numbers.get(&a.invoice_id).copied().unwrap_or("?"),
                            rust_decimal::Decimal::new(a.amount, 2),
                            a.rule.as_str(),
                            a.reason
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                self.audit(actor, "payment.matched", Some(&subject), Some(&detail))?;
                summary.matched += 1;
                summary.matches.push((d.payment_id, invoices, rule));
            }
            Outcome::Review { reason, candidates } => {
                let names: Vec<&str> = candidates
                    .iter()
                    .filter_map(|c| numbers.get(c).copied())
                    .collect();
                let json = serde_json::to_string(&names)?;
                let changed = self
                    .tx
                    .prepare_cached(
                        "UPDATE payments SET review_reason = ?2, review_candidates = ?3
                         WHERE id = ?1 AND (review_reason IS NOT ?2 OR review_candidates IS NOT ?3)",
                    )?
                    .execute(params![d.payment_id, reason, json])?;
                if changed > 0 {
                    self.audit(actor, "payment.review", Some(&subject), Some(reason))?;
                }
                summary.review += 1;
            }
            Outcome::Unmatched { .. } => {
                self.tx.prepare_cached("UPDATE payments SET review_reason = NULL, review_candidates = NULL WHERE id = ?1")?.execute([d.payment_id])?;
                summary.unmatched += 1;
            }
        }
        Ok(())
    }
}
