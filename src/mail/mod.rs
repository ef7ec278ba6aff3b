//! The inbound side of mail: the watched mailbox behind one narrow trait ([`source::MailSource`]:
//! a Maildir folder or an IMAP account), and what a message is ([`inbound`] parses it,
//! [`classify`] decides, both pure). Acting on a message is the inbound service's
//! ([`crate::services::inbound`]); outgoing mail is the [`crate::outbox`]'s.
//!
//! ```text
//! MailSource (Maildir | IMAP) ─► Inbound::parse ─► classify ─► services::inbound
//! ```
//!
//! The pure parts have unit tests without I/O; the sources are tested against a real Dovecot
//! (tests/it/mail*.rs).

pub mod address;
pub mod classify;
pub mod imap;
pub mod inbound;
pub mod maildir;
pub mod source;
pub mod tls;
