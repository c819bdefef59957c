//! Conformance checks for account links: recorded with their mail (account mail, on no
//! case), followed once and not after they expire, and what following each kind does.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use frontline_core::event::PasswordVia;
use frontline_core::{Email, EventKind, Name, Payload, PersonId, Role, Timestamp, time};

use super::org;
use super::outbox::outbound;
use crate::*;

fn in_ms(ms: i64) -> Timestamp {
    time::from_millis(time::now().as_millisecond() + ms)
}

fn link(
    hash: &str,
    purpose: LinkPurpose,
    email: &Email,
    person: Option<PersonId>,
) -> NewAccountLink {
    NewAccountLink {
        token_hash: hash.into(),
        purpose,
        email: email.clone(),
        person_id: person,
        name: None,
        password_hash: None,
        expires_at: in_ms(3_600_000),
    }
}

fn sign_up(hash: &str, email: &Email, password_hash: &str) -> NewAccountLink {
    NewAccountLink {
        name: Some(Name::parse("Newton Newcomer").unwrap()),
        password_hash: Some(password_hash.into()),
        ..link(hash, LinkPurpose::SignUp, email, None)
    }
}

fn via(event: &frontline_core::Event) -> Option<PasswordVia> {
    match event.decoded().unwrap() {
        Payload::PasswordSet(set) => set.via,
        other => panic!("not person.password_set: {other:?}"),
    }
}

pub async fn account_links_are_followed_once_and_not_after_they_expire<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let carol = &o.carol;
    let queued = store
        .queue_account_link(
            link("h-1", LinkPurpose::SignIn, &carol.email, Some(carol.id)),
            outbound(&o, "account-1@frontline.test"),
        )
        .await
        .unwrap();
    assert_eq!(queued.case_id, None, "account mail is on no case");
    assert_eq!(queued.mailbox.as_str(), ACCOUNT_MAILBOX);
    assert_eq!(queued.status, OutboundStatus::Pending);
    let listed = store.list_account_outbound(10).await.unwrap();
    assert_eq!(listed, vec![queued.clone()]);

    // The wrong purpose, an unknown hash: the same NotFound, and nothing is spent.
    assert_err!(
        store
            .redeem_account_link("h-1", LinkPurpose::Reset, Some("x".into()))
            .await,
        StoreError::NotFound { .. }
    );
    assert_err!(
        store
            .redeem_account_link("forged", LinkPurpose::SignIn, None)
            .await,
        StoreError::NotFound { .. }
    );
    let followed = store
        .redeem_account_link("h-1", LinkPurpose::SignIn, None)
        .await
        .unwrap();
    assert_eq!(followed.value.person.id, carol.id);
    assert!(!followed.value.created);
    assert!(followed.events.is_empty(), "signing in is not an event");
    assert_err!(
        store
            .redeem_account_link("h-1", LinkPurpose::SignIn, None)
            .await,
        StoreError::NotFound { .. }
    );

    // Expired a moment ago.
    let mut expired = link("h-2", LinkPurpose::SignIn, &carol.email, Some(carol.id));
    expired.expires_at = in_ms(-1_000);
    store
        .queue_account_link(expired, outbound(&o, "account-2@frontline.test"))
        .await
        .unwrap();
    assert_err!(
        store
            .redeem_account_link("h-2", LinkPurpose::SignIn, None)
            .await,
        StoreError::NotFound { .. }
    );

    // Following one link spends the others of its kind sent to the address.
    for (hash, id) in [("h-3", "account-3@x.test"), ("h-4", "account-4@x.test")] {
        store
            .queue_account_link(
                link(hash, LinkPurpose::SignIn, &carol.email, Some(carol.id)),
                outbound(&o, id),
            )
            .await
            .unwrap();
    }
    store
        .redeem_account_link("h-3", LinkPurpose::SignIn, None)
        .await
        .unwrap();
    assert_err!(
        store
            .redeem_account_link("h-4", LinkPurpose::SignIn, None)
            .await,
        StoreError::NotFound { .. }
    );

    // Refused: a sign-in link for nobody, a hash recorded before, an unknown person.
    assert_err!(
        store
            .queue_account_link(
                link("h-5", LinkPurpose::SignIn, &carol.email, None),
                outbound(&o, "account-5@x.test"),
            )
            .await,
        StoreError::Invalid(_)
    );
    assert_err!(
        store
            .queue_account_link(
                link("h-1", LinkPurpose::SignIn, &carol.email, Some(carol.id)),
                outbound(&o, "account-6@x.test"),
            )
            .await,
        StoreError::Conflict { .. }
    );
    assert_err!(
        store
            .queue_account_link(
                link(
                    "h-7",
                    LinkPurpose::Reset,
                    &carol.email,
                    Some(PersonId::new())
                ),
                outbound(&o, "account-7@x.test"),
            )
            .await,
        StoreError::NotFound { .. }
    );

    // Sent: no event (no case), and the text that held the link is gone.
    let owner = uuid::Uuid::now_v7();
    let claimed = store
        .claim_outbound(owner, Duration::from_secs(60), 10)
        .await
        .unwrap();
    let mine = claimed.iter().find(|m| m.id == queued.id).expect("claimed");
    let sent = store
        .record_outbound(mine.id, owner, OutboundResult::Sent)
        .await
        .unwrap();
    assert!(sent.events.is_empty());
    assert_eq!(sent.value.status, OutboundStatus::Sent);
    assert_eq!(sent.value.text, ACCOUNT_TEXT_REMOVED);
    let listed = store.list_account_outbound(10).await.unwrap();
    let kept = listed.iter().find(|m| m.id == queued.id).unwrap();
    assert_eq!(kept.text, ACCOUNT_TEXT_REMOVED);
    assert_eq!(listed.len(), 4, "newest first, every status");
    assert!(
        listed
            .windows(2)
            .all(|w| w[0].created_at >= w[1].created_at)
    );
    // Account mail is not exported: it lives minutes and may hold a link.
    let exported = store.export().await.unwrap();
    assert!(
        !exported
            .iter()
            .any(|r| matches!(r, Record::Outbound(m) if m.case_id.is_none()))
    );
}

pub async fn a_sign_up_link_makes_a_customer_or_gives_one_who_wrote_by_mail_a_password<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let newcomer = Email::parse("newton@customer.test").unwrap();
    store
        .queue_account_link(
            sign_up("s-1", &newcomer, "argon-1"),
            outbound(&o, "s-1@x.test"),
        )
        .await
        .unwrap();
    assert_err!(
        store.get_person_by_email(&newcomer).await,
        StoreError::NotFound { .. }
    );
    let made = store
        .redeem_account_link("s-1", LinkPurpose::SignUp, None)
        .await
        .unwrap();
    let person = made.value.person;
    assert!(made.value.created);
    assert_eq!(
        (person.role, person.name.as_str(), &person.email),
        (Role::Customer, "Newton Newcomer", &newcomer)
    );
    let kinds: Vec<_> = made.events.iter().map(|e| e.kind).collect();
    // As every new password: it ends the person's credentials (none yet, so zero counts).
    assert_eq!(
        kinds,
        vec![
            EventKind::PersonCreated,
            EventKind::PasswordSet,
            EventKind::CredentialsRevoked
        ]
    );
    assert_eq!(via(&made.events[1]), Some(PasswordVia::SignUp));
    assert_eq!(made.events[1].actor_id, Some(person.id));
    assert_eq!(
        store.password_hash(person.id).await.unwrap().as_deref(),
        Some("argon-1")
    );
    assert_eq!(
        store.get_person_by_email(&newcomer).await.unwrap().id,
        person.id
    );

    // Carol wrote by mail (a customer without a password): she stays one person.
    store
        .queue_account_link(
            sign_up("s-2", &o.carol.email, "argon-2"),
            outbound(&o, "s-2@x.test"),
        )
        .await
        .unwrap();
    let claimed = store
        .redeem_account_link("s-2", LinkPurpose::SignUp, None)
        .await
        .unwrap();
    assert_eq!(claimed.value.person.id, o.carol.id);
    assert!(!claimed.value.created);
    let kinds: Vec<_> = claimed.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![EventKind::PasswordSet, EventKind::CredentialsRevoked]
    );
    assert_eq!(via(&claimed.events[0]), Some(PasswordVia::SignUp));
    assert_eq!(
        store.password_hash(o.carol.id).await.unwrap().as_deref(),
        Some("argon-2")
    );

    // An address with an account (now Carol's), or staff's: Conflict, nothing written.
    for (hash, email) in [("s-3", &o.carol.email), ("s-4", &o.ann.email)] {
        store
            .queue_account_link(
                sign_up(hash, email, "argon-3"),
                outbound(&o, &format!("{hash}@x.test")),
            )
            .await
            .unwrap();
        assert_err!(
            store
                .redeem_account_link(hash, LinkPurpose::SignUp, None)
                .await,
            StoreError::Conflict { .. }
        );
    }
    assert_eq!(
        store.password_hash(o.carol.id).await.unwrap().as_deref(),
        Some("argon-2")
    );
    assert_eq!(store.password_hash(o.ann.id).await.unwrap(), None);
    // A sign-up link without what the account is made of is refused.
    assert_err!(
        store
            .queue_account_link(
                link("s-5", LinkPurpose::SignUp, &newcomer, None),
                outbound(&o, "s-5@x.test"),
            )
            .await,
        StoreError::Invalid(_)
    );
}

pub async fn a_reset_link_sets_the_password_and_ends_every_session<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let dave = &o.dave;
    store
        .create_session(NewSession {
            session_hash: "dave-session".into(),
            person_id: dave.id,
            csrf_token: "csrf".into(),
            expires_at: in_ms(3_600_000),
            user_agent: None,
        })
        .await
        .unwrap();
    store
        .queue_account_link(
            link("r-1", LinkPurpose::Reset, &dave.email, Some(dave.id)),
            outbound(&o, "r-1@x.test"),
        )
        .await
        .unwrap();
    assert_err!(
        store
            .redeem_account_link("r-1", LinkPurpose::Reset, None)
            .await,
        StoreError::Invalid(_)
    );
    let reset = store
        .redeem_account_link("r-1", LinkPurpose::Reset, Some("argon-new".into()))
        .await
        .unwrap();
    assert_eq!(reset.value.person.id, dave.id);
    let kinds: Vec<_> = reset.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![EventKind::PasswordSet, EventKind::CredentialsRevoked]
    );
    assert_eq!(via(&reset.events[0]), Some(PasswordVia::Reset));
    match reset.events[1].decoded().unwrap() {
        Payload::CredentialsRevoked(revoked) => assert_eq!(revoked.sessions, 1),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        store.password_hash(dave.id).await.unwrap().as_deref(),
        Some("argon-new")
    );
    assert_err!(
        store.get_session("dave-session", time::now()).await,
        StoreError::NotFound { .. }
    );
    assert_err!(
        store
            .redeem_account_link("r-1", LinkPurpose::Reset, Some("argon-again".into()))
            .await,
        StoreError::NotFound { .. }
    );
}

pub async fn expired_account_links_are_purged_and_live_ones_kept<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let carol = &o.carol;
    let newcomer = Email::parse("newcomer@customer.test").unwrap();
    let mut expired = vec![
        link("old-in", LinkPurpose::SignIn, &carol.email, Some(carol.id)),
        link(
            "old-reset",
            LinkPurpose::Reset,
            &carol.email,
            Some(carol.id),
        ),
        sign_up("old-up", &newcomer, "argon2-hash"),
    ];
    for (i, l) in expired.iter_mut().enumerate() {
        l.expires_at = in_ms(-60_000 * (i as i64 + 1));
    }
    // One used and then expired: gone too.
    let mut used = link("used-in", LinkPurpose::SignIn, &carol.email, Some(carol.id));
    used.expires_at = in_ms(1_500);
    expired.push(used);
    for (i, l) in expired.into_iter().enumerate() {
        store
            .queue_account_link(l, outbound(&o, &format!("purge-{i}@frontline.test")))
            .await
            .unwrap();
    }
    store
        .redeem_account_link("used-in", LinkPurpose::SignIn, None)
        .await
        .unwrap();
    store
        .queue_account_link(
            link("live", LinkPurpose::SignIn, &carol.email, Some(carol.id)),
            outbound(&o, "purge-live@frontline.test"),
        )
        .await
        .unwrap();

    let purged = store.purge_account_links(in_ms(2_000)).await.unwrap();
    assert_eq!(purged, 4);
    assert_eq!(store.purge_account_links(in_ms(2_000)).await.unwrap(), 0);
    // The rows are gone: their hashes may be recorded again; the live link still works.
    store
        .queue_account_link(
            link("old-in", LinkPurpose::SignIn, &carol.email, Some(carol.id)),
            outbound(&o, "purge-again@frontline.test"),
        )
        .await
        .unwrap();
    let followed = store
        .redeem_account_link("live", LinkPurpose::SignIn, None)
        .await
        .unwrap();
    assert_eq!(followed.value.person.id, carol.id);
}
