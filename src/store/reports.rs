use super::{Store, Tx};
use anyhow::Result;
use rusqlite::{OptionalExtension, params};

/// A report as recorded: what came in, from whom, and what became of it.
#[derive(Debug, Clone)]
pub struct ReportRecord<'a> {
    pub file_name: &'a str,
    pub sha256: &'a str,
    pub sender: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub profile: Option<&'a str>,
    pub outcome: &'a str,
    pub detail: Option<&'a str>,
}

impl Store {
    /// The earlier import of the same bytes, if any: (report id, received at).
    pub fn imported_report_by_sha(&self, sha256: &str) -> Result<Option<(i64, String)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, received_at FROM reports WHERE sha256 = ?1 AND outcome = 'imported'",
                [sha256],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }
}

impl Tx<'_> {
    /// The report imported with these bytes, if any (inside the importing transaction).
    pub fn imported_report_by_sha(&self, sha256: &str) -> Result<Option<i64>> {
        Ok(self
            .tx
            .query_row(
                "SELECT id FROM reports WHERE sha256 = ?1 AND outcome = 'imported'",
                [sha256],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Names a streamed report's bytes once they were all read, and the newest booking day of
    /// a statement.
    pub fn finish_report(
        &self,
        id: i64,
        sha256: &str,
        newest_booking: Option<chrono::NaiveDate>,
    ) -> Result<()> {
        self.tx.execute(
            "UPDATE reports SET sha256 = ?2, newest_booking = COALESCE(?3, newest_booking) WHERE id = ?1",
            params![id, sha256, newest_booking.map(|d| d.to_string())],
        )?;
        Ok(())
    }

    /// The newest booking day of a statement's operations.
    pub fn set_newest_booking(&self, id: i64, day: chrono::NaiveDate) -> Result<()> {
        self.tx.execute(
            "UPDATE reports SET newest_booking = ?2 WHERE id = ?1",
            params![id, day.to_string()],
        )?;
        Ok(())
    }

    pub fn insert_report(&self, r: &ReportRecord<'_>) -> Result<i64> {
        self.tx.execute(
            "INSERT INTO reports (file_name, sha256, sender, kind, profile, received_at, outcome, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![r.file_name, r.sha256, r.sender, r.kind, r.profile, self.now_text(), r.outcome, r.detail],
        )?;
        Ok(self.tx.last_insert_rowid())
    }

    pub fn set_report_counts(
        &self,
        id: i64,
        rows_read: usize,
        new: usize,
        known: usize,
        updated: usize,
    ) -> Result<()> {
        self.tx.execute(
            "UPDATE reports SET rows_read = ?2, new_count = ?3, known_count = ?4, updated_count = ?5 WHERE id = ?1",
            params![id, rows_read as i64, new as i64, known as i64, updated as i64],
        )?;
        Ok(())
    }
}
