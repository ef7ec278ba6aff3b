//! The `[dunning]` settings: the reminder policy, the send window, the late-payment tables.

use super::calendar::Calendar;
use super::interest::RatePeriod;
use super::planner::{Policy, Step};
use anyhow::{Result, bail};
use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::str::FromStr;

/// One reminder step, relative to the due date.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepConfig {
    /// A short name: part of the outbox key and shown in `remind` and `history`.
    pub name: String,
    /// Days from the due date; negative is before it.
    pub offset_days: i64,
    /// Template name under `templates/<lang>/`; by default `reminder_before` for a step before the
    /// due date, `reminder_after_1` for the first overdue step and `reminder_after_7` after it.
    #[serde(default)]
    pub template: Option<String>,
    /// Escalate when this step brought neither payment nor reply within `escalate_after_days`.
    #[serde(default)]
    pub escalate: bool,
    /// The mail states statutory interest and compensation and carries the demand for payment.
    #[serde(default)]
    pub interest: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DunningConfig {
    /// Reminders on (the daemon plans them on each round).
    pub enabled: bool,
    /// The steps (at most 10). Default: −3 `before`, +1 `after_1`, +7 `after_7` (escalates, states
    /// interest).
    pub steps: Vec<StepConfig>,
    /// Instead of `steps`: a reminder every N days after the due date, `every_count` times.
    pub every_days: Option<i64>,
    pub every_count: usize,
    /// Mail goes out only between these local times, on business days.
    pub send_from: String,
    pub send_until: String,
    /// Extra days the office is closed (no mail goes out), besides weekends and public holidays.
    pub closed_days: Vec<NaiveDate>,
    /// A partial payment moves the next step this many days from the payment.
    pub partial_postpone_days: i64,
    /// A client's reply pauses its reminders this many days.
    pub reply_pause_days: i64,
    /// Overdue reminders wait while the newest bank statement is older than this many business days.
    pub stale_business_days: i64,
    /// Days after an escalating step before the escalation goes out.
    pub escalate_after_days: i64,
    /// Payments older than this (booking date) are not thanked for (an imported year of history
    /// must not thank everyone at once).
    pub confirm_max_age_days: i64,
    /// A payment link, a template over `client` (name, nip, id) and `invoices`, e.g.
    /// `https://pay.example.pl/?nip={{ client.nip }}`. A client's own link wins.
    pub payment_link: Option<String>,
    /// Who in accounting the firmer reminders offer as a contact, e.g. "Anna Nowak, +48 22 123 45 67".
    pub contact: Option<String>,
    /// Statutory interest for commercial transactions (NBP reference rate + 10 pp), per half-year.
    pub interest_rates: Vec<RatePeriod>,
    /// EUR/PLN for the EUR 40/70/100 compensation (the NBP average rate of the last business day of
    /// the month before the due month; keep it current).
    pub eur_pln: Decimal,
    /// The demand for payment gives the debtor this many days.
    pub demand_deadline_days: i64,
    /// Reminders after the due date ask for payment within this many days ("Prosimy o
    /// uregulowanie należności do …").
    pub pay_within_days: i64,
    /// Less than this outstanding (in the invoice's currency) is not chased: a rounding
    /// difference, a bank fee left over. Staff see such invoices in one weekly notice.
    pub min_amount: Decimal,
    /// A client who writes that it has paid: its invoices wait this many business days for the
    /// bank statement to show the money.
    pub paid_claim_business_days: i64,
    /// Days added to every step for clients of a payer class (A–D, see `reports::score`), e.g.
    /// `{ D = -2, A = 2 }`: a habitual late payer hears sooner, a punctual one later. Empty (the
    /// default): every class on the policy's days. A client's own offsets win.
    pub class_offsets: std::collections::BTreeMap<String, i64>,
}

impl Default for DunningConfig {
    fn default() -> Self {
        DunningConfig {
            enabled: true,
            steps: vec![
                step("before", -3, false, false),
                step("after_1", 1, false, false),
                step("after_7", 7, true, true),
            ],
            every_days: None,
            every_count: 4,
            send_from: "09:00".into(),
            send_until: "16:00".into(),
            closed_days: Vec::new(),
            partial_postpone_days: 7,
            reply_pause_days: 5,
            stale_business_days: 2,
            escalate_after_days: 5,
            confirm_max_age_days: 14,
            payment_link: None,
            contact: None,
            interest_rates: super::interest::default_rates(),
            eur_pln: Decimal::new(425, 2),
            demand_deadline_days: 7,
            pay_within_days: 7,
            min_amount: Decimal::new(500, 2),
            paid_claim_business_days: 5,
            class_offsets: Default::default(),
        }
    }
}

fn step(name: &str, offset_days: i64, escalate: bool, interest: bool) -> StepConfig {
    StepConfig {
        name: name.into(),
        offset_days,
        template: None,
        escalate,
        interest,
    }
}

fn time(s: &str, key: &str) -> Result<NaiveTime> {
    NaiveTime::from_str(s)
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M"))
        .map_err(|_| anyhow::anyhow!("dunning.{key}: {s:?} is not a time like \"09:00\""))
}

impl DunningConfig {
    pub fn validate(&self) -> Result<()> {
        for (class, days) in &self.class_offsets {
            if !["A", "B", "C", "D"].contains(&class.as_str()) {
                bail!("dunning.class_offsets: {class:?} is not a payer class (A, B, C or D)");
            }
            if !(-30..=30).contains(days) {
                bail!("dunning.class_offsets.{class}: {days} is not between -30 and 30 days");
            }
        }
        if let Some(n) = self.every_days
            && n < 1
        {
            bail!("dunning.every_days must be at least 1");
        }
        let steps = self.policy_steps();
        if steps.is_empty() {
            bail!("dunning: at least one step is needed");
        }
        if steps.len() > 10 {
            bail!("dunning: at most 10 steps, not {}", steps.len());
        }
        for (i, s) in steps.iter().enumerate() {
            if s.name.is_empty()
                || !s
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                bail!(
                    "dunning.steps: name {:?}: use letters, digits, _ and -",
                    s.name
                );
            }
            if steps[..i].iter().any(|o| o.name == s.name) {
                bail!("dunning.steps: name {:?} is used twice", s.name);
            }
            if steps[..i].iter().any(|o| o.offset_days == s.offset_days) {
                bail!("dunning.steps: two steps at offset {}", s.offset_days);
            }
        }
        let (from, until) = self.window()?;
        if from >= until {
            bail!("dunning: send_from must be before send_until");
        }
        for (k, v) in [
            ("partial_postpone_days", self.partial_postpone_days),
            ("reply_pause_days", self.reply_pause_days),
            ("stale_business_days", self.stale_business_days),
            ("escalate_after_days", self.escalate_after_days),
            ("confirm_max_age_days", self.confirm_max_age_days),
            ("demand_deadline_days", self.demand_deadline_days),
            ("pay_within_days", self.pay_within_days),
            ("paid_claim_business_days", self.paid_claim_business_days),
        ] {
            if !(0..=366).contains(&v) {
                bail!("dunning.{k} must be between 0 and 366, not {v}");
            }
        }
        if self.min_amount < Decimal::ZERO {
            bail!("dunning.min_amount must not be negative");
        }
        if self.eur_pln <= Decimal::ZERO {
            bail!("dunning.eur_pln must be positive");
        }
        super::interest::validate_rates(&self.interest_rates)?;
        Ok(())
    }

    /// The send window, local time.
    pub fn window(&self) -> Result<(NaiveTime, NaiveTime)> {
        Ok((
            time(&self.send_from, "send_from")?,
            time(&self.send_until, "send_until")?,
        ))
    }

    pub fn calendar(&self) -> Calendar {
        Calendar {
            closed: self.closed_days.iter().copied().collect(),
        }
    }

    fn policy_steps(&self) -> Vec<Step> {
        match self.every_days {
            Some(n) => {
                let count = self.every_count.clamp(1, 10);
                (1..=count as i64)
                    .map(|k| Step {
                        name: format!("after_{}", k * n),
                        offset_days: k * n,
                        template: None,
                        escalate: k == 2 || (count == 1),
                        interest: k == count as i64,
                    })
                    .collect()
            }
            None => self
                .steps
                .iter()
                .map(|s| Step {
                    name: s.name.clone(),
                    offset_days: s.offset_days,
                    template: s.template.clone(),
                    escalate: s.escalate,
                    interest: s.interest,
                })
                .collect(),
        }
    }

    pub fn policy(&self) -> Policy {
        let mut steps = self.policy_steps();
        steps.sort_by_key(|s| s.offset_days);
        Policy {
            steps,
            partial_postpone_days: self.partial_postpone_days,
            reply_pause_days: self.reply_pause_days,
            stale_business_days: self.stale_business_days,
            escalate_after_days: self.escalate_after_days,
            min_amount: self.min_amount,
        }
    }
}
