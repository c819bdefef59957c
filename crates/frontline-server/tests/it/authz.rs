//! The authorisation table, walked through the real HTTP API: for every row of
//! `authz::table::TABLE` and every kind of actor, make the request and check that the answer
//! is 2xx for Allow, 403 for Deny and 404 for Hide.

use std::sync::atomic::{AtomicUsize, Ordering};

use frontline_core::Role;
use frontline_server::authz::table::{TABLE, Target, Who};
use frontline_server::authz::{Action, Decision};
use frontline_test_support::{Org, TestApp, User};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

struct Walk {
    app: TestApp,
    org: Org,
    counter: AtomicUsize,
}

impl Walk {
    fn unique(&self) -> usize {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }

    fn actor(&self, who: Who) -> &User {
        match who {
            Who::Customer => &self.org.carol,
            Who::Employee => &self.org.ann,
            Who::Support => &self.org.sue,
            Who::SupportAdmin => &self.org.ada,
        }
    }

    /// A fresh case of the actor's own customer (Carol) or of someone else (Dave).
    async fn case(&self, target: Target) -> String {
        let customer = match target {
            Target::Others => &self.org.dave,
            _ => &self.org.carol,
        };
        self.app
            .case_for(
                &self.org,
                customer.person.id,
                &format!("Case {}", self.unique()),
            )
            .await
    }

    /// A fresh resolved case of Carol's or Dave's, ready to be rated.
    async fn resolved_case(&self, target: Target) -> String {
        let number = self.case(target).await;
        let case = self
            .app
            .store
            .get_case_by_number(number.parse().expect("number"))
            .await
            .expect("case");
        self.app
            .store
            .change_status(None, case.id, frontline_core::CaseStatus::Resolved)
            .await
            .expect("resolved");
        number
    }

    /// A file on a public message of a fresh case of Carol's or Dave's, sent by its customer.
    async fn attachment(&self, target: Target) -> String {
        let number = self.case(target).await;
        let store = &self.app.store;
        let case = store
            .get_case_by_number(number.parse().expect("number"))
            .await
            .expect("case");
        let mut writer = store.blob_writer().await.expect("writer");
        writer
            .write(format!("file {}", self.unique()).as_bytes())
            .await
            .expect("write");
        let blob = writer.finish().await.expect("finish");
        let upload = store
            .create_upload(frontline_store::NewUpload {
                id: frontline_core::AttachmentId::new(),
                blob,
                name: frontline_core::FileName::parse("receipt.txt").expect("name"),
                content_type: "text/plain".into(),
                uploader_id: case.customer_id,
            })
            .await
            .expect("upload");
        let mut message = frontline_store::testing::new_message(
            case.id,
            case.customer_id,
            frontline_core::Visibility::Public,
        );
        message.attachments = vec![upload.id];
        store
            .add_message(Some(case.customer_id), message)
            .await
            .expect("message");
        upload.id.to_string()
    }

    /// The person a person-action is about: the actor themselves, or someone else.
    fn person(&self, who: Who, target: Target) -> String {
        match (target, who) {
            (Target::Own, _) => self.actor(who).id(),
            (_, Who::Customer) => self.org.dave.id(),
            _ => self.org.dave.id(),
        }
    }

    /// A decision taken outside a guideline by `decider`, waiting for review.
    async fn decision_by(&self, decider: frontline_core::PersonId) -> String {
        let number = self.case(Target::Others).await;
        let case = self
            .app
            .store
            .get_case_by_number(number.parse().expect("number"))
            .await
            .expect("case");
        self.app
            .store
            .record_decision(frontline_test_support::frontline_store::NewDecision {
                case_id: case.id,
                kind: frontline_core::DecisionKindKey::parse("refund").expect("kind"),
                actor_id: decider,
                facts: serde_json::Map::new(),
                verdict: frontline_core::guideline::Verdict::Explain,
                explanation: Some("The parcel was lost twice in a row.".into()),
                findings: Vec::new(),
            })
            .await
            .expect("decision")
            .value
            .id
            .to_string()
    }

    /// An open ask raised by `asker` (to Sue, or to Ada when Sue asks).
    async fn ask_by(&self, asker: &User) -> String {
        let to = if asker.person.id == self.org.sue.person.id {
            &self.org.ada
        } else {
            &self.org.sue
        };
        let response = self
            .app
            .post(
                "/api/v1/asks",
                &asker.token,
                &json!({ "kind": "advice", "text": "How do I read this invoice?", "to": to.id() }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        crate::json(response).await["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    /// An ask of the actor's own (a customer has none: Ben's stands in) or Ben's.
    async fn ask(&self, who: Who, target: Target) -> String {
        match (target, who) {
            (Target::Own, Who::Customer) | (Target::Others, _) => self.ask_by(&self.org.ben).await,
            (Target::Own, _) => self.ask_by(self.actor(who)).await,
            _ => unreachable!("asks are own or others'"),
        }
    }

    /// Whose ledger or standard work an action is about: the actor's own, or a support
    /// employee other than the actor (Sue, or Ada when Sue acts).
    fn leader(&self, who: Who, target: Target) -> &User {
        match (target, who) {
            (Target::Own, _) => self.actor(who),
            (_, Who::Support) => &self.org.ada,
            _ => &self.org.sue,
        }
    }

    /// A fresh plain item of `person`'s standard work (a made-up id when they cannot have
    /// any: authorisation answers before the item is looked up).
    async fn item_of(&self, person: &User) -> String {
        if person.person.role != Role::Support {
            return frontline_core::StandardWorkItemId::new().to_string();
        }
        let n = self.unique();
        self.app
            .store
            .create_standard_work_item(
                None,
                frontline_core::standard_work::NewStandardWorkItem {
                    person_id: person.person.id,
                    title: frontline_core::standard_work::ItemTitle::parse(&format!("Walk {n}"))
                        .expect("title"),
                    cadence: frontline_core::Cadence::Daily,
                    proof: None,
                },
                None,
            )
            .await
            .expect("item")
            .value
            .id
            .to_string()
    }

    /// An open proposal raised by `author`, citing one of Dave's cases.
    async fn proposal_by(&self, author: &User) -> String {
        let case = self.case(Target::Others).await;
        let response = self
            .app
            .post(
                "/api/v1/proposals",
                &author.token,
                &json!({ "title": format!("Change {}", self.unique()), "body": "Why and how.",
                         "cases": [case] }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        crate::json(response).await["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    /// A proposal of the actor's own (a customer has none: Ben's stands in) or Ben's.
    async fn proposal(&self, who: Who, target: Target) -> String {
        match (target, who) {
            (Target::Own, Who::Customer) | (Target::Others, _) => {
                self.proposal_by(&self.org.ben).await
            }
            (Target::Own, _) => self.proposal_by(self.actor(who)).await,
            _ => unreachable!("proposals are own or others'"),
        }
    }

    /// The message id of a fresh mood alert: on a case the actor owns (a customer owns none:
    /// Ann's stands in), or on a Billing case, owned by Ben, whose team the actors are not in.
    async fn mood_alert(&self, who: Who, target: Target) -> String {
        use frontline_core::{Channel, MessageBody, Priority, Subject, Tags, Visibility};
        use frontline_test_support::frontline_store::{NewCase, NewMessage, NewOutcome};
        let store = &self.app.store;
        let (outcome_id, owner) = match target {
            Target::Own if who == Who::Customer => (self.org.outcome_id, &self.org.ann),
            Target::Own => (self.org.outcome_id, self.actor(who)),
            _ => {
                let key = frontline_core::OutcomeKey::parse("bill_is_clear").expect("key");
                let outcome = match store.get_outcome_by_key(&key).await {
                    Ok(outcome) => outcome,
                    Err(_) => {
                        store
                            .create_outcome(
                                None,
                                NewOutcome {
                                    key,
                                    name: frontline_core::Name::parse("My bill is clear")
                                        .expect("name"),
                                    success_criteria: "Understood.".into(),
                                    target_minutes: 60,
                                    team_ids: vec![self.org.billing],
                                },
                            )
                            .await
                            .expect("outcome")
                            .value
                    }
                };
                (outcome.id, &self.org.ben)
            }
        };
        let carol = self.org.carol.person.id;
        let case = store
            .create_case(
                None,
                NewCase {
                    customer_id: carol,
                    outcome_id,
                    subject: Subject::parse(&format!("Upset {}", self.unique())).expect("subject"),
                    body: MessageBody::parse("Please help.").expect("body"),
                    channel: Channel::Web,
                    priority: Priority::Normal,
                    tags: Tags::default(),
                    created_at: None,
                    idempotency_key: None,
                    attachments: Vec::new(),
                },
            )
            .await
            .expect("case")
            .value
            .case;
        store
            .assign_case(None, case.id, Some(owner.person.id))
            .await
            .expect("owner");
        store
            .add_message(
                Some(carol),
                NewMessage {
                    case_id: case.id,
                    author_id: carol,
                    body: MessageBody::parse("This is unacceptable and useless.").expect("body"),
                    visibility: Visibility::Public,
                    created_at: None,
                    idempotency_key: None,
                    attachments: Vec::new(),
                },
            )
            .await
            .expect("angry message")
            .value
            .message
            .id
            .to_string()
    }

    async fn perform(&self, who: Who, action: Action, target: Target) -> StatusCode {
        let n = self.unique();
        let (method, path, body): (Method, String, Option<Value>) = match action {
            Action::ReadMe => (Method::GET, "/api/v1/me".into(), None),
            Action::CreateOwnToken => (
                Method::POST,
                "/api/v1/me/tokens".into(),
                Some(json!({ "label": "t" })),
            ),
            Action::ManageOwnCredentials => (Method::GET, "/api/v1/me/tokens".into(), None),
            Action::ManageCredentialsOf => (
                Method::GET,
                format!("/api/v1/people/{}/tokens", self.person(who, target)),
                None,
            ),
            Action::ListPeople => (Method::GET, "/api/v1/people".into(), None),
            Action::ReadPerson => (
                Method::GET,
                format!("/api/v1/people/{}", self.person(who, target)),
                None,
            ),
            Action::CreatePerson => (
                Method::POST,
                "/api/v1/people".into(),
                Some(
                    json!({ "email": format!("new{n}@frontline.test"), "name": "New", "role": "employee" }),
                ),
            ),
            Action::CreateCustomer => (
                Method::POST,
                "/api/v1/people".into(),
                Some(
                    json!({ "email": format!("caller{n}@customer.test"), "name": "Caller", "role": "customer" }),
                ),
            ),
            Action::UpdatePerson => (
                Method::PATCH,
                format!("/api/v1/people/{}", self.person(who, target)),
                Some(json!({ "available": true })),
            ),
            Action::SetPassword => (
                Method::PUT,
                format!("/api/v1/people/{}/password", self.person(who, target)),
                Some(json!({ "password": "a long enough password" })),
            ),
            Action::CreateTokenFor => (
                Method::POST,
                format!("/api/v1/people/{}/tokens", self.person(who, target)),
                Some(json!({ "label": "integration" })),
            ),
            Action::ListTeams => (Method::GET, "/api/v1/teams".into(), None),
            Action::ReadTeam => (
                Method::GET,
                format!("/api/v1/teams/{}", self.org.orders),
                None,
            ),
            Action::CreateTeam => (
                Method::POST,
                "/api/v1/teams".into(),
                Some(json!({ "name": format!("Team {n}") })),
            ),
            Action::ManageMembers => {
                let person = self
                    .app
                    .person(&format!("member{n}@frontline.test"), Role::Employee, false)
                    .await;
                (
                    Method::POST,
                    format!("/api/v1/teams/{}/members", self.org.billing),
                    Some(json!({ "person": person.id.to_string() })),
                )
            }
            Action::ManageSupports => {
                let person = self
                    .app
                    .person(&format!("support{n}@frontline.test"), Role::Support, false)
                    .await;
                (
                    Method::POST,
                    format!("/api/v1/teams/{}/supports", self.org.billing),
                    Some(json!({ "person": person.email.to_string() })),
                )
            }
            Action::ListOutcomes => (Method::GET, "/api/v1/outcomes".into(), None),
            Action::ReadOutcome => (Method::GET, "/api/v1/outcomes/order_arrives".into(), None),
            Action::CreateOutcome => (
                Method::POST,
                "/api/v1/outcomes".into(),
                Some(
                    json!({ "key": format!("outcome_{n}"), "name": "An outcome", "success_criteria": "Done",
                             "target_minutes": 60, "teams": [self.org.orders.to_string()] }),
                ),
            ),
            Action::CreateCase => {
                let mut body =
                    json!({ "subject": "Help", "body": "Please", "outcome": "order_arrives" });
                match (target, who) {
                    (Target::Own, Who::Customer) => {}
                    (Target::Own, _) => {
                        body["customer"] = json!(self.org.carol.person.email.to_string())
                    }
                    _ => body["customer"] = json!(self.org.dave.person.email.to_string()),
                }
                (Method::POST, "/api/v1/cases".into(), Some(body))
            }
            Action::ListCases => (Method::GET, "/api/v1/cases".into(), None),
            Action::ReadCase => (
                Method::GET,
                format!("/api/v1/cases/{}", self.case(target).await),
                None,
            ),
            Action::ChangeStatus => (
                Method::PUT,
                format!("/api/v1/cases/{}/status", self.case(target).await),
                Some(json!({ "status": "resolved" })),
            ),
            Action::AssignCase => (
                Method::PUT,
                format!("/api/v1/cases/{}/owner", self.case(target).await),
                Some(json!({ "owner": "ben@frontline.test" })),
            ),
            Action::SetOutcomeAchieved => (
                Method::PUT,
                format!("/api/v1/cases/{}/outcome-achieved", self.case(target).await),
                Some(json!({ "outcome_achieved": "yes" })),
            ),
            Action::SetTags => (
                Method::PUT,
                format!("/api/v1/cases/{}/tags", self.case(target).await),
                Some(json!({ "tags": ["vip"] })),
            ),
            Action::EditCase => (
                Method::PATCH,
                format!("/api/v1/cases/{}", self.case(target).await),
                Some(json!({ "priority": "high", "reason": "Said it is urgent" })),
            ),
            Action::ListMessages => (
                Method::GET,
                format!(
                    "/api/v1/cases/{}/messages?visibility=public",
                    self.case(target).await
                ),
                None,
            ),
            Action::AddPublicMessage => (
                Method::POST,
                format!("/api/v1/cases/{}/messages", self.case(target).await),
                Some(json!({ "body": "Hello" })),
            ),
            Action::AddInternalNote => (
                Method::POST,
                format!("/api/v1/cases/{}/messages", self.case(target).await),
                Some(json!({ "body": "Note", "visibility": "internal" })),
            ),
            Action::ReadInternalNotes => (
                Method::GET,
                format!(
                    "/api/v1/cases/{}/messages?visibility=internal",
                    self.case(target).await
                ),
                None,
            ),
            Action::ReadEvents => (Method::GET, "/api/v1/events".into(), None),
            Action::SharePresence => (
                Method::PUT,
                format!("/api/v1/cases/{}/presence", self.case(target).await),
                Some(json!({ "state": "viewing" })),
            ),
            Action::ManageWebhooks => (Method::GET, "/api/v1/webhooks".into(), None),
            Action::ManageMail => (Method::GET, "/api/v1/mailboxes".into(), None),
            Action::ReadGuidelines => (Method::GET, "/api/v1/rules".into(), None),
            Action::ManageGuidelines => (
                Method::PUT,
                format!("/api/v1/decision-kinds/kind_{n}"),
                Some(json!({ "name": "Kind", "currency": "EUR", "facts": [] })),
            ),
            Action::Decide => (
                Method::POST,
                format!("/api/v1/cases/{}/decisions", self.case(target).await),
                Some(
                    json!({ "kind": "refund", "facts": { "amount": 10, "reason": "late" }, "dry_run": true }),
                ),
            ),
            Action::ReadDecisions => (
                Method::GET,
                format!("/api/v1/cases/{}/decisions", self.case(target).await),
                None,
            ),
            Action::ReviewDecision => {
                let decider = match target {
                    Target::Own => self.actor(who).person.id,
                    _ => self.org.ben.person.id,
                };
                let id = self.decision_by(decider).await;
                (
                    Method::POST,
                    format!("/api/v1/decisions/{id}/review"),
                    Some(json!({ "outcome": "uphold" })),
                )
            }
            Action::RaiseAsk => (
                Method::POST,
                "/api/v1/asks".into(),
                Some(
                    json!({ "kind": "approval", "text": "May I?", "to": match who {
                    Who::SupportAdmin => self.org.sue.id(),
                    _ => self.org.ada.id(),
                } }),
                ),
            ),
            Action::ReadAsk => (
                Method::GET,
                format!("/api/v1/asks/{}", self.ask(who, target).await),
                None,
            ),
            Action::ReadAllAsks => (Method::GET, "/api/v1/asks?view=all".into(), None),
            Action::WorkAsk => (
                Method::POST,
                format!("/api/v1/asks/{}/claim", self.ask(who, target).await),
                None,
            ),
            Action::FollowUpAsk => (
                Method::POST,
                format!("/api/v1/asks/{}/withdraw", self.ask(who, target).await),
                None,
            ),
            Action::ReadAskFigures => (Method::GET, "/api/v1/asks/figures".into(), None),
            Action::ReadOrgHistory => (Method::GET, "/api/v1/org".into(), None),
            Action::RetireTeam => {
                let team = self
                    .app
                    .store
                    .create_team(
                        None,
                        frontline_core::Name::parse(&format!("Retiring {n}")).expect("name"),
                    )
                    .await
                    .expect("team");
                (
                    Method::POST,
                    format!("/api/v1/teams/{}/retire", team.value.id),
                    Some(json!({})),
                )
            }
            Action::ReadLedger if target == Target::Org => {
                (Method::GET, "/api/v1/ledger".into(), None)
            }
            Action::ReadLedger => (
                Method::GET,
                format!("/api/v1/people/{}/ledger", self.leader(who, target).id()),
                None,
            ),
            Action::ReadStandardWork => (
                Method::GET,
                format!(
                    "/api/v1/people/{}/standard-work",
                    self.leader(who, target).id()
                ),
                None,
            ),
            Action::ManageStandardWork => (
                Method::POST,
                format!(
                    "/api/v1/people/{}/standard-work",
                    self.leader(who, target).id()
                ),
                Some(json!({ "title": format!("Walk the floor {n}"), "cadence": "weekly" })),
            ),
            Action::TickStandardWork => {
                let person = self.leader(who, target);
                let item = self.item_of(person).await;
                (
                    Method::PUT,
                    format!("/api/v1/people/{}/standard-work/{item}/tick", person.id()),
                    None,
                )
            }
            Action::RateCase => (
                Method::POST,
                format!("/api/v1/cases/{}/rating", self.resolved_case(target).await),
                Some(json!({ "score": 4, "emotion": "relieved", "text": "Quick, thanks" })),
            ),
            Action::IssueRatingLink => (
                Method::POST,
                format!(
                    "/api/v1/cases/{}/rating-link",
                    self.resolved_case(target).await
                ),
                None,
            ),
            Action::RecordCaseFeeling => (
                Method::POST,
                format!("/api/v1/cases/{}/feelings", self.case(target).await),
                Some(json!({ "observed": { "score": 3 }, "own": { "score": 4 } })),
            ),
            Action::AnswerPulse => (
                Method::PUT,
                "/api/v1/pulse".into(),
                Some(json!({ "score": 4 })),
            ),
            Action::ReadFeelings => (Method::GET, "/api/v1/feelings/figures".into(), None),
            Action::ReadScoreboard => (Method::GET, "/api/v1/scoreboard".into(), None),
            Action::ListProposals => (Method::GET, "/api/v1/proposals".into(), None),
            Action::RaiseProposal => (
                Method::POST,
                "/api/v1/proposals".into(),
                Some(
                    json!({ "title": format!("Idea {n}"), "body": "Why.", "cases": [self.case(Target::Others).await] }),
                ),
            ),
            Action::ReadProposal => (
                Method::GET,
                format!("/api/v1/proposals/{}", self.proposal(who, target).await),
                None,
            ),
            Action::VoteProposal => (
                Method::POST,
                format!(
                    "/api/v1/proposals/{}/vote",
                    self.proposal(who, target).await
                ),
                None,
            ),
            Action::CommentProposal => (
                Method::POST,
                format!(
                    "/api/v1/proposals/{}/comments",
                    self.proposal(who, target).await
                ),
                Some(json!({ "body": "Good idea." })),
            ),
            Action::DecideProposal => (
                Method::POST,
                format!(
                    "/api/v1/proposals/{}/adopt",
                    self.proposal(who, target).await
                ),
                Some(json!({ "reason": "Seen on many cases." })),
            ),
            Action::WithdrawProposal => (
                Method::POST,
                format!(
                    "/api/v1/proposals/{}/withdraw",
                    self.proposal(who, target).await
                ),
                None,
            ),
            Action::ReadMoodAlerts => (Method::GET, "/api/v1/mood-alerts".into(), None),
            Action::AcknowledgeMoodAlert => (
                Method::POST,
                format!(
                    "/api/v1/mood-alerts/{}/acknowledge",
                    self.mood_alert(who, target).await
                ),
                None,
            ),
            Action::ReadThemes => (Method::GET, "/api/v1/themes".into(), None),
            Action::ReadServiceTargets if target == Target::Org => (
                Method::GET,
                format!("/api/v1/teams/{}/calendar", self.org.orders),
                None,
            ),
            Action::ReadServiceTargets => (
                Method::GET,
                format!("/api/v1/cases/{}/targets", self.case(target).await),
                None,
            ),
            Action::ManageServiceTargets => (
                Method::PUT,
                format!("/api/v1/outcomes/{}/targets", self.org.outcome_key),
                Some(json!({ "targets": [{ "kind": "resolution", "business_minutes": 60 + n }] })),
            ),
            Action::UploadFile => (
                Method::POST,
                format!("/api/v1/uploads?name=note-{n}.txt"),
                Some(json!({ "note": n })),
            ),
            Action::DeleteAttachment => (
                Method::DELETE,
                format!("/api/v1/attachments/{}", self.attachment(target).await),
                Some(json!({ "reason": "Sent by mistake." })),
            ),
            Action::UpdateOwnProfile => (
                Method::PATCH,
                "/api/v1/me".into(),
                Some(json!({ "language": "en-GB", "time_zone": "Europe/London" })),
            ),
            Action::RequestErasure => (Method::POST, "/api/v1/me/erasure-request".into(), None),
            Action::ManageAddresses => (
                Method::POST,
                format!("/api/v1/people/{}/addresses", self.person(who, target)),
                Some(json!({ "address": format!("extra{n}@elsewhere.test") })),
            ),
            Action::DownloadData => (
                Method::GET,
                format!("/api/v1/people/{}/data", self.person(who, target)),
                None,
            ),
            Action::MergePeople => {
                let keep = self
                    .app
                    .person(&format!("keep{n}@customer.test"), Role::Customer, false)
                    .await;
                let duplicate = self
                    .app
                    .person(&format!("dup{n}@customer.test"), Role::Customer, false)
                    .await;
                (
                    Method::POST,
                    format!("/api/v1/people/{}/merge", keep.id),
                    Some(json!({ "duplicate": duplicate.id })),
                )
            }
            Action::ErasePerson => {
                let customer = self
                    .app
                    .person(&format!("forget{n}@customer.test"), Role::Customer, false)
                    .await;
                (
                    Method::POST,
                    format!("/api/v1/people/{}/erase", customer.id),
                    Some(json!({ "confirm": customer.email })),
                )
            }
            Action::ManageOwnNotifications => (
                Method::PUT,
                "/api/v1/me/notifications".into(),
                Some(json!({ "email": ["assigned", "ask_to_me"] })),
            ),
        };
        let mut request = self
            .app
            .request(method.clone(), &path, Some(&self.actor(who).token));
        if let Some(body) = &body {
            request = request.json(body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        if !status.is_success() {
            let text = response.text().await.unwrap_or_default();
            if status != StatusCode::FORBIDDEN && status != StatusCode::NOT_FOUND {
                panic!(
                    "{} {action:?} ({method} {path}) answered {status}: {text}",
                    who.as_str()
                );
            }
        }
        status
    }
}

#[tokio::test]
async fn every_role_and_action_answers_over_http_as_the_authorisation_table_says() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    app.seed_guidelines().await;
    let walk = Walk {
        app,
        org,
        counter: AtomicUsize::new(0),
    };
    let mut failures = Vec::new();
    let mut checked = 0;
    for row in TABLE {
        for who in Who::ALL {
            let status = walk.perform(who, row.action, row.target).await;
            let got = match status {
                s if s.is_success() => Decision::Allow,
                StatusCode::FORBIDDEN => Decision::Deny,
                _ => Decision::Hide,
            };
            checked += 1;
            if got != row.expected_for(who) {
                failures.push(format!(
                    "{} {:?} on {}: expected {:?}, got {status}",
                    who.as_str(),
                    row.action,
                    row.target.as_str(),
                    row.expected_for(who)
                ));
            }
        }
    }
    assert_eq!(checked, TABLE.len() * Who::ALL.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn a_hidden_person_reads_exactly_like_a_missing_one() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let hidden = app
        .get(
            &format!("/api/v1/people/{}", org.dave.id()),
            &org.carol.token,
        )
        .await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    let hidden = crate::json(hidden).await;
    let missing = crate::json(
        app.get(
            &format!("/api/v1/people/{}", frontline_core::PersonId::new()),
            &org.carol.token,
        )
        .await,
    )
    .await;
    assert_eq!(hidden["title"], missing["title"]);
    assert_eq!(hidden["status"], missing["status"]);
}

/// Every field a customer may not set on a new case, for every kind of actor, over HTTP:
/// `authz::table::CASE_FIELDS_ON_OPEN` is the expectation.
#[tokio::test]
async fn every_role_sets_the_fields_of_a_new_case_as_the_table_says() {
    use frontline_server::authz::case_fields::CaseField;
    use frontline_server::authz::table::CASE_FIELDS_ON_OPEN;
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let walk = Walk {
        app,
        org,
        counter: AtomicUsize::new(0),
    };
    let mut failures = Vec::new();
    for (field, expected) in CASE_FIELDS_ON_OPEN {
        for (who, expected) in Who::ALL.iter().zip(expected) {
            let mut body =
                json!({ "subject": "Help", "body": "Please", "outcome": "order_arrives" });
            if *who != Who::Customer {
                body["customer"] = json!(walk.org.carol.person.email.to_string());
            }
            body[field.as_str()] = match field {
                CaseField::Priority => json!("urgent"),
                CaseField::Tags => json!(["vip", "refund-approved"]),
                CaseField::Channel => json!("phone"),
            };
            let response = walk
                .app
                .post("/api/v1/cases", &walk.actor(*who).token, &body)
                .await;
            let status = response.status();
            let problem = crate::json(response).await;
            let got = match status {
                StatusCode::CREATED => {
                    // What was sent is what the case has.
                    let case = &problem;
                    let kept = match field {
                        CaseField::Priority => case["priority"] == "urgent",
                        CaseField::Tags => case["tags"] == json!(["refund-approved", "vip"]),
                        CaseField::Channel => case["channel"] == "phone",
                    };
                    if !kept {
                        failures.push(format!(
                            "{} set {}: not kept: {case}",
                            who.as_str(),
                            field.as_str()
                        ));
                    }
                    Decision::Allow
                }
                StatusCode::FORBIDDEN => {
                    let detail = problem["detail"].as_str().unwrap_or("");
                    if !detail.contains(field.as_str()) {
                        failures.push(format!(
                            "the 403 does not name {}: {detail}",
                            field.as_str()
                        ));
                    }
                    Decision::Deny
                }
                other => {
                    failures.push(format!(
                        "{} setting {}: {other} {problem}",
                        who.as_str(),
                        field.as_str()
                    ));
                    continue;
                }
            };
            if got != *expected {
                failures.push(format!(
                    "{} setting {}: expected {expected:?}, got {got:?}",
                    who.as_str(),
                    field.as_str()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Without those fields a customer's case opens with the server's defaults.
    let case = walk
        .app
        .post(
            "/api/v1/cases",
            &walk.org.carol.token,
            &json!({ "subject": "Help", "body": "Please", "outcome": "order_arrives" }),
        )
        .await;
    assert_eq!(case.status(), StatusCode::CREATED);
    let case = crate::json(case).await;
    assert_eq!(
        (case["priority"].as_str(), case["channel"].as_str()),
        (Some("normal"), Some("api"))
    );
    assert_eq!(case["tags"], json!([]));
}
