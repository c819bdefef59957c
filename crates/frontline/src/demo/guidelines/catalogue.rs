//! What the demo organisation decided in advance: customer profiles, the decision kinds and
//! the rules with their history.

use super::*;

/// A tier, a lifetime value and a customer-since date for every customer: about 70 %
/// standard, 20 % plus and 10 % premium (every VIP is premium), customers for up to six years.
/// Customers who only just opened their account became customers then.
pub(super) fn profiles(input: &Input<'_>) -> Vec<CustomerProfile> {
    let anchor = input.anchor;
    input
        .specs
        .iter()
        .zip(input.customers)
        .zip(input.joined)
        .enumerate()
        .map(|(index, ((spec, person_id), joined))| {
            let mut rng = Rng::derive(input.seed, "profile", index as u64);
            let tier = if spec.vip || rng.chance(0.022) {
                "premium"
            } else if rng.chance(0.22) {
                "plus"
            } else {
                "standard"
            };
            let joined_days = anchor.duration_since(*joined).as_secs() / 86_400;
            // Accounts opened within the demo's window belong to new customers; older ones
            // often predate the help desk (the shop is six years old).
            let customer_since = if joined_days < super::super::plan::DAYS + 5 {
                *joined
            } else {
                let days = rng.between(joined_days, (6 * 365).max(joined_days));
                *joined - SignedDuration::from_hours(24 * (days - joined_days))
            };
            let years = (anchor.duration_since(customer_since).as_secs() as f64
                / (365.0 * 86_400.0))
                .max(0.1);
            let (low, high) = match tier {
                "premium" => (2_400.0, 9_000.0),
                "plus" => (600.0, 2_400.0),
                _ => (40.0, 700.0),
            };
            // Spending grows with the years, slowly.
            let value = log_uniform(&mut rng, low, high) * (0.7 + 0.3 * years.sqrt());
            CustomerProfile {
                person_id: *person_id,
                tier: tier.to_owned(),
                lifetime_value: (value * 100.0).round() / 100.0,
                customer_since: time::truncate(customer_since),
            }
        })
        .collect()
}

pub(super) async fn write_profiles(
    store: &Arc<dyn Store>,
    profiles: &[CustomerProfile],
    joined: &[Timestamp],
    concurrency: usize,
    retimer: &mut Retimer,
) -> Result<usize> {
    let written = futures_util::stream::iter(profiles.iter().cloned().map(|profile| {
        let store = store.clone();
        async move { store.set_customer_profile(None, profile).await }
    }))
    .buffered(concurrency.max(1))
    .collect::<Vec<_>>()
    .await;
    for (written, joined) in written.into_iter().zip(joined) {
        // The shop's CRM sends the profile when the help desk account is created.
        retimer.events(
            &written.context("could not set a customer profile")?,
            *joined,
        );
    }
    Ok(profiles.len())
}

// ----- decision kinds -----

/// The demo's kinds, in `Kind` order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Refund,
    Goodwill,
    Replacement,
    Deadline,
}

impl Kind {
    pub(super) fn index(self) -> usize {
        self as usize
    }
}

pub(super) fn fact(name: &str, label: &str, fact_type: FactType) -> FactDef {
    FactDef {
        name: name.to_owned(),
        label: label.to_owned(),
        fact_type,
    }
}

pub(super) fn choice(options: &[&str]) -> FactType {
    FactType::Choice {
        options: options.iter().map(|o| (*o).to_owned()).collect(),
    }
}

pub(super) fn kind_specs(anchor: Timestamp) -> Result<Vec<DecisionKind>> {
    let kind = |key: &str, name: &str, description: &str, facts: Vec<FactDef>| {
        Ok(DecisionKind {
            key: DecisionKindKey::parse(key)?,
            name: name.to_owned(),
            description: description.to_owned(),
            currency: CURRENCY.to_owned(),
            facts,
            updated_at: anchor,
        })
    };
    vec![
        kind(
            "refund",
            "Refund",
            "Money back to the customer's original payment method, in full or in part.",
            vec![
                fact("amount", "Amount to refund", FactType::Money),
                fact(
                    "reason",
                    "Why the customer gets money back",
                    choice(&["damaged", "late", "lost", "wrong_item", "changed_mind"]),
                ),
            ],
        ),
        kind(
            "goodwill_credit",
            "Goodwill credit",
            "Account credit to say sorry when we let a customer down; it comes off their next order or bill.",
            vec![
                fact("credit", "Credit to give", FactType::Money),
                fact(
                    "trigger",
                    "What went wrong",
                    choice(&["delay", "service_failure", "repeat_contact", "other"]),
                ),
            ],
        ),
        kind(
            "replacement",
            "Free replacement",
            "A new item sent at our cost, before the original comes back or turns up.",
            vec![
                fact("item_value", "Value of the item", FactType::Money),
                fact(
                    "first_replacement",
                    "First replacement on this order",
                    FactType::Bool,
                ),
            ],
        ),
        kind(
            "deadline_exception",
            "Deadline exception",
            "More time than our terms allow to return an item, swap it or pay an invoice.",
            vec![
                fact("extra_days", "Extra days granted", FactType::Number),
                fact("reason", "Why the customer needs more time", FactType::Text),
            ],
        ),
    ]
    .into_iter()
    .collect::<Result<_, frontline_core::ValueError>>()
    .map_err(Into::into)
}

pub(super) async fn write_kinds(
    store: &dyn Store,
    org: &OrgIds,
    anchor: Timestamp,
    retimer: &mut Retimer,
) -> Result<Vec<DecisionKind>> {
    let mut saved = Vec::new();
    for (index, kind) in kind_specs(anchor)?.into_iter().enumerate() {
        kind.validate()?;
        let at = moment(anchor, KINDS_DAYS_AGO, 10 + 12 * index as i64);
        let written = store
            .save_decision_kind(Some(org.staff[CEO]), kind)
            .await
            .context("could not save a decision kind")?;
        retimer.events(&written, at);
        retimer.kind(written.value.key.clone(), at);
        let mut kind = written.value;
        kind.updated_at = at;
        saved.push(kind);
    }
    Ok(saved)
}

/// `minutes` after the moment `days` before the anchor.
pub(super) fn moment(anchor: Timestamp, days: i64, minutes: i64) -> Timestamp {
    time::truncate(org::days_before(anchor, days) + SignedDuration::from_mins(minutes))
}

// ----- rules -----

pub(super) enum Where {
    Everyone,
    Outcome(&'static str),
    /// An index into `org::TEAMS`.
    Team(usize),
}

/// A version: its condition and text, when it was drafted and (unless still a draft) when
/// it was published, each as (days before the anchor, minutes after that).
pub(super) struct VersionSpec {
    pub(super) expression: Option<&'static str>,
    pub(super) text: &'static str,
    pub(super) drafted: (i64, i64),
    pub(super) published: Option<(i64, i64)>,
}

pub(super) struct RuleSpec {
    pub(super) kind: Kind,
    pub(super) rule_type: RuleType,
    pub(super) scope: Where,
    pub(super) name: &'static str,
    /// Index into `org::STAFF` of who drafts it; the CEO publishes.
    pub(super) author: usize,
    pub(super) versions: &'static [VersionSpec],
}

pub(super) const REFUND_ON_THE_SPOT: &str = "Refund on the spot";
pub(super) const NOT_A_HABIT: &str = "Not a habit";
pub(super) const SAY_SORRY: &str = "Say sorry with credit";
pub(super) const REPLACE_FIRST: &str = "Replace first, ask questions later";
pub(super) const EXTRA_TIME: &str = "A little extra time";

pub(super) const RULES: &[RuleSpec] = &[
    RuleSpec {
        kind: Kind::Refund,
        rule_type: RuleType::Principle,
        scope: Where::Everyone,
        name: "Make it right the first time",
        author: CEO,
        versions: &[VersionSpec {
            expression: None,
            text: "Make it right the first time. A customer who has to come back to us twice has been let down twice. Fix the problem in this conversation if you can, and if money is the fix, don't make them wait for it.",
            drafted: (87, 30),
            published: Some((LIVE_DAYS_AGO, 0)),
        }],
    },
    RuleSpec {
        kind: Kind::Refund,
        rule_type: RuleType::Guideline,
        scope: Where::Everyone,
        name: REFUND_ON_THE_SPOT,
        author: HEAD_OF_CARE,
        versions: &[
            VersionSpec {
                expression: Some("amount <= 150"),
                text: "When a customer has lost out because of us, give the money back while you are talking to them. Up to 150 EUR you don't need to ask anyone. Above that, go ahead if it is the right thing to do, and tell us why.",
                drafted: (87, 45),
                published: Some((LIVE_DAYS_AGO, 5)),
            },
            VersionSpec {
                expression: Some("amount <= 200 && customer.tenure_days > 30"),
                text: "When a customer has lost out because of us, give the money back while you are talking to them. Up to 200 EUR for anyone who has been with us more than a month, no questions asked. Raised from 150 EUR: two months of refunds between 150 and 200 EUR were upheld in review every time. Outside this, go ahead if it is right, and tell us why.",
                drafted: (33, 120),
                published: Some((30, 60)),
            },
            VersionSpec {
                expression: Some("amount <= 250 && customer.tenure_days > 30"),
                text: "When a customer has lost out because of us, give the money back while you are talking to them. Up to 250 EUR for anyone who has been with us more than a month. Proposed: back-test against the last 90 days before publishing.",
                drafted: (2, 90),
                published: None,
            },
        ],
    },
    RuleSpec {
        kind: Kind::Refund,
        rule_type: RuleType::Guideline,
        scope: Where::Everyone,
        name: NOT_A_HABIT,
        author: HEAD_OF_CARE,
        versions: &[VersionSpec {
            expression: Some("customer.refunds_90d < 3"),
            text: "Three refunds in three months is a pattern worth a second look. Check whether something keeps going wrong for this customer (the same carrier, an old address, a faulty batch) and fix that as well. Refunding again is fine; say what you found.",
            drafted: (86, 20),
            published: Some((LIVE_DAYS_AGO, 10)),
        }],
    },
    RuleSpec {
        kind: Kind::Refund,
        rule_type: RuleType::Policy,
        scope: Where::Everyone,
        name: "Large refunds go to finance",
        author: CEO,
        versions: &[VersionSpec {
            expression: Some("amount <= 1000"),
            text: "Refunds above 1,000 EUR are paid by finance after a fraud and accounting check. Hand the case to the billing team and don't promise the customer a date until they confirm it.",
            drafted: (86, 40),
            published: Some((LIVE_DAYS_AGO, 15)),
        }],
    },
    RuleSpec {
        kind: Kind::Goodwill,
        rule_type: RuleType::Guideline,
        scope: Where::Everyone,
        name: SAY_SORRY,
        author: HEAD_OF_CARE,
        versions: &[VersionSpec {
            expression: Some("credit <= 25 || credit <= customer.lifetime_value * 0.1"),
            text: "When we let someone down, a small credit says sorry better than words. Up to 25 EUR, or up to a tenth of what the customer has spent with us, is yours to give without asking.",
            drafted: (86, 60),
            published: Some((LIVE_DAYS_AGO, 20)),
        }],
    },
    RuleSpec {
        kind: Kind::Goodwill,
        rule_type: RuleType::Policy,
        scope: Where::Everyone,
        name: "Credit ceiling",
        author: CEO,
        versions: &[VersionSpec {
            expression: Some("credit <= 300"),
            text: "Credit above 300 EUR is a liability on our books and needs the Head of Billing's sign-off. Ask in the billing team's channel; they answer the same day.",
            drafted: (86, 75),
            published: Some((LIVE_DAYS_AGO, 25)),
        }],
    },
    RuleSpec {
        kind: Kind::Goodwill,
        rule_type: RuleType::Principle,
        scope: Where::Outcome("back_online"),
        name: "Every hour offline counts",
        author: CEO,
        versions: &[VersionSpec {
            expression: None,
            text: "When a connection is down, the customer is paying for a service they don't have. Offer credit for the time lost before they have to ask for it, and tell them the amount in the same message that confirms the fix.",
            drafted: (86, 90),
            published: Some((LIVE_DAYS_AGO, 30)),
        }],
    },
    RuleSpec {
        kind: Kind::Replacement,
        rule_type: RuleType::Guideline,
        scope: Where::Everyone,
        name: REPLACE_FIRST,
        author: HEAD_OF_CARE,
        versions: &[VersionSpec {
            expression: Some("first_replacement || item_value <= 80"),
            text: "Send the replacement first and sort out the carrier claim afterwards. A second replacement on the same order of anything over 80 EUR deserves a look at what keeps going wrong: say what you checked.",
            drafted: (86, 105),
            published: Some((LIVE_DAYS_AGO, 35)),
        }],
    },
    RuleSpec {
        kind: Kind::Replacement,
        rule_type: RuleType::Principle,
        scope: Where::Team(0),
        name: "Own the parcel",
        author: HEAD_OF_CARE,
        versions: &[VersionSpec {
            expression: None,
            text: "From the moment the customer pays until the parcel is in their hands, the order is ours. Never send a customer to the carrier: chase it yourself and keep them posted.",
            drafted: (86, 120),
            published: Some((LIVE_DAYS_AGO, 40)),
        }],
    },
    RuleSpec {
        kind: Kind::Deadline,
        rule_type: RuleType::Guideline,
        scope: Where::Everyone,
        name: EXTRA_TIME,
        author: HEAD_OF_CARE,
        versions: &[VersionSpec {
            expression: Some("extra_days <= 14"),
            text: "Our terms are there to be fair, not to trip people up. Up to two extra weeks to return, swap or pay is fine whenever there is a reason for it.",
            drafted: (86, 135),
            published: Some((LIVE_DAYS_AGO, 45)),
        }],
    },
    RuleSpec {
        kind: Kind::Deadline,
        rule_type: RuleType::Policy,
        scope: Where::Everyone,
        name: "Sixty days at most",
        author: CEO,
        versions: &[VersionSpec {
            expression: Some("extra_days <= 60"),
            text: "After 60 extra days a returned item can no longer be resold as new and our suppliers no longer take it back, so we cannot either.",
            drafted: (86, 150),
            published: Some((LIVE_DAYS_AGO, 50)),
        }],
    },
];

/// A published version and when it was in force.
pub(super) struct Live {
    pub(super) kind: Kind,
    pub(super) scope: Scope,
    pub(super) rule: Arc<CompiledRule>,
    pub(super) from: Timestamp,
    pub(super) until: Option<Timestamp>,
}

/// Draft and publish every version of `RULES` in order, returning the versions that were in
/// force at some time, oldest rule first.
pub(super) async fn write_rules(
    store: &dyn Store,
    org: &OrgIds,
    kinds: &[DecisionKind],
    anchor: Timestamp,
    retimer: &mut Retimer,
) -> Result<Vec<Live>> {
    let mut live: Vec<Live> = Vec::new();
    for spec in RULES {
        let kind = &kinds[spec.kind.index()];
        let schema = kind.schema();
        let scope = match spec.scope {
            Where::Everyone => Scope::Organisation,
            Where::Outcome(key) => Scope::Outcome {
                outcome: OutcomeKey::parse(key)?,
            },
            Where::Team(index) => Scope::Team {
                team_id: org.team_ids[index],
            },
        };
        let mut rule_id: Option<RuleId> = None;
        for version in spec.versions {
            let drafted_at = moment(anchor, version.drafted.0, version.drafted.1);
            let written = store
                .create_rule_version(
                    Some(org.staff[spec.author]),
                    NewRuleVersion {
                        rule_id,
                        kind: kind.key.clone(),
                        rule_type: spec.rule_type,
                        scope: scope.clone(),
                        name: spec.name.to_owned(),
                        expression: version.expression.map(str::to_owned),
                        text: version.text.to_owned(),
                    },
                )
                .await
                .with_context(|| format!("could not draft rule {:?}", spec.name))?;
            let rule = written.value.clone();
            retimer.events(&written, drafted_at);
            retimer.rule_created(rule.rule_id, rule.version, drafted_at);
            rule_id = Some(rule.rule_id);
            let Some(published) = version.published else {
                continue;
            };
            let published_at = moment(anchor, published.0, published.1);
            let written = store
                .set_rule_status(
                    Some(org.staff[CEO]),
                    rule.rule_id,
                    rule.version,
                    RuleStatus::Published,
                )
                .await
                .with_context(|| format!("could not publish rule {:?}", spec.name))?;
            retimer.events(&written, published_at);
            retimer.rule_published(rule.rule_id, rule.version, published_at);
            // Publishing retired the version before it, in the same moment.
            for previous in live.iter_mut().filter(|l| l.rule.rule_id == rule.rule_id) {
                if previous.until.is_none() {
                    previous.until = Some(published_at);
                    retimer.rule_retired(rule.rule_id, previous.rule.version, published_at);
                }
            }
            let expr = match &rule.expression {
                Some(source) => Some(
                    guideline::compile(source, &schema)
                        .map_err(|e| anyhow!("demo rule {:?} does not compile: {e}", spec.name))?,
                ),
                None => None,
            };
            live.push(Live {
                kind: spec.kind,
                scope: scope.clone(),
                rule: Arc::new(CompiledRule {
                    rule_id: rule.rule_id,
                    version: rule.version,
                    rule_type: rule.rule_type,
                    name: Arc::from(rule.name.as_str()),
                    text: Arc::from(rule.text.as_str()),
                    expr,
                }),
                from: published_at,
                until: None,
            });
        }
    }
    // The server lists published rules by rule id (then version); evaluate in that order.
    live.sort_by_key(|l| (l.rule.rule_id, l.rule.version));
    Ok(live)
}

// ----- decisions -----
