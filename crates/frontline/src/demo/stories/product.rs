//! Stories for "I get the most out of my product": how-to questions, setup, features.

use super::Story;

pub const STORIES: &[Story] = &[
    Story {
        subject: "How do I set up the {product}?",
        opening: &[
            "I've just got the {product} and the quick-start guide is confusing. How do I get it working with my TV?",
            "Bought a {product}, not sure how to set it up. Is there a guide somewhere?",
        ],
        tags: &["how-to", "setup"],
        urgency: 0,
        ask: &[
            "Happy to walk you through it. Which TV do you have (make and roughly how old), and is it near the router?",
        ],
        answer: &[
            "It's a Samsung from about 2019, in the living room, router is in the hall.",
            "LG TV, fairly new, about 5 metres from the router.",
        ],
        progress: &[
            "For that setup I'd connect it by Wi-Fi on the 5 GHz network. I've sent you a step-by-step guide with pictures for your TV model.",
        ],
        note: &["Setup guide for older Samsung TVs is outdated: raised with the docs team."],
        fix: &[
            "Glad it's working! I've also turned on automatic updates for you so it stays current.",
        ],
    },
    Story {
        subject: "Wi-Fi doesn't reach upstairs",
        opening: &[
            "The Wi-Fi doesn't reach my home office upstairs. Would the {product} help or do I need something else?",
            "Weak signal in the back bedroom. What do you recommend?",
        ],
        tags: &["coverage", "advice"],
        urgency: 0,
        ask: &[
            "Could you tell me how many floors you have and roughly where the router is? Then I can say whether an extender is enough or a mesh kit is better.",
        ],
        answer: &[
            "Two floors, router is downstairs at the front, office is upstairs at the back.",
            "Three floors, router in the basement unfortunately.",
        ],
        progress: &[
            "For that layout a mesh kit will work far better than an extender. Because you've been with us a long time, I can send one at half price.",
        ],
        note: &[
            "Offered mesh kit at 50%: within the loyalty guideline for customers over 2 years.",
        ],
        fix: &[
            "Your mesh kit is set up and I can see all three points connected with a strong signal. Enjoy the faster upstairs!",
        ],
    },
    Story {
        subject: "Parental controls on the {product}",
        opening: &[
            "How do I set up parental controls so the kids' tablets go offline at 9pm?",
            "Is there a way to limit screen time for my children's devices through the {product}?",
        ],
        tags: &["how-to", "parental-controls"],
        urgency: 0,
        ask: &[
            "Yes, you can do it from the app. Do you have the Frontline Home app installed, and are you signed in as the account owner?",
        ],
        answer: &[
            "Yes, I have the app, signed in.",
            "I have the app but I don't see a parental controls option.",
        ],
        progress: &[
            "The option appears after a firmware update; I've pushed it to your router now. In the app, go to Devices, pick the tablet and choose Schedule.",
        ],
        note: &["Parental controls hidden on old firmware: pushed update. Worth an FAQ entry."],
        fix: &[
            "Your schedule is set: the kids' tablets go offline at 9pm and back on at 7am. You can change it any time in the app.",
        ],
    },
];
