//! What the API sends: plain structs built from domain values, with OpenAPI schemas. Kept
//! apart from the domain types so the wire format is chosen here, deliberately, and a change in
//! `frontline-core` cannot silently change the API.

use frontline_core::{
    Case, Event, Membership, Message, Outcome, Person, SupportLink, Team, Timestamp,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// RFC 3339 text, as every time in the API is sent.
fn time(t: Timestamp) -> String {
    t.to_string()
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PersonView {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    /// `customer`, `employee` or `support`.
    pub role: String,
    /// e.g. "CEO"; only support employees have one.
    pub title: Option<String>,
    /// Whether this support employee administers people, teams and outcomes.
    pub admin: bool,
    /// How many open cases routing may give this person.
    pub capacity: u32,
    /// Whether routing may give this person new cases now.
    pub available: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Present only while mail to `email` bounces, and only to staff: replies by mail will
    /// not reach this customer. The customer's next mail clears it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail_bouncing: Option<MailBouncingView>,
    /// A BCP 47 tag such as `fr-CA`, when they said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// An IANA time zone such as `Europe/Paris`, when they said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// When the customer asked to be forgotten (until an administrator erases them).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub erasure_requested_at: Option<String>,
    /// When their personal data was erased: this is a tombstone.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub erased_at: Option<String>,
    /// The customer this duplicate was merged into.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<Uuid>,
}

/// One of a person's addresses besides their primary `email`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AddressView {
    pub address: String,
    /// Whether it finds this person (sign-in, mail). A customer's own addition is unverified
    /// until they prove it is theirs; staff add verified addresses.
    pub verified: bool,
    #[schema(format = DateTime)]
    pub added_at: String,
}

impl From<&frontline_store::PersonAddress> for AddressView {
    fn from(a: &frontline_store::PersonAddress) -> Self {
        Self {
            address: a.address.to_string(),
            verified: a.verified,
            added_at: time(a.added_at),
        }
    }
}

/// Mail to an address bounces.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MailBouncingView {
    /// When it was first reported since mail to it last worked.
    #[schema(format = DateTime)]
    pub since: String,
    /// What the mail server said.
    pub reason: String,
    /// `report` (a delivery status notification came back) or `refused` (our mail server
    /// refused the mail for good).
    pub source: String,
}

impl From<&frontline_store::MailBounce> for MailBouncingView {
    fn from(b: &frontline_store::MailBounce) -> Self {
        Self {
            since: time(b.since),
            reason: b.reason.clone(),
            source: b.source.as_str().to_owned(),
        }
    }
}

impl From<&Person> for PersonView {
    fn from(p: &Person) -> Self {
        Self {
            id: p.id.0,
            email: p.email.to_string(),
            name: p.name.to_string(),
            role: p.role.to_string(),
            title: p.title.clone(),
            admin: p.admin,
            capacity: p.capacity,
            available: p.available,
            created_at: time(p.created_at),
            mail_bouncing: None,
            language: p.language.clone(),
            time_zone: p.time_zone.clone(),
            erasure_requested_at: p.erasure_requested_at.map(time),
            erased_at: p.erased_at.map(time),
            merged_into: p.merged_into.map(|id| id.0),
        }
    }
}

/// The signed-in person and the teams they are in now.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MeView {
    #[serde(flatten)]
    pub person: PersonView,
    pub team_ids: Vec<Uuid>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TeamView {
    pub id: Uuid,
    pub name: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When the team was retired; `null` while it works.
    #[schema(format = DateTime)]
    pub retired_at: Option<String>,
}

impl From<&Team> for TeamView {
    fn from(t: &Team) -> Self {
        Self {
            id: t.id.0,
            name: t.name.to_string(),
            created_at: time(t.created_at),
            retired_at: t.retired_at.map(time),
        }
    }
}

/// A person's membership of a team; `to: null` means current.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MembershipView {
    pub person_id: Uuid,
    pub team_id: Uuid,
    #[schema(format = DateTime)]
    pub from: String,
    #[schema(format = DateTime)]
    pub to: Option<String>,
}

impl From<&Membership> for MembershipView {
    fn from(m: &Membership) -> Self {
        Self {
            person_id: m.person_id.0,
            team_id: m.team_id.0,
            from: time(m.from),
            to: m.to.map(time),
        }
    }
}

/// A support employee serving a team; `to: null` means current.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SupportView {
    pub support_id: Uuid,
    pub team_id: Uuid,
    #[schema(format = DateTime)]
    pub from: String,
    #[schema(format = DateTime)]
    pub to: Option<String>,
}

impl From<&SupportLink> for SupportView {
    fn from(s: &SupportLink) -> Self {
        Self {
            support_id: s.support_id.0,
            team_id: s.team_id.0,
            from: time(s.from),
            to: s.to.map(time),
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OutcomeView {
    pub id: Uuid,
    /// The key to name when opening a case, e.g. `order_arrives`.
    pub key: String,
    pub name: String,
    pub success_criteria: String,
    /// Target time from case creation to the outcome, in minutes.
    pub target_minutes: u32,
    /// Owning teams, in routing preference order.
    pub team_ids: Vec<Uuid>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<&Outcome> for OutcomeView {
    fn from(o: &Outcome) -> Self {
        Self {
            id: o.id.0,
            key: o.key.to_string(),
            name: o.name.to_string(),
            success_criteria: o.success_criteria.clone(),
            target_minutes: o.target_minutes,
            team_ids: o.team_ids.iter().map(|t| t.0).collect(),
            created_at: time(o.created_at),
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CaseView {
    pub id: Uuid,
    /// The human-readable handle, e.g. `FL-1042`; usable wherever a case id is.
    #[schema(example = "FL-1042")]
    pub number: String,
    pub subject: String,
    /// `new`, `open`, `waiting_on_customer`, `resolved` or `closed`.
    pub status: String,
    /// `web`, `email`, `api`, `phone` or `chat`.
    pub channel: String,
    /// `low`, `normal`, `high` or `urgent`.
    pub priority: String,
    pub customer_id: Uuid,
    pub outcome_id: Uuid,
    /// `yes`, `no` or `unknown`.
    pub outcome_achieved: String,
    /// The employee who owns the case; `null` while it waits in a team queue.
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    /// The team working the case; `null` when no team owns the outcome.
    pub team_id: Option<Uuid>,
    pub team_name: Option<String>,
    pub tags: Vec<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    #[schema(format = DateTime)]
    pub first_response_at: Option<String>,
    #[schema(format = DateTime)]
    pub resolved_at: Option<String>,
    /// In search results whose words matched a message: the part of it around the match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<Vec<FragmentView>>,
}

impl CaseView {
    pub fn new(c: &Case, owner_name: Option<String>, team_name: Option<String>) -> Self {
        Self {
            id: c.id.0,
            number: c.number.to_string(),
            subject: c.subject.to_string(),
            status: c.status.to_string(),
            channel: c.channel.to_string(),
            priority: c.priority.to_string(),
            customer_id: c.customer_id.0,
            outcome_id: c.outcome_id.0,
            outcome_achieved: c.outcome_achieved.to_string(),
            owner_id: c.owner_id.map(|p| p.0),
            owner_name,
            team_id: c.team_id.map(|t| t.0),
            team_name,
            tags: c.tags.iter().map(|t| t.as_str().to_owned()).collect(),
            created_at: time(c.created_at),
            updated_at: time(c.updated_at),
            first_response_at: c.first_response_at.map(time),
            resolved_at: c.resolved_at.map(time),
            snippet: None,
        }
    }

    pub fn with_snippet(mut self, snippet: Option<&frontline_core::search::Snippet>) -> Self {
        self.snippet = snippet.map(|s| {
            s.fragments()
                .into_iter()
                .map(|f| FragmentView {
                    text: f.text,
                    hit: f.hit,
                })
                .collect()
        });
        self
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MessageView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub author_id: Uuid,
    pub body: String,
    /// `public` (part of the conversation) or `internal` (a note for staff only).
    pub visibility: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// The files on the message (deleted ones as tombstones); absent when it has none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentView>,
}

impl From<&Message> for MessageView {
    fn from(m: &Message) -> Self {
        Self {
            id: m.id.0,
            case_id: m.case_id.0,
            author_id: m.author_id.0,
            body: m.body.to_string(),
            visibility: m.visibility.to_string(),
            created_at: time(m.created_at),
            attachments: Vec::new(),
        }
    }
}

impl MessageView {
    /// The view with the message's own files from `files` (a case's attachments).
    pub fn with_files(mut self, files: &[frontline_core::Attachment]) -> Self {
        self.attachments = files
            .iter()
            .filter(|a| {
                a.attached
                    .as_ref()
                    .is_some_and(|t| t.message_id.0 == self.id)
            })
            .map(AttachmentView::from)
            .collect();
        self
    }
}

/// A file: an upload (on no message yet) or a message's attachment.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AttachmentView {
    pub id: Uuid,
    /// The file's name, cleaned (no directories, no control characters).
    pub name: String,
    /// Sniffed from the bytes when uploaded; never the type the client declared.
    pub content_type: String,
    pub size: u64,
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
    pub uploader_id: Uuid,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// The message it is on; null for an upload not attached yet.
    pub message_id: Option<Uuid>,
    /// Where to download it (`Content-Disposition: attachment`); null once deleted.
    pub url: Option<String>,
    /// Where a picture or PDF is shown in place (sandboxed); null for other types.
    pub inline_url: Option<String>,
    /// A PNG preview at most 320 px on its longer side, for pictures; null otherwise.
    pub preview_url: Option<String>,
    /// Set once staff deleted it: the bytes are gone, this record stays.
    pub deleted: Option<DeletionView>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DeletionView {
    pub by: Uuid,
    #[schema(format = DateTime)]
    pub at: String,
    pub reason: String,
}

impl From<&frontline_core::Attachment> for AttachmentView {
    fn from(a: &frontline_core::Attachment) -> Self {
        let live = a.deleted.is_none();
        let base = format!("/api/v1/attachments/{}", a.id);
        let inline = frontline_core::attachment::shown_inline(&a.content_type);
        let preview = frontline_core::attachment::has_preview(&a.content_type);
        Self {
            id: a.id.0,
            name: a.name.to_string(),
            content_type: a.content_type.clone(),
            size: a.size,
            sha256: a.sha256.clone(),
            uploader_id: a.uploader_id.0,
            created_at: time(a.created_at),
            message_id: a.attached.as_ref().map(|t| t.message_id.0),
            url: live.then(|| base.clone()),
            inline_url: (live && inline).then(|| format!("{base}/inline")),
            preview_url: (live && preview).then(|| format!("{base}/preview")),
            deleted: a.deleted.as_ref().map(|d| DeletionView {
                by: d.by.0,
                at: time(d.at),
                reason: d.reason.clone(),
            }),
        }
    }
}

/// One entry of the event log.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EventView {
    /// Gap-free, increasing; pass the last one seen as `after` to resume.
    pub seq: i64,
    #[schema(format = DateTime)]
    pub at: String,
    /// e.g. `case.created`, `message.added`.
    pub kind: String,
    pub actor_id: Option<Uuid>,
    pub case_id: Option<Uuid>,
    /// Kind-specific details.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

impl From<&Event> for EventView {
    fn from(e: &Event) -> Self {
        Self {
            seq: e.seq,
            at: time(e.at),
            kind: e.kind.to_string(),
            actor_id: e.actor_id.map(|p| p.0),
            case_id: e.case_id.map(|c| c.0),
            payload: e.payload.clone(),
        }
    }
}

/// An API token, shown exactly once: only its hash is kept.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TokenView {
    /// Send as `Authorization: Bearer <token>`. It cannot be shown again.
    pub token: String,
    /// Names the token in lists and revocations (`DELETE /api/v1/me/tokens/{id}`).
    pub id: Uuid,
    pub person_id: Uuid,
    pub label: String,
    /// When it stops working; `null`: until revoked (or a new password).
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
}

/// An API token as listed: never the token or its hash.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TokenInfoView {
    pub id: Uuid,
    pub label: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// `null`: until revoked.
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
    /// Whether it has expired (it is listed until revoked, but no longer works).
    pub expired: bool,
    /// To the minute; `null` if never used.
    #[schema(format = DateTime)]
    pub last_used_at: Option<String>,
}

impl TokenInfoView {
    pub fn new(token: &frontline_store::ApiToken, now: Timestamp) -> Self {
        Self {
            id: token.id.0,
            label: token.label.clone(),
            created_at: time(token.created_at),
            expires_at: token.expires_at.map(time),
            expired: token.expires_at.is_some_and(|at| at <= now),
            last_used_at: token.last_used_at.map(time),
        }
    }
}

/// A live web session as listed: never its cookie or CSRF token.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SessionInfoView {
    pub id: Uuid,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
    /// To the minute.
    #[schema(format = DateTime)]
    pub last_used_at: String,
    /// The browser's `User-Agent` when it signed in.
    pub user_agent: Option<String>,
    /// Whether this is the session the request came through.
    pub current: bool,
}

impl SessionInfoView {
    pub fn new(
        session: &frontline_store::SessionInfo,
        current: Option<frontline_core::SessionId>,
    ) -> Self {
        Self {
            id: session.id.0,
            created_at: time(session.created_at),
            expires_at: time(session.expires_at),
            last_used_at: time(session.last_used_at),
            user_agent: session.user_agent.clone(),
            current: current == Some(session.id),
        }
    }
}

/// A signed-in web session. The cookie carries the session; writes must echo `csrf_token` in
/// the `X-CSRF-Token` header.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SessionView {
    pub csrf_token: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
    pub person: PersonView,
}

macro_rules! page_type {
    ($(#[$doc:meta])* $name:ident, $item:ty) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Serialize, ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            /// The link to the next page, with the same filters; `null` on the last page.
            pub next: Option<String>,
        }
    };
}

page_type!(
    /// A page of people.
    PersonPage, PersonView
);
page_type!(
    /// A page of teams.
    TeamPage, TeamView
);
page_type!(
    /// A page of memberships.
    MembershipPage, MembershipView
);
page_type!(
    /// A page of support links.
    SupportPage, SupportView
);
page_type!(
    /// A page of outcomes.
    OutcomePage, OutcomeView
);
/// A page of cases.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CasePage {
    pub items: Vec<CaseView>,
    /// The link to the next page, with the same filters; `null` on the last page.
    pub next: Option<String>,
    /// How many cases match, when asked for with `count=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<TotalView>,
}

/// How many items a list has: exact up to 10,000, past that `exact` is false and `count` is
/// 10,000 ("more than").
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
pub struct TotalView {
    pub count: u64,
    pub exact: bool,
}

/// A piece of a search snippet; `match`: a word the search matched. Show the pieces in order,
/// marking the matches.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FragmentView {
    pub text: String,
    #[serde(rename = "match")]
    pub hit: bool,
}
page_type!(
    /// A page of messages.
    MessagePage, MessageView
);

/// A page of the event log. The log only grows, so `next` is always given: poll it to follow.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EventPage {
    pub items: Vec<EventView>,
    /// Where to continue reading: after the last event of this page.
    pub next: String,
    /// Whether more events were already waiting when this page was read.
    pub has_more: bool,
}
