use super::*;
use crate::event::EventKind;
use crate::time::from_millis;
use proptest::prelude::*;
use std::collections::HashMap;

fn new_case(owner: Option<PersonId>) -> Case {
    let draft = CaseDraft {
        customer_id: PersonId::new(),
        outcome_id: OutcomeId::new(),
        subject: Subject::parse("Parcel never arrived").unwrap(),
        body: MessageBody::parse("It has been two weeks.").unwrap(),
        channel: Channel::Web,
        priority: Priority::Normal,
        tags: Tags::default(),
    };
    Case::open(
        draft,
        CaseNumber(1001),
        (owner, Some(TeamId::new())),
        None,
        from_millis(0),
    )
    .0
}

fn message(case: &Case, author: PersonId, visibility: Visibility) -> Message {
    Message {
        id: MessageId::new(),
        case_id: case.id,
        author_id: author,
        body: MessageBody::parse("hello").unwrap(),
        visibility,
        created_at: from_millis(1),
    }
}

#[test]
fn the_lifecycle_allows_exactly_the_documented_moves() {
    use CaseStatus::*;
    let allowed = [
        (New, Open),
        (New, WaitingOnCustomer),
        (New, Resolved),
        (Open, WaitingOnCustomer),
        (Open, Resolved),
        (WaitingOnCustomer, Open),
        (WaitingOnCustomer, Resolved),
        (Resolved, Open),
        (Resolved, Closed),
    ];
    for from in CaseStatus::ALL {
        for to in CaseStatus::ALL {
            assert_eq!(
                from.can_become(*to),
                allowed.contains(&(*from, *to)),
                "{from} -> {to}"
            );
        }
    }
}

#[test]
fn a_closed_case_is_final() {
    let mut case = new_case(None);
    case.change_status(CaseStatus::Resolved, None, from_millis(1))
        .unwrap();
    case.change_status(CaseStatus::Closed, None, from_millis(2))
        .unwrap();
    assert_eq!(
        case.change_status(CaseStatus::Open, None, from_millis(3)),
        Err(CaseError::Closed)
    );
    let reply = message(&case, case.customer_id, Visibility::Public);
    assert_eq!(
        case.add_message(&reply, Role::Customer, from_millis(4)),
        Err(CaseError::Closed)
    );
}

#[test]
fn a_customer_reply_reopens_a_resolved_case_and_counts_again_towards_the_owners_load() {
    let owner = PersonId::new();
    let mut case = new_case(Some(owner));
    let resolved = case
        .change_status(CaseStatus::Resolved, Some(owner), from_millis(1))
        .unwrap();
    assert_eq!(resolved.load, vec![(owner, -1)]);
    assert_eq!(case.resolved_at, Some(from_millis(1)));
    let reply = message(&case, case.customer_id, Visibility::Public);
    let effects = case
        .add_message(&reply, Role::Customer, from_millis(2))
        .unwrap();
    assert_eq!(case.status, CaseStatus::Open);
    assert_eq!(case.resolved_at, None);
    assert_eq!(effects.load, vec![(owner, 1)]);
    let kinds: Vec<_> = effects.events.iter().map(|e| e.kind()).collect();
    assert_eq!(
        kinds,
        [EventKind::MessageAdded, EventKind::CaseStatusChanged]
    );
}

#[test]
fn the_first_public_staff_reply_is_the_first_response_and_internal_notes_stay_internal() {
    let owner = PersonId::new();
    let mut case = new_case(Some(owner));
    let note = message(&case, owner, Visibility::Internal);
    let effects = case
        .add_message(&note, Role::Employee, from_millis(1))
        .unwrap();
    assert_eq!(case.first_response_at, None);
    assert_eq!(case.status, CaseStatus::New);
    assert_eq!(effects.events[0].audience, Audience::Staff);

    let reply = message(&case, owner, Visibility::Public);
    let effects = case
        .add_message(&reply, Role::Employee, from_millis(2))
        .unwrap();
    assert_eq!(case.first_response_at, Some(from_millis(2)));
    assert_eq!(case.status, CaseStatus::Open);
    assert_eq!(
        effects.events[0].audience,
        Audience::Customer {
            customer_id: case.customer_id
        }
    );
}

#[test]
fn reassigning_moves_the_load_from_the_old_owner_to_the_new() {
    let (a, b) = (PersonId::new(), PersonId::new());
    let mut case = new_case(Some(a));
    let effects = case.assign(Some(b), None, Some(a), from_millis(1)).unwrap();
    assert_eq!(effects.load, vec![(a, -1), (b, 1)]);
    assert_eq!(effects.freed().collect::<Vec<_>>(), vec![a]);
}

#[derive(Clone, Debug)]
enum Action {
    Status(CaseStatus),
    CustomerReply,
    StaffReply(bool),
    Assign(usize),
}

#[test]
fn an_edit_records_what_each_field_was_and_changes_nothing_else() {
    let mut case = new_case(Some(PersonId::new()));
    let actor = Some(PersonId::new());
    let billing = OutcomeId::new();
    let edit = CaseEdit {
        subject: Some(Subject::parse("Charged twice").unwrap()),
        priority: Some(case.priority),
        outcome_id: Some(billing),
        keep_owner: false,
        reason: Some("It is about the bill".into()),
    };
    let before = case.clone();
    let effects = case.edit(&edit, actor, from_millis(9)).unwrap().unwrap();
    assert_eq!(case.subject.as_str(), "Charged twice");
    assert_eq!(case.outcome_id, billing);
    assert_eq!(case.owner_id, before.owner_id, "routing is the store's");
    assert!(effects.load.is_empty());
    let e = &effects.events[0];
    let Payload::CaseEdited(p) = Payload::decode(e.kind(), e.payload()).unwrap() else {
        panic!("a case.edited event");
    };
    assert_eq!(p.subject_from, Some(before.subject.clone()));
    assert_eq!(p.priority_from, None, "the same priority is no change");
    assert_eq!(p.outcome_from, Some(before.outcome_id));
    assert_eq!(effects.events[0].audience, Audience::Staff);
    // Asking for what already is changes nothing and says so.
    assert!(case.edit(&edit, actor, from_millis(10)).unwrap().is_none());
    case.status = CaseStatus::Closed;
    assert!(
        case.edit(&CaseEdit::default(), actor, from_millis(11))
            .is_err()
    );
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        proptest::sample::select(CaseStatus::ALL.to_vec()).prop_map(Action::Status),
        Just(Action::CustomerReply),
        any::<bool>().prop_map(Action::StaffReply),
        (0usize..4).prop_map(Action::Assign),
    ]
}

proptest! {
    /// Whatever people try, the case only ever makes documented moves, never leaves `closed`,
    /// and the load counters the effects maintain always equal a recount.
    #[test]
    fn no_sequence_of_actions_reaches_an_illegal_status_or_corrupts_loads(
        actions in proptest::collection::vec(action(), 0..40)
    ) {
        let people = [PersonId::new(), PersonId::new(), PersonId::new()];
        let mut case = new_case(Some(people[0]));
        let mut loads: HashMap<PersonId, i32> = HashMap::from([(people[0], 1)]);
        for (step, action) in actions.into_iter().enumerate() {
            let now = from_millis(step as i64 + 10);
            let before = case.status;
            let result = match action {
                Action::Status(to) => case.change_status(to, None, now),
                Action::CustomerReply => {
                    let m = message(&case, case.customer_id, Visibility::Public);
                    case.add_message(&m, Role::Customer, now)
                }
                Action::StaffReply(public) => {
                    let vis = if public { Visibility::Public } else { Visibility::Internal };
                    let m = message(&case, people[1], vis);
                    case.add_message(&m, Role::Employee, now)
                }
                Action::Assign(i) => case.assign(people.get(i).copied(), None, None, now),
            };
            match result {
                Ok(effects) => {
                    prop_assert!(before != CaseStatus::Closed);
                    prop_assert!(case.status == before || before.can_become(case.status));
                    for (p, d) in effects.load {
                        *loads.entry(p).or_default() += d;
                    }
                }
                Err(_) => prop_assert_eq!(case.status, before),
            }
            for p in people {
                let expected = i32::from(case.owner_id == Some(p) && case.status.counts_as_load());
                prop_assert_eq!(loads.get(&p).copied().unwrap_or(0), expected);
            }
            prop_assert_eq!(case.resolved_at.is_some(), matches!(case.status, CaseStatus::Resolved | CaseStatus::Closed));
        }
    }
}
