//! Copying the write-ahead log into the database beside the work, not in its way.
//!
//! SQLite copies a transaction's pages from the WAL into the database file when the
//! transaction commits (the automatic checkpoint). After a year's statement that is some 300 MB,
//! 1.2-1.4 s spent mostly waiting for the disk, and the reconciliation that follows every import
//! waited for it. Here the import's commits leave their pages in the WAL
//! ([`Store::deferring_checkpoints`]), and the reconciliation has another connection copy them
//! while it loads the invoices and payments it decides on ([`Store::checkpoint_behind`]), on the
//! core that loading leaves idle; its own commit's checkpoint then copies only what it wrote.

use super::Store;
use anyhow::Result;
use rusqlite::Connection;

/// A checkpoint running on a connection of its own; [`Behind::wait`] (or dropping it) waits for
/// it to end.
#[must_use = "dropping it waits for the checkpoint at once"]
pub struct Behind(Option<std::thread::JoinHandle<()>>);

impl Behind {
    /// Waits for the checkpoint to end. A checkpoint that fails is logged and not an error: the
    /// pages stay in the WAL, which stays correct and is copied by the next checkpoint (SQLite's
    /// own after the next commit, or when the last connection closes).
    pub fn wait(mut self) {
        self.join();
    }

    fn join(&mut self) {
        if let Some(handle) = self.0.take()
            && handle.join().is_err()
        {
            tracing::warn!("the checkpoint thread failed; the next checkpoint copies its pages");
        }
    }
}

impl Drop for Behind {
    fn drop(&mut self) {
        self.join();
    }
}

/// SQLite's automatic checkpoint: after a commit that leaves this many pages in the WAL.
const AUTOCHECKPOINT_PAGES: i64 = 1000;

impl Store {
    /// Runs `work` (imports, each committing its own transaction) with the automatic checkpoint
    /// off, then on again whatever `work` returns; what the commits wrote waits in the WAL for
    /// [`Store::checkpoint_behind`] (or SQLite's next checkpoint).
    pub fn deferring_checkpoints<T>(
        &mut self,
        work: impl FnOnce(&mut Store) -> Result<T>,
    ) -> Result<T> {
        self.conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        let result = work(self);
        self.wal_behind = true;
        let restored = self
            .conn
            .pragma_update(None, "wal_autocheckpoint", AUTOCHECKPOINT_PAGES);
        let value = result?;
        restored?;
        Ok(value)
    }

    /// Starts copying into the database what [`Store::deferring_checkpoints`] left in the WAL,
    /// on a connection of its own, while this one goes on (a passive checkpoint: it takes no lock
    /// a writer needs, and copies what was committed before this connection's next transaction
    /// began). Nothing to do, or a store without a file: nothing is started.
    pub fn checkpoint_behind(&mut self) -> Behind {
        if !std::mem::take(&mut self.wal_behind) {
            return Behind(None);
        }
        let Some(path) = self
            .conn
            .path()
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
        else {
            return Behind(None);
        };
        let spawned = std::thread::Builder::new()
            .name("checkpoint".into())
            .spawn(move || {
                let started = std::time::Instant::now();
                match passive_checkpoint(&path) {
                    Ok((log, copied)) => tracing::debug!(
                        pages = log,
                        copied,
                        ms = started.elapsed().as_millis() as u64,
                        "checkpointed behind"
                    ),
                    Err(e) => tracing::warn!(
                        "copying the WAL into the database failed ({e:#}); the next checkpoint does it"
                    ),
                }
            });
        match spawned {
            Ok(handle) => Behind(Some(handle)),
            Err(e) => {
                tracing::warn!("no thread for the checkpoint ({e}); SQLite's own does it");
                Behind(None)
            }
        }
    }
}

/// `PRAGMA wal_checkpoint(PASSIVE)` on a new connection to `path`: the pages in the WAL and how
/// many of them are now in the database.
fn passive_checkpoint(path: &str) -> Result<(i64, i64)> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok((r.get(1)?, r.get(2)?))
    })?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Commits some 6 MB (1,500 pages: past the automatic checkpoint's 1,000).
    fn write_pages(store: &mut Store) -> Result<()> {
        let tx = store.transaction()?;
        let detail = "x".repeat(2_000);
        for i in 0..3_000 {
            tx.audit("test", "test.page", Some(&format!("n:{i}")), Some(&detail))?;
        }
        tx.commit()
    }

    fn size(path: &std::path::Path) -> u64 {
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
    }

    #[test]
    fn deferred_commits_wait_in_the_wal_until_checkpointed_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let mut store = Store::open(&path).unwrap();
        let before = size(&path);
        store.deferring_checkpoints(write_pages).unwrap();
        // Committed, yet not copied into the database file.
        assert_eq!(size(&path), before);
        let count = |s: &Store| -> i64 {
            s.conn()
                .query_row("SELECT COUNT(*) FROM audit_log", [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(count(&store), 3_000);
        store.checkpoint_behind().wait();
        let copied = size(&path);
        assert!(copied > before + 5_000_000, "{before} -> {copied}");
        // Nothing left behind: a second call starts nothing, and the automatic checkpoint is on
        // again for what follows.
        assert!(store.checkpoint_behind().0.is_none());
        write_pages(&mut store).unwrap();
        assert!(size(&path) > copied + 5_000_000);
        assert_eq!(count(&store), 6_000);
    }

    #[test]
    fn the_automatic_checkpoint_is_back_whatever_the_work_returns() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        let failed: Result<()> =
            store.deferring_checkpoints(|_| Err(anyhow::anyhow!("a refused report")));
        assert!(failed.is_err());
        let pages: i64 = store
            .conn()
            .pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0))
            .unwrap();
        assert_eq!(pages, AUTOCHECKPOINT_PAGES);
    }
}
