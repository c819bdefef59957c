//! Files: the bytes (blobs, content-addressed by SHA-256, streamed in and out) and the
//! uploads and attachments that name them.
//!
//! Blobs are written through a `BlobWriter` chunk by chunk, so a 20 MB upload is never held
//! whole in memory; `finish` makes the blob durable and answers its hash and size. Writing the
//! same bytes twice keeps them once. A writer dropped without `finish` leaves nothing a reader
//! can see (on SQLite a temporary file it removes; on PostgreSQL chunk rows no blob names,
//! which `sweep_files` removes).

use async_trait::async_trait;
use frontline_core::attachment::FileName;
use frontline_core::{AttachmentId, PersonId};
use sha2::{Digest, Sha256};

use crate::StoreResult;

/// A blob as `finish` leaves it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobRef {
    /// Lower-case hex.
    pub sha256: String,
    pub size: u64,
}

/// A blob being written. Not `Sync`: one task writes it.
#[async_trait]
pub trait BlobWriter: Send {
    /// Append bytes (any length; backends re-chunk).
    async fn write(&mut self, chunk: &[u8]) -> StoreResult<()>;
    /// Make the blob durable and readable under its hash. If the same bytes were already
    /// kept, the new copy is discarded and the kept one counts as freshly written (so the
    /// sweep leaves it for a day, time for an upload to name it).
    async fn finish(self: Box<Self>) -> StoreResult<BlobRef>;
}

/// A blob being read, in chunks of at most `BLOB_CHUNK_BYTES`.
#[async_trait]
pub trait BlobReader: Send {
    /// The next chunk, `None` at the end.
    async fn next_chunk(&mut self) -> StoreResult<Option<Vec<u8>>>;
}

/// How big the chunks are that backends store (PostgreSQL rows) and read back.
pub const BLOB_CHUNK_BYTES: usize = 256 * 1024;

/// SHA-256 and length of a stream, kept as it is written (every backend hashes alike).
#[derive(Default)]
pub struct BlobHasher {
    hasher: Sha256,
    size: u64,
}

impl BlobHasher {
    pub fn update(&mut self, chunk: &[u8]) {
        self.hasher.update(chunk);
        self.size += chunk.len() as u64;
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn finish(self) -> BlobRef {
        BlobRef {
            sha256: hex::encode(self.hasher.finalize()),
            size: self.size,
        }
    }
}

/// Record an upload: bytes already written as a blob, attached to nothing yet.
#[derive(Clone, Debug)]
pub struct NewUpload {
    pub id: AttachmentId,
    pub blob: BlobRef,
    pub name: FileName,
    /// Sniffed from the bytes by the caller.
    pub content_type: String,
    pub uploader_id: PersonId,
}

/// What `sweep_files` removed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilesSwept {
    /// Uploads never attached, older than the cut-off.
    pub uploads: u64,
    /// Blobs no live upload or attachment names, last written before the cut-off.
    pub blobs: u64,
}
