use super::*;
use crate::case::{CaseDraft, Channel, Priority};
use crate::closed_loop;
use crate::event::EventKind;
use crate::ids::{OutcomeId, TeamId};
use crate::time::from_millis;
use crate::values::{Email, MessageBody, Name, Subject, Tags};
use serde_json::json;

fn t(minutes: i64) -> Timestamp {
    from_millis(minutes * 60_000)
}

fn person(role: Role) -> Person {
    Person {
        id: PersonId::new(),
        email: Email::parse("someone@frontline.test").unwrap(),
        name: Name::parse("Someone").unwrap(),
        role,
        title: None,
        admin: false,
        capacity: 5,
        available: true,
        created_at: t(0),
        language: None,
        time_zone: None,
        erasure_requested_at: None,
        erased_at: None,
        merged_into: None,
    }
}

fn reason(text: &str) -> Reason {
    Reason::parse(text).unwrap()
}

fn raised(author: &Person) -> Proposal {
    let case = CaseId::new();
    let (proposal, event) = Proposal::raise(
        NewProposal {
            author_id: author.id,
            title: ProposalTitle::parse("Call back before the courier gives up").unwrap(),
            body: ProposalBody::parse("Customers wait days for a courier update.").unwrap(),
            evidence: Evidence::new(vec![case], None).unwrap(),
        },
        author,
        vec![(case, CaseNumber(1042))],
        t(0),
    )
    .unwrap();
    assert_eq!(event.kind(), EventKind::ProposalRaised);
    assert_eq!(event.audience, crate::event::Audience::Staff, "staff only");
    assert_eq!(event.payload()["cases"], json!(["FL-1042"]));
    proposal
}

#[test]
fn a_raised_proposal_is_open_with_its_evidence_in_order() {
    let ann = person(Role::Employee);
    let p = raised(&ann);
    assert_eq!(p.status, ProposalStatus::Open);
    assert_eq!(p.author_id, ann.id);
    assert_eq!(p.cases.len(), 1);
    assert_eq!(p.cases[0].number, CaseNumber(1042));
    assert_eq!(p.cases[0].told, None);
}

#[test]
fn customers_cannot_raise_vote_or_comment() {
    let carol = person(Role::Customer);
    let case = CaseId::new();
    let refused = Proposal::raise(
        NewProposal {
            author_id: carol.id,
            title: ProposalTitle::parse("Faster refunds").unwrap(),
            body: ProposalBody::parse("Please.").unwrap(),
            evidence: Evidence::new(vec![case], None).unwrap(),
        },
        &carol,
        vec![(case, CaseNumber(1))],
        t(0),
    );
    assert_eq!(refused.unwrap_err(), ProposalError::NotStaff);
    let p = raised(&person(Role::Employee));
    assert_eq!(p.check_vote(&carol), Err(ProposalError::NotStaff));
    let comment = p.comment(&carol, CommentBody::parse("Yes!").unwrap(), t(1));
    assert_eq!(comment.unwrap_err(), ProposalError::NotStaff);
}

#[test]
fn evidence_needs_a_case_or_a_theme_and_drops_repeats() {
    let none = Evidence::new(vec![], None).unwrap_err();
    assert_eq!(none.field, "cases");
    assert!(none.reason.contains("at least one case, or a theme"));
    let theme = Theme::parse("late-parcels", Some("Parcels arrive late")).unwrap();
    let by_theme = Evidence::new(vec![], Some(theme.clone())).unwrap();
    assert_eq!(by_theme.theme(), Some(&theme));
    let case = CaseId::new();
    let other = CaseId::new();
    let repeated = Evidence::new(vec![case, other, case], None).unwrap();
    assert_eq!(repeated.cases(), &[case, other]);
    let too_many = Evidence::new(
        (0..=MAX_EVIDENCE_CASES).map(|_| CaseId::new()).collect(),
        None,
    )
    .unwrap_err();
    assert!(too_many.reason.contains("more than the 50"), "{too_many}");
}

#[test]
fn a_theme_without_a_label_is_labelled_by_its_key_and_a_blank_key_is_refused() {
    let theme = Theme::parse(" late-parcels ", Some("  ")).unwrap();
    assert_eq!(theme.label.as_str(), "late-parcels");
    assert_eq!(Theme::parse("", Some("x")).unwrap_err().field, "theme");
    let long = "x".repeat(ThemeLabel::MAX_CHARS + 1);
    assert_eq!(
        Theme::parse("k", Some(&long)).unwrap_err().field,
        "theme_label"
    );
}

#[test]
fn texts_are_bounded_and_say_what_is_missing() {
    assert!(
        ProposalTitle::parse("  ")
            .unwrap_err()
            .reason
            .contains("what should change")
    );
    let long = "x".repeat(ProposalTitle::MAX_CHARS + 1);
    assert!(
        ProposalTitle::parse(&long)
            .unwrap_err()
            .reason
            .contains("limit")
    );
    assert!(
        ProposalBody::parse("a\u{0}b").is_err(),
        "no control characters"
    );
    assert_eq!(
        ProposalTitle::parse(" Faster refunds ").unwrap().as_str(),
        "Faster refunds"
    );
}

#[test]
fn a_reason_is_required_to_adopt_or_decline() {
    let missing = Reason::parse("   ").unwrap_err();
    assert_eq!(missing.field, "reason");
    assert!(missing.reason.contains("is required"), "{missing}");
    let missing = WhatChanged::parse("").unwrap_err();
    assert_eq!(missing.field, "what_changed");
}

#[test]
fn a_support_employee_adopts_an_open_proposal_with_a_reason_and_the_author_and_voters_hear() {
    let (ann, ben, sue) = (
        person(Role::Employee),
        person(Role::Employee),
        person(Role::Support),
    );
    let p = raised(&ann);
    let (adopted, event) = p
        .apply(
            &sue,
            ProposalChange::Adopt {
                reason: reason("Three teams see it every week."),
            },
            &[ben.id, ben.id],
            t(5),
        )
        .unwrap();
    assert_eq!(adopted.status, ProposalStatus::Adopted);
    assert_eq!(adopted.decided_by, Some(sue.id));
    assert_eq!(adopted.decided_at, Some(t(5)));
    assert_eq!(
        adopted.reason.as_ref().map(Reason::as_str),
        Some("Three teams see it every week.")
    );
    assert_eq!(event.kind(), EventKind::ProposalAdopted);
    assert_eq!(event.actor_id, Some(sue.id));
    assert_eq!(event.payload()["notify"], json!([ann.id, ben.id]));
    assert_eq!(event.payload()["status"], "adopted");
}

#[test]
fn a_support_employee_declines_an_open_proposal_for_good() {
    let (ann, sue) = (person(Role::Employee), person(Role::Support));
    let (declined, event) = raised(&ann)
        .apply(
            &sue,
            ProposalChange::Decline {
                reason: reason("The carrier contract forbids it."),
            },
            &[],
            t(5),
        )
        .unwrap();
    assert_eq!(declined.status, ProposalStatus::Declined);
    assert!(declined.status.is_final());
    assert_eq!(event.kind(), EventKind::ProposalDeclined);
    assert_eq!(event.payload()["notify"], json!([ann.id]));
    let again = declined.apply(
        &sue,
        ProposalChange::Adopt {
            reason: reason("Changed my mind"),
        },
        &[],
        t(6),
    );
    assert_eq!(
        again.unwrap_err(),
        ProposalError::NotOpen(ProposalStatus::Declined, "adopted")
    );
    let ship = declined.apply(
        &sue,
        ProposalChange::Ship {
            what_changed: WhatChanged::parse("x").unwrap(),
        },
        &[],
        t(6),
    );
    assert_eq!(
        ship.unwrap_err(),
        ProposalError::NotAdopted(ProposalStatus::Declined)
    );
}

#[test]
fn employees_neither_adopt_decline_nor_ship() {
    let (ann, ben, sue) = (
        person(Role::Employee),
        person(Role::Employee),
        person(Role::Support),
    );
    let p = raised(&ann);
    for change in [
        ProposalChange::Adopt {
            reason: reason("Yes"),
        },
        ProposalChange::Decline {
            reason: reason("No"),
        },
    ] {
        assert_eq!(
            p.apply(&ben, change, &[], t(1)).unwrap_err(),
            ProposalError::NotSupport
        );
    }
    let (adopted, _) = p
        .apply(
            &sue,
            ProposalChange::Adopt {
                reason: reason("Yes"),
            },
            &[],
            t(1),
        )
        .unwrap();
    let ship = adopted.apply(
        &ben,
        ProposalChange::Ship {
            what_changed: WhatChanged::parse("We call back.").unwrap(),
        },
        &[],
        t(2),
    );
    assert_eq!(ship.unwrap_err(), ProposalError::NotSupport);
}

#[test]
fn only_an_adopted_proposal_ships_and_shipping_names_who_to_tell() {
    let (ann, ben, sue) = (
        person(Role::Employee),
        person(Role::Employee),
        person(Role::Support),
    );
    let p = raised(&ann);
    let early = p.apply(
        &sue,
        ProposalChange::Ship {
            what_changed: WhatChanged::parse("We call back.").unwrap(),
        },
        &[],
        t(1),
    );
    assert_eq!(
        early.unwrap_err(),
        ProposalError::NotAdopted(ProposalStatus::Open)
    );
    let (adopted, _) = p
        .apply(
            &sue,
            ProposalChange::Adopt {
                reason: reason("Yes"),
            },
            &[ben.id],
            t(1),
        )
        .unwrap();
    let (shipped, event) = adopted
        .apply(
            &sue,
            ProposalChange::Ship {
                what_changed: WhatChanged::parse("We call back within a day.").unwrap(),
            },
            &[ben.id],
            t(2),
        )
        .unwrap();
    assert_eq!(shipped.status, ProposalStatus::Shipped);
    assert_eq!(shipped.shipped_by, Some(sue.id));
    assert_eq!(shipped.shipped_at, Some(t(2)));
    assert_eq!(shipped.decided_at, Some(t(1)), "the decision is kept");
    assert_eq!(event.kind(), EventKind::ProposalShipped);
    assert_eq!(event.payload()["notify"], json!([ann.id, ben.id]));
    assert_eq!(event.payload()["cases_told"], 1);
    let twice = shipped.apply(
        &sue,
        ProposalChange::Ship {
            what_changed: WhatChanged::parse("Again").unwrap(),
        },
        &[],
        t(3),
    );
    assert_eq!(
        twice.unwrap_err(),
        ProposalError::NotAdopted(ProposalStatus::Shipped)
    );
}

#[test]
fn only_the_author_withdraws_and_only_while_open() {
    let (ann, ben, sue) = (
        person(Role::Employee),
        person(Role::Employee),
        person(Role::Support),
    );
    let p = raised(&ann);
    assert_eq!(
        p.apply(&ben, ProposalChange::Withdraw, &[], t(1))
            .unwrap_err(),
        ProposalError::NotAuthor
    );
    assert_eq!(
        p.apply(&sue, ProposalChange::Withdraw, &[], t(1))
            .unwrap_err(),
        ProposalError::NotAuthor
    );
    let (withdrawn, event) = p.apply(&ann, ProposalChange::Withdraw, &[], t(1)).unwrap();
    assert_eq!(withdrawn.status, ProposalStatus::Withdrawn);
    assert_eq!(event.kind(), EventKind::ProposalWithdrawn);
    assert_eq!(
        withdrawn
            .apply(&ann, ProposalChange::Withdraw, &[], t(2))
            .unwrap_err(),
        ProposalError::NotOpen(ProposalStatus::Withdrawn, "withdrawn")
    );
    let (adopted, _) = p
        .apply(
            &sue,
            ProposalChange::Adopt {
                reason: reason("Yes"),
            },
            &[],
            t(1),
        )
        .unwrap();
    assert_eq!(
        adopted
            .apply(&ann, ProposalChange::Withdraw, &[], t(2))
            .unwrap_err(),
        ProposalError::NotOpen(ProposalStatus::Adopted, "withdrawn")
    );
}

#[test]
fn colleagues_vote_while_it_is_open_and_the_author_does_not() {
    let (ann, ben, sue) = (
        person(Role::Employee),
        person(Role::Employee),
        person(Role::Support),
    );
    let p = raised(&ann);
    assert_eq!(p.check_vote(&ben), Ok(()));
    assert_eq!(p.check_vote(&sue), Ok(()));
    assert_eq!(p.check_vote(&ann), Err(ProposalError::OwnProposal));
    let voted = p.vote_event(ben.id, true, 1);
    assert_eq!(
        (voted.kind(), voted.payload()["votes"].clone()),
        (EventKind::ProposalVoted, json!(1))
    );
    assert_eq!(
        p.vote_event(ben.id, false, 0).kind(),
        EventKind::ProposalUnvoted
    );
    let (adopted, _) = p
        .apply(
            &sue,
            ProposalChange::Adopt {
                reason: reason("Yes"),
            },
            &[],
            t(1),
        )
        .unwrap();
    assert_eq!(
        adopted.check_vote(&ben),
        Err(ProposalError::NotOpen(ProposalStatus::Adopted, "voted on"))
    );
}

#[test]
fn comments_are_welcome_in_every_status_and_tell_the_author() {
    let (ann, ben) = (person(Role::Employee), person(Role::Employee));
    let p = raised(&ann);
    let (withdrawn, _) = p.apply(&ann, ProposalChange::Withdraw, &[], t(1)).unwrap();
    let (comment, event) = withdrawn
        .comment(
            &ben,
            CommentBody::parse("Shame: it was a good one.").unwrap(),
            t(2),
        )
        .unwrap();
    assert_eq!(comment.author_id, ben.id);
    assert_eq!(comment.proposal_id, p.id);
    assert_eq!(event.kind(), EventKind::ProposalCommented);
    assert_eq!(event.payload()["notify"], json!([ann.id]));
}

#[test]
fn who_may_never_do_something_is_told_apart_from_when() {
    assert!(ProposalError::NotSupport.is_about_the_person());
    assert!(ProposalError::OwnProposal.is_about_the_person());
    assert!(!ProposalError::AlreadyVoted.is_about_the_person());
    assert!(!ProposalError::NotAdopted(ProposalStatus::Open).is_about_the_person());
}

fn case_of(customer: PersonId) -> crate::case::Case {
    let draft = CaseDraft {
        customer_id: customer,
        outcome_id: OutcomeId::new(),
        subject: Subject::parse("Parcel never arrived").unwrap(),
        body: MessageBody::parse("It has been two weeks.").unwrap(),
        channel: Channel::Web,
        priority: Priority::Normal,
        tags: Tags::default(),
    };
    crate::case::Case::open(
        draft,
        CaseNumber(1042),
        (None, Some(TeamId::new())),
        None,
        t(0),
    )
    .0
}

fn shipped(author: &Person, sue: &Person) -> Proposal {
    let p = raised(author);
    let (adopted, _) = p
        .apply(
            sue,
            ProposalChange::Adopt {
                reason: reason("Yes"),
            },
            &[],
            t(1),
        )
        .unwrap();
    adopted
        .apply(
            sue,
            ProposalChange::Ship {
                what_changed: WhatChanged::parse("We now call you back within a day.").unwrap(),
            },
            &[],
            t(2),
        )
        .unwrap()
        .0
}

#[test]
fn the_closed_loop_message_quotes_the_customer_and_says_what_changed() {
    let (ann, sue) = (person(Role::Employee), person(Role::Support));
    let p = shipped(&ann, &sue);
    let carol = PersonId::new();
    let case = case_of(carol);
    let (message, event) = closed_loop::notice(
        &p,
        &case,
        sue.id,
        Some("Nobody   called me\nback for days."),
        t(3),
    )
    .unwrap();
    let text = message.body.as_str();
    assert!(
        text.starts_with("You told us: “Nobody called me back for days.” (case FL-1042)."),
        "{text}"
    );
    assert!(
        text.contains("We changed: We now call you back within a day."),
        "{text}"
    );
    assert!(
        text.contains("“Call back before the courier gives up”"),
        "{text}"
    );
    assert_eq!(message.visibility, crate::case::Visibility::Public);
    assert_eq!((message.case_id, message.author_id), (case.id, sue.id));
    assert_eq!(event.kind(), EventKind::MessageAdded);
    assert_eq!(event.case_id, Some(case.id));
    assert_eq!(
        event.audience,
        crate::event::Audience::Customer { customer_id: carol },
        "the case's customer sees it"
    );
    assert_eq!(event.payload()["proposal_id"], json!(p.id));
    let (without, _) = closed_loop::notice(&p, &case, sue.id, None, t(3)).unwrap();
    assert!(
        without
            .body
            .as_str()
            .starts_with("You told us about this in case FL-1042."),
        "{}",
        without.body
    );
}

#[test]
fn a_long_quote_is_cut_at_a_word_with_an_ellipsis() {
    assert_eq!(closed_loop::quote("   "), None);
    assert_eq!(closed_loop::quote("Short.").as_deref(), Some("Short."));
    let long = "word ".repeat(100);
    let quoted = closed_loop::quote(&long).unwrap();
    assert!(quoted.ends_with("word…"), "{quoted}");
    assert!(quoted.chars().count() <= closed_loop::QUOTE_CHARS + 1);
    let one_word = "x".repeat(500);
    let quoted = closed_loop::quote(&one_word).unwrap();
    assert_eq!(quoted.chars().count(), closed_loop::QUOTE_CHARS + 1);
}

#[test]
fn the_customers_words_are_their_first_public_message() {
    let carol = PersonId::new();
    let case = case_of(carol);
    let msg = |author, visibility, body: &str| crate::case::Message {
        id: MessageId::new(),
        case_id: case.id,
        author_id: author,
        body: MessageBody::parse(body).unwrap(),
        visibility,
        created_at: t(0),
    };
    let staff = PersonId::new();
    let messages = [
        msg(staff, crate::case::Visibility::Internal, "note"),
        msg(staff, crate::case::Visibility::Public, "hello"),
        msg(carol, crate::case::Visibility::Public, "My parcel is lost."),
        msg(carol, crate::case::Visibility::Public, "Still lost."),
    ];
    assert_eq!(
        closed_loop::customer_words(&case, &messages),
        Some("My parcel is lost.")
    );
    assert_eq!(closed_loop::customer_words(&case, &messages[..2]), None);
}
