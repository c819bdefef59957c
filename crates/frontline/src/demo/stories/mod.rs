//! What the demo's customers write about and how staff answer: for every outcome a handful of
//! stories (late parcel, double charge, router offline, locked account…), each with several
//! wordings of every turn so 2,000 conversations do not read like one.
//!
//! Texts hold placeholders (`{order}`, `{amount}`, `{product}`…) that `fill` replaces with
//! values drawn for the case; `{agent}` is filled only when the case is written, because the
//! replying employee is chosen by the store's routing.

mod access;
mod billing;
mod online;
mod orders;
mod product;
mod returns;

use super::rng::Rng;

/// One kind of problem a customer brings, and the turns of its conversation.
pub struct Story {
    pub subject: &'static str,
    /// The customer's first message.
    pub opening: &'static [&'static str],
    pub tags: &'static [&'static str],
    /// 0 = usually low, 1 = usually normal, 2 = often high or urgent.
    pub urgency: u8,
    /// A staff reply asking the customer for something (the case then waits on them).
    pub ask: &'static [&'static str],
    /// The customer's answer to the ask.
    pub answer: &'static [&'static str],
    /// A staff reply saying what is being done.
    pub progress: &'static [&'static str],
    /// Internal notes between staff.
    pub note: &'static [&'static str],
    /// The staff reply that delivers the outcome.
    pub fix: &'static [&'static str],
}

/// The stories of an outcome, by the outcome's key (see `outcomes::OUTCOMES`).
pub fn for_outcome(key: &str) -> &'static [Story] {
    match key {
        "order_arrives" => orders::STORIES,
        "charged_correctly" => billing::STORIES,
        "back_online" => online::STORIES,
        "easy_return" => returns::STORIES,
        "account_access" => access::STORIES,
        _ => product::STORIES,
    }
}

/// Customer nudges while waiting for an answer. The last ones are angry: the store scores
/// every customer message, so they raise the demo's mood alerts (and feed its themes).
pub const CHASERS: &[&str] = &[
    "Any update on this? It's been a while.",
    "Just checking in, is anyone looking at this?",
    "Hello? I still haven't heard anything back.",
    "Sorry to chase, but I really need this sorted today.",
    "Could someone please give me an update?",
    "This is unacceptable. Three emails and still no reply from your support team.",
    "I am furious. Nobody called me back and the refund is still missing.",
    "Useless. The courier update never came and I am still waiting for my parcel.",
];

/// Customers confirming the fix worked.
pub const THANKS: &[&str] = &[
    "That did it, thank you so much!",
    "Brilliant, all sorted now. Thanks for the quick help.",
    "Perfect, that's exactly what I needed.",
    "Thanks {agent}, really appreciate you sorting this out.",
    "Great, it works now. Have a nice day!",
    "Received, thank you. Much better experience than last time.",
];

/// Customers who are not satisfied, before a case is resolved without the outcome.
pub const UNHAPPY: &[&str] = &[
    "Honestly this isn't what I hoped for, but I suppose there's nothing more you can do.",
    "I'm disappointed. I'll think about whether to stay a customer.",
    "Fine. Not happy about it, but fine.",
    "This took far too long and the result isn't great.",
];

/// Customers coming back after a case was resolved.
pub const REOPEN: &[&str] = &[
    "Sorry, I have to reopen this: it's happening again.",
    "I thought this was fixed but the problem is back.",
    "Actually it's not resolved, I just checked again and nothing has changed.",
];

/// Staff following up on a reopened case.
pub const REOPEN_FIX: &[&str] = &[
    "Sorry this came back. I dug deeper this time and found the underlying cause; it's fixed properly now and I've added a note to your account so anyone who picks this up sees the history.",
    "Thanks for telling us. I've escalated it internally and applied a permanent fix. I'll keep an eye on it for the next few days.",
];

/// Notes from support employees: unblocking, approving, coaching.
pub const SUPPORT_NOTES: &[&str] = &[
    "Approved. Go ahead, this is well within what we'd want for the customer. {agent}",
    "I've chased the supplier on our side so you don't have to. Should be unblocked by tomorrow. {agent}",
    "Nice handling. Let's use this case in Thursday's huddle as a good example. {agent}",
    "Talked to finance: you can issue the credit straight away, no second sign-off needed. {agent}",
    "This is the third one like this this week; I'm raising it with the product team. {agent}",
];

const SIGN_OFFS: &[&str] = &[
    "Best",
    "Kind regards",
    "Thanks",
    "All the best",
    "Cheers",
    "Warm wishes",
];

const CARRIERS: &[&str] = &["DHL", "UPS", "DPD", "PostNL", "Royal Mail", "GLS"];

/// Values for the placeholders of one case.
pub struct Vars {
    pub first: String,
    pub order: String,
    pub amount: String,
    pub carrier: &'static str,
    pub product: &'static str,
    pub days: i64,
    pub last4: i64,
    pub reference: String,
}

impl Vars {
    pub fn draw(rng: &mut Rng, first: &str, outcome_key: &str) -> Self {
        let products: &[&str] = match outcome_key {
            "back_online" | "product_help" => &[
                "Aero 2 router",
                "Aero mesh kit",
                "Fibre 500 plan",
                "Fibre 1000 plan",
                "StreamBox 4K",
                "Home Hub",
                "Wi-Fi extender",
                "smart plug set",
            ],
            _ => &[
                "espresso machine",
                "standing desk",
                "wireless headphones",
                "winter jacket",
                "kettle",
                "office chair",
                "air purifier",
                "blender",
                "running shoes",
                "duvet set",
                "desk lamp",
                "backpack",
                "coffee grinder",
            ],
        };
        Self {
            first: first.to_owned(),
            order: format!("#{}", rng.between(240_000, 489_999)),
            amount: format!("€{}.{:02}", rng.between(9, 420), rng.between(0, 99)),
            carrier: *rng.pick(CARRIERS),
            product: *rng.pick(products),
            days: rng.between(2, 9),
            last4: rng.between(1000, 9999),
            reference: format!("RMA-{}", rng.between(10_000, 99_999)),
        }
    }

    /// Replace every placeholder except `{agent}`.
    pub fn fill(&self, template: &str) -> String {
        template
            .replace("{first}", &self.first)
            .replace("{order}", &self.order)
            .replace("{amount}", &self.amount)
            .replace("{carrier}", self.carrier)
            .replace("{product}", self.product)
            .replace("{days}", &self.days.to_string())
            .replace("{last4}", &self.last4.to_string())
            .replace("{ref}", &self.reference)
    }
}

/// A public staff reply: greeting, text, sign-off, and `{agent}` to be filled with the author.
pub fn staff_reply(rng: &mut Rng, vars: &Vars, text: &str) -> String {
    let greeting = match rng.below(3) {
        0 => format!("Hi {},", vars.first),
        1 => format!("Hello {},", vars.first),
        _ => format!("Dear {},", vars.first),
    };
    format!(
        "{greeting}\n\n{}\n\n{},\n{{agent}}",
        vars.fill(text),
        rng.pick(SIGN_OFFS)
    )
}

/// A customer message, signed with their first name about half the time (emails are).
pub fn customer_message(rng: &mut Rng, vars: &Vars, text: &str) -> String {
    let text = vars.fill(text);
    if rng.chance(0.5) {
        format!("{text}\n\n{}", vars.first)
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::outcomes::OUTCOMES;

    #[test]
    fn every_outcome_has_stories_with_every_turn() {
        for outcome in OUTCOMES {
            let stories = for_outcome(outcome.key);
            assert!(stories.len() >= 3, "{} needs more stories", outcome.key);
            for s in stories {
                for turn in [s.opening, s.ask, s.answer, s.progress, s.note, s.fix] {
                    assert!(!turn.is_empty(), "{}: a turn is empty", s.subject);
                }
                for tag in s.tags {
                    frontline_core::Tag::parse(tag).unwrap();
                }
            }
        }
    }

    #[test]
    fn placeholders_are_all_filled_except_the_agent() {
        let mut rng = Rng::new(1);
        for outcome in OUTCOMES {
            let vars = Vars::draw(&mut rng, "Ana", outcome.key);
            for s in for_outcome(outcome.key) {
                let all = [s.opening, s.ask, s.answer, s.progress, s.note, s.fix].concat();
                for text in std::iter::once(&s.subject).chain(all.iter()) {
                    let filled = vars.fill(text).replace("{agent}", "Lena");
                    assert!(!filled.contains('{'), "unfilled placeholder in {text:?}");
                }
            }
        }
    }
}
