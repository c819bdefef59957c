use super::*;
use crate::ask::{AskKind, AskStatus, Urgency};
use crate::case::{CaseStatus, Channel, Priority};
use crate::event::{AskEscalated, AskState, CaseAssigned, CaseCreated, CaseSummary, MessageAdded};
use crate::ids::{MessageId, OutcomeId, TeamId};
use crate::values::Subject;

struct World {
    sue: PersonId,
    ben: PersonId,
    carol: PersonId,
    case_id: CaseId,
}

fn world() -> World {
    World {
        sue: PersonId::new(),
        ben: PersonId::new(),
        carol: PersonId::new(),
        case_id: CaseId::new(),
    }
}

fn summary(owner: Option<PersonId>) -> CaseSummary {
    CaseSummary {
        number: CaseNumber(1042),
        subject: Subject::parse("My parcel is late").unwrap(),
        status: CaseStatus::Open,
        owner_id: owner,
        team_id: Some(TeamId::new()),
        priority: Priority::Normal,
    }
}

fn created(w: &World, owner: Option<PersonId>) -> Payload {
    Payload::CaseCreated(CaseCreated {
        case: summary(owner),
        outcome_id: OutcomeId::new(),
        customer_id: w.carol,
        channel: Channel::Email,
        message_id: MessageId::new(),
    })
}

fn assigned(owner: Option<PersonId>, previous: Option<PersonId>, by: AssignedBy) -> Payload {
    Payload::CaseAssigned(CaseAssigned {
        case: summary(owner),
        previous_owner_id: previous,
        by,
    })
}

fn message(author: PersonId, visibility: Visibility) -> Payload {
    Payload::MessageAdded(MessageAdded {
        number: CaseNumber(1042),
        message_id: MessageId::new(),
        author_id: author,
        visibility,
        proposal_id: None,
    })
}

fn ask(asker: PersonId, assignee: PersonId) -> AskState {
    AskState {
        ask_id: AskId::new(),
        asker_id: asker,
        assignee_id: assignee,
        kind: AskKind::Unblock,
        urgency: Urgency::High,
        status: AskStatus::Open,
        escalations: 0,
    }
}

fn on_case(w: &World) -> Regarding {
    Regarding::Case {
        case_id: w.case_id,
        number: CaseNumber(1042),
    }
}

fn told(person: PersonId, kind: NotificationKind, regarding: Regarding) -> Vec<Notification> {
    vec![Notification {
        person,
        kind,
        regarding,
    }]
}

#[test]
fn a_case_opened_straight_to_an_owner_tells_the_owner() {
    let w = world();
    let case = Some(w.case_id);
    let n = notifications(
        Some(w.carol),
        case,
        &created(&w, Some(w.sue)),
        &Facts::default(),
    );
    assert_eq!(n, told(w.sue, NotificationKind::Assigned, on_case(&w)));
    assert!(
        notifications(Some(w.carol), case, &created(&w, None), &Facts::default()).is_empty(),
        "a queued case is nobody's yet"
    );
    assert!(
        notifications(
            Some(w.sue),
            case,
            &created(&w, Some(w.sue)),
            &Facts::default()
        )
        .is_empty(),
        "opening a case that routing gives to oneself is one's own action"
    );
}

#[test]
fn a_case_moved_to_someone_tells_them_unless_they_took_it() {
    let w = world();
    let case = Some(w.case_id);
    let moved = assigned(Some(w.sue), Some(w.ben), AssignedBy::Person);
    assert_eq!(
        notifications(Some(w.ben), case, &moved, &Facts::default()),
        told(w.sue, NotificationKind::Assigned, on_case(&w))
    );
    assert!(
        notifications(Some(w.sue), case, &moved, &Facts::default()).is_empty(),
        "nobody is told of their own action"
    );
    let unassigned = assigned(None, Some(w.sue), AssignedBy::Person);
    assert!(notifications(Some(w.ben), case, &unassigned, &Facts::default()).is_empty());
}

#[test]
fn routing_filling_a_freed_slot_tells_the_owner_even_when_they_freed_it() {
    let w = world();
    let refill = assigned(Some(w.sue), None, AssignedBy::Routing);
    assert_eq!(
        notifications(Some(w.sue), Some(w.case_id), &refill, &Facts::default()),
        told(w.sue, NotificationKind::Assigned, on_case(&w))
    );
}

#[test]
fn a_customers_reply_tells_the_cases_owner_only() {
    let w = world();
    let payload = message(w.carol, Visibility::Public);
    assert!(needs_facts(&payload));
    let facts = Facts {
        case_owner: Some(w.sue),
        author_is_staff: false,
    };
    assert_eq!(
        notifications(Some(w.carol), Some(w.case_id), &payload, &facts),
        told(w.sue, NotificationKind::CustomerReplied, on_case(&w))
    );
    let unowned = Facts {
        case_owner: None,
        ..facts
    };
    assert!(notifications(Some(w.carol), Some(w.case_id), &payload, &unowned).is_empty());
}

#[test]
fn staff_replies_and_internal_notes_tell_nobody() {
    let w = world();
    let staff = Facts {
        case_owner: Some(w.sue),
        author_is_staff: true,
    };
    let reply = message(w.ben, Visibility::Public);
    assert!(notifications(Some(w.ben), Some(w.case_id), &reply, &staff).is_empty());
    let own = message(w.sue, Visibility::Public);
    assert!(notifications(Some(w.sue), Some(w.case_id), &own, &staff).is_empty());
    let note = message(w.ben, Visibility::Internal);
    assert!(!needs_facts(&note), "a note needs no look-up");
    assert!(notifications(Some(w.ben), Some(w.case_id), &note, &staff).is_empty());
}

#[test]
fn an_ask_raised_or_climbing_tells_the_support_employee_it_is_with() {
    let w = world();
    let raised = ask(w.ben, w.sue);
    let regarding = Regarding::Ask {
        ask_id: raised.ask_id,
        case_id: None,
    };
    assert_eq!(
        notifications(
            Some(w.ben),
            None,
            &Payload::AskRaised(raised.clone()),
            &Facts::default()
        ),
        told(w.sue, NotificationKind::AskToMe, regarding)
    );
    let climbed = Payload::AskEscalated(AskEscalated {
        ask: raised.clone(),
        from: w.sue,
        to: w.carol,
    });
    let about = Regarding::Ask {
        ask_id: raised.ask_id,
        case_id: Some(w.case_id),
    };
    assert_eq!(
        notifications(None, Some(w.case_id), &climbed, &Facts::default()),
        told(w.carol, NotificationKind::AskToMe, about)
    );
    let answered = Payload::AskAnswered(raised);
    assert!(notifications(Some(w.sue), None, &answered, &Facts::default()).is_empty());
}

#[test]
fn preferences_are_off_by_default_and_keep_each_kind_once() {
    let none = Preferences::default();
    assert!(NotificationKind::ALL.iter().all(|k| !none.wants_email(*k)));
    let some = Preferences::email([
        NotificationKind::AskToMe,
        NotificationKind::Assigned,
        NotificationKind::AskToMe,
    ]);
    assert_eq!(
        some.email,
        vec![NotificationKind::Assigned, NotificationKind::AskToMe]
    );
    assert!(some.wants_email(NotificationKind::AskToMe));
    assert!(!some.wants_email(NotificationKind::CustomerReplied));
}

#[test]
fn kinds_read_back_from_their_text() {
    for kind in NotificationKind::ALL {
        assert_eq!(kind.as_str().parse::<NotificationKind>().unwrap(), kind);
    }
    assert!("everything".parse::<NotificationKind>().is_err());
}
