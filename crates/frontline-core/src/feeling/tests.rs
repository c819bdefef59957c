use super::figures::{self, EmployeeAnswer, MIN_RESPONDENTS};
use super::*;
use crate::case::{CaseDraft, Channel, Priority};
use crate::event::EventKind;
use crate::time::from_millis;
use crate::values::{CaseNumber, Email, MessageBody, Name, Subject, Tags};
use serde_json::json;

const DAY: i64 = 86_400_000;

fn person(role: Role) -> Person {
    Person {
        id: PersonId::new(),
        email: Email::parse(&format!("{}@example.com", PersonId::new())).unwrap(),
        name: Name::parse("Someone").unwrap(),
        role,
        title: None,
        admin: false,
        capacity: 10,
        available: true,
        created_at: from_millis(0),
        language: None,
        time_zone: None,
        erasure_requested_at: None,
        erased_at: None,
        merged_into: None,
    }
}

fn case_of(customer: &Person, owner: &Person, status: CaseStatus) -> Case {
    let draft = CaseDraft {
        customer_id: customer.id,
        outcome_id: OutcomeId::new(),
        subject: Subject::parse("Parcel never arrived").unwrap(),
        body: MessageBody::parse("It has been two weeks.").unwrap(),
        channel: Channel::Web,
        priority: Priority::Normal,
        tags: Tags::default(),
    };
    let mut case = Case::open(
        draft,
        CaseNumber(1001),
        (Some(owner.id), Some(TeamId::new())),
        None,
        from_millis(0),
    )
    .0;
    case.status = status;
    case
}

fn answer(
    kind: FeelingKind,
    source: FeelingSource,
    by: &Person,
    case: Option<&Case>,
) -> NewFeeling {
    NewFeeling {
        kind,
        source,
        person_id: by.id,
        case_id: case.map(|c| c.id),
        score: Score::new(5).unwrap(),
        emotion: Some(Emotion::Relieved),
        text: Some(Verbatim::parse("Ann sorted it in minutes, thank you").unwrap()),
    }
}

#[test]
fn a_customer_rates_only_their_own_resolved_case() {
    let (carol, dave, ann) = (
        person(Role::Customer),
        person(Role::Customer),
        person(Role::Employee),
    );
    let resolved = case_of(&carol, &ann, CaseStatus::Resolved);
    let rating = |by: &Person, case: &Case| {
        Feeling::record(
            answer(FeelingKind::Customer, FeelingSource::Link, by, Some(case)),
            by,
            Some(case),
            from_millis(DAY),
        )
    };
    let (feeling, events) = rating(&carol, &resolved).unwrap();
    assert_eq!(feeling.owner_id, Some(ann.id));
    assert_eq!(feeling.team_id, resolved.team_id);
    assert_eq!(feeling.outcome_id, Some(resolved.outcome_id));
    assert_eq!(feeling.period, None);
    let kinds: Vec<_> = events.iter().map(|e| e.kind()).collect();
    assert_eq!(
        kinds,
        [EventKind::FeelingRecorded, EventKind::FeelingPraised],
        "a 5 with words is praise for the owner"
    );
    assert_eq!(events[1].payload()["owner_id"], json!(ann.id));

    let err = rating(&dave, &resolved).unwrap_err();
    assert_eq!(err.reason, "only the case's customer rates it");
    let open = case_of(&carol, &ann, CaseStatus::Open);
    let err = rating(&carol, &open).unwrap_err();
    assert_eq!(
        err.reason,
        "case FL-1001 is open; it can be rated once it is resolved"
    );
    let err = rating(&ann, &resolved).unwrap_err();
    assert_eq!(err.field, "case");
}

#[test]
fn a_rating_needs_an_emotion_word_and_praise_needs_words_and_a_high_score() {
    let (carol, ann) = (person(Role::Customer), person(Role::Employee));
    let case = case_of(&carol, &ann, CaseStatus::Closed);
    let mut new = answer(
        FeelingKind::Customer,
        FeelingSource::Portal,
        &carol,
        Some(&case),
    );
    new.emotion = None;
    let err = Feeling::record(new.clone(), &carol, Some(&case), from_millis(0)).unwrap_err();
    assert_eq!(err.field, "emotion");

    new.emotion = Some(Emotion::Satisfied);
    new.text = None;
    let (feeling, events) =
        Feeling::record(new.clone(), &carol, Some(&case), from_millis(0)).unwrap();
    assert!(!feeling.is_praise());
    assert_eq!(events.len(), 1);

    new.text = Some(Verbatim::parse("It was slow").unwrap());
    new.score = Score::new(3).unwrap();
    let (feeling, events) = Feeling::record(new, &carol, Some(&case), from_millis(0)).unwrap();
    assert!(!feeling.is_praise(), "3 is not praise");
    assert_eq!(events.len(), 1);
}

#[test]
fn employees_own_answers_carry_no_score_in_their_events() {
    let (carol, ann) = (person(Role::Customer), person(Role::Employee));
    let case = case_of(&carol, &ann, CaseStatus::Resolved);
    let own = answer(FeelingKind::Own, FeelingSource::Case, &ann, Some(&case));
    let (feeling, events) = Feeling::record(own, &ann, Some(&case), from_millis(0)).unwrap();
    assert_eq!(feeling.owner_id, None);
    assert_eq!(events.len(), 1, "an employee's answer is never praise");
    assert!(events[0].payload().get("score").is_none());
    assert!(events[0].payload().get("emotion").is_none());

    let observed = answer(
        FeelingKind::Observed,
        FeelingSource::Case,
        &ann,
        Some(&case),
    );
    let (_, events) = Feeling::record(observed, &ann, Some(&case), from_millis(0)).unwrap();
    assert_eq!(
        events[0].payload()["score"],
        json!(5),
        "observations are about the customer"
    );
}

#[test]
fn a_pulse_is_an_employees_answer_for_the_iso_week_and_never_about_a_case() {
    let (carol, ann) = (person(Role::Customer), person(Role::Employee));
    // 2026-11-23 is a Monday of ISO week 48.
    let monday = from_millis(1_795_392_000_000);
    let pulse = answer(FeelingKind::Pulse, FeelingSource::Pulse, &ann, None);
    let (feeling, _) = Feeling::record(pulse.clone(), &ann, None, monday).unwrap();
    assert_eq!(feeling.period.as_deref(), Some("2026-W48"));
    assert_eq!(feeling.case_id, None);

    let err = Feeling::record(pulse.clone(), &carol, None, monday).unwrap_err();
    assert_eq!(err.field, "person", "answering for someone else");
    let mut carols = pulse.clone();
    carols.person_id = carol.id;
    let err = Feeling::record(carols, &carol, None, monday).unwrap_err();
    assert_eq!(err.reason, "only employees record a pulse feeling");

    let case = case_of(&carol, &ann, CaseStatus::Resolved);
    let err = Feeling::record(pulse, &ann, Some(&case), monday).unwrap_err();
    assert_eq!(err.field, "case");
    let mut wrong = answer(FeelingKind::Own, FeelingSource::Pulse, &ann, Some(&case));
    wrong.source = FeelingSource::Pulse;
    let err = Feeling::record(wrong, &ann, Some(&case), monday).unwrap_err();
    assert_eq!(err.reason, "must be case for a own feeling");
}

#[test]
fn scores_and_verbatims_are_validated() {
    assert!(Score::new(0).is_err());
    assert!(Score::new(6).is_err());
    assert_eq!("4".parse::<Score>().unwrap().get(), 4);
    assert_eq!(
        "four".parse::<Score>().unwrap_err().reason,
        "\"four\" is not a whole number from 1 to 5"
    );
    assert_eq!(Verbatim::parse_optional(Some("   ")).unwrap(), None);
    assert!(Verbatim::parse(&"x".repeat(2_001)).is_err());
    assert_eq!("furious".parse::<Emotion>().unwrap_err().field, "emotion");
}

fn stored(kind: FeelingKind, team: TeamId, case: CaseId, score: i64, day: i64) -> Feeling {
    Feeling {
        id: FeelingId::new(),
        kind,
        source: FeelingSource::Case,
        person_id: PersonId::new(),
        case_id: Some(case),
        team_id: Some(team),
        outcome_id: None,
        owner_id: None,
        score: Score::new(score).unwrap(),
        emotion: Some(Emotion::Satisfied),
        text: None,
        period: None,
        created_at: from_millis(day * DAY),
    }
}

#[test]
fn the_gap_pairs_each_rated_case_with_what_its_employees_observed() {
    let team = TeamId::new();
    let (a, b, c) = (CaseId::new(), CaseId::new(), CaseId::new());
    let customer = [
        stored(FeelingKind::Customer, team, a, 2, 0),
        stored(FeelingKind::Customer, team, b, 4, 0),
        // Rated, never observed: not in the gap.
        stored(FeelingKind::Customer, team, c, 1, 0),
    ];
    let observed = [
        stored(FeelingKind::Observed, team, a, 4, 0),
        stored(FeelingKind::Observed, team, a, 5, 0),
        stored(FeelingKind::Observed, team, b, 4, 0),
    ];
    let teams = figures::by_team(&customer, &observed, &[]);
    assert_eq!(teams.len(), 1);
    let gap = teams[0].gap.unwrap();
    // Case a: observed 4.5 against 2; case b: 4 against 4.
    assert_eq!(gap.cases, 2);
    assert_eq!(gap.observed, 4.25);
    assert_eq!(gap.stated, 3.0);
    assert_eq!(gap.gap, 1.25);
    let customer_mean = teams[0].customer.unwrap();
    assert_eq!((customer_mean.mean, customer_mean.count), (2.33, 3));
    assert_eq!(teams[0].emotions, vec![(Emotion::Satisfied, 3)]);
}

fn answers(team: TeamId, people: usize, score: u8, day: i64) -> Vec<EmployeeAnswer> {
    (0..people)
        .map(|_| EmployeeAnswer {
            person_id: PersonId::new(),
            teams: vec![team],
            score,
            at: from_millis(day * DAY),
        })
        .collect()
}

#[test]
fn employee_figures_stay_hidden_below_five_people() {
    let team = TeamId::new();
    let mut four = answers(team, 4, 2, 0);
    // The same person answering twice is still one respondent.
    four.push(EmployeeAnswer {
        score: 5,
        ..four[0].clone()
    });
    let teams = figures::by_team(&[], &[], &four);
    let figure = teams[0].employee.unwrap();
    assert_eq!((figure.respondents, figure.answers), (4, 5));
    assert_eq!(figure.mean, None);
    assert!(figure.hidden());

    let five = answers(team, MIN_RESPONDENTS as usize, 3, 0);
    let figure = figures::by_team(&[], &[], &five)[0].employee.unwrap();
    assert_eq!(figure.mean, Some(3.0));
}

#[test]
fn the_mirror_puts_weekly_figures_side_by_side_and_correlates_them() {
    use crate::standard_work::Cadence;
    let team = TeamId::new();
    // Four Mondays from 2026-11-02.
    let first = 1_793_577_600_000 / DAY;
    let weeks: Vec<_> = (0..4)
        .map(|w| Cadence::Weekly.period_at(from_millis((first + 7 * w) * DAY)))
        .collect();
    let mut customer = Vec::new();
    let mut employees = Vec::new();
    for (w, (cx, ex)) in [(2, 2), (3, 3), (4, 5), (5, 4)].into_iter().enumerate() {
        let day = first + 7 * w as i64 + 1;
        customer.push(stored(FeelingKind::Customer, team, CaseId::new(), cx, day));
        employees.extend(answers(team, 5, ex, day));
    }
    // A fifth week's answers from only three people: shown as hidden.
    let mirror = figures::mirror(&[team], &customer, &employees, &weeks);
    let m = &mirror[0];
    assert_eq!(m.weeks.len(), 4);
    assert_eq!(m.weeks[2].customer.unwrap().mean, 4.0);
    assert_eq!(m.weeks[2].employee.mean, Some(5.0));
    // Hand-computed: x = 2,3,4,5; y = 2,3,5,4 → r = 4 / sqrt(5 · 5) = 0.8.
    let correlation = m.correlation.unwrap();
    assert_eq!((correlation.r, correlation.weeks), (0.8, 4));

    let few = answers(team, 3, 4, first + 1);
    let hidden = figures::mirror(&[team], &customer, &few, &weeks[..1]);
    assert!(hidden[0].weeks[0].employee.hidden());
    assert_eq!(hidden[0].correlation, None);
}

#[test]
fn pearson_is_undefined_for_a_constant_side() {
    assert_eq!(figures::pearson(&[1.0, 2.0, 3.0], &[4.0, 4.0, 4.0]), None);
    assert_eq!(figures::pearson(&[1.0], &[1.0]), None);
    assert_eq!(
        figures::pearson(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]),
        Some(-1.0)
    );
}
