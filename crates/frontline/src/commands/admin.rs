//! `frontline admin …`: the few administrative writes needed before anyone can sign in
//! (people, teams, outcomes, memberships, passwords, API tokens). Each is one `Store` use
//! case; the actor is `None` because the CLI acts as the operator of the machine, not as a
//! person in the organisation.

use std::io::{BufRead as _, IsTerminal as _};

use anyhow::{Context as _, Result, bail};
use frontline_core::{Email, Name, OutcomeKey, Person, Role, Team, time};
use frontline_store::{NewOutcome, NewPerson, NewToken, Store};

use crate::cli::{
    AdminCommand, LinkArgs, LinkCommand, OutcomeCommand, PasswordCommand, PersonCommand,
    TeamCommand, TokenCommand,
};
use crate::database::{self, DatabaseUrl};

pub async fn run(url: &DatabaseUrl, command: AdminCommand) -> Result<()> {
    let store = database::open(url).await?;
    let store = &*store;
    match command {
        AdminCommand::Token { command } => token(store, command).await,
        AdminCommand::Person {
            command:
                PersonCommand::Create {
                    email,
                    name,
                    role,
                    title,
                    admin,
                    capacity,
                },
        } => {
            let role = Role::from(role);
            if admin && role != Role::Support {
                bail!("--admin is for support employees only (use --role support)");
            }
            let capacity = capacity.unwrap_or(if role.is_staff() {
                Person::DEFAULT_CAPACITY
            } else {
                0
            });
            if capacity > Person::MAX_CAPACITY {
                bail!("--capacity must be at most {}", Person::MAX_CAPACITY);
            }
            let new = NewPerson {
                email: email.clone(),
                name: Name::parse(&name)?,
                role,
                title,
                admin,
                capacity,
            };
            let person = store
                .create_person(None, new)
                .await
                .with_context(|| format!("could not create {email}"))?
                .value;
            super::print_lines([format!(
                "created {} {} <{}> ({})",
                person.role, person.name, person.email, person.id
            )])
        }
        AdminCommand::Team {
            command: TeamCommand::Create { name },
        } => {
            let team = store
                .create_team(None, Name::parse(&name)?)
                .await
                .with_context(|| format!("could not create team {name:?}"))?
                .value;
            super::print_lines([format!("created team {} ({})", team.name, team.id)])
        }
        AdminCommand::Outcome {
            command:
                OutcomeCommand::Create {
                    key,
                    name,
                    criteria,
                    target_minutes,
                    teams,
                },
        } => {
            let mut team_ids = Vec::new();
            for team in &teams {
                team_ids.push(team_by_name(store, team).await?.id);
            }
            let new = NewOutcome {
                key: OutcomeKey::parse(&key)?,
                name: Name::parse(&name)?,
                success_criteria: criteria,
                target_minutes,
                team_ids,
            };
            let outcome = store
                .create_outcome(None, new)
                .await
                .with_context(|| format!("could not create outcome {key:?}"))?
                .value;
            super::print_lines([format!(
                "created outcome {} owned by {} ({})",
                outcome.key,
                teams.join(", "),
                outcome.id
            )])
        }
        AdminCommand::Membership { command } => link(store, command, Role::Employee).await,
        AdminCommand::Support { command } => link(store, command, Role::Support).await,
        AdminCommand::Password {
            command: PasswordCommand::Set { email },
        } => {
            let person = person(store, &email).await?;
            let password = read_password(&email)?;
            let hash =
                tokio::task::spawn_blocking(move || frontline_server::hash_password(&password))
                    .await
                    .context("could not hash the password")?;
            let revoked = store
                .set_password(None, person.id, hash, None)
                .await
                .with_context(|| format!("could not set the password of {email}"))?
                .value;
            eprintln!(
                "password set for {email}; ended {} API tokens and {} sessions",
                revoked.tokens, revoked.sessions
            );
            Ok(())
        }
    }
}

async fn token(store: &dyn Store, command: TokenCommand) -> Result<()> {
    match command {
        TokenCommand::Create {
            email,
            label,
            expires_in_days,
        } => {
            let person = person(store, &email).await?;
            let (token, hash) = frontline_server::new_api_token();
            let expires_at = expires_in_days.map(|days| {
                time::from_millis(time::now().as_millisecond() + i64::from(days) * 86_400_000)
            });
            store
                .create_token(
                    None,
                    NewToken {
                        person_id: person.id,
                        token_hash: hash,
                        label,
                        expires_at,
                    },
                )
                .await
                .with_context(|| format!("could not create a token for {email}"))?;
            match expires_at {
                Some(at) => eprintln!(
                    "created an API token for {email}, valid until {at}; it is shown only once"
                ),
                None => eprintln!("created an API token for {email}; it is shown only once"),
            }
            super::print_lines([token])
        }
        TokenCommand::List { email } => {
            let person = person(store, &email).await?;
            let tokens = store
                .list_tokens(person.id)
                .await
                .with_context(|| format!("could not list the tokens of {email}"))?;
            if tokens.is_empty() {
                eprintln!("{email} has no API tokens");
            }
            let never = || "never".to_owned();
            super::print_lines(tokens.iter().map(|t| {
                format!(
                    "{}  {:?}  created {}  last used {}  expires {}",
                    t.id,
                    t.label,
                    t.created_at,
                    t.last_used_at.map_or_else(never, |at| at.to_string()),
                    t.expires_at.map_or_else(never, |at| at.to_string()),
                )
            }))
        }
        TokenCommand::Revoke { email, id, all } => {
            let person = person(store, &email).await?;
            match id {
                Some(id) if !all => {
                    store
                        .revoke_token(None, person.id, id)
                        .await
                        .with_context(|| format!("could not revoke token {id} of {email}"))?;
                    super::print_lines([format!("revoked token {id} of {email}")])
                }
                _ => {
                    let revoked = store
                        .revoke_credentials(None, person.id, None)
                        .await
                        .with_context(|| format!("could not revoke the credentials of {email}"))?
                        .value;
                    super::print_lines([format!(
                        "revoked {} API tokens and {} sessions of {email}",
                        revoked.tokens, revoked.sessions
                    )])
                }
            }
        }
    }
}

/// Memberships (`kind` employee) and support links (`kind` support) share their arguments.
async fn link(store: &dyn Store, command: LinkCommand, kind: Role) -> Result<()> {
    let (adding, LinkArgs { email, team, at }) = match command {
        LinkCommand::Add(args) => (true, args),
        LinkCommand::End(args) => (false, args),
    };
    let person = person(store, &email).await?;
    let team = team_by_name(store, &team).await?;
    let at = at.unwrap_or_else(time::now);
    let what = if kind == Role::Support {
        "support link"
    } else {
        "membership"
    };
    let result = match (kind, adding) {
        (Role::Support, true) => store
            .add_support(None, person.id, team.id, at)
            .await
            .map(drop),
        (Role::Support, false) => store
            .end_support(None, person.id, team.id, at)
            .await
            .map(drop),
        (_, true) => store
            .add_membership(None, person.id, team.id, at)
            .await
            .map(drop),
        (_, false) => store
            .end_membership(None, person.id, team.id, at)
            .await
            .map(drop),
    };
    let verb = if adding { "add" } else { "end" };
    result.with_context(|| format!("could not {verb} the {what} of {email} in {}", team.name))?;
    let done = if adding { "started" } else { "ended" };
    super::print_lines([format!("{what} of {email} in {} {done} at {at}", team.name)])
}

async fn person(store: &dyn Store, email: &Email) -> Result<Person> {
    store
        .get_person_by_email(email)
        .await
        .with_context(|| format!("could not find a person with email {email}"))
}

async fn team_by_name(store: &dyn Store, name: &str) -> Result<Team> {
    let teams = store.list_teams().await.context("could not list teams")?;
    let wanted = name.trim();
    teams
        .iter()
        .find(|t| t.name.as_str() == wanted)
        .or_else(|| {
            teams
                .iter()
                .find(|t| t.name.as_str().eq_ignore_ascii_case(wanted))
        })
        .cloned()
        .with_context(|| {
            let known: Vec<&str> = teams.iter().map(|t| t.name.as_str()).collect();
            if known.is_empty() {
                format!("there is no team named {wanted:?} (no teams exist yet)")
            } else {
                format!(
                    "there is no team named {wanted:?}; teams are: {}",
                    known.join(", ")
                )
            }
        })
}

/// One line from stdin, without its line ending. Prompts only when a person is typing.
fn read_password(email: &Email) -> Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("new password for {email} (it will be shown as you type): ");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("could not read the password from stdin")?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        bail!(
            "no password on stdin; pipe it in, e.g. `printf '%s\\n' \"$PASSWORD\" | frontline admin password set --email {email}`"
        );
    }
    if let Some(problem) = frontline_server::password_problem(&password) {
        bail!("the password {problem}");
    }
    Ok(password)
}
