//! The decisions: which cases get one, when, by whom, with what facts, and the verdict the
//! engine gives at that moment.

use super::*;

/// A decision to record and, if it was taken with an explanation, its review.
pub(super) struct Planned {
    /// Index into `Input::cases`.
    pub(super) case: usize,
    pub(super) kind: Kind,
    pub(super) actor: PersonId,
    pub(super) at: Timestamp,
    pub(super) facts: Map<String, Json>,
    pub(super) evaluation: Evaluation,
    pub(super) explanation: Option<String>,
    pub(super) review: Option<PlannedReview>,
}

pub(super) struct PlannedReview {
    pub(super) reviewer: PersonId,
    pub(super) outcome: ReviewOutcome,
    pub(super) comment: Option<String>,
    pub(super) at: Timestamp,
}

/// A case that gets a decision: which kind, what it is about, when, and the stream of random
/// numbers that decides the rest.
pub(super) struct Candidate {
    pub(super) case: usize,
    pub(super) kind: Kind,
    pub(super) topic: &'static str,
    pub(super) at: Timestamp,
    pub(super) actor: PersonId,
    pub(super) rng: Rng,
}

/// Choose the decisions, then evaluate them in the order they were taken (a customer's
/// refunds in the previous 90 days depend on the ones before).
pub(super) fn plan_decisions(
    input: &Input<'_>,
    profiles: &[CustomerProfile],
    kinds: &[DecisionKind],
    live: &[Live],
) -> Result<Vec<Planned>> {
    let now = time::now();
    // Decisions start once every rule's first version is in force.
    let live_from = live
        .iter()
        .filter(|l| l.rule.version == 1)
        .map(|l| l.from)
        .max()
        .unwrap_or(now);
    let mut by_customer: HashMap<usize, Vec<usize>> = HashMap::new();
    for (index, (plan, _)) in input.cases.iter().enumerate() {
        by_customer.entry(plan.customer).or_default().push(index);
    }
    // A few regular customers ask for their money back far more often than most.
    let habitual = |customer: usize| {
        by_customer.get(&customer).map_or(0, Vec::len) >= 6
            && Rng::derive(input.seed, "habitual", customer as u64).chance(0.3)
    };
    let mut candidates: Vec<Candidate> = input
        .cases
        .iter()
        .enumerate()
        .filter_map(|(index, (plan, case))| {
            let mut rng = Rng::derive(input.seed, "decision", plan.index as u64);
            let (kind, topic) = choose_kind(plan, &mut rng, habitual(plan.customer))?;
            let actor = case.owner_id?;
            let at = decision_time(plan, &mut rng, live_from, now)?;
            Some(Candidate {
                case: index,
                kind,
                topic,
                at,
                actor,
                rng,
            })
        })
        .collect();
    candidates.sort_by_key(|c| (c.at, input.cases[c.case].0.index));

    let schemas: Vec<_> = kinds.iter().map(DecisionKind::schema).collect();
    let outcome_keys = OUTCOMES
        .iter()
        .map(|o| OutcomeKey::parse(o.key))
        .collect::<Result<Vec<_>, _>>()?;
    let v2_from = live
        .iter()
        .filter(|l| &*l.rule.name == REFUND_ON_THE_SPOT && l.rule.version == 2)
        .map(|l| l.from)
        .next()
        .unwrap_or(now);
    let mut planned: Vec<Planned> = Vec::with_capacity(candidates.len());
    for mut candidate in candidates {
        let (plan, case) = &input.cases[candidate.case];
        let at = candidate.at;
        let outcome = &outcome_keys[plan.outcome];
        let rules: Vec<&CompiledRule> = live
            .iter()
            .filter(|l| {
                l.kind == candidate.kind
                    && l.from <= at
                    && l.until.is_none_or(|until| at < until)
                    && l.scope.applies(case.team_id, outcome, candidate.actor)
            })
            .map(|l| &*l.rule)
            .collect();
        let auto = auto_facts(input, profiles, &by_customer, &planned, &candidate)?;
        let schema = &schemas[candidate.kind.index()];
        let rng = &mut candidate.rng;
        let aim = if rng.chance(0.22) {
            Verdict::Explain
        } else {
            Verdict::Within
        };
        let draw = Draw {
            topic: candidate.topic,
            aim,
            widened: at >= v2_from,
            lifetime_value: auto.customer_lifetime_value,
        };
        // Draw the employee's facts until the verdict is the one aimed at (the customer's own
        // facts may make that impossible); never keep a blocked one.
        let mut chosen = None;
        for attempt in 0..16 {
            let supplied = draw.supplied(candidate.kind, rng);
            let facts = schema
                .facts(&supplied, &auto)
                .map_err(|e| anyhow!("demo decision facts: {e}"))?;
            let evaluation = guideline::evaluate(rules.iter().copied(), &facts);
            if evaluation.verdict == Verdict::Blocked {
                continue;
            }
            if evaluation.verdict == aim || attempt >= 8 {
                chosen = Some((schema.to_json(&facts), evaluation));
                break;
            }
        }
        let Some((facts, evaluation)) = chosen else {
            continue;
        };
        let explanation = (evaluation.verdict == Verdict::Explain)
            .then(|| explanation(&evaluation, &facts, rng))
            .map(|text| guideline::check_explanation(&text))
            .transpose()?;
        let review = plan_review(input, case, &candidate, &evaluation, &facts, now);
        planned.push(Planned {
            case: candidate.case,
            kind: candidate.kind,
            actor: candidate.actor,
            at,
            facts,
            evaluation,
            explanation,
            review,
        });
    }
    Ok(planned)
}

/// Whether this case gets a decision, of which kind and about what, by its tags.
pub(super) fn choose_kind(
    plan: &CasePlan,
    rng: &mut Rng,
    habitual: bool,
) -> Option<(Kind, &'static str)> {
    use Kind::*;
    let has = |tag: &str| plan.tags.iter().any(|t| t == tag);
    let refunds = if habitual { 2.0 } else { 1.0 };
    let options: &[(Kind, &'static str, f64)] = if has("damaged") {
        &[(Replacement, "damaged", 0.42), (Refund, "damaged", 0.22)]
    } else if has("missing-item") {
        &[(Replacement, "lost", 0.35), (Refund, "lost", 0.22)]
    } else if has("late-delivery") {
        &[(Goodwill, "delay", 0.28), (Refund, "late", 0.12)]
    } else if has("double-charge") {
        &[(Goodwill, "service_failure", 0.15)]
    } else if has("renewal") {
        &[(Refund, "changed_mind", 0.3)]
    } else if has("invoice") || has("discount") {
        &[(Goodwill, "other", 0.08)]
    } else if has("return") && has("refund") {
        &[(Goodwill, "delay", 0.25)]
    } else if has("return") {
        &[
            (Refund, "changed_mind", 0.22),
            (Refund, "wrong_item", 0.08),
            (Deadline, "return", 0.2),
        ]
    } else if has("exchange") {
        &[(Deadline, "exchange", 0.22)]
    } else if has("outage") || has("slow-speed") || has("dropouts") {
        &[(Goodwill, "service_failure", 0.3)]
    } else if has("password") || has("2fa") || has("locked") {
        &[(Goodwill, "repeat_contact", 0.04)]
    } else {
        &[]
    };
    let mut roll = rng.unit();
    for (kind, topic, chance) in options {
        let chance = if *kind == Refund {
            chance * refunds
        } else {
            *chance
        };
        if roll < chance {
            return Some((*kind, topic));
        }
        roll -= chance;
    }
    None
}

/// A moment around one of the owner's public replies (most often the first): just before it
/// (the reply tells the customer what was decided) or just after it (recorded once the
/// customer has been told), after the rules went live, between the steps around the reply.
pub(super) fn decision_time(
    plan: &CasePlan,
    rng: &mut Rng,
    live_from: Timestamp,
    now: Timestamp,
) -> Option<Timestamp> {
    let replies: Vec<usize> = plan
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            matches!(
                s.action,
                Action::Message {
                    author: Author::Owner,
                    internal: false,
                    ..
                }
            ) && s.at > live_from
                && s.at < now
        })
        .map(|(i, _)| i)
        .collect();
    if replies.is_empty() {
        return None;
    }
    let step = if rng.chance(0.6) {
        replies[0]
    } else {
        *rng.pick(&replies)
    };
    let reply = plan.steps[step].at.as_millisecond();
    let offset = rng.between(1, 4) * 60_000 + rng.between(0, 59_999);
    let (low, high, wanted) = if rng.chance(0.5) {
        let previous = match step {
            0 => plan.created_at,
            _ => plan.steps[step - 1].at,
        };
        let low = previous.max(live_from).as_millisecond() + 1;
        (low, reply - 1, reply - offset)
    } else {
        let next = plan.steps.get(step + 1).map_or(now, |s| s.at.min(now));
        (reply + 1, next.as_millisecond() - 1, reply + offset)
    };
    (low <= high).then(|| time::from_millis(wanted.clamp(low, high)))
}

/// The case's status and tags just before `at`, replaying its plan the way the store did.
pub(super) fn state_at(plan: &CasePlan, at: Timestamp) -> (CaseStatus, Vec<String>) {
    let mut status = CaseStatus::New;
    let mut tags = &plan.tags;
    for step in plan.steps.iter().take_while(|s| s.at < at) {
        match &step.action {
            Action::Message {
                author,
                internal: false,
                ..
            } => match (author, status) {
                (Author::Customer, CaseStatus::WaitingOnCustomer | CaseStatus::Resolved)
                | (Author::Owner | Author::Supporter, CaseStatus::New) => {
                    status = CaseStatus::Open;
                }
                _ => {}
            },
            Action::Status(to) => status = *to,
            Action::Tags(new) => tags = new,
            _ => {}
        }
    }
    let tags = match Tags::parse_all(tags.iter().map(String::as_str)) {
        Ok(parsed) => parsed.iter().map(|t| t.as_str().to_owned()).collect(),
        Err(_) => tags.clone(),
    };
    (status, tags)
}

pub(super) fn days_between(from: Timestamp, to: Timestamp) -> f64 {
    ((to.as_millisecond() - from.as_millisecond()) as f64 / DAY_MS as f64)
        .max(0.0)
        .floor()
}

/// The automatic facts as the server would have read them at the decision's moment.
pub(super) fn auto_facts(
    input: &Input<'_>,
    profiles: &[CustomerProfile],
    by_customer: &HashMap<usize, Vec<usize>>,
    earlier: &[Planned],
    candidate: &Candidate,
) -> Result<AutoFacts> {
    let (plan, case) = &input.cases[candidate.case];
    let at = candidate.at;
    let profile = &profiles[plan.customer];
    let (status, tags) = state_at(plan, at);
    let open_cases = by_customer[&plan.customer]
        .iter()
        .map(|i| &input.cases[*i].0)
        .filter(|p| p.created_at <= at)
        .filter(|p| {
            matches!(
                state_at(p, at).0,
                CaseStatus::New | CaseStatus::Open | CaseStatus::WaitingOnCustomer
            )
        })
        .count();
    // Refunds recorded for this customer in the 90 days before, unless reversed by then.
    let since = at.as_millisecond() - 90 * DAY_MS;
    let refunds = earlier
        .iter()
        .filter(|d| d.kind == Kind::Refund && d.at.as_millisecond() >= since)
        .filter(|d| input.cases[d.case].0.customer == plan.customer)
        .filter(|d| {
            !d.review
                .as_ref()
                .is_some_and(|r| r.outcome == ReviewOutcome::Reverse && r.at <= at)
        })
        .count();
    // The mood of the customer's last three public messages on the case.
    let agent = input
        .org
        .first_names
        .get(&candidate.actor)
        .map_or("", String::as_str);
    let mut said: Vec<&str> = vec![plan.opening.as_str()];
    for step in plan.steps.iter().take_while(|s| s.at < at) {
        if let Action::Message {
            author: Author::Customer,
            body,
            internal: false,
        } = &step.action
        {
            said.push(body);
        }
    }
    let recent: Vec<f64> = said
        .iter()
        .rev()
        .take(3)
        .map(|body| frontline_core::sentiment::score(&body.replace("{agent}", agent)))
        .collect();
    let sentiment = recent.iter().sum::<f64>() / recent.len().max(1) as f64;
    Ok(AutoFacts {
        customer_tenure_days: days_between(profile.customer_since, at),
        customer_lifetime_value: profile.lifetime_value,
        customer_open_cases: open_cases as f64,
        customer_refunds_90d: refunds as f64,
        customer_tier: profile.tier.clone(),
        customer_sentiment: (sentiment * 100.0).round() / 100.0,
        case_age_days: days_between(case.created_at, at),
        case_outcome: OUTCOMES[plan.outcome].key.to_owned(),
        case_priority: case.priority.as_str().to_owned(),
        case_channel: case.channel.as_str().to_owned(),
        case_status: status.as_str().to_owned(),
        case_tags: tags,
    })
}

/// How the employee's facts are drawn for one decision.
pub(super) struct Draw {
    pub(super) topic: &'static str,
    pub(super) aim: Verdict,
    /// Whether the refund guideline had been widened (version 2) by then.
    pub(super) widened: bool,
    pub(super) lifetime_value: f64,
}

impl Draw {
    fn supplied(&self, kind: Kind, rng: &mut Rng) -> Map<String, Json> {
        let explain = self.aim == Verdict::Explain;
        let facts = match kind {
            Kind::Refund => {
                let bound = if self.widened { 200.0 } else { 150.0 };
                let amount = match (explain, self.widened) {
                    // Before the guideline was widened most deviations were just above it.
                    (true, false) if rng.chance(0.75) => price(rng, 151.0, 200.0),
                    (true, false) => price(rng, 201.0, 650.0),
                    (true, true) if rng.chance(0.55) => price(rng, 201.0, 250.0),
                    (true, true) => price(rng, 251.0, 700.0),
                    (false, _) if self.topic == "late" => price(rng, 4.99, 60.0),
                    (false, _) => price(rng, 12.0, bound * 0.98),
                };
                json!({ "amount": amount, "reason": self.topic })
            }
            Kind::Goodwill => {
                let allowed = (self.lifetime_value * 0.1).max(25.0);
                let credit = if explain && allowed < 290.0 {
                    round_to(
                        log_uniform(rng, allowed + 5.0, (allowed * 3.0).min(300.0)),
                        5.0,
                    )
                } else if rng.chance(0.7) || allowed <= 30.0 {
                    *rng.pick(&[5.0, 10.0, 10.0, 15.0, 20.0, 25.0, 25.0])
                } else {
                    round_to(log_uniform(rng, 25.0, allowed.min(300.0)), 5.0)
                };
                json!({ "credit": credit, "trigger": self.topic })
            }
            Kind::Replacement => {
                let (value, first) = if explain {
                    (price(rng, 85.0, 480.0), false)
                } else if rng.chance(0.88) {
                    (price(rng, 15.0, 450.0), true)
                } else {
                    (price(rng, 15.0, 80.0), false)
                };
                json!({ "item_value": value, "first_replacement": first })
            }
            Kind::Deadline => {
                let days = if explain {
                    *rng.pick(&[18, 21, 21, 28, 30, 30, 45])
                } else {
                    *rng.pick(&[3, 5, 7, 7, 10, 14, 14])
                };
                let reason = *rng.pick(match self.topic {
                    "exchange" => EXCHANGE_REASONS,
                    _ => RETURN_REASONS,
                });
                json!({ "extra_days": days, "reason": reason })
            }
        };
        match facts {
            Json::Object(map) => map,
            _ => Map::new(),
        }
    }
}

pub(super) const RETURN_REASONS: &[&str] = &[
    "Customer was abroad for work until last week; the item is unused and still sealed.",
    "It was a gift and the recipient only opened it after the return window closed.",
    "Our returns label would not generate for a week, so the delay was ours.",
    "Customer was in hospital; their partner called to explain.",
    "Moving house; they will send it back once the boxes are unpacked.",
    "Waiting for the courier to collect; the first pickup was missed by the carrier.",
];

pub(super) const EXCHANGE_REASONS: &[&str] = &[
    "The size they want is back in stock only at the end of the month.",
    "Customer wants to try the colour in daylight at home before deciding.",
    "Swapping for the new model, which ships in a few weeks.",
    "Customer is away on holiday until the middle of next month.",
];

/// A price between `low` and `high`, as shops write them (29.99, 45, 120).
pub(super) fn price(rng: &mut Rng, low: f64, high: f64) -> f64 {
    let value = log_uniform(rng, low, high);
    let shaped = match rng.below(3) {
        0 => value.floor() + 0.99,
        1 => value.round(),
        _ => round_to(value, 5.0),
    };
    (shaped.clamp(low, high) * 100.0).round() / 100.0
}

pub(super) fn round_to(value: f64, step: f64) -> f64 {
    (value / step).round() * step
}

pub(super) fn log_uniform(rng: &mut Rng, low: f64, high: f64) -> f64 {
    (low.ln() + rng.unit() * (high.ln() - low.ln())).exp()
}

/// The employee's reason for acting outside a guideline, in their words.
pub(super) fn explanation(
    evaluation: &Evaluation,
    facts: &Map<String, Json>,
    rng: &mut Rng,
) -> String {
    let failed: Vec<&Finding> = evaluation
        .failed()
        .filter(|f| f.rule_type == RuleType::Guideline)
        .collect();
    let number = |name: &str| facts.get(name).and_then(Json::as_f64).unwrap_or(0.0);
    let tagged = |tag: &str| {
        facts
            .get("case.tags")
            .and_then(Json::as_array)
            .is_some_and(|tags| tags.iter().any(|t| t.as_str() == Some(tag)))
    };
    let first = failed.first().map_or("", |f| &*f.name);
    let texts: &[&str] = match first {
        REFUND_ON_THE_SPOT if number("customer.tenure_days") <= 30.0 => &[
            "New customer, but the photos clearly show the problem; no reason to make their first order a bad one.",
            "First order with us and it went wrong. Refunding now is our best chance of a second one.",
            "New account, but they moved over from a business account they have had with us for years.",
            "Only just became a customer; the fault is ours and the amount is what they paid.",
        ],
        REFUND_ON_THE_SPOT => match facts.get("reason").and_then(Json::as_str) {
            Some("damaged") if rng.chance(0.6) => &[
                "The item cost {amount} EUR and arrived unusable; a partial refund would only bring them back to us.",
                "The whole batch is faulty according to ops, so refunding rather than sending another one.",
                "Photos show it was crushed in transit and they no longer want a replacement; refunded in full.",
            ],
            Some("lost") if rng.chance(0.6) => &[
                "The carrier confirmed the parcel is lost, so there is nothing to wait for; refunded the whole order.",
                "Tracking has not moved for twelve days and the carrier has closed the claim on their side; refunded in full.",
            ],
            Some("late") if rng.chance(0.6) => &[
                "It arrived after the event it was bought for; refunding the order was the only fair outcome.",
                "We missed the delivery date we promised twice; refunded the full {amount} EUR.",
            ],
            Some("wrong_item") if rng.chance(0.6) => {
                &["We sent the wrong item twice; refunded in full rather than trying a third time."]
            }
            Some("changed_mind") if rng.chance(0.6) => &[
                "It came back unused in its original box; refunding the full price, bundle included.",
                "Renewal went through a day after they asked to cancel on chat; the mistake was ours.",
            ],
            _ => &[
                "Customer has been with us for {years} years and this is their first complaint, so I refunded the full {amount} EUR.",
                "Second time this order went wrong for them. Refunded in full rather than sending them to billing.",
                "It was a bundle and the items can't be refunded separately, so it's the full {amount} EUR.",
                "They had already waited a week for an answer from us; I didn't want to add another queue.",
            ],
        },
        NOT_A_HABIT => &[
            "Looked at the earlier refunds: all of them were the same carrier losing parcels. Refunded and flagged the carrier to ops.",
            "Frequent buyer with dozens of orders a quarter, so {refunds} refunds in 90 days is not unusual for them.",
            "The earlier refunds were for the faulty batch we have since pulled; this one is unrelated.",
            "Checked the address history: parcels kept going to their old flat. Fixed the address and refunded.",
        ],
        SAY_SORRY if tagged("double-charge") => &[
            "Charged twice and their rent payment bounced because of it; the credit covers the bank's fee.",
            "Second double charge on this account in a month; {credit} EUR and a proper apology.",
        ],
        SAY_SORRY => match facts.get("trigger").and_then(Json::as_str) {
            Some("delay") if tagged("return") => &[
                "Their refund has been stuck with us for three weeks; the credit is for the hassle, not the refund.",
                "We received the return a fortnight ago and still hadn't paid it out; the credit is for the wait.",
            ],
            Some("delay") => &[
                "It was a birthday present and arrived after the party; {credit} EUR is the least we can do.",
                "The parcel sat at the depot for nine days because of our labelling mistake.",
                "We promised a callback twice and missed both; the credit is for our mistakes, not the delay itself.",
            ],
            Some("service_failure") => &[
                "Third contact about the same outage and they work from home; {credit} EUR covers the days it cost them.",
                "The technician didn't turn up and they had taken the day off work for it.",
                "It went on for over a week; a token credit would have felt like an insult.",
                "They couldn't use the service for most of the month; the credit matches a month's fee.",
            ],
            Some("repeat_contact") => &[
                "Fourth time they have contacted us about signing in, and each time we said it was fixed.",
            ],
            _ => &[
                "The discount code failed at checkout and they had to chase us three times for the difference.",
                "Their invoice was wrong twice in a row and they needed it for their accountant.",
            ],
        },
        REPLACE_FIRST => &[
            "The first replacement was damaged by the same courier; sending this one by tracked express.",
            "The replacement went to the old address because of our error, not theirs.",
            "Customer needs it for a trip on Friday and can't wait for the carrier investigation.",
            "Warehouse confirmed the first replacement left without the power supply; sending a complete one.",
        ],
        EXTRA_TIME => &[
            "{reason} The item is in perfect condition, so a few more weeks costs us nothing.",
            "{reason} Giving them until the end of next month.",
            "{reason} Extra time agreed so they don't lose the return.",
        ],
        _ => &["Outside the usual limits, but it was the right thing for this customer."],
    };
    let years = (number("customer.tenure_days") / 365.0).floor().max(1.0);
    let reason = facts.get("reason").and_then(Json::as_str).unwrap_or("");
    rng.pick(texts)
        .replace("{amount}", &money(number("amount")))
        .replace("{credit}", &money(number("credit")))
        .replace("{refunds}", &number("customer.refunds_90d").to_string())
        .replace("{years}", &years.to_string())
        .replace("{reason}", reason)
}

pub(super) fn money(amount: f64) -> String {
    if amount.fract() == 0.0 {
        format!("{amount:.0}")
    } else {
        format!("{amount:.2}")
    }
}
