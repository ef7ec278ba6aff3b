-- Staff commands by mail: each Message-ID is executed once (a replayed message changes nothing).
CREATE TABLE commands (
    message_id TEXT PRIMARY KEY,
    sender     TEXT NOT NULL,
    -- 'executed' or 'refused' (not vouched for); a refused one stays refused when replayed.
    outcome    TEXT NOT NULL,
    detail     TEXT,
    at         TEXT NOT NULL
);
