//! `/admin/mail`: mailboxes (add, change, a new inbound token shown once) and the quarantine
//! (download, retry, drop), and the account mail (sign-up, sign-in and reset links: the
//! way a customer gets one while mail out is off), for administrators (`ManageMail`, as in the API). Forms check the
//! CSRF token and call the same use cases as the API (`crate::mail`).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use frontline_core::mail::{Mailbox, MailboxKey};
use serde::Deserialize;

use super::form::FormData;
use super::layout::{Layout, PageResult, page, see_other, when};
use super::viewer::Viewer;
use crate::authz::{self, Action, Resource};
use crate::error::AppError;
use crate::mail::{ImapInput, Ingested, MailboxInput};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct MailQuery {
    edit: Option<String>,
    done: Option<String>,
}

fn done_message(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "saved" => "The mailbox was saved.",
        "dropped" => "The quarantined mail was dropped.",
        "opened" => "The mail was taken: it opened a case.",
        "joined" => "The mail was taken: it joined its case.",
        "duplicate" => "That mail had already been taken; it left the quarantine.",
        "ignored" => "The mail was machine mail and was set aside; it left the quarantine.",
        "quarantined" => "The mail still cannot be taken; it stays in the quarantine.",
        _ => return None,
    })
}

pub struct MailboxRow {
    pub key: String,
    pub name: String,
    pub address: String,
    pub outcome: String,
    pub reads: String,
    pub inbound: bool,
    pub enabled: bool,
}

pub struct QuarantineRow {
    pub id: String,
    pub received: String,
    pub mailbox: String,
    pub from: String,
    pub subject: String,
    pub reason: String,
    pub size: String,
}

/// A sign-up, sign-in or reset mail (account mail, on no case).
pub struct AccountMailRow {
    pub id: String,
    pub queued: String,
    pub to: String,
    pub subject: String,
    pub status: &'static str,
    /// The text while it is still to send (it holds the link); gone once sent.
    pub text: Option<String>,
}

pub struct OutcomeOption {
    pub key: String,
    pub name: String,
}

/// The form's values: a mailbox being changed, or blank for a new one.
#[derive(Default)]
pub struct MailboxFormValues {
    pub key: String,
    pub name: String,
    pub address: String,
    pub outcome: String,
    pub imap_host: String,
    pub imap_port: String,
    pub imap_security: String,
    pub imap_username: String,
    pub imap_password_from: String,
    pub imap_folder: String,
    pub enabled: bool,
    pub editing: bool,
}

/// A token made just now, shown once.
pub struct NewToken {
    pub key: String,
    pub token: String,
    pub url: String,
}

#[derive(Template)]
#[template(path = "pages/mail.html")]
struct MailPage {
    layout: Layout,
    notice: Option<&'static str>,
    mailboxes: Vec<MailboxRow>,
    quarantine: Vec<QuarantineRow>,
    account_mail: Vec<AccountMailRow>,
    outcomes: Vec<OutcomeOption>,
    form: MailboxFormValues,
    token: Option<NewToken>,
    /// Where mail goes out (`host:port`), or `None` when mail out is off.
    sending: Option<String>,
}

/// Account mails listed on the page, newest first.
const ACCOUNT_MAIL_SHOWN: u32 = 50;

fn require(viewer: &Viewer) -> Result<(), AppError> {
    authz::require(&viewer.actor, Action::ManageMail, &Resource::Org, "mail")
}

fn form_of(m: &Mailbox, outcome: String) -> MailboxFormValues {
    let imap = m.imap.as_ref();
    MailboxFormValues {
        key: m.key.to_string(),
        name: m.name.to_string(),
        address: m.address.to_string(),
        outcome,
        imap_host: imap.map(|i| i.host.clone()).unwrap_or_default(),
        imap_port: imap.map(|i| i.port.to_string()).unwrap_or_default(),
        imap_security: imap.map_or("tls", |i| i.security.as_str()).to_owned(),
        imap_username: imap.map(|i| i.username.clone()).unwrap_or_default(),
        imap_password_from: imap
            .map(|i| i.password_from.to_string())
            .unwrap_or_default(),
        imap_folder: imap.map(|i| i.folder.clone()).unwrap_or_default(),
        enabled: m.enabled,
        editing: true,
    }
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    notice: Option<&'static str>,
    edit: Option<&str>,
    token: Option<NewToken>,
) -> PageResult {
    let outcomes = state.store.list_outcomes().await?;
    let outcome_key = |id| {
        outcomes
            .iter()
            .find(|o| o.id == id)
            .map(|o| o.key.to_string())
            .unwrap_or_default()
    };
    let mailboxes = state.store.list_mailboxes().await?;
    let mut form = MailboxFormValues {
        imap_security: "tls".into(),
        enabled: true,
        ..Default::default()
    };
    if let Some(m) = edit.and_then(|k| mailboxes.iter().find(|m| m.key.as_str() == k)) {
        form = form_of(m, outcome_key(m.outcome_id));
    }
    let rows = mailboxes
        .iter()
        .map(|m| MailboxRow {
            key: m.key.to_string(),
            name: m.name.to_string(),
            address: m.address.to_string(),
            outcome: outcome_key(m.outcome_id),
            reads: m.imap.as_ref().map_or_else(
                || "its inbound URL or a pipe".to_owned(),
                |i| {
                    format!(
                        "IMAP {}:{} ({}), {}",
                        i.host,
                        i.port,
                        i.security.as_str(),
                        i.folder
                    )
                },
            ),
            inbound: m.inbound_token_hash.is_some(),
            enabled: m.enabled,
        })
        .collect();
    let quarantine = state
        .store
        .list_quarantine(200)
        .await?
        .into_iter()
        .map(|q| QuarantineRow {
            id: q.id.to_string(),
            received: when(q.received_at),
            mailbox: q.mailbox.map(|m| m.to_string()).unwrap_or_default(),
            from: q.from.unwrap_or_default(),
            subject: q.subject.unwrap_or_default(),
            reason: q.reason,
            size: frontline_core::attachment::size_in_words(q.size),
        })
        .collect();
    // Without mail out, administrators are how a customer gets their link; with it, the
    // text (and so the link) is removed once the mail is sent.
    let account_mail = state
        .store
        .list_account_outbound(ACCOUNT_MAIL_SHOWN)
        .await?
        .into_iter()
        .map(|m| AccountMailRow {
            id: m.id.to_string(),
            queued: when(m.created_at),
            to: m.to.to_string(),
            subject: m.subject,
            status: m.status.as_str(),
            text: (m.status == frontline_store::OutboundStatus::Pending).then_some(m.text),
        })
        .collect();
    let mut outcomes: Vec<OutcomeOption> = outcomes
        .iter()
        .map(|o| OutcomeOption {
            key: o.key.to_string(),
            name: o.name.to_string(),
        })
        .collect();
    outcomes.sort_by(|a, b| a.name.cmp(&b.name));
    page(&MailPage {
        layout: Layout::new(viewer, "Mail", "/admin"),
        notice,
        mailboxes: rows,
        quarantine,
        account_mail,
        outcomes,
        form,
        token,
        sending: state
            .config
            .smtp
            .as_ref()
            .map(|s| format!("{}:{}", s.host, s.port)),
    })
}

/// `GET /admin/mail`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<MailQuery>,
) -> PageResult {
    require(&viewer)?;
    render(
        &state,
        &viewer,
        done_message(query.done.as_deref()),
        query.edit.as_deref(),
        None,
    )
    .await
}

/// `POST /admin/mail/mailboxes`: add or change (by key) a mailbox.
pub async fn save(State(state): State<AppState>, viewer: Viewer, form: FormData) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    require(&viewer)?;
    let key = MailboxKey::parse(form.text("key")).map_err(AppError::from)?;
    let host = form.text("imap_host").trim();
    let imap = (!host.is_empty()).then(|| ImapInput {
        host: host.to_owned(),
        port: form.text("imap_port").trim().parse().unwrap_or(0),
        security: form.text("imap_security").to_owned(),
        username: form.text("imap_username").to_owned(),
        password_from: form.text("imap_password_from").to_owned(),
        folder: Some(form.text("imap_folder").to_owned()),
    });
    let new = crate::mail::checked_mailbox(
        &state,
        key,
        MailboxInput {
            name: form.text("name").to_owned(),
            address: form.text("address").to_owned(),
            outcome: form.text("outcome").to_owned(),
            imap,
            enabled: form.checked("enabled"),
        },
    )
    .await?;
    crate::lookup::written(
        state
            .store
            .save_mailbox(Some(viewer.actor.person_id()), new)
            .await?,
    );
    Ok(see_other("/admin/mail?done=saved"))
}

/// `POST /admin/mail/mailboxes/{key}/token`: answers the page with the token (once), not a
/// redirect, so it never travels in a URL.
pub async fn token(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    require(&viewer)?;
    let key = MailboxKey::parse(&raw).map_err(|_| AppError::not_found(format!("mailbox {raw}")))?;
    let mailbox = state.store.get_mailbox(key).await?;
    let token = crate::mail::rotate_token(&state, &viewer.actor, &mailbox).await?;
    let shown = NewToken {
        key: mailbox.key.to_string(),
        url: format!("/api/v1/mailboxes/{}/inbound", mailbox.key),
        token,
    };
    render(&state, &viewer, None, None, Some(shown)).await
}

fn quarantine_id(raw: &str) -> Result<uuid::Uuid, AppError> {
    raw.parse()
        .map_err(|_| AppError::not_found(format!("quarantined mail {raw}")))
}

/// `GET /admin/mail/quarantine/{id}/raw`: the mail as it arrived, as a download (never shown
/// as HTML: it is whatever a stranger sent).
pub async fn download(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Result<Response, super::layout::PageError> {
    require(&viewer)?;
    let (item, bytes) = state.store.get_quarantined(quarantine_id(&raw)?).await?;
    Ok(crate::middleware::eml_download(
        &format!("quarantined-{}.eml", item.id),
        bytes,
    ))
}

/// `POST /admin/mail/quarantine/{id}/{action}`: `retry` or `drop`.
pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((raw, action)): Path<(String, String)>,
    form: FormData,
) -> PageResult {
    viewer.check_csrf(form.csrf())?;
    require(&viewer)?;
    let id = quarantine_id(&raw)?;
    match action.as_str() {
        "drop" => {
            state.store.drop_quarantined(id).await?;
            Ok(see_other("/admin/mail?done=dropped"))
        }
        "retry" => {
            let done: Ingested = crate::mail::retry_quarantined(&state, id).await?;
            Ok(see_other(&format!("/admin/mail?done={}", done.outcome())))
        }
        _ => Err(AppError::not_found(format!("action {action}")).into()),
    }
}
