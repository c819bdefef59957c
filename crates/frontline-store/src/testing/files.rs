//! Conformance checks for files: blobs stream in and out byte-identical and are kept once per
//! content; an upload becomes an attachment in its message's transaction with an event of
//! the message's audience, only for its own uploader; deletion keeps a tombstone; the sweep
//! removes old unattached uploads and unnamed blobs but nothing fresh; export and import
//! carry the bytes.

use std::future::Future;
use std::sync::Arc;

use frontline_core::{AttachmentId, Audience, EventKind, FileName, Payload, PersonId, Visibility};

use crate::testing::{new_case, new_message, org};
use crate::*;

/// Bytes that span several chunks and do not repeat on chunk boundaries.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[1] ^ seed)
        .collect()
}

fn hours_from_now(hours: i64) -> frontline_core::Timestamp {
    let now = frontline_core::time::now().as_millisecond();
    frontline_core::time::from_millis(now + hours * 3_600_000)
}

async fn put(store: &dyn Store, bytes: &[u8], piece: usize) -> BlobRef {
    let mut writer = store.blob_writer().await.unwrap();
    for chunk in bytes.chunks(piece.max(1)) {
        writer.write(chunk).await.unwrap();
    }
    writer.finish().await.unwrap()
}

async fn read(store: &dyn Store, sha256: &str) -> Vec<u8> {
    let mut reader = store.read_blob(sha256).await.unwrap();
    let mut bytes = Vec::new();
    while let Some(chunk) = reader.next_chunk().await.unwrap() {
        assert!(chunk.len() <= BLOB_CHUNK_BYTES);
        bytes.extend_from_slice(&chunk);
    }
    bytes
}

async fn upload(
    store: &dyn Store,
    by: PersonId,
    name: &str,
    bytes: &[u8],
) -> frontline_core::Attachment {
    let blob = put(store, bytes, 10_000).await;
    store
        .create_upload(NewUpload {
            id: AttachmentId::new(),
            blob,
            name: FileName::parse(name).unwrap(),
            content_type: "application/octet-stream".into(),
            uploader_id: by,
        })
        .await
        .unwrap()
}

pub async fn blobs_stream_in_and_out_and_are_kept_once<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let big = pattern(3 * BLOB_CHUNK_BYTES + 12_345, 7);
    let first = put(&*store, &big, 100_000).await;
    assert_eq!(first.size, big.len() as u64);
    assert_eq!(first.sha256.len(), 64);
    assert_eq!(read(&*store, &first.sha256).await, big);
    // The same bytes in other pieces: the same blob.
    let again = put(&*store, &big, 4_096).await;
    assert_eq!(again, first);
    assert_eq!(read(&*store, &first.sha256).await, big);
    // Empty is a blob too.
    let empty = put(&*store, &[], 1).await;
    assert_eq!(empty.size, 0);
    assert_eq!(read(&*store, &empty.sha256).await, Vec::<u8>::new());
    // Unknown and malformed names are not found; a name cannot walk out of storage.
    for name in [&"0".repeat(64), "../../etc/passwd", ""] {
        assert!(
            matches!(
                store.read_blob(name).await,
                Err(StoreError::NotFound { .. })
            ),
            "{name:?}"
        );
    }
    // A writer dropped without finishing leaves nothing readable.
    let mut abandoned = store.blob_writer().await.unwrap();
    abandoned.write(b"half a file").await.unwrap();
    drop(abandoned);
    let mut hasher = BlobHasher::default();
    hasher.update(b"half a file");
    let half = hasher.finish();
    assert!(matches!(
        store.read_blob(&half.sha256).await,
        Err(StoreError::NotFound { .. })
    ));
}

pub async fn uploads_attach_to_their_uploaders_message_with_its_audience<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let photo = upload(&*store, o.carol.id, "../photo.jpg", b"not really a jpeg").await;
    assert_eq!(photo.name.as_str(), "photo.jpg");
    assert_eq!(photo.attached, None);
    assert_eq!(store.get_attachment(photo.id).await.unwrap(), photo);

    // A customer opens a case with it: one attachment.added, the customer's audience.
    let mut new = new_case(o.carol.id, o.outcome.id, "Broken on arrival");
    new.attachments = vec![photo.id];
    let created = store.create_case(Some(o.carol.id), new).await.unwrap();
    let case = created.value.case;
    let added: Vec<_> = created
        .events
        .iter()
        .filter(|e| e.kind == EventKind::AttachmentAdded)
        .collect();
    assert_eq!(added.len(), 1);
    assert_eq!(
        added[0].audience,
        Audience::Customer {
            customer_id: o.carol.id
        }
    );
    match added[0].decoded().unwrap() {
        Payload::AttachmentAdded(p) => {
            assert_eq!(p.attachment_id, photo.id);
            assert_eq!(p.message_id, created.value.message.id);
            assert_eq!(p.sha256, photo.sha256);
            assert_eq!(p.size, photo.size);
        }
        other => panic!("{other:?}"),
    }
    let attached = store.get_attachment(photo.id).await.unwrap();
    let to = attached.attached.clone().expect("attached");
    assert_eq!(
        (to.case_id, to.message_id, to.visibility),
        (case.id, created.value.message.id, Visibility::Public)
    );

    // Attached once only; someone else's upload is refused like an unknown id.
    let mut again = new_message(case.id, o.carol.id, Visibility::Public);
    again.attachments = vec![photo.id];
    assert!(matches!(
        store.add_message(Some(o.carol.id), again).await,
        Err(StoreError::Invalid(_))
    ));
    let daves = upload(&*store, o.dave.id, "dave.txt", b"dave's").await;
    for id in [daves.id, AttachmentId::new()] {
        let mut theirs = new_message(case.id, o.carol.id, Visibility::Public);
        theirs.attachments = vec![id];
        assert!(matches!(
            store.add_message(Some(o.carol.id), theirs).await,
            Err(StoreError::Invalid(_))
        ));
    }
    // A refused message wrote nothing: Dave's upload is still unattached.
    assert_eq!(store.get_attachment(daves.id).await.unwrap().attached, None);

    // An internal note's file is staff-only, in the event and in the customer's list.
    let notes = upload(&*store, o.ann.id, "notes.pdf", b"%PDF-1.4 internal").await;
    let mut note = new_message(case.id, o.ann.id, Visibility::Internal);
    note.attachments = vec![notes.id];
    let written = store.add_message(Some(o.ann.id), note).await.unwrap();
    let event = written
        .events
        .iter()
        .find(|e| e.kind == EventKind::AttachmentAdded)
        .expect("attachment.added");
    assert_eq!(event.audience, Audience::Staff);
    let public = store.list_attachments(case.id, false).await.unwrap();
    assert_eq!(
        public.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![photo.id]
    );
    let all = store.list_attachments(case.id, true).await.unwrap();
    assert_eq!(
        all.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![photo.id, notes.id]
    );
    assert_eq!(
        all[1].attached.as_ref().unwrap().visibility,
        Visibility::Internal
    );
}

pub async fn a_deleted_attachment_keeps_a_tombstone<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let file = upload(&*store, o.carol.id, "receipt.png", b"receipt bytes").await;
    // An upload on no message cannot be deleted (it goes with the sweep).
    assert!(matches!(
        store
            .delete_attachment(file.id, o.ann.id, "wrong file".into())
            .await,
        Err(StoreError::Conflict { .. })
    ));
    let mut new = new_case(o.carol.id, o.outcome.id, "Receipt");
    new.attachments = vec![file.id];
    let case = store
        .create_case(Some(o.carol.id), new)
        .await
        .unwrap()
        .value
        .case;
    assert!(matches!(
        store
            .delete_attachment(file.id, o.ann.id, "  ".into())
            .await,
        Err(StoreError::Invalid(_))
    ));
    let deleted = store
        .delete_attachment(file.id, o.ann.id, "Shows a card number.".into())
        .await
        .unwrap();
    let tomb = deleted.value.deleted.clone().expect("a tombstone");
    assert_eq!(
        (tomb.by, tomb.reason.as_str()),
        (o.ann.id, "Shows a card number.")
    );
    assert_eq!(deleted.events.len(), 1);
    assert_eq!(deleted.events[0].kind, EventKind::AttachmentDeleted);
    assert_eq!(deleted.events[0].case_id, Some(case.id));
    assert_eq!(
        deleted.events[0].audience,
        Audience::Customer {
            customer_id: o.carol.id
        }
    );
    assert_eq!(store.get_attachment(file.id).await.unwrap(), deleted.value);
    assert!(matches!(
        store
            .delete_attachment(file.id, o.ann.id, "again".into())
            .await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        store
            .delete_attachment(AttachmentId::new(), o.ann.id, "nothing".into())
            .await,
        Err(StoreError::NotFound { .. })
    ));
    // The tombstone is still listed with the case's files.
    let listed = store.list_attachments(case.id, false).await.unwrap();
    assert_eq!(listed, vec![deleted.value.clone()]);

    // Its bytes go with the sweep (nothing else names them); fresh ones stay.
    let kept = upload(&*store, o.carol.id, "kept.txt", b"kept bytes").await;
    let early = store.sweep_files(hours_from_now(-24)).await.unwrap();
    assert_eq!(early, FilesSwept::default());
    let later = hours_from_now(48);
    let swept = store.sweep_files(later).await.unwrap();
    assert_eq!(swept.uploads, 1, "{swept:?}");
    assert!(swept.blobs >= 2, "{swept:?}");
    assert!(matches!(
        store.get_attachment(kept.id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.read_blob(&file.sha256).await,
        Err(StoreError::NotFound { .. })
    ));
    // The tombstone outlives its bytes.
    assert!(
        store
            .get_attachment(file.id)
            .await
            .unwrap()
            .deleted
            .is_some()
    );
    assert_eq!(
        store.sweep_files(later).await.unwrap(),
        FilesSwept::default()
    );
}

pub async fn attachments_survive_export_and_import_byte_identical<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    second: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let big = pattern(2 * BLOB_CHUNK_BYTES + 99, 3);
    let photo = upload(&*store, o.carol.id, "photo.jpg", &big).await;
    let gone = upload(&*store, o.carol.id, "gone.txt", b"deleted later").await;
    let loose = upload(&*store, o.carol.id, "loose.txt", b"never attached").await;
    let mut new = new_case(o.carol.id, o.outcome.id, "Photo");
    new.attachments = vec![photo.id, gone.id];
    store.create_case(Some(o.carol.id), new).await.unwrap();
    store
        .delete_attachment(gone.id, o.ann.id, "Not needed.".into())
        .await
        .unwrap();

    let records = store.export().await.unwrap();
    let files: Vec<_> = records
        .iter()
        .filter_map(|r| match r {
            Record::Attachment { attachment, data } => Some((attachment, data)),
            _ => None,
        })
        .collect();
    assert_eq!(files.len(), 2, "uploads on no message are not exported");
    assert!(files.iter().all(|(a, _)| a.id != loose.id));

    let copy = second().await;
    copy.import(records.clone()).await.unwrap();
    assert_eq!(read(&*copy, &photo.sha256).await, big);
    assert_eq!(
        copy.get_attachment(photo.id).await.unwrap(),
        store.get_attachment(photo.id).await.unwrap()
    );
    assert!(
        copy.get_attachment(gone.id)
            .await
            .unwrap()
            .deleted
            .is_some()
    );
    assert_eq!(copy.export().await.unwrap(), records);
}

pub async fn erasure_makes_a_customers_files_tombstones_and_the_sweep_takes_their_bytes<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    use frontline_core::org::profile;

    let o = org(&*store).await;
    let photo = upload(
        &*store,
        o.carol.id,
        "carol-passport.png",
        b"carol's passport",
    )
    .await;
    let shared = upload(
        &*store,
        o.carol.id,
        "receipt.txt",
        b"the same receipt as dave's",
    )
    .await;
    let unsent = upload(&*store, o.carol.id, "never-sent.txt", b"never attached").await;
    let mut new = new_case(o.carol.id, o.outcome.id, "Passport");
    new.attachments = vec![photo.id, shared.id];
    let case = store
        .create_case(Some(o.carol.id), new)
        .await
        .unwrap()
        .value
        .case;
    // Dave sent the same bytes: they stay for him.
    let daves = upload(
        &*store,
        o.dave.id,
        "dave.txt",
        b"the same receipt as dave's",
    )
    .await;
    let mut new = new_case(o.dave.id, o.outcome.id, "Receipt");
    new.attachments = vec![daves.id];
    store.create_case(Some(o.dave.id), new).await.unwrap();
    // What staff sent on her case stays, as their replies do.
    let label = upload(&*store, o.ann.id, "return-label.pdf", b"a return label").await;
    let mut reply = new_message(case.id, o.ann.id, Visibility::Public);
    reply.attachments = vec![label.id];
    store.add_message(Some(o.ann.id), reply).await.unwrap();

    let erased = store
        .erase_person(Some(o.sue.id), o.carol.id)
        .await
        .unwrap();
    let payload = decoded!(erased.events.last().unwrap(), PersonErased);
    assert_eq!(payload.attachments_erased, 2);
    for file in [&photo, &shared] {
        let tomb = store.get_attachment(file.id).await.unwrap();
        let deletion = tomb.deleted.expect("a tombstone");
        assert_eq!(
            (deletion.by, deletion.reason.as_str()),
            (o.sue.id, profile::ERASED_FILE_REASON)
        );
        assert_eq!(tomb.name.as_str(), profile::ERASED_FILE_NAME);
    }
    assert!(matches!(
        store.get_attachment(unsent.id).await,
        Err(StoreError::NotFound { .. })
    ));
    let kept = store.get_attachment(label.id).await.unwrap();
    assert_eq!(
        (kept.deleted, kept.name.as_str()),
        (None, "return-label.pdf")
    );
    assert_eq!(
        store.list_attachments(case.id, true).await.unwrap().len(),
        3
    );
    // Her file names are gone from the log and the export too.
    let export = serde_json::to_string(&store.export().await.unwrap()).unwrap();
    assert!(
        !export.contains("carol-passport"),
        "the export names her file"
    );
    assert!(
        !export.contains("never-sent"),
        "the export names her upload"
    );

    // The sweep takes her bytes; Dave's copy of the same bytes and the staff's stay.
    let swept = store.sweep_files(hours_from_now(48)).await.unwrap();
    assert!(swept.blobs >= 2, "{swept:?}");
    for gone in [&photo.sha256, &unsent.sha256] {
        assert!(matches!(
            store.read_blob(gone).await,
            Err(StoreError::NotFound { .. })
        ));
    }
    assert_eq!(
        read(&*store, &shared.sha256).await,
        b"the same receipt as dave's"
    );
    assert_eq!(read(&*store, &label.sha256).await, b"a return label");
}
