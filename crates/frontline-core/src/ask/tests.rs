use super::*;
use crate::time::from_millis;
use serde_json::json;

fn t(minutes: i64) -> Timestamp {
    from_millis(minutes * 60_000)
}

fn raised(urgency: Urgency) -> (Ask, PersonId, PersonId) {
    let (asker, support) = (PersonId::new(), PersonId::new());
    let (ask, event) = Ask::raise(
        NewAskSpec {
            asker_id: asker,
            kind: AskKind::Approval,
            urgency,
            text: AskText::parse("May I refund 400 EUR on FL-1042?").unwrap(),
            case_id: None,
            assignee_id: support,
        },
        t(0),
    );
    assert_eq!(event.kind(), EventKind::AskRaised);
    assert!(
        event.payload().get("text").is_none(),
        "events never carry the ask's text"
    );
    (ask, asker, support)
}

fn body(text: &str) -> MessageBody {
    MessageBody::parse(text).unwrap()
}

#[test]
fn targets_tighten_with_urgency() {
    let mut previous = (SignedDuration::MAX, SignedDuration::MAX);
    for urgency in Urgency::ALL {
        let now = (urgency.respond_within(), urgency.unblock_within());
        assert!(now.0 < now.1, "{urgency}: respond before unblock");
        assert!(now.0 <= previous.0 && now.1 <= previous.1, "{urgency}");
        previous = now;
    }
    let (ask, _, _) = raised(Urgency::High);
    assert_eq!(ask.respond_by, Some(t(60)));
    assert_eq!(ask.unblock_by(), t(8 * 60));
}

#[test]
fn an_answer_claims_the_ask_and_is_its_first_response() {
    let (ask, asker, support) = raised(Urgency::Normal);
    let answered = ask
        .apply(
            Some(support),
            AskChange::Answer {
                body: body("Yes, go ahead."),
            },
            t(30),
        )
        .unwrap();
    assert_eq!(answered.ask.status, AskStatus::Claimed);
    assert_eq!(answered.ask.claimed_by, Some(support));
    assert_eq!(answered.ask.first_response_at, Some(t(30)));
    assert_eq!(answered.message.as_ref().unwrap().author_id, support);
    let resolved = answered
        .ask
        .apply(Some(support), AskChange::Resolve { note: None }, t(90))
        .unwrap()
        .ask;
    assert_eq!(
        resolved.time_to_unblock(),
        Some(SignedDuration::from_mins(90))
    );
    assert_eq!(resolved.unblocked_on_target(), Some(true));
    let rated = resolved
        .apply(
            Some(asker),
            AskChange::Rate {
                score: 5,
                word: FeelingWord::parse("Relieved").unwrap(),
            },
            t(95),
        )
        .unwrap();
    assert_eq!(rated.event.payload()["word"], "relieved");
    assert_eq!(
        rated
            .ask
            .apply(
                Some(asker),
                AskChange::Rate {
                    score: 1,
                    word: FeelingWord::parse("changed").unwrap()
                },
                t(96)
            )
            .unwrap_err(),
        AskError::AlreadyRated
    );
}

#[test]
fn each_side_may_only_do_its_own_part() {
    let (ask, asker, support) = raised(Urgency::Low);
    assert_eq!(
        ask.apply(Some(asker), AskChange::Claim, t(1)).unwrap_err(),
        AskError::OwnAsk
    );
    assert_eq!(
        ask.apply(Some(support), AskChange::Withdraw, t(1))
            .unwrap_err(),
        AskError::NotAsker
    );
    let claimed = ask
        .apply(Some(support), AskChange::Claim, t(1))
        .unwrap()
        .ask;
    assert_eq!(
        claimed
            .apply(Some(support), AskChange::Claim, t(2))
            .unwrap_err(),
        AskError::AlreadyClaimed
    );
    let colleague = PersonId::new();
    let taken = claimed
        .apply(Some(colleague), AskChange::Claim, t(3))
        .unwrap();
    assert_eq!(taken.ask.claimed_by, Some(colleague));
    assert_eq!(taken.event.payload()["from"], json!(support));
    let withdrawn = taken
        .ask
        .apply(Some(asker), AskChange::Withdraw, t(4))
        .unwrap()
        .ask;
    assert_eq!(
        withdrawn
            .apply(Some(colleague), AskChange::Resolve { note: None }, t(5))
            .unwrap_err(),
        AskError::NotActive(AskStatus::Withdrawn)
    );
    assert_eq!(
        withdrawn
            .apply(
                Some(asker),
                AskChange::Rate {
                    score: 3,
                    word: FeelingWord::parse("fine").unwrap()
                },
                t(6)
            )
            .unwrap_err(),
        AskError::NotResolved("rated")
    );
}

#[test]
fn reopening_clears_the_resolution_and_starts_a_new_window() {
    let (ask, asker, support) = raised(Urgency::Urgent);
    let resolved = ask
        .apply(
            Some(support),
            AskChange::Resolve {
                note: Some(body("Done")),
            },
            t(10),
        )
        .unwrap()
        .ask;
    assert_eq!(resolved.first_response_at, Some(t(10)));
    let reopened = resolved
        .apply(
            Some(asker),
            AskChange::Reopen {
                reason: body("Still blocked: the refund button is greyed out."),
            },
            t(20),
        )
        .unwrap();
    assert_eq!(reopened.ask.status, AskStatus::Claimed);
    assert_eq!(reopened.ask.resolved_at, None);
    assert_eq!(reopened.ask.respond_by, None, "claimed: nothing to climb");
    assert_eq!(reopened.ask.time_to_unblock(), None);
}

#[test]
fn an_unanswered_ask_climbs_once_per_window_and_only_once_per_step() {
    let (ask, _, support) = raised(Urgency::Urgent);
    let boss = PersonId::new();
    assert!(!ask.is_due(t(14)));
    assert!(ask.is_due(t(15)));
    assert_eq!(
        ask.apply(
            Some(support),
            AskChange::Escalate {
                from_step: 0,
                to: Some(boss)
            },
            t(14)
        )
        .unwrap_err(),
        AskError::Stale,
        "not due yet"
    );
    let climbed = ask
        .apply(
            Some(support),
            AskChange::Escalate {
                from_step: 0,
                to: Some(boss),
            },
            t(15),
        )
        .unwrap();
    assert_eq!(climbed.event.kind(), EventKind::AskEscalated);
    assert_eq!(
        (
            climbed.ask.assignee_id,
            climbed.ask.escalations,
            climbed.ask.respond_by
        ),
        (boss, 1, Some(t(30)))
    );
    assert_eq!(
        climbed
            .ask
            .apply(
                Some(support),
                AskChange::Escalate {
                    from_step: 0,
                    to: Some(boss)
                },
                t(40)
            )
            .unwrap_err(),
        AskError::Stale,
        "a second node escalating the same step changes nothing"
    );
    let top = climbed
        .ask
        .apply(
            Some(boss),
            AskChange::Escalate {
                from_step: 1,
                to: None,
            },
            t(30),
        )
        .unwrap();
    assert_eq!(top.event.kind(), EventKind::AskOverdue);
    assert_eq!((top.ask.assignee_id, top.ask.respond_by), (boss, None));
    assert!(!top.ask.is_due(t(10_000)), "flagged once at the top");
    let steps: Vec<EventKind> = top.ask.history.iter().map(|s| s.what).collect();
    assert_eq!(
        steps,
        [
            EventKind::AskRaised,
            EventKind::AskEscalated,
            EventKind::AskOverdue
        ]
    );
    assert_eq!(top.ask.history[1].to, Some(boss));
    let answered = top
        .ask
        .apply(
            Some(boss),
            AskChange::Answer {
                body: body("On it"),
            },
            t(31),
        )
        .unwrap()
        .ask;
    assert!(!answered.is_due(t(1000)), "an answered ask never climbs");
}

#[test]
fn of_several_supporters_the_least_busy_is_picked_and_ties_go_to_the_first() {
    let (lead, other_lead) = (PersonId::new(), PersonId::new());
    assert_eq!(
        least_loaded(&[lead, other_lead], |p| if p == lead { 3 } else { 1 }),
        Some(other_lead)
    );
    assert_eq!(least_loaded(&[lead, other_lead], |_| 0), Some(lead));
    assert_eq!(least_loaded(&[], |_| 0), None);
}

#[test]
fn figures_count_resolved_asks_with_medians_and_words() {
    let mut asks = Vec::new();
    for (minutes, score, word) in [
        (30, 5, "relieved"),
        (60, 4, "relieved"),
        (6000, 1, "ignored"),
    ] {
        let (ask, asker, support) = raised(Urgency::Normal);
        let resolved = ask
            .apply(Some(support), AskChange::Resolve { note: None }, t(minutes))
            .unwrap()
            .ask
            .apply(
                Some(asker),
                AskChange::Rate {
                    score,
                    word: FeelingWord::parse(word).unwrap(),
                },
                t(minutes + 1),
            )
            .unwrap()
            .ask;
        asks.push(resolved);
    }
    asks.push(raised(Urgency::Normal).0);
    let figures = AskFigures::of(&asks);
    assert_eq!(figures.handled, 3);
    assert_eq!(
        figures.on_target, 2,
        "6,000 minutes is past the 48-hour target"
    );
    assert_eq!(figures.median_minutes_to_unblock, Some(60));
    assert_eq!(figures.median_minutes_to_first_response, Some(60));
    assert_eq!(figures.feelings, 3);
    assert!((figures.mean_feeling.unwrap() - 10.0 / 3.0).abs() < 1e-9);
    assert_eq!(figures.words, vec!["relieved", "ignored"]);
    assert_eq!(AskFigures::of(&[]), AskFigures::default());
}

#[test]
fn feeling_words_and_scores_are_checked() {
    assert_eq!(FeelingWord::parse(" Heard ").unwrap().as_str(), "heard");
    assert!(FeelingWord::parse("two words").is_err());
    assert!(FeelingWord::parse("").is_err());
    assert!(FeelingWord::parse(&"a".repeat(31)).is_err());
    assert_eq!(parse_score(5).unwrap(), 5);
    assert!(parse_score(0).is_err() && parse_score(6).is_err() && parse_score(-1).is_err());
}
