//! Stories for "My return is sorted without hassle": returns, exchanges, late refunds.

use super::Story;

pub const STORIES: &[Story] = &[
    Story {
        subject: "Return the {product} from {order}",
        opening: &[
            "I'd like to return the {product} from order {order}. It's unused, it just doesn't fit the space. How do I send it back?",
            "Hi, the {product} isn't what I expected. Can I return it? Order {order}.",
        ],
        tags: &["return"],
        urgency: 0,
        ask: &[
            "Of course. Would you prefer a refund or an exchange, and would you like a courier collection or to drop it at a parcel shop?",
        ],
        answer: &[
            "Refund please, and a drop-off is fine.",
            "Collection please, I don't have a car. Refund to my card.",
        ],
        progress: &[
            "Your return is booked, reference {ref}. The label is in your email; no need to print anything at the parcel shop, just show the QR code.",
        ],
        note: &[
            "Outside the 30 days by 2 days; accepting anyway, customer has a long history with us.",
        ],
        fix: &[
            "We've received the {product} and refunded {amount} to your original payment method. Thanks for shopping with us.",
        ],
    },
    Story {
        subject: "Refund for return {ref} not received",
        opening: &[
            "I sent back my return ({ref}) two weeks ago and still haven't got my refund of {amount}.",
            "Where is my refund? The tracking shows you received my return {days} days ago.",
        ],
        tags: &["refund", "return"],
        urgency: 1,
        ask: &[
            "Sorry for the wait. Could you confirm the tracking number for the return parcel so I can match it to your return?",
        ],
        answer: &[
            "Tracking is on the label receipt, I've attached a photo.",
            "It was the {carrier} label you sent me, number in the attachment.",
        ],
        progress: &[
            "Found it: the parcel arrived but wasn't scanned in to your return, so the refund never started. I've linked it and asked for the refund to go out today.",
        ],
        note: &["Returns desk missed the scan. Refund manually, don't wait for the weekly batch."],
        fix: &[
            "Your refund of {amount} for return {ref} has been paid today. Sorry it took longer than it should.",
        ],
    },
    Story {
        subject: "Exchange {product} for a different size",
        opening: &[
            "The {product} is a bit small. Can I swap it for the next size up without paying postage again?",
            "Could I exchange my {product} (order {order}) for a different colour?",
        ],
        tags: &["exchange"],
        urgency: 0,
        ask: &[
            "Sure, which size or colour would you like? I'll check stock before booking anything.",
        ],
        answer: &[
            "One size up please, in the same colour.",
            "The dark green one if you have it.",
        ],
        progress: &[
            "It's in stock. I've reserved it and booked the exchange: the new one ships as soon as the courier scans your return, no extra cost.",
        ],
        note: &["Exchanges ship on first scan, not on arrival: speeds it up by three days."],
        fix: &[
            "Your new {product} has been delivered and the return received. All done, enjoy it!",
        ],
    },
];
