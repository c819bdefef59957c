//! The `Store` contract, executable. Every backend runs every check here through
//! `conformance_tests!`, so SQLite and PostgreSQL are held to exactly the same behaviour,
//! error classification included.

use frontline_core::{
    Channel, Email, MessageBody, Name, OutcomeKey, Person, PersonId, Priority, Role, Subject, Tags,
    TeamId, Visibility, time,
};

use crate::*;

/// Generates one `#[tokio::test]` per check. `$factory` is an async fn returning
/// `Option<Arc<dyn Store>>` (a fresh, empty store; `None` skips, e.g. no PostgreSQL here).
#[macro_export]
macro_rules! conformance_tests {
    ($factory:path) => {
        $crate::conformance_tests!(@tests $factory;
            people_are_created_found_and_unique_by_email,
            memberships_overlap_and_keep_their_history,
            only_support_employees_support_teams,
            outcomes_are_owned_by_existing_teams,
            new_cases_go_to_the_least_loaded_member_and_queue_when_everyone_is_full,
            a_freed_slot_takes_the_most_urgent_queued_case,
            creating_with_the_same_idempotency_key_returns_the_first_case,
            identical_keyed_creates_at_once_make_one_case_and_the_rest_are_replays,
            the_lifecycle_is_enforced_and_every_transition_is_an_event,
            internal_notes_are_kept_apart_from_the_conversation,
            the_event_log_is_gap_free_and_filtered_by_audience,
            concurrent_writes_keep_the_log_gap_free,
            case_lists_page_stably_and_filter,
            tokens_and_sessions_resolve_to_their_person,
            tokens_expire_and_are_listed_without_their_hash,
            uses_are_recorded_at_most_once_a_minute,
            sessions_are_listed_and_revoked_one_by_one,
            tokens_are_revoked_one_by_one,
            a_new_password_ends_every_token_and_session_but_the_one_kept,
            revoking_credentials_ends_all_but_one_session,
            exports_made_before_token_ids_still_import,
            assigning_checks_the_new_owner,
            a_customers_open_cases_are_counted,
            people_list_pages_and_filters,
            export_then_import_reproduces_the_store,
            every_event_kind_round_trips_through_the_log,
            broadcasts_reach_every_subscriber_and_are_bounded,
            webhooks_are_created_listed_and_found,
            deliveries_advance_the_cursor_and_failures_are_recorded,
            disabling_a_webhook_appends_its_event,
            delivery_attempts_list_newest_first,
            old_delivery_attempts_are_pruned,
            one_node_at_a_time_holds_a_webhook_lease,
            customer_profiles_are_set_replaced_and_only_for_customers,
            decision_kinds_are_saved_by_key_and_listed_in_key_order,
            rule_versions_are_numbered_per_rule_and_keep_its_kind_and_type,
            publishing_a_version_retires_the_one_published_before,
            concurrent_publications_leave_one_version_published,
            rules_list_by_rule_then_version_and_filter,
            decisions_are_recorded_on_cases_for_staff_eyes_only,
            only_explained_decisions_are_reviewed_and_only_once,
            decisions_list_newest_first_filter_and_page_through_equal_times,
            asks_go_to_support_employees_and_keep_every_change,
            unanswered_asks_come_due_and_climb_one_step_at_a_time,
            asks_list_newest_first_and_filter,
            role_and_title_changes_keep_their_history,
            retiring_a_team_ends_its_links_and_closes_it,
            the_org_history_is_read_in_one_call,
            org_history_survives_export_and_import,
            staff_activity_reads_public_replies_of_staff_by_person_and_time,
            staff_activity_counts_owned_resolutions_reviews_and_asks_handled,
            standard_work_belongs_to_support_employees_and_is_ticked_once_a_period,
            concurrent_ticks_of_one_period_leave_one_tick,
            feelings_follow_who_may_say_what_and_replace_rather_than_repeat,
            concurrent_ratings_of_one_case_leave_one,
            signing_keys_are_kept_from_the_first_request,
            the_scoreboard_reads_the_periods_cases_and_their_feelings,
            case_lists_filter_by_period_achievement_target_and_feelings,
            proposals_are_raised_decided_and_shipped_with_the_closed_loop,
            one_vote_each_and_unvoting_takes_it_back,
            concurrent_votes_by_one_person_leave_one,
            proposals_list_newest_first_filter_and_keep_comments_in_order,
            customer_messages_keep_their_sentiment_and_raise_mood_alerts,
            mood_alerts_list_by_owner_or_team_and_are_acknowledged_once,
            voices_are_ratings_with_words_and_low_scoring_customer_messages,
            mailboxes_are_saved_by_key_listed_and_found,
            a_mail_becomes_one_case_and_its_replies_thread_onto_it,
            one_mail_delivered_at_once_many_times_makes_one_case,
            unreadable_mail_is_quarantined_once_until_dropped,
            mail_survives_export_and_import,
            a_reply_and_its_mail_are_written_in_one_transaction,
            a_repeated_reply_is_mailed_once,
            mail_about_a_case_is_queued_without_a_message,
            claims_take_due_mail_oldest_first_under_a_lease,
            sent_and_failed_mail_is_recorded_with_its_event,
            old_outbound_attempts_are_pruned,
            senders_claiming_at_once_never_share_a_mail,
            the_outbox_survives_export_and_import,
            a_bouncing_address_is_marked_once_and_cleared_once,
            bouncing_addresses_survive_export_and_import,
            calendars_are_dated_versions_per_team,
            outcome_targets_are_replaced_and_removed,
            calendars_and_targets_survive_export_and_import,
            target_alarms_are_told_once_each,
            case_due_times_are_kept_per_case,
            a_follower_starts_at_the_newest_event_and_moves_only_forward,
            one_node_at_a_time_follows_and_a_replaced_one_cannot_move_the_cursor,
            an_import_starts_followers_after_the_imported_log,
            blobs_stream_in_and_out_and_are_kept_once,
            uploads_attach_to_their_uploaders_message_with_its_audience,
            a_deleted_attachment_keeps_a_tombstone,
            attachments_survive_export_and_import_byte_identical,
            erasure_makes_a_customers_files_tombstones_and_the_sweep_takes_their_bytes,
            added_addresses_find_their_person_and_belong_to_one,
            merging_moves_a_duplicates_cases_and_history_to_the_kept_customer,
            an_address_merged_away_cannot_be_taken_meanwhile,
            erasure_leaves_a_tombstone_and_nothing_personal_in_an_export,
            account_links_are_followed_once_and_not_after_they_expire,
            expired_account_links_are_purged_and_live_ones_kept,
            a_sign_up_link_makes_a_customer_or_gives_one_who_wrote_by_mail_a_password,
            a_reset_link_sets_the_password_and_ends_every_session,
            search_finds_words_anywhere_in_a_case_and_keeps_notes_from_customers,
            erasure_and_merges_reach_the_search_index,
            a_queue_lists_what_falls_due_first_then_the_most_urgent_then_the_oldest,
            editing_a_case_records_each_change_and_a_new_outcome_reroutes_it,
            staff_choose_their_notifications_and_customers_have_none,
            a_staff_notification_is_queued_once_on_no_case_and_sent_without_an_event,
            notification_choices_survive_export_and_import,
        );
    };
    (@tests $factory:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let Some(store) = $factory().await else { return };
                $crate::testing::$name(store, || async { $factory().await.expect("second store") }).await;
            }
        )*
    };
}

/// A small organisation: two overlapping teams, an outcome owned by the first, two employees
/// with capacity 2, a support employee, two customers.
pub struct Org {
    pub team_a: TeamId,
    pub team_b: TeamId,
    pub outcome: frontline_core::Outcome,
    pub ann: Person,
    pub ben: Person,
    pub sue: Person,
    pub carol: Person,
    pub dave: Person,
}

pub fn new_person(email: &str, role: Role, capacity: u32) -> NewPerson {
    NewPerson {
        email: Email::parse(email).unwrap(),
        name: Name::parse(email.split('@').next().unwrap()).unwrap(),
        role,
        title: None,
        admin: false,
        capacity,
    }
}

pub fn new_case(customer: PersonId, outcome: frontline_core::OutcomeId, subject: &str) -> NewCase {
    NewCase {
        customer_id: customer,
        outcome_id: outcome,
        subject: Subject::parse(subject).unwrap(),
        body: MessageBody::parse("Please help.").unwrap(),
        channel: Channel::Web,
        priority: Priority::Normal,
        tags: Tags::default(),
        created_at: None,
        idempotency_key: None,
        attachments: Vec::new(),
    }
}

/// The words of a search box, parsed as the server parses them.
pub fn words(query: &str) -> frontline_core::search::TextQuery {
    frontline_core::search::parse("q", query).unwrap().text
}

pub fn new_message(
    case_id: frontline_core::CaseId,
    author: PersonId,
    vis: Visibility,
) -> NewMessage {
    NewMessage {
        case_id,
        author_id: author,
        body: MessageBody::parse("A reply.").unwrap(),
        visibility: vis,
        created_at: None,
        idempotency_key: None,
        attachments: Vec::new(),
    }
}

pub async fn org(store: &dyn Store) -> Org {
    let team_a = store
        .create_team(None, Name::parse("Order arrives right").unwrap())
        .await
        .unwrap()
        .value
        .id;
    let team_b = store
        .create_team(None, Name::parse("Billing is clear").unwrap())
        .await
        .unwrap()
        .value
        .id;
    let person = |email: &'static str, role, cap| async move {
        store
            .create_person(None, new_person(email, role, cap))
            .await
            .unwrap()
            .value
    };
    let ann = person("ann@frontline.test", Role::Employee, 2).await;
    let ben = person("ben@frontline.test", Role::Employee, 2).await;
    let sue = person("sue@frontline.test", Role::Support, 5).await;
    let carol = person("carol@customer.test", Role::Customer, 0).await;
    let dave = person("dave@customer.test", Role::Customer, 0).await;
    let since = time::from_millis(0);
    for p in [&ann, &ben] {
        store
            .add_membership(None, p.id, team_a, since)
            .await
            .unwrap();
    }
    store
        .add_membership(None, ben.id, team_b, since)
        .await
        .unwrap();
    let outcome = store
        .create_outcome(
            None,
            NewOutcome {
                key: OutcomeKey::parse("order_arrives").unwrap(),
                name: Name::parse("My order arrives right").unwrap(),
                success_criteria: "The customer has the right items.".into(),
                target_minutes: 2 * 24 * 60,
                team_ids: vec![team_a],
            },
        )
        .await
        .unwrap()
        .value;
    Org {
        team_a,
        team_b,
        outcome,
        ann,
        ben,
        sue,
        carol,
        dave,
    }
}

macro_rules! assert_err {
    ($result:expr, $pattern:pat) => {
        match $result {
            Err(e) => assert!(matches!(e, $pattern), "unexpected error: {e:?}"),
            Ok(v) => panic!("expected an error, got {v:?}"),
        }
    };
}

/// An event's payload as the given `Payload` variant; panics naming what it was instead.
macro_rules! decoded {
    ($event:expr, $variant:ident) => {
        match $event.decoded().expect("the payload decodes") {
            frontline_core::Payload::$variant(payload) => payload,
            other => panic!("expected {}, got {other:?}", stringify!($variant)),
        }
    };
}

mod accounts;
mod asks;
mod bounces;
mod cases;
mod credentials;
mod decisions;
mod feelings;
mod files;
mod followers;
mod guidelines;
mod history;
mod leaders;
mod log;
mod mail;
mod notifications;
mod org;
mod outbox;
mod outbox_sending;
mod people;
mod proposals;
mod rules;
mod scoreboard;
mod search;
mod targets;
mod voice;
mod webhooks;
pub use accounts::*;
pub use asks::*;
pub use bounces::*;
pub use cases::*;
pub use credentials::*;
pub use decisions::*;
pub use feelings::*;
pub use files::*;
pub use followers::*;
pub use guidelines::*;
pub use history::*;
pub use leaders::*;
pub use log::*;
pub use mail::*;
pub use notifications::*;
pub use org::*;
pub use outbox::*;
pub use outbox_sending::*;
pub use people::*;
pub use proposals::*;
pub use rules::*;
pub use scoreboard::*;
pub use search::*;
pub use targets::*;
pub use voice::*;
pub use webhooks::*;
