-- Files on messages. The bytes are not here: they are files beside the database
-- (`<database>.files/sha256/ab/cd/<hash>`), named by their SHA-256, written under a temporary
-- name and renamed after fsync. A row is an upload until a message names it (case_id,
-- message_id, attached_at set in the message's transaction, with `attachment.added`); a
-- deleted attachment keeps its row as a tombstone (`attachment.deleted`). Uploads never
-- attached are operational rows (no event) and are swept after a day. Times are unix ms.

CREATE TABLE attachments (
    id           TEXT PRIMARY KEY,
    sha256       TEXT NOT NULL,
    size         INTEGER NOT NULL CHECK (size >= 0),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    uploader_id  TEXT NOT NULL REFERENCES people (id),
    created_at   INTEGER NOT NULL,
    case_id      TEXT REFERENCES cases (id),
    message_id   TEXT REFERENCES messages (id),
    attached_at  INTEGER,
    deleted_at   INTEGER,
    deleted_by   TEXT REFERENCES people (id),
    deletion_reason TEXT,
    CHECK ((case_id IS NULL) = (message_id IS NULL) AND (message_id IS NULL) = (attached_at IS NULL))
);

CREATE INDEX attachments_by_case ON attachments (case_id, attached_at) WHERE case_id IS NOT NULL;
CREATE INDEX attachments_unattached ON attachments (created_at) WHERE message_id IS NULL;
CREATE INDEX attachments_by_sha256 ON attachments (sha256);
