//! Names for the demo's customers: varied first and last names from many places, combined by
//! the seeded generator into unique people with plausible email addresses on the reserved
//! example domains (RFC 2606), so no demo mail can ever reach a real mailbox.

use std::collections::HashSet;

use super::rng::Rng;

const FIRST_NAMES: &[&str] = &[
    "Aaliyah",
    "Aarav",
    "Abdul",
    "Ada",
    "Adebayo",
    "Agnieszka",
    "Aiko",
    "Alejandro",
    "Alice",
    "Amara",
    "Amir",
    "Ana",
    "Andrea",
    "Anja",
    "Arjun",
    "Astrid",
    "Ayesha",
    "Beatriz",
    "Ben",
    "Bilal",
    "Bjørn",
    "Bronwyn",
    "Camille",
    "Carlos",
    "Catalina",
    "Chen",
    "Chiara",
    "Chloé",
    "Chukwuemeka",
    "Daniel",
    "Dario",
    "Deepika",
    "Diego",
    "Dmitri",
    "Eilidh",
    "Elena",
    "Elif",
    "Emeka",
    "Emma",
    "Erik",
    "Esther",
    "Fatima",
    "Felix",
    "Fiona",
    "Francesca",
    "Gabriel",
    "Grace",
    "Hamza",
    "Hana",
    "Hannah",
    "Hiroshi",
    "Ibrahim",
    "Ines",
    "Isabel",
    "Ivan",
    "Jack",
    "Jamal",
    "Jana",
    "Javier",
    "Jin",
    "Joana",
    "Jonas",
    "Julia",
    "Kai",
    "Karim",
    "Katarzyna",
    "Kenji",
    "Kofi",
    "Lars",
    "Laura",
    "Leila",
    "Leon",
    "Lina",
    "Lucas",
    "Lucía",
    "Luis",
    "Magnus",
    "Mai",
    "Malik",
    "Marco",
    "Maria",
    "Mariam",
    "Mateo",
    "Mei",
    "Mia",
    "Miguel",
    "Minh",
    "Moritz",
    "Nadia",
    "Naomi",
    "Nia",
    "Niamh",
    "Nikhil",
    "Noah",
    "Nour",
    "Olga",
    "Oliver",
    "Omar",
    "Oscar",
    "Paulo",
    "Pedro",
    "Priyanka",
    "Rafael",
    "Rania",
    "Ravi",
    "Rhys",
    "Rosa",
    "Ruth",
    "Sakura",
    "Samuel",
    "Santiago",
    "Sara",
    "Sebastián",
    "Seo-yeon",
    "Siobhan",
    "Sofia",
    "Sven",
    "Tariq",
    "Thabo",
    "Theo",
    "Tomasz",
    "Valentina",
    "Wei",
    "Yara",
    "Yusuf",
    "Zainab",
    "Zoë",
];

const LAST_NAMES: &[&str] = &[
    "Abara",
    "Adeyemi",
    "Ahmed",
    "Alvarez",
    "Andersson",
    "Banerjee",
    "Becker",
    "Bianchi",
    "Boateng",
    "Brennan",
    "Campbell",
    "Castillo",
    "Chowdhury",
    "Costa",
    "Cruz",
    "Dahl",
    "Das",
    "Davies",
    "de Vries",
    "Dimitrov",
    "Dubois",
    "Eriksen",
    "Evans",
    "Fernandes",
    "Fischer",
    "Fitzgerald",
    "Fontaine",
    "García",
    "Gonzalez",
    "Gupta",
    "Haddad",
    "Hansen",
    "Hartmann",
    "Hassan",
    "Hughes",
    "Ito",
    "Iyer",
    "Jansen",
    "Jensen",
    "Johansson",
    "Kaur",
    "Kelly",
    "Khan",
    "Kim",
    "Kowalski",
    "Kuznetsova",
    "Lambert",
    "Larsen",
    "Laurent",
    "Lee",
    "Lindqvist",
    "Lopez",
    "MacLeod",
    "Mahlangu",
    "Martin",
    "Mendes",
    "Moreau",
    "Morgan",
    "Murphy",
    "Nakamura",
    "Nguyen",
    "Nielsen",
    "Novak",
    "Nowak",
    "O'Brien",
    "Okafor",
    "Okoro",
    "Olsen",
    "Owusu",
    "Park",
    "Patel",
    "Pereira",
    "Petrov",
    "Popescu",
    "Quinn",
    "Ramos",
    "Reddy",
    "Richter",
    "Rivera",
    "Romano",
    "Rossi",
    "Said",
    "Santos",
    "Sato",
    "Schmidt",
    "Schneider",
    "Shah",
    "Silva",
    "Singh",
    "Sokolova",
    "Suzuki",
    "Svensson",
    "Takahashi",
    "Tan",
    "Taylor",
    "Thomas",
    "Tran",
    "Van Dijk",
    "Vargas",
    "Virtanen",
    "Wagner",
    "Walker",
    "Wang",
    "Watanabe",
    "Weber",
    "Williams",
    "Wilson",
    "Wójcik",
    "Yamamoto",
    "Yilmaz",
    "Young",
    "Zhang",
    "Zimmermann",
];

const DOMAINS: &[&str] = &["example.com", "example.org", "example.net"];

/// A generated customer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerSpec {
    pub name: String,
    pub first_name: String,
    pub email: String,
    /// Long-standing, high-value customers; their cases carry the `vip` tag.
    pub vip: bool,
}

/// The customer whose login the demo prints; fixed so the printed address always exists.
pub const DEMO_CUSTOMER_EMAIL: &str = "alex.morgan@example.com";

/// `count` customers, the demo login customer first, all with distinct emails.
pub fn customers(seed: u64, count: usize) -> Vec<CustomerSpec> {
    let mut rng = Rng::derive(seed, "customers", 0);
    let mut taken = HashSet::new();
    let mut result = Vec::with_capacity(count);
    taken.insert(DEMO_CUSTOMER_EMAIL.to_owned());
    result.push(CustomerSpec {
        name: "Alex Morgan".into(),
        first_name: "Alex".into(),
        email: DEMO_CUSTOMER_EMAIL.into(),
        vip: false,
    });
    while result.len() < count {
        let first = *rng.pick(FIRST_NAMES);
        let last = *rng.pick(LAST_NAMES);
        let email = email_for(&mut rng, first, last);
        if !taken.insert(email.clone()) {
            continue;
        }
        result.push(CustomerSpec {
            name: format!("{first} {last}"),
            first_name: first.to_owned(),
            email,
            vip: rng.chance(0.08),
        });
    }
    result
}

/// The many shapes real addresses take: `ana.costa@`, `acosta@`, `ana_costa84@`, `ana.c@`…
fn email_for(rng: &mut Rng, first: &str, last: &str) -> String {
    let (f, l) = (ascii_slug(first), ascii_slug(last));
    let initial = &f[..1];
    let local = match rng.below(7) {
        0 | 1 => format!("{f}.{l}"),
        2 => format!("{initial}{l}"),
        3 => format!("{f}_{l}{}", rng.between(70, 99)),
        4 => format!("{f}.{}", &l[..1]),
        5 => format!("{f}{}", rng.between(1, 999)),
        _ => format!("{l}.{f}"),
    };
    format!("{local}@{}", rng.pick(DOMAINS))
}

/// Lower-case ASCII letters only, for the local part of an email (`Bjørn` → `bjorn`,
/// `O'Brien` → `obrien`, `Van Dijk` → `vandijk`).
pub fn ascii_slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        let mapped = match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => "a",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'í' | 'ì' | 'î' | 'ï' => "i",
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' => "o",
            'ú' | 'ù' | 'û' | 'ü' => "u",
            'ñ' | 'ń' => "n",
            'ç' | 'ć' => "c",
            'ł' => "l",
            'ś' => "s",
            'ź' | 'ż' => "z",
            'ß' => "ss",
            c if c.is_ascii_alphanumeric() => {
                out.push(c);
                continue;
            }
            _ => "",
        };
        out.push_str(mapped);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customers_are_unique_deterministic_and_on_example_domains() {
        let a = customers(7, 300);
        assert_eq!(a, customers(7, 300));
        assert_eq!(a.len(), 300);
        assert_eq!(a[0].email, DEMO_CUSTOMER_EMAIL);
        let emails: HashSet<_> = a.iter().map(|c| &c.email).collect();
        assert_eq!(emails.len(), 300);
        assert!(
            a.iter()
                .all(|c| DOMAINS.iter().any(|d| c.email.ends_with(d)))
        );
        assert!(a.iter().all(|c| c.email.is_ascii()));
        assert!(a.iter().any(|c| c.vip));
    }

    #[test]
    fn names_become_plain_ascii_for_emails() {
        assert_eq!(ascii_slug("Bjørn"), "bjorn");
        assert_eq!(ascii_slug("O'Brien"), "obrien");
        assert_eq!(ascii_slug("Van Dijk"), "vandijk");
        assert_eq!(ascii_slug("Wójcik"), "wojcik");
        assert_eq!(ascii_slug("Seo-yeon"), "seoyeon");
    }
}
