//! Stories for "My order arrives complete and on time": late parcels, missing items,
//! damage in transit, wrong address.

use super::Story;

pub const STORIES: &[Story] = &[
    Story {
        subject: "Order {order} hasn't arrived",
        opening: &[
            "Hi, I ordered a {product} ({order}) and the tracking has said 'in transit' for {days} days now. It was supposed to arrive on Tuesday. Can you tell me where it is?",
            "My order {order} is late. {carrier} tracking hasn't updated since it left your warehouse. I need it before the weekend, it's a present.",
            "Where is my parcel? Order {order}, a {product}. The delivery date came and went and nobody has told me anything.",
        ],
        tags: &["late-delivery", "carrier"],
        urgency: 1,
        ask: &[
            "Sorry about the wait. Could you confirm the delivery address on the order is still right, and whether there's a safe place or neighbour the driver can use?",
            "I'm sorry it's late. Can you check whether you've had a card through the door from {carrier}? Sometimes the tracking lags behind a missed delivery.",
        ],
        answer: &[
            "Address is correct. No card, I've been home all day. A neighbour at number 12 can take it.",
            "Yes the address is right. No card from them. The porch is fine if nobody's in.",
        ],
        progress: &[
            "I've opened an investigation with {carrier} and flagged your parcel as urgent. They usually answer within a working day; I'll come back to you as soon as they do, whatever they say.",
            "I can see the parcel is stuck at the {carrier} depot. I've asked them to put it on tomorrow's first van and I'm watching the tracking myself.",
        ],
        note: &[
            "{carrier} depot has a backlog this week. If no scan by tomorrow noon, send a replacement: don't wait for the investigation.",
            "Customer needs it for a birthday. Replacement pre-approved if the carrier can't commit to a date.",
        ],
        fix: &[
            "Good news: {carrier} delivered your {product} this morning. I've refunded the delivery charge for the trouble. If anything's wrong with it, just reply here.",
            "Rather than keep you waiting on {carrier}, I've sent a replacement {product} by next-day delivery. Tracking is in your inbox; if the first parcel turns up, keep it or send it back free, whichever suits you.",
        ],
    },
    Story {
        subject: "Item missing from order {order}",
        opening: &[
            "The box for order {order} arrived today but the {product} isn't in it. Everything else is there. The packing slip lists it.",
            "Received my parcel but one item is missing: the {product}. Order number {order}.",
        ],
        tags: &["missing-item"],
        urgency: 1,
        ask: &[
            "Sorry about that. Could you send me a photo of the packing slip and the box, including the shipping label? It helps the warehouse find out what went wrong.",
        ],
        answer: &[
            "Photos attached. The box was sealed properly, it just wasn't in there.",
            "Here you go, label and slip attached.",
        ],
        progress: &[
            "Thanks. The warehouse confirms the {product} was left off at packing. I've put a priority order through for it at no cost.",
            "I've checked with the warehouse: the item was split into a second parcel by mistake and never shipped. I'm sending it today.",
        ],
        note: &[
            "Third missing-item case from the same packing line this week; raised with the warehouse lead.",
            "Weight on the label is 0.8 kg under what the full order should weigh: clearly a packing miss, no need to ask for more proof.",
        ],
        fix: &[
            "Your {product} was delivered this afternoon. Thanks for your patience, and sorry again for the missing item.",
            "The missing {product} is on its way with {carrier}, arriving tomorrow. I've also added a €10 credit to your account for the hassle.",
        ],
    },
    Story {
        subject: "{product} arrived damaged",
        opening: &[
            "My {product} arrived today with a cracked casing. The outer box was crushed on one corner. Order {order}. Not happy.",
            "The {product} I ordered ({order}) is damaged, it looks like it was dropped in transit. What can you do?",
        ],
        tags: &["damaged", "carrier"],
        urgency: 1,
        ask: &[
            "I'm sorry it arrived like that. Could you send a couple of photos of the damage and the box? Then I can sort a replacement straight away.",
        ],
        answer: &[
            "Photos attached. The crack is on the back panel.",
            "Sent the photos. The box is crushed too, I kept it.",
        ],
        progress: &[
            "Thanks for the photos. I've arranged a replacement and {carrier} will collect the damaged one when they deliver, so you don't need to go anywhere.",
        ],
        note: &[
            "Damage claim filed with {carrier}, ref in the order notes. Don't wait on the claim to replace.",
        ],
        fix: &[
            "Your replacement {product} was delivered and the damaged one collected. Everything should be in order now; let me know if not.",
            "I've refunded {amount} in full as you preferred over a replacement. It'll show on your statement in 2–3 working days.",
        ],
    },
    Story {
        subject: "Wrong delivery address on {order}",
        opening: &[
            "I just noticed order {order} is going to my old address! I moved last month. Can you change it before it ships?",
            "Please help, I typed the wrong postcode on order {order}. It says dispatched already.",
        ],
        tags: &["address-change"],
        urgency: 2,
        ask: &[
            "No problem, I can try to redirect it. What's the full new address, including the postcode?",
        ],
        answer: &[
            "It's 14 Alder Court, flat 3. Same city, the postcode is on my account now.",
            "New address is the one on my profile, I updated it yesterday.",
        ],
        progress: &[
            "I've asked {carrier} to redirect the parcel to your new address. They've accepted, it adds one day to delivery.",
        ],
        note: &[
            "Redirect accepted by {carrier}. If it fails, cancel and reship: cheaper than a lost parcel.",
        ],
        fix: &[
            "The parcel was delivered to your new address today. I've also updated the default address on your account so this won't happen again.",
        ],
    },
];
