//! The use cases, each one store transaction (or one per report), shared by the CLI and the
//! daemon: they are the only way either of them changes anything.
//!
//! * [`import`]: report files → stored records, then [`reconcile`].
//! * [`reconcile`]: open payments → allocations or review, by the pure rules of
//!   [`crate::reconcile`].
//! * [`matching`]: a person's `match` and `unmatch`.
//! * [`dunning`]: a round of reminders, escalations, confirmations and staff notices.
//! * [`inbound`]: one mail from the watched mailbox: a report, a command, a bounce, a client's
//!   reply, our own copy, or something for people.
//!
//! They take what they need as [`Env`] and the store apart, so the caller can lend the store
//! mutably while the rest stays shared.

pub mod billing;
pub mod clients;
pub mod dunning;
pub mod import;
pub mod inbound;
pub mod matching;
pub mod other_exports;
pub mod reconcile;
pub mod reports;

use crate::clock::SharedClock;
use crate::config::Config;
use crate::ingest::ParseContext;
use crate::ingest::profile::Profile;
use crate::isolate::Isolation;
use crate::outbox::Identity;
use crate::templates::Templates;

/// How report files are read: the profiles, the parsing context and the worker process.
pub struct ImportSetup {
    pub profiles: Vec<Profile>,
    pub parse_ctx: ParseContext,
    /// Parse in a child process with limits; `None` parses in this process.
    pub isolation: Option<Isolation>,
    /// Files larger than this are refused before they are read whole.
    pub max_file_bytes: u64,
}

impl ImportSetup {
    /// An importer acting as `actor` (for the audit log).
    pub fn importer<'a>(&'a self, actor: &'a str) -> import::Importer<'a> {
        import::Importer {
            profiles: &self.profiles,
            ctx: &self.parse_ctx,
            max_file_bytes: self.max_file_bytes,
            actor,
            isolation: self.isolation.as_ref(),
            progress: None,
        }
    }
}

/// What the use cases share besides the store.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    pub config: &'a Config,
    pub templates: &'a Templates,
    pub identity: &'a Identity,
    pub clock: &'a SharedClock,
}

impl Env<'_> {
    /// Today in the company's time zone.
    pub fn today(&self) -> chrono::NaiveDate {
        self.clock.today(self.config.timezone())
    }

    /// The dunning round with these settings.
    pub fn dunning(&self) -> dunning::Dunning<'_> {
        dunning::Dunning {
            config: self.config,
            templates: self.templates,
            identity: self.identity,
        }
    }
}
