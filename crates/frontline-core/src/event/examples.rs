//! One payload of every kind, for tests: the unit tests here and the store conformance suite,
//! which writes them to each backend and reads them back. Values are valid (they go through
//! the same parsers as requests) but made up; ids are fresh on every call.

use crate::ask::{AskKind, AskStatus, FeelingWord, Urgency};
use crate::case::{CaseStatus, Channel, OutcomeAchieved, Priority, Visibility};
use crate::event::*;
use crate::feeling::{Emotion, FeelingKind, Score};
use crate::guideline::{
    DecisionKind, FactDef, FactType, ReviewOutcome, RuleStatus, RuleType, Verdict,
};
use crate::ids::*;
use crate::mood::MoodReason;
use crate::org::Role;
use crate::proposal::{ProposalStatus, ProposalTitle, ThemeKey};
use crate::standard_work::{Cadence, ItemTitle, Metric, Proof};
use crate::time::from_millis;
use crate::values::{CaseNumber, DecisionKindKey, Email, Name, OutcomeKey, Subject, Tags};

impl Payload {
    /// One payload of every kind, in `EventKind::ALL` order.
    pub fn examples() -> Vec<Payload> {
        let at = from_millis(1_775_000_000_000);
        let (ann, ben) = (PersonId::new(), PersonId::new());
        let team_id = TeamId::new();
        let number = CaseNumber(1042);
        let name = |raw: &str| Name::parse(raw).expect("a valid name");
        let person = PersonChanged {
            person_id: ann,
            email: Email::parse("ann@example.com").expect("a valid email"),
            name: name("Ann Example"),
            role: Role::Support,
            title: Some("Head of Support".to_owned()),
            admin: true,
            capacity: 12,
            available: false,
        };
        let case = CaseSummary {
            number,
            subject: Subject::parse("My parcel is late").expect("a valid subject"),
            status: CaseStatus::Open,
            owner_id: Some(ann),
            team_id: Some(team_id),
            priority: Priority::High,
        };
        let rule = RuleChanged {
            rule_id: RuleId::new(),
            version: 2,
            kind: DecisionKindKey::parse("refund").expect("a valid key"),
            rule_type: RuleType::Guideline,
            name: "Small refunds".to_owned(),
            status: RuleStatus::Published,
        };
        let ask = AskState {
            ask_id: AskId::new(),
            asker_id: ben,
            assignee_id: ann,
            kind: AskKind::Unblock,
            urgency: Urgency::High,
            status: AskStatus::Claimed,
            escalations: 1,
        };
        let period = StandardWorkPeriod {
            item_id: StandardWorkItemId::new(),
            person_id: ann,
            period: "2026-W14".to_owned(),
        };
        let proposal = ProposalState {
            proposal_id: ProposalId::new(),
            author_id: ben,
            title: ProposalTitle::parse("Tell customers when a parcel is late")
                .expect("a valid title"),
            status: ProposalStatus::Adopted,
        };
        let decided = ProposalDecided {
            proposal: proposal.clone(),
            voters: 2,
            notify: vec![ben, ann],
        };
        let message_id = MessageId::new();
        vec![
            Payload::PersonCreated(person.clone()),
            Payload::PersonUpdated(PersonChanged {
                title: None,
                ..person
            }),
            Payload::PasswordSet(PasswordSet {
                person_id: ann,
                via: Some(PasswordVia::SignUp),
            }),
            Payload::TokenCreated(TokenCreated {
                person_id: ann,
                token_id: TokenId::new(),
                label: "laptop".to_owned(),
                expires_at: Some(at),
            }),
            Payload::TokenRevoked(TokenRevoked {
                person_id: ann,
                token_id: TokenId::new(),
                label: "laptop".to_owned(),
            }),
            Payload::CredentialsRevoked(CredentialsRevoked {
                person_id: ann,
                tokens: 2,
                sessions: 3,
                kept_session: true,
            }),
            Payload::TeamCreated(TeamCreated {
                team_id,
                name: name("Returns"),
            }),
            Payload::MembershipAdded(MembershipAdded {
                person_id: ben,
                team_id,
                from: at,
            }),
            Payload::MembershipEnded(MembershipEnded {
                person_id: ben,
                team_id,
                to: at,
            }),
            Payload::SupportAdded(SupportAdded {
                support_id: ann,
                team_id,
                from: at,
            }),
            Payload::SupportEnded(SupportEnded {
                support_id: ann,
                team_id,
                to: at,
            }),
            Payload::OutcomeCreated(OutcomeCreated {
                outcome_id: OutcomeId::new(),
                key: OutcomeKey::parse("parcel-arrives").expect("a valid key"),
                name: name("Parcel arrives"),
                team_ids: vec![team_id],
                target_minutes: 240,
            }),
            Payload::CaseCreated(CaseCreated {
                case: CaseSummary {
                    owner_id: None,
                    ..case.clone()
                },
                outcome_id: OutcomeId::new(),
                customer_id: PersonId::new(),
                channel: Channel::Email,
                message_id,
            }),
            Payload::CaseAssigned(CaseAssigned {
                case: case.clone(),
                previous_owner_id: None,
                by: AssignedBy::Routing,
            }),
            Payload::CaseStatusChanged(CaseStatusChanged {
                case: case.clone(),
                from: CaseStatus::New,
                to: CaseStatus::Open,
                reason: "first response".to_owned(),
            }),
            Payload::CaseOutcomeSet(CaseOutcomeSet {
                case: case.clone(),
                outcome_achieved: OutcomeAchieved::Yes,
            }),
            Payload::CaseTagsSet(CaseTagsSet {
                number,
                tags: Tags::parse_all(["vip", "carrier:dhl"]).expect("valid tags"),
            }),
            Payload::MessageAdded(MessageAdded {
                number,
                message_id,
                author_id: ann,
                visibility: Visibility::Public,
                proposal_id: Some(proposal.proposal_id),
            }),
            Payload::WebhookCreated(WebhookCreated {
                webhook_id: WebhookId::new(),
                url: "https://hooks.example.com/frontline".to_owned(),
                kinds: vec![EventKind::CaseCreated, EventKind::MessageAdded],
            }),
            Payload::WebhookDisabled(WebhookDisabled {
                webhook_id: WebhookId::new(),
                url: "https://hooks.example.com/frontline".to_owned(),
                reason: "failing for 26 hours".to_owned(),
            }),
            Payload::CustomerProfileSet(CustomerProfileSet {
                person_id: ben,
                tier: "plus".to_owned(),
                lifetime_value: 1234.56,
                customer_since: at,
            }),
            Payload::DecisionKindSaved(DecisionKind {
                key: DecisionKindKey::parse("refund").expect("a valid key"),
                name: "Refund".to_owned(),
                description: "Money back for a damaged or lost parcel.".to_owned(),
                currency: "EUR".to_owned(),
                facts: vec![FactDef {
                    name: "amount".to_owned(),
                    label: "Amount to refund".to_owned(),
                    fact_type: FactType::Money,
                }],
                updated_at: at,
            }),
            Payload::RuleDrafted(RuleChanged {
                status: RuleStatus::Draft,
                ..rule.clone()
            }),
            Payload::RulePublished(rule.clone()),
            Payload::RuleRetired(RuleChanged {
                status: RuleStatus::Retired,
                ..rule
            }),
            Payload::DecisionRecorded(DecisionRecorded {
                decision_id: DecisionId::new(),
                kind: DecisionKindKey::parse("refund").expect("a valid key"),
                verdict: Verdict::Explain,
                explanation: Some("The parcel arrived three weeks late.".to_owned()),
                not_held: vec!["Small refunds".to_owned()],
            }),
            Payload::DecisionReviewed(DecisionReviewed {
                decision_id: DecisionId::new(),
                kind: DecisionKindKey::parse("refund").expect("a valid key"),
                decided_by: ben,
                outcome: ReviewOutcome::Coach,
                comment: None,
            }),
            Payload::AskRaised(AskState {
                status: AskStatus::Open,
                escalations: 0,
                ..ask.clone()
            }),
            Payload::AskClaimed(AskClaimed {
                ask: ask.clone(),
                from: None,
            }),
            Payload::AskAnswered(ask.clone()),
            Payload::AskFollowedUp(ask.clone()),
            Payload::AskResolved(AskResolved {
                ask: AskState {
                    status: AskStatus::Resolved,
                    ..ask.clone()
                },
                minutes_to_unblock: 95,
                on_target: true,
            }),
            Payload::AskWithdrawn(AskState {
                status: AskStatus::Withdrawn,
                ..ask.clone()
            }),
            Payload::AskReopened(ask.clone()),
            Payload::AskRated(AskRated {
                ask: ask.clone(),
                score: 4,
                word: FeelingWord::parse("relieved").expect("a valid word"),
            }),
            Payload::AskEscalated(AskEscalated {
                ask: ask.clone(),
                from: ben,
                to: ann,
            }),
            Payload::AskOverdue(AskOverdue {
                ask,
                top_of_chain: true,
            }),
            Payload::TeamRetired(TeamRetired {
                team_id,
                name: name("Returns"),
                at,
                members: vec![ben],
                supporters: vec![ann],
            }),
            Payload::RoleChanged(RoleChanged {
                person_id: ben,
                from: RoleAndTitle {
                    role: Role::Employee,
                    title: None,
                },
                to: RoleAndTitle {
                    role: Role::Support,
                    title: Some("Head of Returns".to_owned()),
                },
                at,
            }),
            Payload::StandardWorkItemCreated(StandardWorkItemCreated {
                item_id: period.item_id,
                person_id: ann,
                title: ItemTitle::parse("Answer ten customers").expect("a valid title"),
                cadence: Cadence::Weekly,
                proof: Some(Proof {
                    metric: Metric::PublicReplies,
                    target: 10,
                }),
            }),
            Payload::StandardWorkItemRetired(StandardWorkItemRetired {
                item_id: period.item_id,
                person_id: ann,
            }),
            Payload::StandardWorkTicked(period.clone()),
            Payload::StandardWorkUnticked(period),
            Payload::FeelingRecorded(FeelingRecorded {
                id: FeelingId::new(),
                kind: FeelingKind::Customer,
                case_id: Some(CaseId::new()),
                case_number: Some(number),
                team_id: Some(team_id),
                reading: Some(FeelingReading {
                    score: Score::new(5).expect("a valid score"),
                    emotion: Some(Emotion::Relieved),
                }),
            }),
            Payload::FeelingPraised(FeelingPraised {
                feeling_id: FeelingId::new(),
                case_id: CaseId::new(),
                case_number: number,
                owner_id: Some(ann),
                team_id: None,
                score: Score::new(5).expect("a valid score"),
                quote: "Ann sorted it in minutes, thank you!".to_owned(),
            }),
            Payload::ProposalRaised(ProposalRaised {
                proposal: ProposalState {
                    status: ProposalStatus::Open,
                    ..proposal.clone()
                },
                cases: vec![number, CaseNumber(1043)],
                theme: Some(ThemeKey::parse("delivery").expect("a valid theme")),
            }),
            Payload::ProposalVoted(ProposalVotes {
                proposal: proposal.clone(),
                votes: 3,
            }),
            Payload::ProposalUnvoted(ProposalVotes {
                proposal: proposal.clone(),
                votes: 2,
            }),
            Payload::ProposalCommented(ProposalCommented {
                proposal,
                comment_id: ProposalCommentId::new(),
                notify: vec![ben],
            }),
            Payload::ProposalAdopted(decided.clone()),
            Payload::ProposalDeclined(decided.clone()),
            Payload::ProposalShipped(ProposalShipped {
                decided: decided.clone(),
                cases_told: 2,
            }),
            Payload::ProposalWithdrawn(decided),
            Payload::CaseMoodAlert(CaseMoodAlert {
                number,
                message_id,
                owner_id: Some(ann),
                team_id: Some(team_id),
                reason: MoodReason::Anger,
                why: "angry words: useless".to_owned(),
                score: -0.8126,
            }),
            Payload::CaseMoodAlertAcknowledged(CaseMoodAlertAcknowledged {
                number,
                message_id,
                owner_id: None,
                team_id: None,
                acknowledged_by: ann,
            }),
            Payload::MailboxSaved(MailboxSaved {
                key: crate::mail::MailboxKey::parse("support").expect("a valid key"),
                address: crate::values::Email::parse("support@example.com").expect("an address"),
                outcome_id: OutcomeId::new(),
                imap_host: Some("imap.example.com".to_owned()),
                enabled: true,
                created: true,
            }),
            Payload::MailSent(MailSent {
                number,
                outbound_id: uuid::Uuid::now_v7(),
                message_id: Some(MessageId::new()),
                to: Email::parse("carol@example.com").expect("an address"),
                subject: "Re: My parcel is late [FL-1042]".to_owned(),
            }),
            Payload::MailFailed(MailFailed {
                number,
                outbound_id: uuid::Uuid::now_v7(),
                message_id: None,
                to: Email::parse("carol@example.com").expect("an address"),
                subject: "How did we do? [FL-1042]".to_owned(),
                error: "550 5.1.1 mailbox unavailable".to_owned(),
            }),
            Payload::MailBouncing(MailBouncing {
                person_id: ann,
                address: Email::parse("carol@example.com").expect("an address"),
                reason: "smtp; 550 5.1.1 <carol@example.com>: Recipient address rejected"
                    .to_owned(),
                source: crate::mail::BounceSource::Report,
            }),
            Payload::MailBounceCleared(MailBounceCleared {
                person_id: ann,
                address: Email::parse("carol@example.com").expect("an address"),
            }),
            Payload::CalendarSet(CalendarSet {
                team_id,
                valid_from: at,
                calendar: crate::calendar::CalendarSpec {
                    time_zone: "Europe/Berlin".to_owned(),
                    hours: [("monday".to_owned(), vec!["09:00-17:00".to_owned()])].into(),
                    holidays: vec![jiff::civil::date(2026, 12, 25)],
                },
            }),
            Payload::OutcomeTargetsSet(OutcomeTargetsSet {
                outcome_id: OutcomeId::new(),
                targets: vec![crate::targets::Target {
                    kind: crate::targets::TargetKind::FirstResponse,
                    priority: Some(Priority::Urgent),
                    business_minutes: 30,
                    pause_while_waiting: true,
                    warn_at_percent: 75,
                }],
            }),
            Payload::CaseTargetWarning(CaseTargetAlarm {
                number,
                target: crate::targets::TargetKind::FirstResponse,
                business_minutes: 240,
                due: at,
                owner_id: Some(ann),
                team_id: Some(team_id),
                ask_id: None,
            }),
            Payload::CaseTargetBreached(CaseTargetAlarm {
                number,
                target: crate::targets::TargetKind::Resolution,
                business_minutes: 960,
                due: at,
                owner_id: None,
                team_id: None,
                ask_id: Some(crate::ids::AskId::new()),
            }),
            Payload::AttachmentAdded(AttachmentAdded {
                attachment_id: AttachmentId::new(),
                number,
                message_id: MessageId::new(),
                name: crate::attachment::FileName::parse("parcel.jpg").expect("a valid name"),
                content_type: "image/jpeg".to_owned(),
                size: 48_213,
                sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
                    .to_owned(),
                uploader_id: ann,
            }),
            Payload::AttachmentDeleted(AttachmentDeleted {
                attachment_id: AttachmentId::new(),
                number,
                message_id: MessageId::new(),
                name: crate::attachment::FileName::parse("parcel.jpg").expect("a valid name"),
                reason: "The photo shows another customer's address.".to_owned(),
            }),
            Payload::AddressAdded(AddressAdded {
                person_id: ben,
                address: Email::parse("ben.at.work@example.com").expect("a valid email"),
                verified: false,
            }),
            Payload::AddressRemoved(AddressRemoved {
                person_id: ben,
                address: Email::parse("ben.at.work@example.com").expect("a valid email"),
            }),
            Payload::AddressVerified(AddressVerified {
                person_id: ben,
                address: Email::parse("ben.at.work@example.com").expect("a valid email"),
            }),
            Payload::PersonMerged(PersonMerged {
                kept_id: ben,
                merged_id: ann,
                cases_moved: 2,
                addresses_moved: 1,
            }),
            Payload::ErasureRequested(ErasureRequested { person_id: ben }),
            Payload::PersonErased(PersonErased {
                person_id: ben,
                requested_at: Some(at),
                messages_erased: 3,
                attachments_erased: 1,
                tokens: 1,
                sessions: 2,
            }),
            Payload::CaseEdited(CaseEdited {
                case: case.clone(),
                outcome_id: OutcomeId::new(),
                subject_from: Some(Subject::parse("Parcel").expect("valid subject")),
                priority_from: Some(Priority::Normal),
                outcome_from: None,
                reason: Some("The customer wrote about billing, not the parcel.".to_owned()),
            }),
            Payload::NotificationsSet(NotificationsSet {
                person_id: ann,
                email: vec![
                    crate::notify::NotificationKind::Assigned,
                    crate::notify::NotificationKind::AskToMe,
                ],
            }),
        ]
    }
}
