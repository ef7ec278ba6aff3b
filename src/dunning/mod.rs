//! Dunning: which reminders are due, on which business day, to whom; escalations, payment
//! confirmations, late interest and the demand for payment.
//!
//! The planner is a pure function of (open invoices, what was sent, client states, calendar,
//! today). [`service`] loads its inputs from the store and turns its decisions into outbox rows in
//! the same transaction as the `reminder_items` rows whose primary key (invoice, step) makes a
//! second send of a step impossible.

pub mod calendar;
pub mod config;
pub mod demand;
pub mod interest;
pub mod planner;
pub mod samples;
pub mod service;
pub mod window;
