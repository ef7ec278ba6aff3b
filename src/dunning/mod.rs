//! Dunning policy: which reminders are due, on which business day, to whom; escalations; late
//! interest and the demand for payment.
//!
//! The planner is a pure function of (open invoices, what was sent, client states, calendar,
//! today). The round that loads its inputs and turns its decisions into outbox rows, in the same
//! transaction as the `reminder_items` rows whose primary key (invoice, step) makes a second send
//! of a step impossible, is a use case: [`crate::services::dunning`].

pub mod calendar;
pub mod config;
pub mod demand;
pub mod interest;
pub mod planner;
pub mod window;
pub mod words;
