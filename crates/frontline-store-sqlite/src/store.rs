//! `Store` for `SqliteStore`: each use case is a write job for the writer thread or a read on
//! the reader pool; the work itself lives in `cases`, `org`, `credentials`, `reads`,
//! `webhooks`, `guidelines`, `decisions`, `export`.

use std::time::Duration;

use async_trait::async_trait;
use frontline_core::ask::{AskChange, NewAskSpec};
use frontline_core::guideline::{DecisionKind, RuleStatus};
use frontline_core::standard_work::NewStandardWorkItem;
use frontline_core::{
    Ask, AskId, AskMessage, Case, CaseId, CaseNumber, CaseStatus, DecisionId, DecisionKindKey,
    Email, Event, Membership, Message, Name, Outcome, OutcomeAchieved, OutcomeId, OutcomeKey,
    Person, PersonId, Role, RuleId, SessionId, StandardWorkItem, StandardWorkItemId,
    StandardWorkTick, SupportLink, Tags, Team, TeamId, Timestamp, TokenId, Webhook, WebhookId,
};
use frontline_core::{OrgHistory, RolePeriod};
use frontline_store::{
    ActivityFilter, ApiToken, AskChanged, AskFilter, CaseCount, CaseCreated, CaseFilter,
    CustomerProfile, Decision, DecisionFilter, DeliveryAttempt, DeliveryOutcome, EventFilter,
    MessageAdded, NewCase, NewDecision, NewMessage, NewOutcome, NewPerson, NewRuleVersion,
    NewSession, NewToken, NewWebhook, Page, PageRequest, PeopleFilter, PersonUpdate, Record,
    ReviewOutcome, Revoked, RuleFilter, RuleVersion, Session, SessionInfo, StaffActivity, Store,
    StoreError, StoreResult, Written, tokio_watch,
};

use crate::rows::Db;
use crate::{
    SqliteStore, asks, cases, credentials, decisions, export, feelings, guidelines, history,
    leaders, org, people, reads, scoreboard, targets, voice, webhooks,
};

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> StoreResult<()> {
        self.read(|c| c.query_row("SELECT 1", [], |_| Ok(())).db())
            .await
    }

    fn subscribe(&self) -> tokio_watch::Receiver {
        self.doorbell.clone()
    }

    async fn broadcast(&self, message: String) -> StoreResult<()> {
        frontline_store::check_broadcast(&message)?;
        // No receiver is not an error: nobody is listening right now.
        let _ = self.ephemeral.send(message);
        Ok(())
    }

    fn broadcasts(&self) -> tokio::sync::broadcast::Receiver<String> {
        self.ephemeral.subscribe()
    }

    async fn create_person(
        &self,
        actor: Option<PersonId>,
        new: NewPerson,
    ) -> StoreResult<Written<Person>> {
        self.write(move |w| org::create_person(w, actor, new)).await
    }

    async fn update_person(
        &self,
        actor: Option<PersonId>,
        id: PersonId,
        update: PersonUpdate,
    ) -> StoreResult<Written<Person>> {
        self.write(move |w| org::update_person(w, actor, id, update))
            .await
    }

    async fn set_password(
        &self,
        actor: Option<PersonId>,
        id: PersonId,
        password_hash: String,
        keep_session: Option<SessionId>,
    ) -> StoreResult<Written<Revoked>> {
        self.write(move |w| org::set_password(w, actor, id, password_hash, keep_session))
            .await
    }

    async fn get_person(&self, id: PersonId) -> StoreResult<Person> {
        self.read_now(|c| reads::person(c, id)).await
    }

    async fn get_people(&self, ids: Vec<PersonId>) -> StoreResult<Vec<Person>> {
        self.read_now(move |c| reads::people(c, &ids)).await
    }

    async fn get_person_by_email(&self, email: &Email) -> StoreResult<Person> {
        let email = email.clone();
        self.read_now(|c| reads::person_by_email(c, &email)).await
    }

    async fn password_hash(&self, id: PersonId) -> StoreResult<Option<String>> {
        self.read_now(|c| reads::password_hash(c, id)).await
    }

    async fn list_people(
        &self,
        filter: PeopleFilter,
        page: PageRequest<PersonId>,
    ) -> StoreResult<Page<Person>> {
        self.read(move |c| reads::list_people(c, &filter, &page))
            .await
    }

    async fn create_token(
        &self,
        actor: Option<PersonId>,
        new: NewToken,
    ) -> StoreResult<Written<ApiToken>> {
        self.write(move |w| credentials::create_token(w, actor, new))
            .await
    }

    async fn person_for_token(&self, token_hash: &str, now: Timestamp) -> StoreResult<Person> {
        let (person, touch) = self
            .read_now(|c| credentials::person_for_token(c, token_hash, now))
            .await?;
        if let Some(id) = touch {
            self.write(move |w| credentials::touch_token(w, id, now))
                .await?;
        }
        Ok(person)
    }

    async fn list_tokens(&self, person_id: PersonId) -> StoreResult<Vec<ApiToken>> {
        self.read_now(|c| credentials::list_tokens(c, person_id))
            .await
    }

    async fn revoke_token(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        token_id: TokenId,
    ) -> StoreResult<Written<()>> {
        self.write(move |w| credentials::revoke_token(w, actor, person_id, token_id))
            .await
    }

    async fn create_session(&self, session: NewSession) -> StoreResult<SessionId> {
        self.write(move |w| credentials::create_session(w, session))
            .await
    }

    async fn get_session(&self, session_hash: &str, now: Timestamp) -> StoreResult<Session> {
        let (session, touch) = self
            .read_now(|c| credentials::get_session(c, session_hash, now))
            .await?;
        if touch {
            let id = session.id;
            self.write(move |w| credentials::touch_session(w, id, now))
                .await?;
        }
        Ok(session)
    }

    async fn delete_session(&self, session_hash: &str) -> StoreResult<()> {
        let hash = session_hash.to_owned();
        self.write(move |w| credentials::delete_session(w, &hash))
            .await
    }

    async fn list_sessions(
        &self,
        person_id: PersonId,
        now: Timestamp,
    ) -> StoreResult<Vec<SessionInfo>> {
        self.read_now(|c| credentials::list_sessions(c, person_id, now))
            .await
    }

    async fn revoke_session(&self, person_id: PersonId, session_id: SessionId) -> StoreResult<()> {
        self.write(move |w| credentials::revoke_session(w, person_id, session_id))
            .await
    }

    async fn revoke_credentials(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        keep_session: Option<SessionId>,
    ) -> StoreResult<Written<Revoked>> {
        self.write(move |w| credentials::revoke_credentials(w, actor, person_id, keep_session))
            .await
    }

    async fn add_address(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        address: Email,
        verified: bool,
    ) -> StoreResult<Written<frontline_store::PersonAddress>> {
        self.write(move |w| people::add_address(w, actor, person_id, address, verified))
            .await
    }

    async fn remove_address(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        address: Email,
    ) -> StoreResult<Written<()>> {
        self.write(move |w| people::remove_address(w, actor, person_id, address))
            .await
    }

    async fn list_addresses(
        &self,
        person_id: PersonId,
    ) -> StoreResult<Vec<frontline_store::PersonAddress>> {
        self.read_now(move |c| people::list_addresses(c, person_id))
            .await
    }

    async fn merge_people(
        &self,
        actor: Option<PersonId>,
        keep: PersonId,
        duplicate: PersonId,
    ) -> StoreResult<Written<frontline_store::Merged>> {
        self.write(move |w| people::merge(w, actor, keep, duplicate))
            .await
    }

    async fn request_erasure(&self, person_id: PersonId) -> StoreResult<Written<Person>> {
        self.write(move |w| people::request_erasure(w, person_id))
            .await
    }

    async fn erase_person(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
    ) -> StoreResult<Written<Person>> {
        self.write(move |w| people::erase(w, actor, person_id))
            .await
    }

    async fn create_team(&self, actor: Option<PersonId>, name: Name) -> StoreResult<Written<Team>> {
        self.write(move |w| org::create_team(w, actor, name)).await
    }

    async fn list_teams(&self) -> StoreResult<Vec<Team>> {
        self.read(reads::teams).await
    }

    async fn get_team(&self, id: TeamId) -> StoreResult<Team> {
        self.read_now(|c| reads::team(c, id)).await
    }

    async fn add_membership(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        team_id: TeamId,
        from: Timestamp,
    ) -> StoreResult<Written<Membership>> {
        self.write(move |w| org::add_membership(w, actor, person_id, team_id, from))
            .await
    }

    async fn end_membership(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        team_id: TeamId,
        to: Timestamp,
    ) -> StoreResult<Written<Membership>> {
        self.write(move |w| org::end_membership(w, actor, person_id, team_id, to))
            .await
    }

    async fn list_memberships(
        &self,
        team_id: Option<TeamId>,
        person_id: Option<PersonId>,
    ) -> StoreResult<Vec<Membership>> {
        self.read(move |c| reads::memberships(c, team_id, person_id))
            .await
    }

    async fn add_support(
        &self,
        actor: Option<PersonId>,
        support_id: PersonId,
        team_id: TeamId,
        from: Timestamp,
    ) -> StoreResult<Written<SupportLink>> {
        self.write(move |w| org::add_support(w, actor, support_id, team_id, from))
            .await
    }

    async fn end_support(
        &self,
        actor: Option<PersonId>,
        support_id: PersonId,
        team_id: TeamId,
        to: Timestamp,
    ) -> StoreResult<Written<SupportLink>> {
        self.write(move |w| org::end_support(w, actor, support_id, team_id, to))
            .await
    }

    async fn list_supports(&self, team_id: Option<TeamId>) -> StoreResult<Vec<SupportLink>> {
        self.read(move |c| reads::supports(c, team_id)).await
    }

    async fn retire_team(
        &self,
        actor: Option<PersonId>,
        team_id: TeamId,
        at: Timestamp,
    ) -> StoreResult<Written<Team>> {
        self.write(move |w| history::retire_team(w, actor, team_id, at))
            .await
    }

    async fn list_role_periods(&self, person_id: PersonId) -> StoreResult<Vec<RolePeriod>> {
        self.read(move |c| history::list_role_periods(c, person_id))
            .await
    }

    async fn org_history(&self) -> StoreResult<OrgHistory> {
        self.read(history::org_history).await
    }

    async fn create_outcome(
        &self,
        actor: Option<PersonId>,
        new: NewOutcome,
    ) -> StoreResult<Written<Outcome>> {
        self.write(move |w| org::create_outcome(w, actor, new))
            .await
    }

    async fn get_outcome(&self, id: OutcomeId) -> StoreResult<Outcome> {
        self.read_now(|c| reads::outcome(c, id)).await
    }

    async fn get_outcome_by_key(&self, key: &OutcomeKey) -> StoreResult<Outcome> {
        let key = key.clone();
        self.read_now(|c| reads::outcome_by_key(c, &key)).await
    }

    async fn list_outcomes(&self) -> StoreResult<Vec<Outcome>> {
        self.read(reads::outcomes).await
    }

    async fn set_team_calendar(
        &self,
        actor: Option<PersonId>,
        team_id: TeamId,
        valid_from: Timestamp,
        calendar: frontline_core::calendar::CalendarSpec,
    ) -> StoreResult<Written<frontline_store::TeamCalendar>> {
        self.write(move |w| targets::set_team_calendar(w, actor, team_id, valid_from, calendar))
            .await
    }

    async fn list_team_calendars(
        &self,
        team_id: Option<TeamId>,
    ) -> StoreResult<Vec<frontline_store::TeamCalendar>> {
        self.read(move |c| targets::team_calendars(c, team_id))
            .await
    }

    async fn set_outcome_targets(
        &self,
        actor: Option<PersonId>,
        outcome_id: OutcomeId,
        new: Vec<frontline_core::targets::Target>,
    ) -> StoreResult<Written<frontline_store::OutcomeTargets>> {
        self.write(move |w| targets::set_outcome_targets(w, actor, outcome_id, new))
            .await
    }

    async fn list_outcome_targets(&self) -> StoreResult<Vec<frontline_store::OutcomeTargets>> {
        self.read(targets::outcome_targets).await
    }

    async fn record_target_alarm(
        &self,
        case_id: CaseId,
        alarm: frontline_core::targets::Alarm,
        ask: Option<NewAskSpec>,
    ) -> StoreResult<Written<Option<Ask>>> {
        self.write(move |w| targets::record_alarm(w, case_id, alarm, ask))
            .await
    }

    async fn set_case_due(&self, dues: Vec<(CaseId, Option<Timestamp>)>) -> StoreResult<()> {
        self.write(move |w| targets::set_case_due(w, dues)).await
    }

    async fn case_due(&self, ids: Vec<CaseId>) -> StoreResult<Vec<(CaseId, Timestamp)>> {
        self.read_now(move |c| targets::case_due(c, &ids)).await
    }

    async fn create_case(
        &self,
        actor: Option<PersonId>,
        new: NewCase,
    ) -> StoreResult<Written<CaseCreated>> {
        // A case's first message is its customer's and has nothing earlier to compare with, so
        // its mood is read here, on the caller's thread, not in the one writer (~6 % of it).
        let mood = frontline_core::mood::read(new.body.as_str(), Role::Customer, &[]);
        self.write(move |w| cases::create_case(w, actor, new, mood))
            .await
    }

    async fn get_case(&self, id: CaseId) -> StoreResult<Case> {
        self.read_now(|c| reads::case(c, id)).await
    }

    async fn get_case_by_number(&self, number: CaseNumber) -> StoreResult<Case> {
        self.read_now(|c| reads::case_by_number(c, number)).await
    }

    async fn list_cases(
        &self,
        filter: CaseFilter,
        page: PageRequest<CaseNumber>,
    ) -> StoreResult<Page<Case>> {
        // Unfiltered, a page is a walk of the number index; a filter may scan.
        if filter == CaseFilter::default() {
            return self
                .read_now(|c| reads::list_cases(c, &filter, &page))
                .await;
        }
        self.read(move |c| reads::list_cases(c, &filter, &page))
            .await
    }

    async fn rank_cases(
        &self,
        filter: CaseFilter,
        offset: u32,
        limit: u32,
    ) -> StoreResult<Page<Case>> {
        self.read(move |c| reads::rank_cases(c, &filter, offset, limit))
            .await
    }

    async fn list_queue(
        &self,
        team_id: TeamId,
        offset: u32,
        limit: u32,
    ) -> StoreResult<Page<Case>> {
        self.read(move |c| reads::list_queue(c, team_id, offset, limit))
            .await
    }

    async fn count_cases(&self, filter: CaseFilter, cap: u64) -> StoreResult<CaseCount> {
        self.read(move |c| reads::count_cases(c, &filter, cap))
            .await
    }

    async fn message_texts(
        &self,
        ids: Vec<CaseId>,
        include_internal: bool,
    ) -> StoreResult<Vec<(CaseId, String)>> {
        self.read(move |c| reads::message_texts(c, &ids, include_internal))
            .await
    }

    async fn change_status(
        &self,
        actor: Option<PersonId>,
        id: CaseId,
        to: CaseStatus,
    ) -> StoreResult<Written<Case>> {
        self.write(move |w| cases::change_status(w, actor, id, to))
            .await
    }

    async fn assign_case(
        &self,
        actor: Option<PersonId>,
        id: CaseId,
        owner: Option<PersonId>,
    ) -> StoreResult<Written<Case>> {
        self.write(move |w| cases::assign(w, actor, id, owner))
            .await
    }

    async fn set_outcome_achieved(
        &self,
        actor: Option<PersonId>,
        id: CaseId,
        value: OutcomeAchieved,
    ) -> StoreResult<Written<Case>> {
        self.write(move |w| cases::set_outcome_achieved(w, actor, id, value))
            .await
    }

    async fn edit_case(
        &self,
        actor: Option<PersonId>,
        id: CaseId,
        edit: frontline_core::CaseEdit,
    ) -> StoreResult<Written<Case>> {
        self.write(move |w| cases::edit(w, actor, id, edit)).await
    }

    async fn set_tags(
        &self,
        actor: Option<PersonId>,
        id: CaseId,
        tags: Tags,
    ) -> StoreResult<Written<Case>> {
        self.write(move |w| cases::set_tags(w, actor, id, tags))
            .await
    }

    async fn add_message(
        &self,
        actor: Option<PersonId>,
        new: NewMessage,
    ) -> StoreResult<Written<MessageAdded>> {
        self.write(move |w| cases::add_message(w, actor, new)).await
    }

    async fn list_messages(
        &self,
        case_id: CaseId,
        include_internal: bool,
    ) -> StoreResult<Vec<Message>> {
        self.read_now(|c| reads::messages(c, case_id, include_internal))
            .await
    }

    async fn open_load(&self, person_id: PersonId) -> StoreResult<u32> {
        self.read(move |c| reads::open_load(c, person_id)).await
    }

    async fn count_open_cases(&self, customer_id: PersonId) -> StoreResult<u32> {
        self.read(move |c| reads::count_open_cases(c, customer_id))
            .await
    }

    async fn events_after(
        &self,
        after: i64,
        limit: u32,
        filter: EventFilter,
    ) -> StoreResult<Vec<Event>> {
        self.read(move |c| reads::events_after(c, after, limit, &filter))
            .await
    }

    async fn last_seq(&self) -> StoreResult<i64> {
        self.read_now(reads::last_seq).await
    }

    async fn save_mailbox(
        &self,
        actor: Option<PersonId>,
        new: frontline_core::mail::NewMailbox,
    ) -> StoreResult<Written<frontline_core::mail::Mailbox>> {
        self.write(move |w| crate::mail::save_mailbox(w, actor, new))
            .await
    }

    async fn set_mailbox_token(
        &self,
        actor: Option<PersonId>,
        key: frontline_core::mail::MailboxKey,
        token_hash: Option<String>,
    ) -> StoreResult<Written<frontline_core::mail::Mailbox>> {
        self.write(move |w| crate::mail::set_token(w, actor, &key, token_hash))
            .await
    }

    async fn list_mailboxes(&self) -> StoreResult<Vec<frontline_core::mail::Mailbox>> {
        self.read(crate::mail::mailboxes).await
    }

    async fn get_mailbox(
        &self,
        key: frontline_core::mail::MailboxKey,
    ) -> StoreResult<frontline_core::mail::Mailbox> {
        self.read(move |c| crate::mail::mailbox(c, &key)).await
    }

    async fn create_case_from_mail(
        &self,
        new: NewCase,
        mail: frontline_store::NewMail,
    ) -> StoreResult<Written<CaseCreated>> {
        let mood = frontline_core::mood::read(new.body.as_str(), Role::Customer, &[]);
        self.write(move |w| crate::mail::create_case_from_mail(w, new, mail, mood))
            .await
    }

    async fn add_message_from_mail(
        &self,
        new: NewMessage,
        mail: frontline_store::NewMail,
    ) -> StoreResult<Written<MessageAdded>> {
        self.write(move |w| crate::mail::add_message_from_mail(w, new, mail))
            .await
    }

    async fn mail_received(
        &self,
        mailbox: frontline_core::mail::MailboxKey,
        rfc_message_id: String,
    ) -> StoreResult<Option<frontline_store::MailEntry>> {
        self.read(move |c| crate::mail::received(c, &mailbox, &rfc_message_id))
            .await
    }

    async fn case_for_mail(&self, rfc_message_ids: Vec<String>) -> StoreResult<Option<CaseId>> {
        self.read(move |c| crate::mail::case_for(c, &rfc_message_ids))
            .await
    }

    async fn list_case_mail(
        &self,
        case_id: CaseId,
    ) -> StoreResult<Vec<frontline_store::MailEntry>> {
        self.read(move |c| crate::mail::of_case(c, case_id)).await
    }

    async fn original_mail(&self, message_id: frontline_core::MessageId) -> StoreResult<Vec<u8>> {
        self.read(move |c| crate::mail::original(c, message_id))
            .await
    }

    async fn quarantine_mail(
        &self,
        new: frontline_store::NewQuarantined,
    ) -> StoreResult<frontline_store::QuarantinedMail> {
        self.write(move |w| crate::mail::quarantine(w, new)).await
    }

    async fn list_quarantine(
        &self,
        limit: u32,
    ) -> StoreResult<Vec<frontline_store::QuarantinedMail>> {
        self.read(move |c| crate::mail::quarantined(c, limit)).await
    }

    async fn get_quarantined(
        &self,
        id: uuid::Uuid,
    ) -> StoreResult<(frontline_store::QuarantinedMail, Vec<u8>)> {
        self.read(move |c| crate::mail::quarantined_one(c, id))
            .await
    }

    async fn drop_quarantined(&self, id: uuid::Uuid) -> StoreResult<()> {
        self.write(move |w| crate::mail::drop_quarantined(w, id))
            .await
    }

    async fn add_message_with_mail(
        &self,
        actor: Option<PersonId>,
        new: NewMessage,
        mail: frontline_store::NewOutbound,
    ) -> StoreResult<Written<frontline_store::MessageMailed>> {
        self.write(move |w| crate::outbox::add_message_with_mail(w, actor, new, mail))
            .await
    }

    async fn queue_case_mail(
        &self,
        case_id: CaseId,
        mail: frontline_store::NewOutbound,
    ) -> StoreResult<frontline_store::Outbound> {
        self.write(move |w| crate::outbox::queue_case_mail(w, case_id, mail))
            .await
    }

    async fn claim_outbound(
        &self,
        owner: uuid::Uuid,
        lease: Duration,
        limit: u32,
    ) -> StoreResult<Vec<frontline_store::Outbound>> {
        self.write(move |w| crate::outbox::claim(w, owner, lease, limit))
            .await
    }

    async fn record_outbound(
        &self,
        id: uuid::Uuid,
        owner: uuid::Uuid,
        result: frontline_store::OutboundResult,
    ) -> StoreResult<Written<frontline_store::Outbound>> {
        self.write(move |w| crate::outbox::record(w, id, owner, result))
            .await
    }

    async fn list_case_outbound(
        &self,
        case_id: CaseId,
    ) -> StoreResult<Vec<frontline_store::Outbound>> {
        self.read(move |c| crate::outbox::of_case(c, case_id)).await
    }

    async fn queue_account_link(
        &self,
        link: frontline_store::NewAccountLink,
        mail: frontline_store::NewOutbound,
    ) -> StoreResult<frontline_store::Outbound> {
        self.write(move |w| crate::accounts::queue(w, link, mail))
            .await
    }

    async fn redeem_account_link(
        &self,
        token_hash: &str,
        purpose: frontline_store::LinkPurpose,
        new_password_hash: Option<String>,
    ) -> StoreResult<Written<frontline_store::Redeemed>> {
        let token_hash = token_hash.to_owned();
        self.write(move |w| crate::accounts::redeem(w, &token_hash, purpose, new_password_hash))
            .await
    }

    async fn purge_account_links(&self, now: frontline_core::Timestamp) -> StoreResult<u64> {
        self.write(move |w| crate::accounts::purge(w, now)).await
    }

    async fn list_account_outbound(
        &self,
        limit: u32,
    ) -> StoreResult<Vec<frontline_store::Outbound>> {
        self.read(move |c| crate::outbox::account_mail(c, limit))
            .await
    }

    async fn list_outbound_attempts(
        &self,
        id: uuid::Uuid,
    ) -> StoreResult<Vec<frontline_store::OutboundAttempt>> {
        self.read(move |c| crate::outbox::attempts(c, id)).await
    }

    async fn claim_follower(
        &self,
        name: &str,
        owner: uuid::Uuid,
        lease: Duration,
    ) -> StoreResult<Option<i64>> {
        let name = name.to_owned();
        self.write(move |w| crate::followers::claim(w, &name, owner, lease))
            .await
    }

    async fn advance_follower(&self, name: &str, owner: uuid::Uuid, seq: i64) -> StoreResult<()> {
        let name = name.to_owned();
        self.write(move |w| crate::followers::advance(w, &name, owner, seq))
            .await
    }

    async fn get_notification_preferences(
        &self,
        person_id: PersonId,
        as_of: Option<i64>,
    ) -> StoreResult<frontline_store::Preferences> {
        self.read_now(|c| crate::notifications::get(c, person_id, as_of))
            .await
    }

    async fn set_notification_preferences(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        preferences: frontline_store::Preferences,
    ) -> StoreResult<Written<frontline_store::Preferences>> {
        self.write(move |w| crate::notifications::set(w, actor, person_id, preferences))
            .await
    }

    async fn queue_staff_mail(
        &self,
        mail: frontline_store::NewOutbound,
    ) -> StoreResult<frontline_store::Outbound> {
        self.write(move |w| crate::notifications::queue_mail(w, mail))
            .await
    }

    async fn mark_mail_bouncing(
        &self,
        new: frontline_store::NewMailBounce,
    ) -> StoreResult<Written<frontline_store::MailBounce>> {
        self.write(move |w| crate::bounces::mark(w, new)).await
    }

    async fn clear_mail_bouncing(
        &self,
        address: Email,
    ) -> StoreResult<Option<Written<frontline_store::MailBounce>>> {
        self.write(move |w| crate::bounces::clear(w, address)).await
    }

    async fn mail_bounces(
        &self,
        addresses: Vec<Email>,
    ) -> StoreResult<Vec<frontline_store::MailBounce>> {
        self.read(move |c| crate::bounces::of(c, &addresses)).await
    }

    async fn create_webhook(
        &self,
        actor: Option<PersonId>,
        new: NewWebhook,
    ) -> StoreResult<Written<Webhook>> {
        self.write(move |w| webhooks::create(w, actor, new)).await
    }

    async fn list_webhooks(&self) -> StoreResult<Vec<Webhook>> {
        self.read(webhooks::list).await
    }

    async fn get_webhook(&self, id: WebhookId) -> StoreResult<Webhook> {
        self.read(move |c| webhooks::get(c, id)).await
    }

    async fn record_delivery(
        &self,
        id: WebhookId,
        attempt: DeliveryAttempt,
        outcome: DeliveryOutcome,
    ) -> StoreResult<()> {
        self.write(move |w| webhooks::record(w, id, attempt, outcome))
            .await
    }

    async fn disable_webhook(
        &self,
        actor: Option<PersonId>,
        id: WebhookId,
        reason: String,
    ) -> StoreResult<Written<Webhook>> {
        self.write(move |w| webhooks::disable(w, actor, id, reason))
            .await
    }

    async fn claim_webhook(
        &self,
        id: WebhookId,
        owner: uuid::Uuid,
        lease: Duration,
    ) -> StoreResult<bool> {
        self.write(move |w| webhooks::claim(w, id, owner, lease))
            .await
    }

    async fn list_delivery_attempts(
        &self,
        id: WebhookId,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryAttempt>> {
        self.read(move |c| webhooks::attempts(c, id, limit)).await
    }

    async fn set_customer_profile(
        &self,
        actor: Option<PersonId>,
        profile: CustomerProfile,
    ) -> StoreResult<Written<CustomerProfile>> {
        self.write(move |w| guidelines::set_profile(w, actor, profile))
            .await
    }

    async fn get_customer_profile(
        &self,
        person_id: PersonId,
    ) -> StoreResult<Option<CustomerProfile>> {
        self.read(move |c| guidelines::profile(c, person_id)).await
    }

    async fn save_decision_kind(
        &self,
        actor: Option<PersonId>,
        kind: DecisionKind,
    ) -> StoreResult<Written<DecisionKind>> {
        self.write(move |w| guidelines::save_kind(w, actor, kind))
            .await
    }

    async fn list_decision_kinds(&self) -> StoreResult<Vec<DecisionKind>> {
        self.read(guidelines::kinds).await
    }

    async fn get_decision_kind(&self, key: &DecisionKindKey) -> StoreResult<DecisionKind> {
        let key = key.clone();
        self.read(move |c| guidelines::kind(c, &key)).await
    }

    async fn create_rule_version(
        &self,
        actor: Option<PersonId>,
        new: NewRuleVersion,
    ) -> StoreResult<Written<RuleVersion>> {
        self.write(move |w| guidelines::create_rule_version(w, actor, new))
            .await
    }

    async fn set_rule_status(
        &self,
        actor: Option<PersonId>,
        rule_id: RuleId,
        version: u32,
        to: RuleStatus,
    ) -> StoreResult<Written<RuleVersion>> {
        self.write(move |w| guidelines::set_rule_status(w, actor, rule_id, version, to))
            .await
    }

    async fn get_rule_version(&self, rule_id: RuleId, version: u32) -> StoreResult<RuleVersion> {
        self.read(move |c| guidelines::rule(c, rule_id, version))
            .await
    }

    async fn list_rules(&self, filter: RuleFilter) -> StoreResult<Vec<RuleVersion>> {
        self.read(move |c| guidelines::rules(c, &filter)).await
    }

    async fn record_decision(&self, new: NewDecision) -> StoreResult<Written<Decision>> {
        self.write(move |w| decisions::record(w, new)).await
    }

    async fn review_decision(
        &self,
        id: DecisionId,
        reviewer_id: PersonId,
        outcome: ReviewOutcome,
        comment: Option<String>,
    ) -> StoreResult<Written<Decision>> {
        self.write(move |w| decisions::review(w, id, reviewer_id, outcome, comment))
            .await
    }

    async fn get_decision(&self, id: DecisionId) -> StoreResult<Decision> {
        self.read(move |c| decisions::decision(c, id)).await
    }

    async fn list_decisions(
        &self,
        filter: DecisionFilter,
        limit: u32,
    ) -> StoreResult<Vec<Decision>> {
        self.read(move |c| decisions::decisions(c, &filter, limit))
            .await
    }

    async fn raise_ask(
        &self,
        spec: NewAskSpec,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<Ask>> {
        self.write(move |w| asks::raise(w, spec, at)).await
    }

    async fn change_ask(
        &self,
        actor: Option<PersonId>,
        id: AskId,
        change: AskChange,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<AskChanged>> {
        self.write(move |w| asks::change(w, actor, id, change, at))
            .await
    }

    async fn get_ask(&self, id: AskId) -> StoreResult<Ask> {
        self.read(move |c| asks::ask(c, id)).await
    }

    async fn list_ask_messages(&self, id: AskId) -> StoreResult<Vec<AskMessage>> {
        self.read(move |c| asks::messages(c, id)).await
    }

    async fn list_asks(&self, filter: AskFilter, limit: u32) -> StoreResult<Vec<Ask>> {
        self.read(move |c| asks::asks(c, &filter, limit)).await
    }

    async fn staff_activity(&self, filter: ActivityFilter) -> StoreResult<StaffActivity> {
        self.read(move |c| leaders::staff_activity(c, &filter))
            .await
    }

    async fn last_public_replies(
        &self,
        person_id: Option<PersonId>,
        role: Option<Role>,
    ) -> StoreResult<Vec<(PersonId, Timestamp)>> {
        self.read(move |c| leaders::last_public_replies(c, person_id, role))
            .await
    }

    async fn create_standard_work_item(
        &self,
        actor: Option<PersonId>,
        new: NewStandardWorkItem,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<StandardWorkItem>> {
        self.write(move |w| leaders::create(w, actor, new, at))
            .await
    }

    async fn retire_standard_work_item(
        &self,
        actor: Option<PersonId>,
        id: StandardWorkItemId,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<StandardWorkItem>> {
        self.write(move |w| leaders::retire(w, actor, id, at)).await
    }

    async fn get_standard_work_item(
        &self,
        id: StandardWorkItemId,
    ) -> StoreResult<StandardWorkItem> {
        self.read(move |c| leaders::item(c, id)).await
    }

    async fn list_standard_work_items(
        &self,
        person_id: Option<PersonId>,
        include_retired: bool,
    ) -> StoreResult<Vec<StandardWorkItem>> {
        self.read(move |c| leaders::items(c, person_id, include_retired))
            .await
    }

    async fn tick_standard_work(
        &self,
        actor: PersonId,
        id: StandardWorkItemId,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<StandardWorkTick>> {
        self.write(move |w| leaders::tick(w, actor, id, at)).await
    }

    async fn untick_standard_work(
        &self,
        actor: PersonId,
        id: StandardWorkItemId,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<()>> {
        self.write(move |w| leaders::untick(w, actor, id, at)).await
    }

    async fn list_standard_work_ticks(
        &self,
        person_id: PersonId,
        since: Timestamp,
    ) -> StoreResult<Vec<StandardWorkTick>> {
        self.read(move |c| leaders::ticks(c, person_id, since))
            .await
    }

    async fn record_feeling(
        &self,
        new: frontline_core::NewFeeling,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<frontline_core::Feeling>> {
        self.write(move |w| feelings::record(w, new, at)).await
    }

    async fn list_feelings(
        &self,
        filter: frontline_store::FeelingFilter,
        limit: u32,
    ) -> StoreResult<Vec<frontline_core::Feeling>> {
        self.read(move |c| feelings::list(c, &filter, limit)).await
    }

    async fn signing_key(&self, name: &str, candidate: Vec<u8>) -> StoreResult<Vec<u8>> {
        let name = name.to_owned();
        self.write(move |w| feelings::signing_key(w, &name, candidate))
            .await
    }

    async fn scoreboard_rows(
        &self,
        from: Timestamp,
        until: Timestamp,
    ) -> StoreResult<frontline_core::scoreboard::ScoreboardRows> {
        self.read(move |c| scoreboard::rows(c, from, until)).await
    }

    async fn raise_proposal(
        &self,
        new: frontline_core::proposal::NewProposal,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<frontline_core::Proposal>> {
        self.write(move |w| crate::proposals::raise(w, new, at))
            .await
    }

    async fn change_proposal(
        &self,
        actor: PersonId,
        id: frontline_core::ProposalId,
        change: frontline_core::ProposalChange,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<frontline_store::ProposalChanged>> {
        self.write(move |w| crate::proposals::change(w, actor, id, change, at))
            .await
    }

    async fn set_proposal_vote(
        &self,
        person_id: PersonId,
        id: frontline_core::ProposalId,
        voted: bool,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<u32>> {
        self.write(move |w| crate::proposals::set_vote(w, person_id, id, voted, at))
            .await
    }

    async fn comment_proposal(
        &self,
        author_id: PersonId,
        id: frontline_core::ProposalId,
        body: frontline_core::proposal::CommentBody,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<frontline_core::proposal::ProposalComment>> {
        self.write(move |w| crate::proposals::comment(w, author_id, id, body, at))
            .await
    }

    async fn get_proposal(
        &self,
        id: frontline_core::ProposalId,
    ) -> StoreResult<frontline_core::Proposal> {
        self.read(move |c| crate::proposals::get(c, id)).await
    }

    async fn list_proposals(
        &self,
        filter: frontline_store::ProposalFilter,
        limit: u32,
    ) -> StoreResult<Vec<frontline_store::ProposalSummary>> {
        self.read(move |c| crate::proposals::list(c, &filter, limit))
            .await
    }

    async fn list_proposal_votes(
        &self,
        id: frontline_core::ProposalId,
    ) -> StoreResult<Vec<frontline_core::proposal::ProposalVote>> {
        self.read(move |c| crate::proposals::votes(c, id)).await
    }

    async fn list_proposal_comments(
        &self,
        id: frontline_core::ProposalId,
    ) -> StoreResult<Vec<frontline_core::proposal::ProposalComment>> {
        self.read(move |c| crate::proposals::comments(c, id)).await
    }

    async fn list_mood_alerts(
        &self,
        filter: frontline_store::MoodAlertFilter,
        limit: u32,
    ) -> StoreResult<Vec<frontline_store::MoodAlertItem>> {
        self.read(move |c| voice::list_alerts(c, &filter, limit))
            .await
    }

    async fn acknowledge_mood_alert(
        &self,
        by: PersonId,
        message_id: frontline_core::MessageId,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<frontline_store::MoodAlertItem>> {
        self.write(move |w| voice::acknowledge(w, by, message_id, at))
            .await
    }

    async fn list_message_moods(
        &self,
        case_id: CaseId,
    ) -> StoreResult<Vec<frontline_store::MessageMood>> {
        self.read(move |c| voice::moods_of_case(c, case_id)).await
    }

    async fn list_voices(
        &self,
        filter: frontline_store::VoiceFilter,
    ) -> StoreResult<Vec<frontline_core::themes::Voice>> {
        self.read(move |c| voice::voices(c, &filter)).await
    }

    async fn export(&self) -> StoreResult<Vec<Record>> {
        let mut records = self.read(export::export).await?;
        let attachments = self.read(crate::files::export_rows).await?;
        for attachment in attachments {
            let data = match attachment.deleted {
                Some(_) => None,
                None => Some(Record::encode_bytes(
                    &crate::files::read_all(&self.disk, &attachment.sha256).await?,
                )),
            };
            records.push(Record::Attachment { attachment, data });
        }
        Ok(records)
    }

    async fn import(&self, records: Vec<Record>) -> StoreResult<()> {
        // Bytes first, checked against their names: a row never names a file that is not
        // there. Files of an import that then fails are swept like any unnamed blob.
        for record in &records {
            if let Record::Attachment {
                attachment,
                data: Some(data),
            } = record
            {
                let blob = self.disk.put(&Record::decode_bytes(data)?).await?;
                if blob.sha256 != attachment.sha256 || blob.size != attachment.size {
                    return Err(StoreError::Other(format!(
                        "the bytes of attachment {} in the export are not the file it names",
                        attachment.id
                    )));
                }
            }
        }
        self.write(move |w| export::import(w, records)).await
    }

    async fn blob_writer(&self) -> StoreResult<Box<dyn frontline_store::BlobWriter>> {
        self.disk.writer().await
    }

    async fn read_blob(&self, sha256: &str) -> StoreResult<Box<dyn frontline_store::BlobReader>> {
        self.disk.reader(sha256).await
    }

    async fn create_upload(
        &self,
        new: frontline_store::NewUpload,
    ) -> StoreResult<frontline_core::Attachment> {
        let disk = self.disk.clone();
        self.write(move |w| crate::files::create_upload(w, &disk, new))
            .await
    }

    async fn get_attachment(
        &self,
        id: frontline_core::AttachmentId,
    ) -> StoreResult<frontline_core::Attachment> {
        self.read_now(|c| crate::files::get(c, id)).await
    }

    async fn list_attachments(
        &self,
        case_id: CaseId,
        include_internal: bool,
    ) -> StoreResult<Vec<frontline_core::Attachment>> {
        self.read_now(|c| crate::files::of_case(c, case_id, include_internal))
            .await
    }

    async fn delete_attachment(
        &self,
        id: frontline_core::AttachmentId,
        by: PersonId,
        reason: String,
    ) -> StoreResult<Written<frontline_core::Attachment>> {
        self.write(move |w| crate::files::delete(w, id, by, reason))
            .await
    }

    async fn sweep_files(
        &self,
        before: frontline_core::Timestamp,
    ) -> StoreResult<frontline_store::FilesSwept> {
        // Rows first: a blob whose last upload goes now is unnamed for the disk pass.
        let uploads = self
            .write(move |w| crate::files::sweep_rows(w, before))
            .await?;
        let named = self.read(crate::files::named).await?;
        let blobs = crate::files::sweep_disk(&self.disk, named, before).await?;
        Ok(crate::files::swept(uploads, blobs))
    }
}
