//! Conformance checks for credentials: API tokens and web sessions resolve to their person,
//! expire, record their last use at most once a minute, are listed without their hashes and
//! revoked one by one or all at once (which a new password does by itself).

use std::future::Future;
use std::sync::Arc;

use frontline_core::{EventKind, PersonId, SessionId, Timestamp, TokenId, time};

use super::org;
use crate::*;

fn at(ms: i64) -> Timestamp {
    time::from_millis(ms)
}

fn token(person_id: PersonId, hash: &str, expires_at: Option<Timestamp>) -> NewToken {
    NewToken {
        person_id,
        token_hash: hash.into(),
        label: format!("label of {hash}"),
        expires_at,
    }
}

fn session(person_id: PersonId, hash: &str, expires_at: Timestamp) -> NewSession {
    NewSession {
        session_hash: hash.into(),
        person_id,
        csrf_token: format!("csrf of {hash}"),
        expires_at,
        user_agent: Some("Mozilla/5.0 (X11; Linux x86_64)".into()),
    }
}

/// An hour from now, in whole milliseconds.
fn in_an_hour() -> Timestamp {
    at(time::now().as_millisecond() + 3_600_000)
}

pub async fn tokens_and_sessions_resolve_to_their_person<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let now = time::now();
    let created = store
        .create_token(Some(o.sue.id), token(o.ann.id, "hash-1", None))
        .await
        .unwrap();
    assert_eq!(created.events[0].kind, EventKind::TokenCreated);
    assert_eq!(created.value.person_id, o.ann.id);
    assert_eq!(created.value.last_used_at, None);
    assert_eq!(
        store.person_for_token("hash-1", now).await.unwrap().id,
        o.ann.id
    );
    assert_err!(
        store.person_for_token("hash-2", now).await,
        StoreError::NotFound { .. }
    );
    assert_err!(
        store
            .create_token(None, token(o.ann.id, "hash-1", None))
            .await,
        StoreError::Conflict { .. }
    );
    assert_err!(
        store
            .create_token(None, token(PersonId::new(), "hash-3", None))
            .await,
        StoreError::NotFound { .. }
    );

    let expires_at = in_an_hour();
    let id = store
        .create_session(session(o.carol.id, "s-1", expires_at))
        .await
        .unwrap();
    let got = store.get_session("s-1", now).await.unwrap();
    assert_eq!(
        (
            got.id,
            got.person_id,
            got.csrf_token.as_str(),
            got.expires_at
        ),
        (id, o.carol.id, "csrf of s-1", expires_at)
    );
    assert_err!(
        store.get_session("s-1", expires_at).await,
        StoreError::NotFound { .. }
    );
    assert_err!(
        store
            .create_session(session(PersonId::new(), "s-2", expires_at))
            .await,
        StoreError::NotFound { .. }
    );
    store.delete_session("s-1").await.unwrap();
    store.delete_session("s-1").await.unwrap();
    assert_err!(
        store.get_session("s-1", now).await,
        StoreError::NotFound { .. }
    );
}

pub async fn tokens_expire_and_are_listed_without_their_hash<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let expires_at = in_an_hour();
    let forever = store
        .create_token(None, token(o.ann.id, "forever", None))
        .await
        .unwrap()
        .value;
    let brief = store
        .create_token(None, token(o.ann.id, "brief", Some(expires_at)))
        .await
        .unwrap()
        .value;
    store
        .create_token(None, token(o.ben.id, "bens", None))
        .await
        .unwrap();
    assert_eq!(brief.expires_at, Some(expires_at));
    let now = time::now();
    assert_eq!(
        store.person_for_token("brief", now).await.unwrap().id,
        o.ann.id
    );
    // Expired at its instant, not a millisecond later; listed still, so it can be seen.
    assert_err!(
        store.person_for_token("brief", expires_at).await,
        StoreError::NotFound { .. }
    );
    let listed = store.list_tokens(o.ann.id).await.unwrap();
    assert_eq!(
        listed.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![brief.id, forever.id],
        "newest first, only Ann's"
    );
    assert_eq!(listed[0].label, "label of brief");
    assert!(store.list_tokens(o.dave.id).await.unwrap().is_empty());
}

pub async fn uses_are_recorded_at_most_once_a_minute<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    store
        .create_token(None, token(o.ann.id, "t", None))
        .await
        .unwrap();
    let t0 = time::now().as_millisecond();
    let last_used = || async { store.list_tokens(o.ann.id).await.unwrap()[0].last_used_at };
    store.person_for_token("t", at(t0)).await.unwrap();
    assert_eq!(last_used().await, Some(at(t0)));
    store.person_for_token("t", at(t0 + 59_999)).await.unwrap();
    assert_eq!(
        last_used().await,
        Some(at(t0)),
        "within the minute: no write"
    );
    store.person_for_token("t", at(t0 + 60_000)).await.unwrap();
    assert_eq!(last_used().await, Some(at(t0 + 60_000)));

    let id = store
        .create_session(session(o.ann.id, "s", at(t0 + 3_600_000)))
        .await
        .unwrap();
    let session_used = || async {
        let all = store.list_sessions(o.ann.id, at(t0)).await.unwrap();
        assert_eq!(all[0].id, id);
        all[0].last_used_at
    };
    let started = session_used().await;
    assert_eq!(
        store.list_sessions(o.ann.id, at(t0)).await.unwrap()[0].created_at,
        started,
        "a new session was last used when it started"
    );
    let later = started.as_millisecond() + 30_000;
    store.get_session("s", at(later)).await.unwrap();
    assert_eq!(session_used().await, started);
    let later = started.as_millisecond() + 61_000;
    store.get_session("s", at(later)).await.unwrap();
    assert_eq!(session_used().await, at(later));
}

pub async fn sessions_are_listed_and_revoked_one_by_one<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let now = time::now();
    let expires_at = in_an_hour();
    let first = store
        .create_session(session(o.ann.id, "s-1", expires_at))
        .await
        .unwrap();
    let second = store
        .create_session(NewSession {
            user_agent: Some("x".repeat(500)),
            ..session(o.ann.id, "s-2", expires_at)
        })
        .await
        .unwrap();
    store
        .create_session(session(o.ben.id, "s-3", expires_at))
        .await
        .unwrap();
    let listed = store.list_sessions(o.ann.id, now).await.unwrap();
    assert_eq!(
        listed.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![second, first],
        "newest first, only Ann's"
    );
    assert_eq!(
        listed[0].user_agent.as_ref().map(|ua| ua.chars().count()),
        Some(credentials::MAX_USER_AGENT_CHARS)
    );
    assert_eq!(listed[0].expires_at, expires_at);
    assert!(
        store
            .list_sessions(o.ann.id, expires_at)
            .await
            .unwrap()
            .is_empty(),
        "expired sessions are not listed"
    );

    // Someone else's session reads like a missing one.
    assert_err!(
        store.revoke_session(o.ben.id, first).await,
        StoreError::NotFound { .. }
    );
    assert_err!(
        store.revoke_session(o.ann.id, SessionId::new()).await,
        StoreError::NotFound { .. }
    );
    store.revoke_session(o.ann.id, first).await.unwrap();
    assert_err!(
        store.get_session("s-1", now).await,
        StoreError::NotFound { .. }
    );
    assert_eq!(store.get_session("s-2", now).await.unwrap().id, second);
}

pub async fn tokens_are_revoked_one_by_one<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let now = time::now();
    let kept = store
        .create_token(None, token(o.ann.id, "kept", None))
        .await
        .unwrap()
        .value;
    let gone = store
        .create_token(None, token(o.ann.id, "gone", None))
        .await
        .unwrap()
        .value;
    assert_err!(
        store.revoke_token(Some(o.ben.id), o.ben.id, gone.id).await,
        StoreError::NotFound { .. }
    );
    assert_err!(
        store.revoke_token(None, o.ann.id, TokenId::new()).await,
        StoreError::NotFound { .. }
    );
    let revoked = store
        .revoke_token(Some(o.ann.id), o.ann.id, gone.id)
        .await
        .unwrap();
    assert_eq!(revoked.events.len(), 1);
    assert_eq!(revoked.events[0].kind, EventKind::TokenRevoked);
    assert_eq!(revoked.events[0].actor_id, Some(o.ann.id));
    assert_eq!(
        decoded!(revoked.events[0], TokenRevoked).token_id,
        gone.id,
        "events name a token by id, never by hash"
    );
    assert_err!(
        store.person_for_token("gone", now).await,
        StoreError::NotFound { .. }
    );
    assert_eq!(
        store.person_for_token("kept", now).await.unwrap().id,
        o.ann.id
    );
    assert_eq!(
        store
            .list_tokens(o.ann.id)
            .await
            .unwrap()
            .iter()
            .map(|t| t.id)
            .collect::<Vec<_>>(),
        vec![kept.id]
    );
    assert_err!(
        store.revoke_token(None, o.ann.id, gone.id).await,
        StoreError::NotFound { .. }
    );
}

pub async fn a_new_password_ends_every_token_and_session_but_the_one_kept<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let now = time::now();
    let expires_at = in_an_hour();
    let mine = store
        .create_session(session(o.ann.id, "mine", expires_at))
        .await
        .unwrap();
    store
        .create_session(session(o.ann.id, "stolen", expires_at))
        .await
        .unwrap();
    store
        .create_token(None, token(o.ann.id, "minted", None))
        .await
        .unwrap();
    store
        .create_token(None, token(o.ben.id, "bens", None))
        .await
        .unwrap();
    let bens_session = store
        .create_session(session(o.ben.id, "bens", expires_at))
        .await
        .unwrap();

    let written = store
        .set_password(Some(o.ann.id), o.ann.id, "$argon2id$new".into(), Some(mine))
        .await
        .unwrap();
    assert_eq!(
        written.value,
        Revoked {
            tokens: 1,
            sessions: 1
        }
    );
    assert_eq!(
        written.events.iter().map(|e| e.kind).collect::<Vec<_>>(),
        vec![EventKind::PasswordSet, EventKind::CredentialsRevoked]
    );
    assert_eq!(store.get_session("mine", now).await.unwrap().id, mine);
    assert_err!(
        store.get_session("stolen", now).await,
        StoreError::NotFound { .. }
    );
    assert_err!(
        store.person_for_token("minted", now).await,
        StoreError::NotFound { .. }
    );
    assert_eq!(store.list_sessions(o.ann.id, now).await.unwrap().len(), 1);
    assert!(store.list_tokens(o.ann.id).await.unwrap().is_empty());
    // Nobody else's credentials are touched.
    assert_eq!(
        store.person_for_token("bens", now).await.unwrap().id,
        o.ben.id
    );
    assert_eq!(
        store.get_session("bens", now).await.unwrap().id,
        bens_session
    );

    // Without a session to keep (an administrator's reset, the CLI) every one ends.
    let written = store
        .set_password(Some(o.sue.id), o.ann.id, "$argon2id$reset".into(), None)
        .await
        .unwrap();
    assert_eq!(
        written.value,
        Revoked {
            tokens: 0,
            sessions: 1
        }
    );
    assert!(store.list_sessions(o.ann.id, now).await.unwrap().is_empty());
}

pub async fn revoking_credentials_ends_all_but_one_session<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let now = time::now();
    let expires_at = in_an_hour();
    let kept = store
        .create_session(session(o.carol.id, "kept", expires_at))
        .await
        .unwrap();
    store
        .create_session(session(o.carol.id, "other", expires_at))
        .await
        .unwrap();
    store
        .create_token(None, token(o.carol.id, "t1", None))
        .await
        .unwrap();
    store
        .create_token(None, token(o.carol.id, "t2", Some(expires_at)))
        .await
        .unwrap();
    let written = store
        .revoke_credentials(Some(o.carol.id), o.carol.id, Some(kept))
        .await
        .unwrap();
    assert_eq!(
        written.value,
        Revoked {
            tokens: 2,
            sessions: 1
        }
    );
    assert_eq!(written.events.len(), 1);
    assert_eq!(written.events[0].kind, EventKind::CredentialsRevoked);
    assert_eq!(decoded!(written.events[0], CredentialsRevoked).tokens, 2);
    assert_eq!(
        store
            .list_sessions(o.carol.id, now)
            .await
            .unwrap()
            .iter()
            .map(|s| s.id)
            .collect::<Vec<_>>(),
        vec![kept]
    );
    let written = store
        .revoke_credentials(None, o.carol.id, None)
        .await
        .unwrap();
    assert_eq!(
        written.value,
        Revoked {
            tokens: 0,
            sessions: 1
        }
    );
    assert_err!(
        store.revoke_credentials(None, PersonId::new(), None).await,
        StoreError::NotFound { .. }
    );
}

pub async fn exports_made_before_token_ids_still_import<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    second: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let mut exported = store.export().await.unwrap();
    // A token line as written before migration 0012: no id, no expiry, no recorded use.
    let old_line = serde_json::json!({
        "type": "token", "person_id": o.dave.id, "token_hash": "old-hash", "label": "old",
        "created_at": "2024-01-01T00:00:00Z"
    });
    exported.push(serde_json::from_value(old_line).unwrap());
    let target = second().await;
    target.import(exported).await.unwrap();
    assert_eq!(
        target
            .person_for_token("old-hash", time::now())
            .await
            .unwrap()
            .id,
        o.dave.id
    );
    let tokens = target.list_tokens(o.dave.id).await.unwrap();
    assert_eq!(tokens.len(), 1);
    assert_eq!(
        (tokens[0].label.as_str(), tokens[0].expires_at),
        ("old", None)
    );
}
