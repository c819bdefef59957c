//! Stories for "I am charged exactly what I expected": double charges, unexpected renewals,
//! wrong invoices, promised discounts not applied.

use super::Story;

pub const STORIES: &[Story] = &[
    Story {
        subject: "Charged twice for order {order}",
        opening: &[
            "I've been charged twice for order {order}: two payments of {amount} on my card ending {last4}. Please refund one of them.",
            "My bank statement shows {amount} taken twice on the same day. I only placed one order ({order}).",
        ],
        tags: &["double-charge", "refund"],
        urgency: 2,
        ask: &[
            "Sorry about this. Could you tell me the dates of both payments as they appear on your statement? One of them may be a pre-authorisation that drops off by itself.",
        ],
        answer: &[
            "Both on the 3rd, both say 'completed', not pending.",
            "Same date, both show as paid. Screenshot attached.",
        ],
        progress: &[
            "I can see both payments on our side: the second came from a retry when the payment page timed out. I've started the refund for the duplicate.",
        ],
        note: &[
            "Payment provider retried after a timeout: known issue, ticket open with them. Refund duplicates without asking for more proof.",
        ],
        fix: &[
            "The duplicate payment of {amount} has been refunded to your card ending {last4}. Your bank will show it within 3–5 working days. Sorry for the worry.",
        ],
    },
    Story {
        subject: "Unexpected renewal charge",
        opening: &[
            "I was just charged {amount} for a renewal I didn't ask for. I thought my subscription was cancelled.",
            "Why did you take {amount} from my account? I never agreed to auto-renew.",
        ],
        tags: &["renewal", "refund"],
        urgency: 1,
        ask: &[
            "I understand the surprise. Could you confirm the email address you used when you cancelled? I can't find a cancellation on this account and want to check whether there's a second one.",
        ],
        answer: &[
            "It would have been my work email, same name at the company domain.",
            "I used the same email. I cancelled by phone in March.",
        ],
        progress: &[
            "Found it: the cancellation was logged on the phone call but never applied to the subscription. That's our mistake. I'm cancelling it properly now and refunding the renewal.",
        ],
        note: &[
            "Cancellation logged but not applied: same bug as last month. Refund in full, within guideline.",
        ],
        fix: &[
            "Your subscription is cancelled and the {amount} renewal refunded. You'll get a confirmation email for both. Nothing more will be charged.",
        ],
    },
    Story {
        subject: "Invoice for {order} is wrong",
        opening: &[
            "The invoice for order {order} shows {amount} but the checkout said less because of the discount code. Can you correct it? I need it for my expenses.",
            "My invoice has the wrong company name and VAT number. I need a corrected one for order {order}.",
        ],
        tags: &["invoice"],
        urgency: 0,
        ask: &[
            "Happy to fix that. Which details should be on the invoice: the company name, address and VAT number exactly as you need them?",
        ],
        answer: &[
            "Company: Northwind Studio Ltd, VAT GB 123 4567 89, same address as delivery.",
            "Please put it in the company name, details are in my account profile now.",
        ],
        progress: &[
            "Thanks. I've asked billing to reissue the invoice with the corrected details.",
        ],
        note: &[
            "Reissue needs finance sign-off when the total changes; details-only changes don't.",
        ],
        fix: &[
            "The corrected invoice for {order} is attached and also available in your account under Orders. The old one has been voided.",
        ],
    },
    Story {
        subject: "Discount code not applied",
        opening: &[
            "I used the code WELCOME15 at checkout but I was charged the full {amount}. Can you apply the discount?",
            "The promotion said 20% off but my order {order} was charged full price.",
        ],
        tags: &["discount"],
        urgency: 0,
        ask: &[
            "Sorry about that. Do you have the email with the code? Some codes only apply to certain items and I'd like to check which one you had.",
        ],
        answer: &[
            "Forwarded the email to you just now.",
            "It was in the newsletter last week, code is WELCOME15.",
        ],
        progress: &[
            "The code was valid for your order; it failed because the basket was edited after it was applied. I'm refunding the difference.",
        ],
        note: &[
            "Goodwill: refund the difference even if the code had expired, within a week of expiry.",
        ],
        fix: &[
            "I've refunded the discount difference to your original payment method. It should appear within a few days.",
        ],
    },
];
