//! `impl Store for PgStore`: the trait's methods, each forwarding to the module that owns the
//! use case (`people`, `org`, `cases`, `reads`, `events`, `webhooks`, `guidelines`, `asks`,
//! `leaders`, `mail`, `export`).
//! Nothing else lives here.

use async_trait::async_trait;
use frontline_core::ask::{AskChange, NewAskSpec};
use frontline_core::guideline::{DecisionKind, RuleStatus};
use frontline_core::mail::{Mailbox, MailboxKey, NewMailbox};
use frontline_core::standard_work::NewStandardWorkItem;
use frontline_core::{
    Ask, AskId, AskMessage, Case, CaseId, CaseNumber, CaseStatus, DecisionId, DecisionKindKey,
    Email, Event, Membership, Message, MessageId, Name, Outcome, OutcomeAchieved, OutcomeId,
    OutcomeKey, Person, PersonId, Role, RuleId, StandardWorkItem, StandardWorkItemId,
    StandardWorkTick, SupportLink, Tags, Team, TeamId, Timestamp, Webhook, WebhookId,
};
use frontline_store::{
    ActivityFilter, AskChanged, AskFilter, CaseCount, CaseCreated, CaseFilter, CustomerProfile,
    Decision, DecisionFilter, DeliveryAttempt, DeliveryOutcome, EventFilter, MailEntry,
    MessageAdded, NewCase, NewDecision, NewMail, NewMessage, NewOutcome, NewPerson, NewQuarantined,
    NewRuleVersion, NewSession, NewWebhook, Page, PageRequest, PeopleFilter, PersonUpdate,
    QuarantinedMail, Record, ReviewOutcome, RuleFilter, RuleVersion, Session, StaffActivity, Store,
    StoreResult, Written, tokio_watch,
};

use crate::PgStore;
use crate::error::classify;

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(classify)?;
        Ok(())
    }

    fn subscribe(&self) -> tokio_watch::Receiver {
        self.doorbell.subscribe()
    }

    async fn broadcast(&self, message: String) -> StoreResult<()> {
        frontline_store::check_broadcast(&message)?;
        // Every node's listener (this one's too) receives it and feeds `broadcasts()`.
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(&*self.ephemeral_channel)
            .bind(message)
            .execute(&self.pool)
            .await
            .map_err(crate::error::classify)?;
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
        self.create_person_impl(actor, new).await
    }

    async fn update_person(
        &self,
        actor: Option<PersonId>,
        id: PersonId,
        update: PersonUpdate,
    ) -> StoreResult<Written<Person>> {
        self.update_person_impl(actor, id, update).await
    }

    async fn set_password(
        &self,
        actor: Option<PersonId>,
        id: PersonId,
        password_hash: String,
        keep_session: Option<frontline_core::SessionId>,
    ) -> StoreResult<Written<frontline_store::Revoked>> {
        self.set_password_impl(actor, id, password_hash, keep_session)
            .await
    }

    async fn get_person(&self, id: PersonId) -> StoreResult<Person> {
        self.get_person_impl(id).await
    }

    async fn get_people(&self, ids: Vec<PersonId>) -> StoreResult<Vec<Person>> {
        self.get_people_impl(ids).await
    }

    async fn get_person_by_email(&self, email: &Email) -> StoreResult<Person> {
        self.get_person_by_email_impl(email).await
    }

    async fn password_hash(&self, id: PersonId) -> StoreResult<Option<String>> {
        self.password_hash_impl(id).await
    }

    async fn list_people(
        &self,
        filter: PeopleFilter,
        page: PageRequest<PersonId>,
    ) -> StoreResult<Page<Person>> {
        self.list_people_impl(filter, page).await
    }

    async fn create_token(
        &self,
        actor: Option<PersonId>,
        new: frontline_store::NewToken,
    ) -> StoreResult<Written<frontline_store::ApiToken>> {
        self.create_token_impl(actor, new).await
    }

    async fn person_for_token(&self, token_hash: &str, now: Timestamp) -> StoreResult<Person> {
        self.person_for_token_impl(token_hash, now).await
    }

    async fn list_tokens(
        &self,
        person_id: PersonId,
    ) -> StoreResult<Vec<frontline_store::ApiToken>> {
        self.list_tokens_impl(person_id).await
    }

    async fn revoke_token(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        token_id: frontline_core::TokenId,
    ) -> StoreResult<Written<()>> {
        self.revoke_token_impl(actor, person_id, token_id).await
    }

    async fn create_session(&self, session: NewSession) -> StoreResult<frontline_core::SessionId> {
        self.create_session_impl(session).await
    }

    async fn get_session(&self, session_hash: &str, now: Timestamp) -> StoreResult<Session> {
        self.get_session_impl(session_hash, now).await
    }

    async fn delete_session(&self, session_hash: &str) -> StoreResult<()> {
        self.delete_session_impl(session_hash).await
    }

    async fn list_sessions(
        &self,
        person_id: PersonId,
        now: Timestamp,
    ) -> StoreResult<Vec<frontline_store::SessionInfo>> {
        self.list_sessions_impl(person_id, now).await
    }

    async fn revoke_session(
        &self,
        person_id: PersonId,
        session_id: frontline_core::SessionId,
    ) -> StoreResult<()> {
        self.revoke_session_impl(person_id, session_id).await
    }

    async fn revoke_credentials(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        keep_session: Option<frontline_core::SessionId>,
    ) -> StoreResult<Written<frontline_store::Revoked>> {
        self.revoke_credentials_impl(actor, person_id, keep_session)
            .await
    }

    async fn add_address(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        address: Email,
        verified: bool,
    ) -> StoreResult<Written<frontline_store::PersonAddress>> {
        self.add_address_impl(actor, person_id, address, verified)
            .await
    }

    async fn remove_address(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        address: Email,
    ) -> StoreResult<Written<()>> {
        self.remove_address_impl(actor, person_id, address).await
    }

    async fn list_addresses(
        &self,
        person_id: PersonId,
    ) -> StoreResult<Vec<frontline_store::PersonAddress>> {
        self.list_addresses_impl(person_id).await
    }

    async fn merge_people(
        &self,
        actor: Option<PersonId>,
        keep: PersonId,
        duplicate: PersonId,
    ) -> StoreResult<Written<frontline_store::Merged>> {
        self.merge_people_impl(actor, keep, duplicate).await
    }

    async fn request_erasure(&self, person_id: PersonId) -> StoreResult<Written<Person>> {
        self.request_erasure_impl(person_id).await
    }

    async fn erase_person(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
    ) -> StoreResult<Written<Person>> {
        self.erase_person_impl(actor, person_id).await
    }

    async fn create_team(&self, actor: Option<PersonId>, name: Name) -> StoreResult<Written<Team>> {
        self.create_team_impl(actor, name).await
    }

    async fn list_teams(&self) -> StoreResult<Vec<Team>> {
        self.list_teams_impl().await
    }

    async fn get_team(&self, id: TeamId) -> StoreResult<Team> {
        self.get_team_impl(id).await
    }

    async fn add_membership(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        team_id: TeamId,
        from: Timestamp,
    ) -> StoreResult<Written<Membership>> {
        self.add_membership_impl(actor, person_id, team_id, from)
            .await
    }

    async fn end_membership(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        team_id: TeamId,
        to: Timestamp,
    ) -> StoreResult<Written<Membership>> {
        self.end_membership_impl(actor, person_id, team_id, to)
            .await
    }

    async fn list_memberships(
        &self,
        team_id: Option<TeamId>,
        person_id: Option<PersonId>,
    ) -> StoreResult<Vec<Membership>> {
        self.list_memberships_impl(team_id, person_id).await
    }

    async fn add_support(
        &self,
        actor: Option<PersonId>,
        support_id: PersonId,
        team_id: TeamId,
        from: Timestamp,
    ) -> StoreResult<Written<SupportLink>> {
        self.add_support_impl(actor, support_id, team_id, from)
            .await
    }

    async fn end_support(
        &self,
        actor: Option<PersonId>,
        support_id: PersonId,
        team_id: TeamId,
        to: Timestamp,
    ) -> StoreResult<Written<SupportLink>> {
        self.end_support_impl(actor, support_id, team_id, to).await
    }

    async fn list_supports(&self, team_id: Option<TeamId>) -> StoreResult<Vec<SupportLink>> {
        self.list_supports_impl(team_id).await
    }

    async fn retire_team(
        &self,
        actor: Option<PersonId>,
        team_id: TeamId,
        at: Timestamp,
    ) -> StoreResult<Written<Team>> {
        self.retire_team_impl(actor, team_id, at).await
    }

    async fn list_role_periods(
        &self,
        person_id: PersonId,
    ) -> StoreResult<Vec<frontline_core::RolePeriod>> {
        self.list_role_periods_impl(person_id).await
    }

    async fn org_history(&self) -> StoreResult<frontline_core::OrgHistory> {
        self.org_history_impl().await
    }

    async fn create_outcome(
        &self,
        actor: Option<PersonId>,
        new: NewOutcome,
    ) -> StoreResult<Written<Outcome>> {
        self.create_outcome_impl(actor, new).await
    }

    async fn get_outcome(&self, id: OutcomeId) -> StoreResult<Outcome> {
        self.get_outcome_impl(id).await
    }

    async fn get_outcome_by_key(&self, key: &OutcomeKey) -> StoreResult<Outcome> {
        self.get_outcome_by_key_impl(key).await
    }

    async fn list_outcomes(&self) -> StoreResult<Vec<Outcome>> {
        self.list_outcomes_impl().await
    }

    async fn set_team_calendar(
        &self,
        actor: Option<PersonId>,
        team_id: TeamId,
        valid_from: Timestamp,
        calendar: frontline_core::calendar::CalendarSpec,
    ) -> StoreResult<Written<frontline_store::TeamCalendar>> {
        self.set_team_calendar_impl(actor, team_id, valid_from, calendar)
            .await
    }

    async fn list_team_calendars(
        &self,
        team_id: Option<TeamId>,
    ) -> StoreResult<Vec<frontline_store::TeamCalendar>> {
        self.list_team_calendars_impl(team_id).await
    }

    async fn set_outcome_targets(
        &self,
        actor: Option<PersonId>,
        outcome_id: OutcomeId,
        targets: Vec<frontline_core::targets::Target>,
    ) -> StoreResult<Written<frontline_store::OutcomeTargets>> {
        self.set_outcome_targets_impl(actor, outcome_id, targets)
            .await
    }

    async fn list_outcome_targets(&self) -> StoreResult<Vec<frontline_store::OutcomeTargets>> {
        self.list_outcome_targets_impl().await
    }

    async fn record_target_alarm(
        &self,
        case_id: CaseId,
        alarm: frontline_core::targets::Alarm,
        ask: Option<NewAskSpec>,
    ) -> StoreResult<Written<Option<Ask>>> {
        self.record_target_alarm_impl(case_id, alarm, ask).await
    }

    async fn set_case_due(&self, dues: Vec<(CaseId, Option<Timestamp>)>) -> StoreResult<()> {
        self.set_case_due_impl(dues).await
    }

    async fn case_due(&self, ids: Vec<CaseId>) -> StoreResult<Vec<(CaseId, Timestamp)>> {
        self.case_due_impl(ids).await
    }

    async fn create_case(
        &self,
        actor: Option<PersonId>,
        new: NewCase,
    ) -> StoreResult<Written<CaseCreated>> {
        self.create_case_impl(actor, new).await
    }

    async fn get_case(&self, id: CaseId) -> StoreResult<Case> {
        self.get_case_impl(id).await
    }

    async fn get_case_by_number(&self, number: CaseNumber) -> StoreResult<Case> {
        self.get_case_by_number_impl(number).await
    }

    async fn list_cases(
        &self,
        filter: CaseFilter,
        page: PageRequest<CaseNumber>,
    ) -> StoreResult<Page<Case>> {
        self.list_cases_impl(filter, page).await
    }

    async fn rank_cases(
        &self,
        filter: CaseFilter,
        offset: u32,
        limit: u32,
    ) -> StoreResult<Page<Case>> {
        self.rank_cases_impl(filter, offset, limit).await
    }

    async fn list_queue(
        &self,
        team_id: TeamId,
        offset: u32,
        limit: u32,
    ) -> StoreResult<Page<Case>> {
        self.list_queue_impl(team_id, offset, limit).await
    }

    async fn count_cases(&self, filter: CaseFilter, cap: u64) -> StoreResult<CaseCount> {
        self.count_cases_impl(filter, cap).await
    }

    async fn message_texts(
        &self,
        ids: Vec<CaseId>,
        include_internal: bool,
    ) -> StoreResult<Vec<(CaseId, String)>> {
        self.message_texts_impl(ids, include_internal).await
    }

    async fn change_status(
        &self,
        actor: Option<PersonId>,
        id: CaseId,
        to: CaseStatus,
    ) -> StoreResult<Written<Case>> {
        self.change_status_impl(actor, id, to).await
    }

    async fn assign_case(
        &self,
        actor: Option<PersonId>,
        id: CaseId,
        owner: Option<PersonId>,
    ) -> StoreResult<Written<Case>> {
        self.assign_case_impl(actor, id, owner).await
    }

    async fn set_outcome_achieved(
        &self,
        actor: Option<PersonId>,
        id: CaseId,
        value: OutcomeAchieved,
    ) -> StoreResult<Written<Case>> {
        self.set_outcome_achieved_impl(actor, id, value).await
    }

    async fn edit_case(
        &self,
        actor: Option<PersonId>,
        id: CaseId,
        edit: frontline_core::CaseEdit,
    ) -> StoreResult<Written<Case>> {
        self.edit_case_impl(actor, id, edit).await
    }

    async fn set_tags(
        &self,
        actor: Option<PersonId>,
        id: CaseId,
        tags: Tags,
    ) -> StoreResult<Written<Case>> {
        self.set_tags_impl(actor, id, tags).await
    }

    async fn add_message(
        &self,
        actor: Option<PersonId>,
        new: NewMessage,
    ) -> StoreResult<Written<MessageAdded>> {
        self.add_message_impl(actor, new).await
    }

    async fn list_messages(
        &self,
        case_id: CaseId,
        include_internal: bool,
    ) -> StoreResult<Vec<Message>> {
        self.list_messages_impl(case_id, include_internal).await
    }

    async fn open_load(&self, person_id: PersonId) -> StoreResult<u32> {
        self.open_load_impl(person_id).await
    }

    async fn count_open_cases(&self, customer_id: PersonId) -> StoreResult<u32> {
        self.count_open_cases_impl(customer_id).await
    }

    async fn events_after(
        &self,
        after: i64,
        limit: u32,
        filter: EventFilter,
    ) -> StoreResult<Vec<Event>> {
        self.read_events_after(after, limit, filter).await
    }

    async fn last_seq(&self) -> StoreResult<i64> {
        self.read_last_seq().await
    }

    async fn save_mailbox(
        &self,
        actor: Option<PersonId>,
        new: NewMailbox,
    ) -> StoreResult<Written<Mailbox>> {
        self.save_mailbox_impl(actor, new).await
    }

    async fn set_mailbox_token(
        &self,
        actor: Option<PersonId>,
        key: MailboxKey,
        token_hash: Option<String>,
    ) -> StoreResult<Written<Mailbox>> {
        self.set_mailbox_token_impl(actor, key, token_hash).await
    }

    async fn list_mailboxes(&self) -> StoreResult<Vec<Mailbox>> {
        self.list_mailboxes_impl().await
    }

    async fn get_mailbox(&self, key: MailboxKey) -> StoreResult<Mailbox> {
        self.get_mailbox_impl(key).await
    }

    async fn create_case_from_mail(
        &self,
        new: NewCase,
        mail: NewMail,
    ) -> StoreResult<Written<CaseCreated>> {
        self.create_case_from_mail_impl(new, mail).await
    }

    async fn add_message_from_mail(
        &self,
        new: NewMessage,
        mail: NewMail,
    ) -> StoreResult<Written<MessageAdded>> {
        self.add_message_from_mail_impl(new, mail).await
    }

    async fn mail_received(
        &self,
        mailbox: MailboxKey,
        rfc_message_id: String,
    ) -> StoreResult<Option<MailEntry>> {
        self.mail_received_impl(mailbox, rfc_message_id).await
    }

    async fn case_for_mail(&self, rfc_message_ids: Vec<String>) -> StoreResult<Option<CaseId>> {
        self.case_for_mail_impl(rfc_message_ids).await
    }

    async fn list_case_mail(&self, case_id: CaseId) -> StoreResult<Vec<MailEntry>> {
        self.list_case_mail_impl(case_id).await
    }

    async fn original_mail(&self, message_id: MessageId) -> StoreResult<Vec<u8>> {
        self.original_mail_impl(message_id).await
    }

    async fn quarantine_mail(&self, new: NewQuarantined) -> StoreResult<QuarantinedMail> {
        self.quarantine_mail_impl(new).await
    }

    async fn list_quarantine(&self, limit: u32) -> StoreResult<Vec<QuarantinedMail>> {
        self.list_quarantine_impl(limit).await
    }

    async fn get_quarantined(&self, id: uuid::Uuid) -> StoreResult<(QuarantinedMail, Vec<u8>)> {
        self.get_quarantined_impl(id).await
    }

    async fn drop_quarantined(&self, id: uuid::Uuid) -> StoreResult<()> {
        self.drop_quarantined_impl(id).await
    }

    async fn add_message_with_mail(
        &self,
        actor: Option<PersonId>,
        new: NewMessage,
        mail: frontline_store::NewOutbound,
    ) -> StoreResult<Written<frontline_store::MessageMailed>> {
        self.add_message_with_mail_impl(actor, new, mail).await
    }

    async fn queue_case_mail(
        &self,
        case_id: CaseId,
        mail: frontline_store::NewOutbound,
    ) -> StoreResult<frontline_store::Outbound> {
        self.queue_case_mail_impl(case_id, mail).await
    }

    async fn claim_outbound(
        &self,
        owner: uuid::Uuid,
        lease: std::time::Duration,
        limit: u32,
    ) -> StoreResult<Vec<frontline_store::Outbound>> {
        self.claim_outbound_impl(owner, lease, limit).await
    }

    async fn record_outbound(
        &self,
        id: uuid::Uuid,
        owner: uuid::Uuid,
        result: frontline_store::OutboundResult,
    ) -> StoreResult<Written<frontline_store::Outbound>> {
        self.record_outbound_impl(id, owner, result).await
    }

    async fn mark_mail_bouncing(
        &self,
        new: frontline_store::NewMailBounce,
    ) -> StoreResult<Written<frontline_store::MailBounce>> {
        self.mark_mail_bouncing_impl(new).await
    }

    async fn clear_mail_bouncing(
        &self,
        address: Email,
    ) -> StoreResult<Option<Written<frontline_store::MailBounce>>> {
        self.clear_mail_bouncing_impl(address).await
    }

    async fn mail_bounces(
        &self,
        addresses: Vec<Email>,
    ) -> StoreResult<Vec<frontline_store::MailBounce>> {
        self.mail_bounces_impl(addresses).await
    }

    async fn list_case_outbound(
        &self,
        case_id: CaseId,
    ) -> StoreResult<Vec<frontline_store::Outbound>> {
        self.list_case_outbound_impl(case_id).await
    }

    async fn queue_account_link(
        &self,
        link: frontline_store::NewAccountLink,
        mail: frontline_store::NewOutbound,
    ) -> StoreResult<frontline_store::Outbound> {
        self.queue_account_link_impl(link, mail).await
    }

    async fn redeem_account_link(
        &self,
        token_hash: &str,
        purpose: frontline_store::LinkPurpose,
        new_password_hash: Option<String>,
    ) -> StoreResult<Written<frontline_store::Redeemed>> {
        self.redeem_account_link_impl(token_hash, purpose, new_password_hash)
            .await
    }

    async fn purge_account_links(&self, now: frontline_core::Timestamp) -> StoreResult<u64> {
        self.purge_account_links_impl(now).await
    }

    async fn list_account_outbound(
        &self,
        limit: u32,
    ) -> StoreResult<Vec<frontline_store::Outbound>> {
        self.list_account_outbound_impl(limit).await
    }

    async fn list_outbound_attempts(
        &self,
        id: uuid::Uuid,
    ) -> StoreResult<Vec<frontline_store::OutboundAttempt>> {
        self.list_outbound_attempts_impl(id).await
    }

    async fn create_webhook(
        &self,
        actor: Option<PersonId>,
        new: NewWebhook,
    ) -> StoreResult<Written<Webhook>> {
        self.create_webhook_impl(actor, new).await
    }

    async fn list_webhooks(&self) -> StoreResult<Vec<Webhook>> {
        self.list_webhooks_impl().await
    }

    async fn get_webhook(&self, id: WebhookId) -> StoreResult<Webhook> {
        self.get_webhook_impl(id).await
    }

    async fn record_delivery(
        &self,
        id: WebhookId,
        attempt: DeliveryAttempt,
        outcome: DeliveryOutcome,
    ) -> StoreResult<()> {
        self.record_delivery_impl(id, attempt, outcome).await
    }

    async fn disable_webhook(
        &self,
        actor: Option<PersonId>,
        id: WebhookId,
        reason: String,
    ) -> StoreResult<Written<Webhook>> {
        self.disable_webhook_impl(actor, id, reason).await
    }

    async fn claim_follower(
        &self,
        name: &str,
        owner: uuid::Uuid,
        lease: std::time::Duration,
    ) -> StoreResult<Option<i64>> {
        self.claim_follower_impl(name, owner, lease).await
    }

    async fn advance_follower(&self, name: &str, owner: uuid::Uuid, seq: i64) -> StoreResult<()> {
        self.advance_follower_impl(name, owner, seq).await
    }

    async fn get_notification_preferences(
        &self,
        person_id: PersonId,
        as_of: Option<i64>,
    ) -> StoreResult<frontline_store::Preferences> {
        self.get_notification_preferences_impl(person_id, as_of)
            .await
    }

    async fn set_notification_preferences(
        &self,
        actor: Option<PersonId>,
        person_id: PersonId,
        preferences: frontline_store::Preferences,
    ) -> StoreResult<Written<frontline_store::Preferences>> {
        self.set_notification_preferences_impl(actor, person_id, preferences)
            .await
    }

    async fn queue_staff_mail(
        &self,
        mail: frontline_store::NewOutbound,
    ) -> StoreResult<frontline_store::Outbound> {
        self.queue_staff_mail_impl(mail).await
    }

    async fn claim_webhook(
        &self,
        id: WebhookId,
        owner: uuid::Uuid,
        lease: std::time::Duration,
    ) -> StoreResult<bool> {
        self.claim_webhook_impl(id, owner, lease).await
    }

    async fn list_delivery_attempts(
        &self,
        id: WebhookId,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryAttempt>> {
        self.list_delivery_attempts_impl(id, limit).await
    }

    async fn set_customer_profile(
        &self,
        actor: Option<PersonId>,
        profile: CustomerProfile,
    ) -> StoreResult<Written<CustomerProfile>> {
        self.set_customer_profile_impl(actor, profile).await
    }

    async fn get_customer_profile(
        &self,
        person_id: PersonId,
    ) -> StoreResult<Option<CustomerProfile>> {
        self.get_customer_profile_impl(person_id).await
    }

    async fn save_decision_kind(
        &self,
        actor: Option<PersonId>,
        kind: DecisionKind,
    ) -> StoreResult<Written<DecisionKind>> {
        self.save_decision_kind_impl(actor, kind).await
    }

    async fn list_decision_kinds(&self) -> StoreResult<Vec<DecisionKind>> {
        self.list_decision_kinds_impl().await
    }

    async fn get_decision_kind(&self, key: &DecisionKindKey) -> StoreResult<DecisionKind> {
        self.get_decision_kind_impl(key).await
    }

    async fn create_rule_version(
        &self,
        actor: Option<PersonId>,
        new: NewRuleVersion,
    ) -> StoreResult<Written<RuleVersion>> {
        self.create_rule_version_impl(actor, new).await
    }

    async fn set_rule_status(
        &self,
        actor: Option<PersonId>,
        rule_id: RuleId,
        version: u32,
        to: RuleStatus,
    ) -> StoreResult<Written<RuleVersion>> {
        self.set_rule_status_impl(actor, rule_id, version, to).await
    }

    async fn get_rule_version(&self, rule_id: RuleId, version: u32) -> StoreResult<RuleVersion> {
        self.get_rule_version_impl(rule_id, version).await
    }

    async fn list_rules(&self, filter: RuleFilter) -> StoreResult<Vec<RuleVersion>> {
        self.list_rules_impl(filter).await
    }

    async fn record_decision(&self, new: NewDecision) -> StoreResult<Written<Decision>> {
        self.record_decision_impl(new).await
    }

    async fn review_decision(
        &self,
        id: DecisionId,
        reviewer_id: PersonId,
        outcome: ReviewOutcome,
        comment: Option<String>,
    ) -> StoreResult<Written<Decision>> {
        self.review_decision_impl(id, reviewer_id, outcome, comment)
            .await
    }

    async fn get_decision(&self, id: DecisionId) -> StoreResult<Decision> {
        self.get_decision_impl(id).await
    }

    async fn list_decisions(
        &self,
        filter: DecisionFilter,
        limit: u32,
    ) -> StoreResult<Vec<Decision>> {
        self.list_decisions_impl(filter, limit).await
    }

    async fn raise_ask(
        &self,
        spec: NewAskSpec,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<Ask>> {
        self.raise_ask_impl(spec, at).await
    }

    async fn change_ask(
        &self,
        actor: Option<PersonId>,
        id: AskId,
        change: AskChange,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<AskChanged>> {
        self.change_ask_impl(actor, id, change, at).await
    }

    async fn get_ask(&self, id: AskId) -> StoreResult<Ask> {
        self.get_ask_impl(id).await
    }

    async fn list_ask_messages(&self, id: AskId) -> StoreResult<Vec<AskMessage>> {
        self.list_ask_messages_impl(id).await
    }

    async fn list_asks(&self, filter: AskFilter, limit: u32) -> StoreResult<Vec<Ask>> {
        self.list_asks_impl(filter, limit).await
    }

    async fn staff_activity(&self, filter: ActivityFilter) -> StoreResult<StaffActivity> {
        self.staff_activity_impl(filter).await
    }

    async fn last_public_replies(
        &self,
        person_id: Option<PersonId>,
        role: Option<Role>,
    ) -> StoreResult<Vec<(PersonId, Timestamp)>> {
        self.last_public_replies_impl(person_id, role).await
    }

    async fn create_standard_work_item(
        &self,
        actor: Option<PersonId>,
        new: NewStandardWorkItem,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<StandardWorkItem>> {
        self.create_standard_work_item_impl(actor, new, at).await
    }

    async fn retire_standard_work_item(
        &self,
        actor: Option<PersonId>,
        id: StandardWorkItemId,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<StandardWorkItem>> {
        self.retire_standard_work_item_impl(actor, id, at).await
    }

    async fn get_standard_work_item(
        &self,
        id: StandardWorkItemId,
    ) -> StoreResult<StandardWorkItem> {
        self.get_standard_work_item_impl(id).await
    }

    async fn list_standard_work_items(
        &self,
        person_id: Option<PersonId>,
        include_retired: bool,
    ) -> StoreResult<Vec<StandardWorkItem>> {
        self.list_standard_work_items_impl(person_id, include_retired)
            .await
    }

    async fn tick_standard_work(
        &self,
        actor: PersonId,
        id: StandardWorkItemId,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<StandardWorkTick>> {
        self.tick_standard_work_impl(actor, id, at).await
    }

    async fn untick_standard_work(
        &self,
        actor: PersonId,
        id: StandardWorkItemId,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<()>> {
        self.untick_standard_work_impl(actor, id, at).await
    }

    async fn list_standard_work_ticks(
        &self,
        person_id: PersonId,
        since: Timestamp,
    ) -> StoreResult<Vec<StandardWorkTick>> {
        self.list_standard_work_ticks_impl(person_id, since).await
    }

    async fn record_feeling(
        &self,
        new: frontline_core::NewFeeling,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<frontline_core::Feeling>> {
        self.record_feeling_impl(new, at).await
    }

    async fn list_feelings(
        &self,
        filter: frontline_store::FeelingFilter,
        limit: u32,
    ) -> StoreResult<Vec<frontline_core::Feeling>> {
        self.list_feelings_impl(filter, limit).await
    }

    async fn signing_key(&self, name: &str, candidate: Vec<u8>) -> StoreResult<Vec<u8>> {
        self.signing_key_impl(name, candidate).await
    }

    async fn scoreboard_rows(
        &self,
        from: Timestamp,
        until: Timestamp,
    ) -> StoreResult<frontline_core::scoreboard::ScoreboardRows> {
        self.scoreboard_rows_impl(from, until).await
    }

    async fn raise_proposal(
        &self,
        new: frontline_core::proposal::NewProposal,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<frontline_core::Proposal>> {
        self.raise_proposal_impl(new, at).await
    }

    async fn change_proposal(
        &self,
        actor: PersonId,
        id: frontline_core::ProposalId,
        change: frontline_core::ProposalChange,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<frontline_store::ProposalChanged>> {
        self.change_proposal_impl(actor, id, change, at).await
    }

    async fn set_proposal_vote(
        &self,
        person_id: PersonId,
        id: frontline_core::ProposalId,
        voted: bool,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<u32>> {
        self.set_proposal_vote_impl(person_id, id, voted, at).await
    }

    async fn comment_proposal(
        &self,
        author_id: PersonId,
        id: frontline_core::ProposalId,
        body: frontline_core::proposal::CommentBody,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<frontline_core::proposal::ProposalComment>> {
        self.comment_proposal_impl(author_id, id, body, at).await
    }

    async fn get_proposal(
        &self,
        id: frontline_core::ProposalId,
    ) -> StoreResult<frontline_core::Proposal> {
        self.get_proposal_impl(id).await
    }

    async fn list_proposals(
        &self,
        filter: frontline_store::ProposalFilter,
        limit: u32,
    ) -> StoreResult<Vec<frontline_store::ProposalSummary>> {
        self.list_proposals_impl(filter, limit).await
    }

    async fn list_proposal_votes(
        &self,
        id: frontline_core::ProposalId,
    ) -> StoreResult<Vec<frontline_core::proposal::ProposalVote>> {
        self.list_proposal_votes_impl(id).await
    }

    async fn list_proposal_comments(
        &self,
        id: frontline_core::ProposalId,
    ) -> StoreResult<Vec<frontline_core::proposal::ProposalComment>> {
        self.list_proposal_comments_impl(id).await
    }

    async fn list_mood_alerts(
        &self,
        filter: frontline_store::MoodAlertFilter,
        limit: u32,
    ) -> StoreResult<Vec<frontline_store::MoodAlertItem>> {
        self.list_mood_alerts_impl(filter, limit).await
    }

    async fn acknowledge_mood_alert(
        &self,
        by: PersonId,
        message_id: frontline_core::MessageId,
        at: Option<Timestamp>,
    ) -> StoreResult<Written<frontline_store::MoodAlertItem>> {
        self.acknowledge_mood_alert_impl(by, message_id, at).await
    }

    async fn list_message_moods(
        &self,
        case_id: CaseId,
    ) -> StoreResult<Vec<frontline_store::MessageMood>> {
        self.list_message_moods_impl(case_id).await
    }

    async fn list_voices(
        &self,
        filter: frontline_store::VoiceFilter,
    ) -> StoreResult<Vec<frontline_core::themes::Voice>> {
        self.list_voices_impl(filter).await
    }

    async fn blob_writer(&self) -> StoreResult<Box<dyn frontline_store::BlobWriter>> {
        Ok(self.blob_writer_impl())
    }

    async fn read_blob(&self, sha256: &str) -> StoreResult<Box<dyn frontline_store::BlobReader>> {
        self.read_blob_impl(sha256).await
    }

    async fn create_upload(
        &self,
        new: frontline_store::NewUpload,
    ) -> StoreResult<frontline_core::Attachment> {
        self.create_upload_impl(new).await
    }

    async fn get_attachment(
        &self,
        id: frontline_core::AttachmentId,
    ) -> StoreResult<frontline_core::Attachment> {
        self.get_attachment_impl(id).await
    }

    async fn list_attachments(
        &self,
        case_id: CaseId,
        include_internal: bool,
    ) -> StoreResult<Vec<frontline_core::Attachment>> {
        self.list_attachments_impl(case_id, include_internal).await
    }

    async fn delete_attachment(
        &self,
        id: frontline_core::AttachmentId,
        by: PersonId,
        reason: String,
    ) -> StoreResult<Written<frontline_core::Attachment>> {
        self.delete_attachment_impl(id, by, reason).await
    }

    async fn sweep_files(
        &self,
        before: frontline_core::Timestamp,
    ) -> StoreResult<frontline_store::FilesSwept> {
        self.sweep_files_impl(before).await
    }

    async fn export(&self) -> StoreResult<Vec<Record>> {
        self.export_impl().await
    }

    async fn import(&self, records: Vec<Record>) -> StoreResult<()> {
        self.import_impl(records).await
    }
}
