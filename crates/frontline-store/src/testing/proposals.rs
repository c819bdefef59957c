//! Conformance checks for proposals: raising with evidence (unknown cases `NotFound`,
//! customers `Invalid`), the lifecycle (`Conflict` for what it refuses), one vote each (also
//! when two race), comments, the list's filters and order, and the closed loop: shipping
//! posts exactly one public message on every evidence case, to that case's customer, without
//! moving the case, and on no other case.

use std::future::Future;
use std::sync::Arc;

use frontline_core::proposal::{
    CommentBody, Evidence, NewProposal, ProposalBody, ProposalTitle, Reason, Theme, WhatChanged,
};
use frontline_core::{
    Case, CaseId, CaseStatus, EventKind, Person, ProposalChange, ProposalId, ProposalStatus,
    Timestamp, Visibility, time,
};

use super::{Org, new_case, org};
use crate::*;

/// 2026-11-25 09:00 UTC plus `m` minutes.
fn at(m: i64) -> Timestamp {
    time::from_millis(1_795_597_200_000 + m * 60_000)
}

fn proposal(author: &Person, title: &str, cases: &[&Case], theme: Option<Theme>) -> NewProposal {
    NewProposal {
        author_id: author.id,
        title: ProposalTitle::parse(title).unwrap(),
        body: ProposalBody::parse("Customers wait days for a courier update.").unwrap(),
        evidence: Evidence::new(cases.iter().map(|c| c.id).collect(), theme).unwrap(),
    }
}

fn adopt(reason: &str) -> ProposalChange {
    ProposalChange::Adopt {
        reason: Reason::parse(reason).unwrap(),
    }
}

fn ship(what: &str) -> ProposalChange {
    ProposalChange::Ship {
        what_changed: WhatChanged::parse(what).unwrap(),
    }
}

async fn case(store: &dyn Store, customer: &Person, o: &Org, subject: &str) -> Case {
    store
        .create_case(None, new_case(customer.id, o.outcome.id, subject))
        .await
        .unwrap()
        .value
        .case
}

async fn raise(store: &dyn Store, new: NewProposal) -> frontline_core::Proposal {
    store.raise_proposal(new, None).await.unwrap().value
}

/// A story for the export test: a shipped proposal with a vote, a comment and its closed-loop
/// message, and an open one citing a theme only.
pub async fn proposals_story(store: &dyn Store, o: &Org) {
    let evidence = case(store, &o.carol, o, "Proposals story").await;
    let p = raise(store, proposal(&o.ann, "Call back", &[&evidence], None)).await;
    store
        .set_proposal_vote(o.ben.id, p.id, true, Some(at(1)))
        .await
        .unwrap();
    store
        .comment_proposal(
            o.ben.id,
            p.id,
            CommentBody::parse("Yes please").unwrap(),
            Some(at(2)),
        )
        .await
        .unwrap();
    store
        .change_proposal(o.sue.id, p.id, adopt("Seen every week"), Some(at(3)))
        .await
        .unwrap();
    store
        .change_proposal(o.sue.id, p.id, ship("We call back"), Some(at(4)))
        .await
        .unwrap();
    let theme = Theme::parse("late-parcels", Some("Parcels arrive late")).unwrap();
    raise(store, proposal(&o.ben, "Track parcels", &[], Some(theme))).await;
}

pub async fn proposals_are_raised_decided_and_shipped_with_the_closed_loop<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let carols = case(&*store, &o.carol, &o, "Parcel late again").await;
    let daves = case(&*store, &o.dave, &o, "No courier update").await;
    let unrelated = case(&*store, &o.carol, &o, "Invoice question").await;
    // A finished case is told too, and stays closed.
    for to in [CaseStatus::Resolved, CaseStatus::Closed] {
        store.change_status(None, daves.id, to).await.unwrap();
    }

    let mut unknown = proposal(&o.ann, "Call back", &[&carols], None);
    unknown.evidence = Evidence::new(vec![carols.id, CaseId::new()], None).unwrap();
    assert_err!(
        store.raise_proposal(unknown, None).await,
        StoreError::NotFound { .. }
    );
    assert_err!(
        store
            .raise_proposal(proposal(&o.carol, "Mine", &[&carols], None), None)
            .await,
        StoreError::Invalid(_)
    );

    let written = store
        .raise_proposal(
            proposal(&o.ann, "Call back", &[&carols, &daves], None),
            Some(at(0)),
        )
        .await
        .unwrap();
    let p = written.value;
    assert_eq!(written.events.len(), 1);
    assert_eq!(written.events[0].kind, EventKind::ProposalRaised);
    assert_eq!(written.events[0].audience, frontline_core::Audience::Staff);
    assert_eq!(p.status, ProposalStatus::Open);
    assert_eq!(p.created_at, at(0));
    let numbers: Vec<_> = p.cases.iter().map(|c| c.number).collect();
    assert_eq!(numbers, [carols.number, daves.number], "in the order cited");
    assert_eq!(store.get_proposal(p.id).await.unwrap(), p);
    assert_err!(
        store.get_proposal(ProposalId::new()).await,
        StoreError::NotFound { .. }
    );

    // Shipping before adopting, adopting by an employee, withdrawing by someone else.
    assert_err!(
        store.change_proposal(o.sue.id, p.id, ship("x"), None).await,
        StoreError::Conflict { .. }
    );
    assert_err!(
        store
            .change_proposal(o.ben.id, p.id, adopt("Why not"), None)
            .await,
        StoreError::Invalid(_)
    );
    assert_err!(
        store
            .change_proposal(o.ben.id, p.id, ProposalChange::Withdraw, None)
            .await,
        StoreError::Invalid(_)
    );
    store
        .set_proposal_vote(o.ben.id, p.id, true, None)
        .await
        .unwrap();

    let adopted = store
        .change_proposal(o.sue.id, p.id, adopt("Three teams see it"), Some(at(5)))
        .await
        .unwrap();
    assert_eq!(adopted.value.proposal.status, ProposalStatus::Adopted);
    assert!(adopted.value.told.is_empty());
    assert_eq!(adopted.events[0].kind, EventKind::ProposalAdopted);
    assert_eq!(
        decoded!(adopted.events[0], ProposalAdopted).notify,
        vec![o.ann.id, o.ben.id]
    );
    assert_err!(
        store
            .change_proposal(o.ann.id, p.id, ProposalChange::Withdraw, None)
            .await,
        StoreError::Conflict { .. }
    );

    let before: Vec<usize> = {
        let mut counts = Vec::new();
        for c in [&carols, &daves, &unrelated] {
            counts.push(store.list_messages(c.id, true).await.unwrap().len());
        }
        counts
    };
    let shipped = store
        .change_proposal(
            o.sue.id,
            p.id,
            ship("We now call you back within a day"),
            Some(at(9)),
        )
        .await
        .unwrap();
    let changed = &shipped.value;
    assert_eq!(changed.proposal.status, ProposalStatus::Shipped);
    assert_eq!(changed.told.len(), 2);
    let kinds: Vec<_> = shipped.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::MessageAdded,
            // Carol's case was new: the notice is its first response.
            EventKind::CaseStatusChanged,
            EventKind::MessageAdded,
            EventKind::ProposalShipped
        ]
    );
    let answered = store.get_case(carols.id).await.unwrap();
    assert_eq!(
        answered.status,
        CaseStatus::Open,
        "a told case is new no more"
    );
    assert_eq!(answered.first_response_at, Some(at(9)));
    for (c, told) in [(&carols, &changed.told[0]), (&daves, &changed.told[1])] {
        let event = shipped
            .events
            .iter()
            .find(|e| e.case_id == Some(c.id))
            .unwrap();
        assert_eq!(
            event.audience,
            frontline_core::Audience::Customer {
                customer_id: c.customer_id
            },
            "addressed to that case's customer"
        );
        assert_eq!(told.case_id, c.id);
        assert_eq!(told.author_id, o.sue.id);
        assert_eq!(told.visibility, Visibility::Public);
        assert_eq!(told.created_at, at(9));
        let text = told.body.as_str();
        assert!(
            text.starts_with(&format!("You told us: “Please help.” (case {})", c.number)),
            "{text}"
        );
        assert!(text.contains("We changed: We now call you back within a day."));
    }
    for (c, before) in [
        (&carols, before[0]),
        (&daves, before[1]),
        (&unrelated, before[2]),
    ] {
        let messages = store.list_messages(c.id, true).await.unwrap();
        let expected = if c.id == unrelated.id { 0 } else { 1 };
        assert_eq!(messages.len(), before + expected, "case {}", c.number);
    }
    assert_eq!(
        store.get_case(daves.id).await.unwrap().status,
        CaseStatus::Closed,
        "telling a customer does not reopen their case"
    );
    let stored = store.get_proposal(p.id).await.unwrap();
    assert_eq!(stored, changed.proposal);
    assert_eq!(stored.cases[0].told, Some(changed.told[0].id));
    assert_eq!(stored.cases[1].told, Some(changed.told[1].id));
    assert_eq!(stored.shipped_at, Some(at(9)));
    assert_eq!(
        stored.what_changed.as_ref().map(|w| w.as_str()),
        Some("We now call you back within a day")
    );
    assert_err!(
        store
            .change_proposal(o.sue.id, p.id, ship("Again"), None)
            .await,
        StoreError::Conflict { .. }
    );
    assert_eq!(
        store.list_messages(carols.id, true).await.unwrap().len(),
        before[0] + 1,
        "a refused second shipping tells nobody twice"
    );
}

pub async fn one_vote_each_and_unvoting_takes_it_back<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let c = case(&*store, &o.carol, &o, "Votes").await;
    let p = raise(&*store, proposal(&o.ann, "Vote on me", &[&c], None)).await;
    let voted = store
        .set_proposal_vote(o.ben.id, p.id, true, None)
        .await
        .unwrap();
    assert_eq!(voted.value, 1);
    assert_eq!(voted.events[0].kind, EventKind::ProposalVoted);
    assert_eq!(decoded!(voted.events[0], ProposalVoted).votes, 1);
    assert_err!(
        store.set_proposal_vote(o.ben.id, p.id, true, None).await,
        StoreError::Conflict { .. }
    );
    assert_eq!(
        store
            .set_proposal_vote(o.sue.id, p.id, true, None)
            .await
            .unwrap()
            .value,
        2
    );
    assert_err!(
        store.set_proposal_vote(o.ann.id, p.id, true, None).await,
        StoreError::Invalid(_)
    );
    assert_err!(
        store.set_proposal_vote(o.carol.id, p.id, true, None).await,
        StoreError::Invalid(_)
    );
    let votes = store.list_proposal_votes(p.id).await.unwrap();
    let people: Vec<_> = votes.iter().map(|v| v.person_id).collect();
    assert_eq!(people.len(), 2);
    assert!(people.contains(&o.ben.id) && people.contains(&o.sue.id));

    let unvoted = store
        .set_proposal_vote(o.ben.id, p.id, false, None)
        .await
        .unwrap();
    assert_eq!(unvoted.value, 1);
    assert_eq!(unvoted.events[0].kind, EventKind::ProposalUnvoted);
    assert_err!(
        store.set_proposal_vote(o.ben.id, p.id, false, None).await,
        StoreError::Conflict { .. }
    );
    let listed = store
        .list_proposals(ProposalFilter::default(), 10)
        .await
        .unwrap();
    assert_eq!(listed[0].votes, 1);

    // Decided: the votes are what they were.
    store
        .change_proposal(
            o.sue.id,
            p.id,
            ProposalChange::Decline {
                reason: Reason::parse("Not now").unwrap(),
            },
            None,
        )
        .await
        .unwrap();
    assert_err!(
        store.set_proposal_vote(o.ben.id, p.id, true, None).await,
        StoreError::Conflict { .. }
    );
    assert_err!(
        store
            .set_proposal_vote(o.ben.id, ProposalId::new(), true, None)
            .await,
        StoreError::NotFound { .. }
    );
}

pub async fn concurrent_votes_by_one_person_leave_one<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let c = case(&*store, &o.carol, &o, "Raced votes").await;
    let p = raise(&*store, proposal(&o.ann, "Race me", &[&c], None)).await;
    let attempts: Vec<_> = (0..6)
        .map(|_| {
            let store = store.clone();
            let (ben, id) = (o.ben.id, p.id);
            tokio::spawn(async move { store.set_proposal_vote(ben, id, true, None).await })
        })
        .collect();
    let mut ok = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::Conflict { .. }) => {}
            Err(e) => panic!("unexpected error: {e:?}"),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(store.list_proposal_votes(p.id).await.unwrap().len(), 1);
}

pub async fn proposals_list_newest_first_filter_and_keep_comments_in_order<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let c1 = case(&*store, &o.carol, &o, "One").await;
    let c2 = case(&*store, &o.dave, &o, "Two").await;
    let mut ids = Vec::new();
    for (i, (author, cases)) in [
        (&o.ann, vec![&c1]),
        (&o.ben, vec![&c2]),
        (&o.ann, vec![&c1, &c2]),
    ]
    .into_iter()
    .enumerate()
    {
        let new = proposal(author, &format!("Proposal {i}"), &cases, None);
        // Two share a time: the id breaks the tie.
        let when = at(if i == 2 { 1 } else { i as i64 });
        ids.push(
            store
                .raise_proposal(new, Some(when))
                .await
                .unwrap()
                .value
                .id,
        );
    }
    let theme = Theme::parse("refund-delays", None).unwrap();
    let themed = raise(
        &*store,
        proposal(&o.ben, "Themed", &[], Some(theme.clone())),
    )
    .await;
    assert!(themed.cases.is_empty());
    assert_eq!(themed.theme, Some(theme));
    store
        .change_proposal(o.ann.id, ids[0], ProposalChange::Withdraw, None)
        .await
        .unwrap();

    let list = |filter: ProposalFilter| {
        let store = store.clone();
        async move {
            store
                .list_proposals(filter, 10)
                .await
                .unwrap()
                .into_iter()
                .map(|s| s.proposal.id)
                .collect::<Vec<_>>()
        }
    };
    let all = list(ProposalFilter::default()).await;
    assert_eq!(all, [themed.id, ids[2], ids[1], ids[0]]);
    let mine = list(ProposalFilter {
        author_id: Some(o.ann.id),
        ..ProposalFilter::default()
    })
    .await;
    assert_eq!(mine, [ids[2], ids[0]]);
    let open = list(ProposalFilter {
        statuses: vec![ProposalStatus::Open],
        ..ProposalFilter::default()
    })
    .await;
    assert_eq!(open, [themed.id, ids[2], ids[1]]);
    let citing = list(ProposalFilter {
        case_id: Some(c2.id),
        ..ProposalFilter::default()
    })
    .await;
    assert_eq!(citing, [ids[2], ids[1]]);
    let second = store.get_proposal(ids[2]).await.unwrap();
    let after = list(ProposalFilter {
        before: Some((second.created_at, second.id)),
        ..ProposalFilter::default()
    })
    .await;
    assert_eq!(after, [ids[1], ids[0]]);

    for (i, who) in [&o.ben, &o.sue, &o.ann].into_iter().enumerate() {
        let written = store
            .comment_proposal(
                who.id,
                ids[0],
                CommentBody::parse(&format!("Comment {i}")).unwrap(),
                Some(at(10 + i as i64)),
            )
            .await
            .unwrap();
        assert_eq!(written.events[0].kind, EventKind::ProposalCommented);
    }
    let comments = store.list_proposal_comments(ids[0]).await.unwrap();
    let bodies: Vec<_> = comments.iter().map(|c| c.body.as_str()).collect();
    assert_eq!(
        bodies,
        ["Comment 0", "Comment 1", "Comment 2"],
        "also when withdrawn"
    );
    assert_err!(
        store
            .comment_proposal(
                o.carol.id,
                ids[0],
                CommentBody::parse("Me too").unwrap(),
                None
            )
            .await,
        StoreError::Invalid(_)
    );
    assert_err!(
        store.list_proposal_comments(ProposalId::new()).await,
        StoreError::NotFound { .. }
    );
    assert_err!(
        store.list_proposal_votes(ProposalId::new()).await,
        StoreError::NotFound { .. }
    );
}
