-- Files on messages. Same version number, table and columns as the SQLite migration 0018 for
-- the metadata; here the bytes live in the database too, so every node sees every file
-- without a shared disk: `blobs` names each kept blob by its SHA-256 and points at one set of
-- `blob_chunks` (256 KiB rows). A writer inserts its chunks under a fresh `blob_id` as they
-- arrive and, when done, inserts the `blobs` row; if the hash was kept already, its chunks
-- are deleted and the kept blob's `touched_at` renewed. Chunks no blob names (a writer that
-- died) and blobs no live attachment names are swept after a day.

CREATE TABLE blobs (
    sha256     text CONSTRAINT blobs_pkey PRIMARY KEY,
    blob_id    uuid NOT NULL CONSTRAINT blobs_blob_id_key UNIQUE,
    size       bigint NOT NULL CHECK (size >= 0),
    touched_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE blob_chunks (
    blob_id    uuid NOT NULL,
    n          integer NOT NULL CHECK (n >= 0),
    data       bytea NOT NULL,
    written_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT blob_chunks_pkey PRIMARY KEY (blob_id, n)
);

CREATE TABLE attachments (
    id           uuid CONSTRAINT attachments_pkey PRIMARY KEY,
    sha256       text NOT NULL,
    size         bigint NOT NULL CHECK (size >= 0),
    name         text NOT NULL,
    content_type text NOT NULL,
    uploader_id  uuid NOT NULL CONSTRAINT attachments_uploader_fk REFERENCES people (id),
    created_at   timestamptz NOT NULL,
    case_id      uuid CONSTRAINT attachments_case_fk REFERENCES cases (id),
    message_id   uuid CONSTRAINT attachments_message_fk REFERENCES messages (id),
    attached_at  timestamptz,
    deleted_at   timestamptz,
    deleted_by   uuid CONSTRAINT attachments_deleted_by_fk REFERENCES people (id),
    deletion_reason text,
    CHECK ((case_id IS NULL) = (message_id IS NULL) AND (message_id IS NULL) = (attached_at IS NULL))
);

CREATE INDEX attachments_by_case ON attachments (case_id, attached_at) WHERE case_id IS NOT NULL;
CREATE INDEX attachments_unattached ON attachments (created_at) WHERE message_id IS NULL;
CREATE INDEX attachments_by_sha256 ON attachments (sha256);
