//! Dunning: which reminders are due, on which business day, to whom. The planner is a pure
//! function of (open invoices, what was sent, client states, calendar, today); the daemon turns
//! its decisions into outbox rows under `reminder:<invoice>:<step>` keys, so a step is never sent
//! twice. Work in progress (issue 6): policy and planner are here; contacts import, templates,
//! escalation mails, confirmations and late interest are not yet.

pub mod calendar;
pub mod planner;
