//! Stories for "I can get into my account": password resets, lost two-factor devices, locked
//! accounts, changing the sign-in email.

use super::Story;

pub const STORIES: &[Story] = &[
    Story {
        subject: "Password reset email never arrives",
        opening: &[
            "I've requested a password reset three times and never got the email. Checked spam too.",
            "Can't log in. Reset link doesn't arrive.",
        ],
        tags: &["password", "email-delivery"],
        urgency: 1,
        ask: &[
            "Sorry you're locked out. Which email address are you using to reset? I'd like to check it matches the one on the account.",
        ],
        answer: &[
            "I'm using my personal one, the one I'm writing from.",
            "The same one I'm writing from. I've had it for years.",
        ],
        progress: &[
            "Your mail provider was rejecting our emails; I've resent the reset through our backup route. It should arrive within a few minutes.",
        ],
        note: &[
            "Mail provider bounced with a spam-block; reported to deliverability. Identity verified by order history.",
        ],
        fix: &["I can see you've set a new password and signed in. You're all set."],
    },
    Story {
        subject: "Lost my phone, can't do two-factor login",
        opening: &[
            "My phone was stolen and now I can't log in because of the two-factor code. I have no backup codes. Help!",
            "New phone, and the authenticator app didn't transfer. I'm locked out.",
        ],
        tags: &["2fa", "security"],
        urgency: 2,
        ask: &[
            "I can help, but first I need to make sure it's really you. Could you tell me the last four digits of the card on the account and roughly the date of your last order?",
        ],
        answer: &[
            "Card ends in {last4}, last order was a {product} a few weeks ago.",
            "Last 4 are {last4}. Last order {order}.",
        ],
        progress: &[
            "Thanks, that matches. I've removed two-factor from the account for 24 hours; please sign in and set it up again on your new phone.",
        ],
        note: &[
            "Identity verified with card digits and last order. Security team informed, 24-hour window.",
        ],
        fix: &[
            "You've signed in and two-factor is set up again on your new phone. Please save the new backup codes somewhere safe.",
        ],
    },
    Story {
        subject: "Account locked after too many attempts",
        opening: &[
            "My account says it's locked. I might have typed the wrong password a few times.",
            "Locked out of my account, it says to contact support.",
        ],
        tags: &["locked", "security"],
        urgency: 1,
        ask: &[
            "The lock lifts by itself after 30 minutes, but I can lift it now. Could you confirm your postcode so I know it's you?",
        ],
        answer: &[
            "Postcode is on my delivery address, it starts with the same letters as the city.",
            "Sure, it's the one on the account, same as my billing.",
        ],
        progress: &[
            "Thanks, that matches. I've unlocked the account and sent you a link to choose a new password.",
        ],
        note: &["Failed attempts came from one IP in the customer's city; not an attack."],
        fix: &[
            "Your account is unlocked and the new password is set. You can sign in normally now.",
        ],
    },
];
