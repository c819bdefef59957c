//! One case's conversation, turn by turn, on the nominal calendar: who writes what and when,
//! and where the status moves. The shape depends on the status the case must end in; the
//! wording comes from the case's story.

use frontline_core::{CaseStatus, OutcomeAchieved, Priority, Timestamp};

use super::plan::{Action, Author, MINUTE_MS, Step};
use super::rng::Rng;
use super::stories::{self, Story, Vars};

/// Builds the turns of one conversation on the nominal calendar.
pub struct Conversation {
    pub rng: Rng,
    pub vars: Vars,
    pub story: &'static Story,
    pub priority: Priority,
    /// The nominal time of the next turn, in unix milliseconds.
    pub at: i64,
    pub steps: Vec<Step>,
}

impl Conversation {
    fn wait(&mut self, low: f64, high: f64) {
        self.at += self.rng.minutes_log(low, high).max(1) * MINUTE_MS + self.rng.between(0, 59_999);
    }

    fn say(&mut self, author: Author, texts: &[&str]) {
        let text = *self.rng.pick(texts);
        let body = match author {
            Author::Customer => stories::customer_message(&mut self.rng, &self.vars, text),
            _ => stories::staff_reply(&mut self.rng, &self.vars, text),
        };
        self.push(author, body, false);
    }

    fn note(&mut self) {
        let (author, text) = if self.rng.chance(0.4) {
            (Author::Supporter, *self.rng.pick(stories::SUPPORT_NOTES))
        } else {
            (Author::Owner, *self.rng.pick(self.story.note))
        };
        let body = self.vars.fill(text);
        self.push(author, body, true);
    }

    fn push(&mut self, author: Author, body: String, internal: bool) {
        self.act(Action::Message {
            author,
            body,
            internal,
        });
    }

    fn act(&mut self, action: Action) {
        let at = Timestamp::from_millisecond(self.at).expect("in range");
        self.steps.push(Step { at, action });
    }

    /// A status change, a few minutes after the turn before it.
    fn status(&mut self, to: CaseStatus) {
        self.wait(1.0, 15.0);
        self.act(Action::Status(to));
    }

    fn first_response(&mut self) {
        let (low, high) = match self.priority {
            Priority::Urgent => (2.0, 30.0),
            Priority::High => (5.0, 120.0),
            Priority::Normal => (15.0, 480.0),
            Priority::Low => (30.0, 900.0),
        };
        self.wait(low, high);
    }

    /// Staff ask for something; the customer answers, perhaps after the case waited on them.
    fn ask_and_answer(&mut self, park: bool) {
        self.say(Author::Owner, self.story.ask);
        if park {
            self.status(CaseStatus::WaitingOnCustomer);
        }
        self.wait(10.0, 1440.0);
        self.say(Author::Customer, self.story.answer);
    }

    pub fn play(&mut self, status: CaseStatus, tags: &[String]) {
        match status {
            CaseStatus::New => {
                if self.rng.chance(0.25) {
                    self.wait(60.0, 600.0);
                    self.say(Author::Customer, stories::CHASERS);
                }
            }
            CaseStatus::Open => {
                self.first_response();
                match self.rng.below(3) {
                    0 => self.say(Author::Owner, self.story.progress),
                    variant => self.ask_and_answer(variant == 1),
                }
                if self.rng.chance(0.3) {
                    self.wait(5.0, 120.0);
                    self.note();
                }
                if self.rng.chance(0.2) {
                    self.wait(120.0, 1440.0);
                    self.say(Author::Customer, stories::CHASERS);
                }
            }
            CaseStatus::WaitingOnCustomer => {
                self.first_response();
                if self.rng.chance(0.3) {
                    self.say(Author::Owner, self.story.progress);
                    self.wait(30.0, 600.0);
                }
                self.say(Author::Owner, self.story.ask);
                self.status(CaseStatus::WaitingOnCustomer);
            }
            CaseStatus::Resolved | CaseStatus::Closed => self.resolve(status, tags),
        }
    }

    fn resolve(&mut self, status: CaseStatus, tags: &[String]) {
        self.first_response();
        if self.rng.chance(0.6) {
            let park = self.rng.chance(0.7);
            self.ask_and_answer(park);
            self.wait(5.0, 240.0);
        }
        if self.rng.chance(0.5) {
            // Now and then a support employee answers the customer themselves.
            let author = if self.rng.chance(0.06) {
                Author::Supporter
            } else {
                Author::Owner
            };
            self.say(author, self.story.progress);
            self.wait(30.0, 1440.0);
        }
        if self.rng.chance(0.35) {
            self.note();
            self.wait(5.0, 180.0);
        }
        if self.rng.chance(0.15) {
            self.say(Author::Customer, stories::CHASERS);
            self.wait(10.0, 240.0);
        }
        if self.rng.chance(0.12) {
            let mut tags = tags.to_vec();
            tags.push((*self.rng.pick(&["escalated", "goodwill", "follow-up"])).to_owned());
            self.wait(1.0, 30.0);
            self.act(Action::Tags(tags));
        }
        self.say(Author::Owner, self.story.fix);
        let achieved = [
            OutcomeAchieved::Yes,
            OutcomeAchieved::No,
            OutcomeAchieved::Unknown,
        ][self.rng.weighted(&[0.85, 0.1, 0.05])];
        if achieved == OutcomeAchieved::No && self.rng.chance(0.7) {
            self.wait(10.0, 600.0);
            self.say(Author::Customer, stories::UNHAPPY);
        } else if achieved == OutcomeAchieved::Yes && self.rng.chance(0.45) {
            self.wait(5.0, 360.0);
            self.say(Author::Customer, stories::THANKS);
        }
        self.status(CaseStatus::Resolved);
        if achieved != OutcomeAchieved::Unknown {
            self.wait(1.0, 3.0);
            self.act(Action::Achieved(achieved));
        }
        if self.rng.chance(0.05) {
            self.wait(1440.0, 4.0 * 1440.0);
            self.say(Author::Customer, stories::REOPEN);
            self.wait(30.0, 600.0);
            self.say(Author::Owner, stories::REOPEN_FIX);
            self.status(CaseStatus::Resolved);
        }
        if status == CaseStatus::Closed {
            // Resolved cases close after a quiet day or three.
            self.wait(1440.0, 3.0 * 1440.0);
            self.act(Action::Status(CaseStatus::Closed));
        }
    }
}
