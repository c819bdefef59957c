//! Account links on SQLite: recorded with their mail in one writer job, redeemed (marked used
//! and acted on) in another. The one writer makes "unused and unexpired, then used" atomic.

use frontline_core::event::{AddressVerified, PasswordVia};
use frontline_core::{Email, Name, NewEvent, Payload, PersonId, Role};
use frontline_store::{
    ACCOUNT_MAILBOX, LinkPurpose, NewAccountLink, NewOutbound, NewPerson, Outbound, Redeemed,
    StoreError, StoreResult, Written,
};
use rusqlite::{OptionalExtension, params};

use crate::rows::{self, Db, ms};
use crate::writer::WriteTx;
use crate::{org, outbox, reads};

pub(crate) fn queue(
    w: &mut WriteTx<'_>,
    link: NewAccountLink,
    mail: NewOutbound,
) -> StoreResult<Outbound> {
    frontline_store::accounts::check_new(&link)?;
    if let Some(person_id) = link.person_id {
        reads::person(w.conn, person_id)?;
    }
    let now = w.now();
    w.conn
        .prepare_cached(
            "INSERT INTO account_links (token_hash, purpose, email, person_id, name, password_hash,
                 created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .db()?
        .execute(params![
            link.token_hash,
            link.purpose.as_str(),
            link.email.as_str(),
            link.person_id.map(|p| p.to_string()),
            link.name.as_ref().map(Name::as_str),
            link.password_hash,
            ms(now),
            ms(link.expires_at),
        ])
        .db()?;
    let mail = NewOutbound {
        mailbox: frontline_store::accounts::account_mailbox(),
        ..mail
    };
    debug_assert_eq!(mail.mailbox.as_str(), ACCOUNT_MAILBOX);
    let outbound = mail.pending(None, None, now);
    outbox::insert(w.conn, &outbound)?;
    Ok(outbound)
}

pub(crate) fn purge(w: &mut WriteTx<'_>, now: frontline_core::Timestamp) -> StoreResult<u64> {
    let purged = w
        .conn
        .prepare_cached("DELETE FROM account_links WHERE expires_at <= ?1")
        .db()?
        .execute(params![ms(now)])
        .db()?;
    Ok(purged as u64)
}

struct Link {
    email: Email,
    person_id: Option<PersonId>,
    name: Option<String>,
    password_hash: Option<String>,
}

pub(crate) fn redeem(
    w: &mut WriteTx<'_>,
    token_hash: &str,
    purpose: LinkPurpose,
    new_password_hash: Option<String>,
) -> StoreResult<Written<Redeemed>> {
    if purpose == LinkPurpose::Reset && new_password_hash.is_none() {
        return Err(frontline_store::accounts::reset_needs_password());
    }
    let now = w.now();
    let link = w
        .conn
        .prepare_cached(
            "UPDATE account_links SET used_at = ?3
             WHERE token_hash = ?1 AND purpose = ?2 AND used_at IS NULL AND expires_at > ?3
             RETURNING email, person_id, name, password_hash",
        )
        .db()?
        .query_row(params![token_hash, purpose.as_str(), ms(now)], |r| {
            Ok(Link {
                email: rows::value("email", r.get("email")?, Email::parse)?,
                person_id: rows::parsed_opt(r, "person_id")?,
                name: r.get("name")?,
                password_hash: r.get("password_hash")?,
            })
        })
        .optional()
        .db()?
        .ok_or_else(frontline_store::accounts::no_such_link)?;
    // Whichever link of this kind was followed, the others sent to the address are spent.
    w.conn
        .prepare_cached(
            "UPDATE account_links SET used_at = ?3
             WHERE email = ?1 AND purpose = ?2 AND used_at IS NULL",
        )
        .db()?
        .execute(params![link.email.as_str(), purpose.as_str(), ms(now)])
        .db()?;
    match purpose {
        LinkPurpose::SignIn => {
            let person = reads::person(w.conn, linked(link.person_id)?)?;
            Ok(Written {
                value: Redeemed {
                    person,
                    created: false,
                },
                events: Vec::new(),
                replayed: false,
            })
        }
        LinkPurpose::VerifyAddress => {
            let person_id = linked(link.person_id)?;
            let address = link.email;
            let state: Option<bool> = w
                .conn
                .prepare_cached(
                    "SELECT verified FROM person_addresses WHERE address = ?1 AND person_id = ?2",
                )
                .db()?
                .query_row(params![address.as_str(), person_id.to_string()], |r| {
                    r.get("verified")
                })
                .optional()
                .db()?;
            let events = match state {
                // Removed since, or its person erased: the link leads nowhere.
                None => return Err(frontline_store::accounts::no_such_link()),
                Some(true) => Vec::new(),
                Some(false) => {
                    w.conn
                        .prepare_cached(
                            "UPDATE person_addresses SET verified = 1
                             WHERE address = ?1 AND person_id = ?2",
                        )
                        .db()?
                        .execute(params![address.as_str(), person_id.to_string()])
                        .db()?;
                    w.append(
                        vec![NewEvent::new(
                            Some(person_id),
                            Payload::AddressVerified(AddressVerified { person_id, address }),
                        )],
                        now,
                    )?
                }
            };
            Ok(Written {
                value: Redeemed {
                    person: reads::person(w.conn, person_id)?,
                    created: false,
                },
                events,
                replayed: false,
            })
        }
        LinkPurpose::Reset => {
            let person_id = linked(link.person_id)?;
            let hash = new_password_hash.unwrap_or_default();
            let set = org::set_password_via(
                w,
                Some(person_id),
                person_id,
                hash,
                None,
                Some(PasswordVia::Reset),
            )?;
            Ok(Written {
                value: Redeemed {
                    person: reads::person(w.conn, person_id)?,
                    created: false,
                },
                events: set.events,
                replayed: false,
            })
        }
        LinkPurpose::SignUp => {
            let hash = link
                .password_hash
                .ok_or_else(|| StoreError::Other("a sign-up link without a password".into()))?;
            let (person, created, mut events) = match reads::person_by_email(w.conn, &link.email) {
                Ok(person) => {
                    let has_password = reads::password_hash(w.conn, person.id)?.is_some();
                    if has_password || person.role != Role::Customer {
                        return Err(frontline_store::accounts::has_account(&link.email));
                    }
                    (person, false, Vec::new())
                }
                Err(StoreError::NotFound { .. }) => {
                    // Not even someone's unverified added address.
                    if crate::people::address_owner(w.conn, &link.email)?.is_some() {
                        return Err(crate::people::taken(&link.email));
                    }
                    let name = link
                        .name
                        .as_deref()
                        .map(Name::parse)
                        .transpose()
                        .map_err(|e| StoreError::Other(e.to_string()))?
                        .ok_or_else(|| StoreError::Other("a sign-up link without a name".into()))?;
                    let made = org::create_person(
                        w,
                        None,
                        NewPerson {
                            email: link.email.clone(),
                            name,
                            role: Role::Customer,
                            title: None,
                            admin: false,
                            capacity: 0,
                        },
                    )?;
                    (made.value, true, made.events)
                }
                Err(e) => return Err(e),
            };
            let set = org::set_password_via(
                w,
                Some(person.id),
                person.id,
                hash,
                None,
                Some(PasswordVia::SignUp),
            )?;
            events.extend(set.events);
            Ok(Written {
                value: Redeemed { person, created },
                events,
                replayed: false,
            })
        }
    }
}

fn linked(person_id: Option<PersonId>) -> StoreResult<PersonId> {
    person_id.ok_or_else(|| StoreError::Other("a link without its person".into()))
}
