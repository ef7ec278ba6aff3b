//! The mail side of skarbnik: reading the watched mailbox, deciding what each message is,
//! composing answers, and sending through the outbox.
//!
//! ```text
//! MailSource (Maildir | IMAP) ─► Inbound::parse ─► classify ─► act (import, record, reply)
//!                                                              │ one transaction: message row + outbox row
//! MailSender (SMTP | .eml folder) ◄─ outbox worker ◄───────────┘
//! ```
//!
//! Pure parts (`inbound`, `classify`, `compose`) have unit tests without I/O; the daemon and the
//! two sources and senders are tested against a real Dovecot and Postfix (tests/it/mail*.rs).

pub mod address;
pub mod classify;
pub mod compose;
pub mod daemon;
pub mod imap;
pub mod inbound;
pub mod maildir;
pub mod sender;
pub mod source;
pub mod summary;
pub mod tls;
