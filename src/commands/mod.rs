//! Staff run skarbnik from their mail client: "pause client X", "status X". [`parse`] reads the
//! grammar (pure), [`auth`] decides who may command and whether the From address is vouched for,
//! [`exec`] carries a command out in a store transaction. The daemon wires them together; the CLI
//! calls [`exec`] directly.

pub mod auth;
pub mod exec;
pub mod parse;
