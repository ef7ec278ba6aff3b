//! The application assembled once from settings: the store, the clock, the templates, who we
//! send as, how reports are read. The CLI and the daemon both start here; tests build one on a
//! temporary folder with a fixed clock.

use crate::clock::SharedClock;
use crate::config::Config;
use crate::ingest::profile::Profile;
use crate::ingest::{ParseContext, spreadsheet::SheetLimits};
use crate::outbox::Identity;
use crate::services::{Env, ImportSetup};
use crate::store::Store;
use crate::templates::Templates;
use anyhow::{Context as _, Result};
use std::cell::OnceCell;

pub struct App {
    pub config: Config,
    pub store: Store,
    pub clock: SharedClock,
    pub templates: Templates,
    pub identity: Identity,
    /// Profiles are read on first use, so a broken user profile stops `import` and the daemon,
    /// not `invoices`.
    import: OnceCell<ImportSetup>,
}

impl App {
    /// Opens the store (migrating it) and builds the rest from `config`.
    pub fn open(config: Config, clock: SharedClock) -> Result<App> {
        let store = Store::open_with_clock(&config.store.database, clock.clone())?;
        let templates = Templates::new(config.templates.dir.as_deref());
        let identity = Identity::from_config(&config, clock.clone())?;
        Ok(App {
            config,
            store,
            clock,
            templates,
            identity,
            import: OnceCell::new(),
        })
    }

    /// What the use cases share, the import setup's cell and the store, borrowed apart.
    fn split(&mut self) -> (Env<'_>, &OnceCell<ImportSetup>, &mut Store) {
        let App {
            config,
            store,
            clock,
            templates,
            identity,
            import,
        } = self;
        let env = Env {
            config,
            templates,
            identity,
            clock,
        };
        (env, import, store)
    }

    /// What the use cases share, and the store apart from it.
    pub fn parts(&mut self) -> (Env<'_>, &mut Store) {
        let (env, _, store) = self.split();
        (env, store)
    }

    pub fn env(&self) -> Env<'_> {
        Env {
            config: &self.config,
            templates: &self.templates,
            identity: &self.identity,
            clock: &self.clock,
        }
    }

    /// Today in the company's time zone.
    pub fn today(&self) -> chrono::NaiveDate {
        self.clock.today(self.config.timezone())
    }

    /// How reports are read (profiles loaded on first use).
    pub fn import_setup(&self) -> Result<&ImportSetup> {
        if let Some(s) = self.import.get() {
            return Ok(s);
        }
        let setup = import_setup(&self.config)?;
        Ok(self.import.get_or_init(|| setup))
    }

    /// Everything for the daemon and imports: the import setup loaded, then the parts.
    pub fn import_parts(&mut self) -> Result<(Env<'_>, &ImportSetup, &mut Store)> {
        self.import_setup()?;
        let (env, import, store) = self.split();
        let import = import.get().context("the import setup was just loaded")?;
        Ok((env, import, store))
    }
}

/// Profiles, parsing context and the isolated worker, from settings.
pub fn import_setup(config: &Config) -> Result<ImportSetup> {
    let isolation = if config.import.isolate {
        let exe = std::env::current_exe()
            .context("cannot find the skarbnik binary to run the parser in")?;
        Some(crate::isolate::Isolation {
            exe,
            timeout: std::time::Duration::from_secs(config.import.parse_timeout_secs.max(1)),
            memory_bytes: config.import.parse_memory_mb.max(64) * 1024 * 1024,
            profiles_dir: Some(config.import.profiles_dir.clone()),
        })
    } else {
        None
    };
    Ok(ImportSetup {
        profiles: Profile::load_all(Some(&config.import.profiles_dir))?,
        parse_ctx: parse_context(config),
        isolation,
        max_file_bytes: config.import.max_file_bytes,
    })
}

/// How report files are read with these settings.
pub fn parse_context(config: &Config) -> ParseContext {
    ParseContext {
        own_accounts: config.own_accounts().to_vec(),
        our_nip: config.our_nip(),
        default_currency: config.currency(),
        timezone: config.timezone(),
        sheet_limits: SheetLimits {
            max_rows: config.import.max_sheet_rows,
            max_columns: config.import.max_sheet_columns,
            max_inflated: config.import.max_inflated_mb.saturating_mul(1024 * 1024),
            ..SheetLimits::default()
        },
    }
}
