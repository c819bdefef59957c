//! `authorize` checked against the table: every role × every action × every target.

use frontline_core::{Email, Name, Person, PersonId, Role, time};

use super::table::{TABLE, Who};
use super::*;
use crate::auth::Actor;

fn actor(who: Who) -> Actor {
    let (role, admin) = match who {
        Who::Customer => (Role::Customer, false),
        Who::Employee => (Role::Employee, false),
        Who::Support => (Role::Support, false),
        Who::SupportAdmin => (Role::Support, true),
    };
    Actor::for_tests(Person {
        id: PersonId::new(),
        email: Email::parse("someone@example.com").unwrap(),
        name: Name::parse("Someone").unwrap(),
        role,
        title: None,
        admin,
        capacity: 5,
        available: true,
        created_at: time::now(),
        language: None,
        time_zone: None,
        erasure_requested_at: None,
        erased_at: None,
        merged_into: None,
    })
}

#[test]
fn every_role_and_action_is_decided_as_the_table_says() {
    let mut failures = Vec::new();
    for row in TABLE {
        for who in Who::ALL {
            let actor = actor(who);
            let resource = row.resource(actor.person_id(), PersonId::new());
            let got = authorize(&actor, row.action, &resource);
            if got != row.expected_for(who) {
                failures.push(format!(
                    "{} {:?} on {}: expected {:?}, got {got:?}",
                    who.as_str(),
                    row.action,
                    row.target.as_str(),
                    row.expected_for(who)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_table_covers_every_action() {
    for action in Action::ALL {
        assert!(
            TABLE.iter().any(|row| row.action == *action),
            "{action:?} has no row in the table"
        );
    }
}

#[test]
fn admin_is_a_capability_of_support_employees_only() {
    let mut employee = actor(Who::Employee);
    employee.person.admin = true;
    assert_eq!(
        authorize(&employee, Action::CreateTeam, &Resource::Org),
        Decision::Deny
    );
}

#[test]
fn every_role_may_set_the_fields_of_a_new_case_the_table_says() {
    use super::case_fields::{CaseField, authorize_on_open};
    use super::table::CASE_FIELDS_ON_OPEN;
    for field in CaseField::ALL {
        let (_, expected) = CASE_FIELDS_ON_OPEN
            .iter()
            .find(|(f, _)| *f == field)
            .unwrap_or_else(|| panic!("{field:?} has no row"));
        for (who, expected) in Who::ALL.iter().zip(expected) {
            assert_eq!(
                authorize_on_open(&actor(*who), field),
                *expected,
                "{} setting {} on a new case",
                who.as_str(),
                field.as_str()
            );
        }
    }
}

#[test]
fn a_refused_case_field_is_named_in_the_403() {
    use super::case_fields::{CaseField, require_on_open};
    let customer = actor(Who::Customer);
    match require_on_open(&customer, [CaseField::Priority, CaseField::Tags]) {
        Err(AppError::Forbidden(detail)) => {
            assert!(detail.contains("priority, tags"), "{detail}")
        }
        other => panic!("expected a 403, got {other:?}"),
    }
    assert!(require_on_open(&customer, []).is_ok());
    assert!(require_on_open(&actor(Who::Employee), CaseField::ALL).is_ok());
}
