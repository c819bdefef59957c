//! Files for the upload and download scenarios (issue 22): the bytes, and the files the
//! downloads fetch.
//!
//! Every file is `PREFIX_BYTES` of its own, then a share of one payload of random-looking
//! bytes (SplitMix64 from a fixed seed, so nothing along the way can compress them away). The
//! prefix starts `%PDF-`, which the server's sniffer names `application/pdf`, a type on its
//! default allow-list, and numbers the file, so the content-addressed store keeps every upload
//! as a blob of its own (identical bytes would be kept once and measure less work).
//!
//! The download scenarios need files attached to messages a staff member may read; they are
//! streamed in through the `Store` (blob writer, upload, a staff reply naming it) before the
//! server starts, as the server itself would keep them.

use std::sync::Arc;

use anyhow::Context;
use frontline_core::{AttachmentId, FileName, MessageBody, OutcomeId, PersonId, Visibility};
use frontline_store::testing::new_case;
use frontline_store::{BLOB_CHUNK_BYTES, NewMessage, NewUpload, Store};

/// The two file sizes the issue names, in bytes (MB = 10^6 bytes, as in the reported MB/s).
pub const ONE_MB: usize = 1_000_000;
pub const TWENTY_MB: usize = 20_000_000;

/// How many bytes at the start of each file are its own (`prefix`).
pub const PREFIX_BYTES: usize = 32;

/// The bytes every file shares after its prefix: `TWENTY_MB` of SplitMix64 output from a fixed
/// seed. A file of `size` bytes is its prefix and `payload[PREFIX_BYTES..size]`.
pub fn payload() -> Arc<Vec<u8>> {
    let mut bytes = Vec::with_capacity(TWENTY_MB);
    let mut n: u64 = 0x5EED_F11E;
    while bytes.len() < TWENTY_MB {
        n = n.wrapping_add(1);
        bytes.extend_from_slice(&super::mix(n).to_le_bytes());
    }
    bytes.truncate(TWENTY_MB);
    Arc::new(bytes)
}

/// The first `PREFIX_BYTES` of file `number` of group `group` (a scenario run, or the fixture):
/// a PDF header, then the two numbers, so no two files of a run have the same bytes.
pub fn prefix(group: u64, number: u64) -> [u8; PREFIX_BYTES] {
    let text = format!("%PDF-1.7\n%{:04}-{:016}\n", group % 10_000, number);
    let mut out = [b' '; PREFIX_BYTES];
    out.copy_from_slice(&text.as_bytes()[..PREFIX_BYTES]);
    out
}

/// The ids of the files the download scenarios fetch, by size.
pub struct Downloads {
    pub one_mb: Vec<String>,
    pub twenty_mb: Vec<String>,
}

/// `count` files of each size, uploaded by `staff` and attached to public staff replies on one
/// new case of `customer`'s, through the store (the server is not running yet).
pub async fn attach(
    store: &Arc<dyn Store>,
    payload: &[u8],
    staff: PersonId,
    customer: PersonId,
    outcome: OutcomeId,
    count: usize,
) -> anyhow::Result<Downloads> {
    let case = store
        .create_case(
            None,
            new_case(customer, outcome, "Photos of the damaged parcel"),
        )
        .await
        .context("creating the case the downloads' files are on")?
        .value
        .case;
    let mut downloads = Downloads {
        one_mb: Vec::new(),
        twenty_mb: Vec::new(),
    };
    for (size, ids) in [
        (ONE_MB, &mut downloads.one_mb),
        (TWENTY_MB, &mut downloads.twenty_mb),
    ] {
        for i in 0..count {
            let head = prefix(9_999, (size + i) as u64);
            let mut writer = store.blob_writer().await?;
            writer.write(&head).await?;
            for chunk in payload[PREFIX_BYTES..size].chunks(BLOB_CHUNK_BYTES) {
                writer.write(chunk).await?;
            }
            let blob = writer.finish().await?;
            let name = FileName::parse(&format!("label-{size}-{i}.pdf"))?;
            let content_type =
                frontline_server::attachments::sniff(&payload_head(&head, payload), &name);
            anyhow::ensure!(
                content_type == "application/pdf",
                "the bench's files sniff as {content_type}, not application/pdf"
            );
            let upload = store
                .create_upload(NewUpload {
                    id: AttachmentId::new(),
                    blob,
                    name,
                    content_type,
                    uploader_id: staff,
                })
                .await
                .context("recording an upload")?;
            store
                .add_message(
                    Some(staff),
                    NewMessage {
                        case_id: case.id,
                        author_id: staff,
                        body: MessageBody::parse("Here is the return label.")?,
                        visibility: Visibility::Public,
                        created_at: None,
                        idempotency_key: None,
                        attachments: vec![upload.id],
                    },
                )
                .await
                .context("attaching an upload")?;
            ids.push(upload.id.to_string());
        }
    }
    Ok(downloads)
}

/// The first 8 KiB of a file as the server sniffs them.
fn payload_head(prefix: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut head = prefix.to_vec();
    head.extend_from_slice(&payload[PREFIX_BYTES..8 * 1024]);
    head
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_sniff_as_pdf_and_differ_by_their_prefix() {
        let payload = payload();
        assert_eq!(payload.len(), TWENTY_MB);
        let name = FileName::parse("x.pdf").unwrap();
        let head = payload_head(&prefix(1, 2), &payload);
        assert_eq!(
            frontline_server::attachments::sniff(&head, &name),
            "application/pdf"
        );
        assert_ne!(prefix(1, 2), prefix(1, 3));
        assert_ne!(prefix(1, 2), prefix(2, 2));
        assert!(prefix(9_999, u64::MAX).starts_with(b"%PDF-1.7\n%9999-"));
    }

    #[test]
    fn the_payload_does_not_compress() {
        let payload = payload();
        let zeros = payload[..ONE_MB].iter().filter(|b| **b == 0).count();
        // Uniform bytes: about 1 in 256 is zero.
        assert!(zeros < ONE_MB / 128, "{zeros} zero bytes in 1 MB");
    }
}
