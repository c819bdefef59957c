//! Stories for "My connection works again": router offline, slow speeds, dropouts, an outage.

use super::Story;

pub const STORIES: &[Story] = &[
    Story {
        subject: "Router offline since this morning",
        opening: &[
            "My {product} has been offline since this morning. The light is blinking red and nothing connects. I work from home, this is urgent.",
            "No internet at all. The router shows a red light. I've turned it off and on twice already.",
            "Internet down again. Red light on the {product}. I have a client call in two hours.",
        ],
        tags: &["outage", "router"],
        urgency: 2,
        ask: &[
            "Sorry you're offline. Could you tell me which lights are on at the front of the router, and whether the cable into the wall socket is firmly in? A photo is perfect.",
            "Let's get you back. Could you hold the reset button for 10 seconds, wait 3 minutes and tell me which lights you see then?",
        ],
        answer: &[
            "Power is green, the globe light is blinking red, the rest are off. Cable is in.",
            "Did the reset. Now it's orange and blinking.",
        ],
        progress: &[
            "Thanks. I can see the line is in sync but your router isn't authenticating. I've pushed a new configuration to it; it will restart by itself in a couple of minutes.",
            "There's a fault on the line at the street cabinet. An engineer is booked for today; I'll keep you updated.",
        ],
        note: &[
            "Line test: sync ok, PPP auth failing. Config pushed. If still down, send a replacement router by courier.",
            "Customer works from home; offer a 4G backup dongle if the engineer can't come today.",
        ],
        fix: &[
            "The engineer fixed a damaged connection at the cabinet and your line tests clean now. Could you check it's working on your own devices?",
            "Your router picked up the new configuration and is online: I can see it connected at full speed. I've credited two days of service for the outage.",
        ],
    },
    Story {
        subject: "Speeds much slower than my plan",
        opening: &[
            "I pay for the {product} but I'm getting 40 Mbps at best in the evenings. Speed tests attached.",
            "Internet has been really slow for a week, video calls keep freezing.",
        ],
        tags: &["slow-speed"],
        urgency: 1,
        ask: &[
            "Thanks for the tests. Could you run one more with a cable plugged straight into the router, so we can rule out the Wi-Fi?",
        ],
        answer: &[
            "With a cable I get 480, so it's the Wi-Fi I guess.",
            "Cable gives the same slow speed, 38 Mbps.",
        ],
        progress: &[
            "That helps. Your router was on a crowded Wi-Fi channel; I've moved it to a clearer one and enabled the 5 GHz band.",
            "Line diagnostics show errors on your connection in the evenings. I've reset the line profile; it takes 24 hours to settle.",
        ],
        note: &[
            "Channel congestion: 14 networks visible on channel 6. Mesh kit would fix it for good if it comes back.",
        ],
        fix: &[
            "Your line has settled on the new profile and I can see you getting full speed in the evenings. If it drops again, reply here and it comes straight back to me.",
        ],
    },
    Story {
        subject: "Connection drops every few minutes",
        opening: &[
            "The internet keeps dropping for a minute every ten minutes or so. It's driving me mad.",
            "Wi-Fi disconnects constantly on all devices. Router is the {product}.",
        ],
        tags: &["dropouts", "router"],
        urgency: 1,
        ask: &[
            "Sorry about that. Does it happen on a cable too, or only on Wi-Fi? And roughly when did it start?",
        ],
        answer: &[
            "Both cable and Wi-Fi. Started on Saturday.",
            "Only Wi-Fi I think, since a few days.",
        ],
        progress: &[
            "Your router is restarting itself every few minutes, which points at a fault in the unit. I'm sending a replacement by courier.",
        ],
        note: &[
            "Router logs show watchdog reboots: hardware fault. Replacement sent, return label included.",
        ],
        fix: &[
            "The new router is in and the logs show no drops for 48 hours. You can send the old one back with the prepaid label in the box.",
        ],
    },
];
