//! All integration tests compile into this one binary (one link instead of many).

mod app;
mod archives;
mod billing;
mod cli;
mod commands;
mod conversations;
mod dunning;
mod golden;
mod hostile;
mod import;
mod inprocess;
mod large;
mod mail;
mod mailstack;
mod reconcile;
mod reports;
mod robustness;
mod spreadsheets;
mod support;
